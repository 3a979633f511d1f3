from django.apps import AppConfig


class RenewalConfig(AppConfig):
    name = "renewal"
    verbose_name = "平台基础"

    def ready(self):
        from renewal import accounts, audit  # noqa: F401  (audit actions; login lock-out signal receivers)
