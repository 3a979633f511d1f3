from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "项目库"

    def ready(self):
        from projects import (
            audit,  # noqa: F401  (registers the audit actions projects writes outside its workflows)
            deadlines,  # noqa: F401  (registers the intake deadline kinds)
            services,  # noqa: F401  (registers the INTAKE and INTAKE_OPINION workflows)
        )
