from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "项目库"

    def ready(self):
        from projects import (
            audit,  # noqa: F401  (registers the audit actions projects writes outside its workflows)
            catalogue,  # noqa: F401  (registers the CATALOGUE workflow: category/sub-type, districts)
            deadlines,  # noqa: F401  (registers the intake deadline kinds)
            importing,
            library,  # noqa: F401  (registers the LIBRARY workflow: path, city plan, removal)
            notifications,  # noqa: F401  (who is told of each step: reactions to audit codes)
            services,  # noqa: F401  (registers the INTAKE and INTAKE_OPINION workflows)
        )

        importing.register_job()  # "确认导入" commits the 入库项目清单 as a background job (issue 13)
