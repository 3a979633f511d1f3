from django.urls import path

from supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.BoardView.as_view(), name="board"),
    path("mine/", views.MyTasksView.as_view(), name="my_tasks"),
    path("leaders/", views.LeadersView.as_view(), name="leaders"),
    path("export/", views.ExportView.as_view(), name="export"),
    path("import/", views.ImportUploadView.as_view(), name="import_upload"),
    path("import/<int:pk>/", views.ImportPreviewView.as_view(), name="import_preview"),
    path("import/<int:pk>/commit/", views.ImportCommitView.as_view(), name="import_commit"),
    path("lists/new/", views.ListCreateView.as_view(), name="list_create"),
    path("lists/<int:pk>/", views.ListDetailView.as_view(), name="list_detail"),
    path("lists/<int:pk>/tasks/new/", views.TaskCreateView.as_view(), name="task_create"),
    path("lists/<int:pk>/request/", views.ListRequestView.as_view(), name="list_request"),
    path("tasks/<int:pk>/", views.TaskDetailView.as_view(), name="task_detail"),
    path("tasks/<int:pk>/progress/", views.ProgressView.as_view(), name="progress"),
    path("tasks/<int:pk>/assign/", views.AssignView.as_view(), name="assign"),
    path("tasks/<int:pk>/<str:action>/", views.TaskActionView.as_view(), name="task_action"),
]
