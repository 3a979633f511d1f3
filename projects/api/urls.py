from rest_framework.routers import SimpleRouter

from projects.api import views

app_name = "projects-api"

# SimpleRouter: the API root view already comes from renewal.api.urls under the same prefix.
router = SimpleRouter()
router.register("projects", views.ProjectViewSet, basename="project")
router.register("intake-opinions", views.IntakeOpinionViewSet, basename="intake-opinion")

urlpatterns = router.urls
