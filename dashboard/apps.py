from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "领导驾驶舱"

    def ready(self):
        from dashboard import audit  # noqa: F401  (registers the app's audit actions)
        from dashboard.views import DashboardView
        from renewal.choices import Role
        from renewal.views import HOME_VIEWS

        # The leaders' home page is the dashboard (issue 14); renewal does not import this app.
        HOME_VIEWS[Role.LEADERSHIP] = DashboardView.as_view()
