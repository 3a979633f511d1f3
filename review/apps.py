from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "实施方案与联合审查"
