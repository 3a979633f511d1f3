from rest_framework.routers import SimpleRouter

from supervision import api

app_name = "supervision-api"

# SimpleRouter: the API root view already comes from renewal.api.urls under the same prefix.
router = SimpleRouter()
router.register("supervision-lists", api.SupervisionListViewSet, basename="supervision-list")
router.register("supervision-tasks", api.SupervisionTaskViewSet, basename="supervision-task")
router.register("supervision-entries", api.ProgressEntryViewSet, basename="supervision-entry")

urlpatterns = router.urls
