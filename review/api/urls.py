from rest_framework.routers import SimpleRouter

from review.api import views

app_name = "review-api"

# SimpleRouter: the API root view already comes from renewal.api.urls under the same prefix.
router = SimpleRouter()
router.register("plans", views.PlanViewSet, basename="plan")
router.register("plan-versions", views.PlanVersionViewSet, basename="plan-version")
router.register("reviews", views.DepartmentReviewViewSet, basename="review")
router.register("pre-review-comments", views.PreReviewCommentViewSet, basename="pre-review-comment")
router.register("revision-requests", views.RevisionRequestViewSet, basename="revision-request")
router.register("publicity-comments", views.PublicityCommentViewSet, basename="publicity-comment")
router.register("public-notices", views.PublicNoticeViewSet, basename="public-notice")

urlpatterns = router.urls
