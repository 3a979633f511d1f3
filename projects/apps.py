from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "项目库"

    def ready(self):
        from projects import deadlines  # noqa: F401  (registers the intake deadline kinds)
