from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "实施方案与联合审查"

    def ready(self):
        # Deadline kinds, the audit vocabulary, the workflow tables and the hook that moves a publicity
        # window when its calendar year is confirmed (review.services.publicity); who is told of each step
        # (review.notifications: reactions to audit codes).
        from review import audit, deadlines, notifications, services, workflows  # noqa: F401
