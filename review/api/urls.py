from rest_framework.routers import SimpleRouter

from review.api import views

app_name = "review-api"

# SimpleRouter: the API root view already comes from renewal.api.urls under the same prefix.
router = SimpleRouter()
router.register("plans", views.PlanViewSet, basename="plan")
router.register("plan-versions", views.PlanVersionViewSet, basename="plan-version")
router.register("reviews", views.DepartmentReviewViewSet, basename="review")
router.register("public-notices", views.PublicNoticeViewSet, basename="public-notice")

urlpatterns = router.urls
