from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "报表与审计工作台"

    def ready(self):
        from reports import (
            audit,  # noqa: F401  (registers the audit actions of scheduled report runs)
            jobs,
        )

        jobs.register()  # the progress report, the 入库项目清单 and the ledger as background jobs
