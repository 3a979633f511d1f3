import importlib

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

# Dependency order of the apps (ARCHITECTURE.md): each app's demo module may use what earlier ones made.
DEMO_ORDER = ["renewal", "projects", "review", "permits", "supervision"]


class Command(BaseCommand):
    help = "Load demo organisations, one user per role and demo projects; safe to re-run."

    @transaction.atomic
    def handle(self, *args, **options):
        context = {}
        for label in DEMO_ORDER:
            if not apps.is_installed(label):
                continue
            try:
                module = importlib.import_module(f"{label}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{label}.demo":
                    raise
                continue
            result = module.load(self.stdout, context=context)
            context.update(result or {})
