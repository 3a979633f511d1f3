import importlib
import shutil

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

# Dependency order of the apps (ARCHITECTURE.md): each app's demo module may use what earlier ones made.
DEMO_ORDER = ["renewal", "projects", "review", "permits", "supervision", "reports", "dashboard"]


class Command(BaseCommand):
    help = "Load demo organisations, one user per role and demo projects; safe to re-run."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="empty the database and the uploaded files first, then load the demo afresh (dates from today)",
        )

    def handle(self, *args, reset=False, **options):
        if reset:
            self._reset()
        self._load()

    def _reset(self):
        from django.db import connection

        from renewal.reference import ensure_reference_data

        # The audit table refuses TRUNCATE unless the session allows it (renewal migration 0007): a reset
        # of the whole demo database is the one place that does, on this session only.
        previous = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT coalesce(current_setting('renewal.allow_truncate', true), '')")
                previous = cursor.fetchone()[0]
                cursor.execute("SELECT set_config('renewal.allow_truncate', 'on', false)")
        try:
            call_command("flush", interactive=False, verbosity=0)
        finally:
            if previous is not None:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('renewal.allow_truncate', %s, false)", [previous])
        shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
        ensure_reference_data()
        self.stdout.write("已清空数据库和上传文件，正在重新载入演示数据……")

    @transaction.atomic
    def _load(self):
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
