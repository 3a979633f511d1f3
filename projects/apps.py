from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "项目库"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from projects import (
            audit,  # noqa: F401  (registers the audit actions projects writes outside its workflows)
            catalogue,  # noqa: F401  (registers the CATALOGUE workflow: category/sub-type, districts)
            deadlines,  # noqa: F401  (registers the intake deadline kinds)
            importing,
            library,  # noqa: F401  (registers the LIBRARY workflow: path, city plan, removal)
            notifications,  # noqa: F401  (who is told of each step: reactions to audit codes)
            services,  # noqa: F401  (registers the INTAKE and INTAKE_OPINION workflows)
        )
        from projects.models import Project
        from projects.scope_cache import projects_changed

        # Cached answers about project scope follow every change to a project (projects/scope_cache.py).
        post_save.connect(projects_changed, sender=Project, dispatch_uid="entity-choices-save")
        post_delete.connect(projects_changed, sender=Project, dispatch_uid="entity-choices-delete")
        m2m_changed.connect(
            projects_changed, sender=Project.districts.through, dispatch_uid="entity-choices-districts"
        )
        importing.register_job()  # "确认导入" commits the 入库项目清单 as a background job (issue 13)
