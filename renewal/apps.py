from django.apps import AppConfig


class RenewalConfig(AppConfig):
    name = "renewal"
    verbose_name = "平台基础"

    def ready(self):
        from renewal import audit  # noqa: F401  (registers the kernel's audit actions)
