from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.WorkspaceView.as_view(), name="workspace"),
    path("start/", views.StartReportView.as_view(), name="start"),
    path("downloads/", views.DownloadLogView.as_view(), name="downloads"),
    path("downloads/export/", views.DownloadLogExportView.as_view(), name="downloads_export"),
]
