from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "实施方案与联合审查"

    def ready(self):
        # Deadline kinds, the audit vocabulary, the workflow tables and the hook that moves a publicity
        # window when its calendar year is confirmed (review.services.publicity); who is told of each step
        # (review.notifications: reactions to audit codes).
        from django.db.models.signals import post_delete, post_save

        from review import audit, deadlines, notifications, services, workflows  # noqa: F401
        from review.models import Publicity
        from review.public_cache import notices_changed

        # The anonymous public list kept in the cache follows every change to a notice (review/public_cache.py).
        post_save.connect(notices_changed, sender=Publicity, dispatch_uid="public-list-save")
        post_delete.connect(notices_changed, sender=Publicity, dispatch_uid="public-list-delete")
