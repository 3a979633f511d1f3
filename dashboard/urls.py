from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="index"),
    path("targets/", views.TargetListView.as_view(), name="targets"),
    path("targets/<int:pk>/", views.TargetEditView.as_view(), name="target_edit"),
]
