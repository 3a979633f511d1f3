from django.urls import path

from permits import views

app_name = "permits"

urlpatterns = [
    path("", views.WorksListView.as_view(), name="list"),
    path("missing/", views.MissingReportsView.as_view(), name="missing"),
    path("projects/<int:pk>/", views.WorksDetailView.as_view(), name="works"),
    path("projects/<int:pk>/<str:action>/", views.WorksActionView.as_view(), name="works_action"),
    path("lines/<int:pk>/<str:action>/", views.LineActionView.as_view(), name="line_action"),
    path("months/<int:pk>/", views.MonthReportView.as_view(), name="month"),
]
