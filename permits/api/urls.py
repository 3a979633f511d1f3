from rest_framework.routers import SimpleRouter

from permits.api import views

app_name = "permits-api"

router = SimpleRouter()
router.register("project-works", views.ProjectWorksViewSet, basename="project-works")
router.register("permit-lines", views.PermitLineViewSet, basename="permit-line")
router.register("investment-months", views.InvestmentMonthViewSet, basename="investment-month")
router.register("investment-reports", views.MonthlyInvestmentReportViewSet, basename="investment-report")

urlpatterns = router.urls
