from django.urls import path
from rest_framework.routers import DefaultRouter

from renewal.api import views
from renewal.api.jobs import JobViewSet

app_name = "renewal-api"

router = DefaultRouter()
router.register("deadlines", views.DeadlineViewSet, basename="deadline")
router.register("audit-events", views.AuditEventViewSet, basename="auditevent")
router.register("jobs", JobViewSet, basename="job")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    # Scripts exchange a username and password for a token: POST username, password → {"token": …}.
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("workdays/add/", views.WorkdayAddView.as_view(), name="workdays-add"),
    path("workdays/between/", views.WorkdayBetweenView.as_view(), name="workdays-between"),
    path("workdays/due/", views.WorkdayDueView.as_view(), name="workdays-due"),
    path("workdays/kinds/", views.DeadlineKindListView.as_view(), name="workdays-kinds"),
    *router.urls,
]
