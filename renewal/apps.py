from django.apps import AppConfig


class RenewalConfig(AppConfig):
    name = "renewal"
    verbose_name = "平台基础"

    def ready(self):
        # Audit actions; login lock-out signal receivers; the job workflow and its audit codes.
        from renewal import accounts, audit, calendar_jobs, jobs  # noqa: F401

        calendar_jobs.register()  # a large calendar change recomputes deadlines as a background job
