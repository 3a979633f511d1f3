from django.apps import AppConfig


class PermitsConfig(AppConfig):
    name = "permits"
    verbose_name = "行政许可与竣工"

    def ready(self):
        # Deadline kinds, the audit vocabulary, the workflow tables and the reactions to earlier apps' steps.
        from permits import audit, deadlines, reactions, workflows  # noqa: F401
