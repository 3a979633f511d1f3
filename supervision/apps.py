from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = "督查督办与报表"

    def ready(self):
        # Deadline kind of a task's 完成时限, the audit vocabulary, the workflow table; the reaction that makes
        # "谁审查、谁监管" tasks when a joint-review opinion is issued (supervision.reactions); who is told of
        # each step (supervision.notifications).
        from supervision import audit, deadlines, notifications, reactions, workflows  # noqa: F401
