from django.urls import path

from dashboard.api import DashboardApiView

app_name = "dashboard-api"

urlpatterns = [path("dashboard/", DashboardApiView.as_view(), name="dashboard")]
