from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "实施方案与联合审查"

    def ready(self):
        # Registers the hook that moves a publicity window when its calendar year is confirmed.
        from review import deadlines, services  # noqa: F401  (deadline kinds, calendar hook)
