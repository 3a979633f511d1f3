"""Run the web server, a Celery worker and Celery beat together; Ctrl-C stops all three."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start web server (http://127.0.0.1:8000), Celery worker and beat; Ctrl-C stops them."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, addr, **options):
        for folder in (settings.CELERY_BROKER_TRANSPORT_OPTIONS or {}).values():
            if isinstance(folder, str):
                os.makedirs(folder, exist_ok=True)
        settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "renewal"]
        commands = {
            "web": [python, "manage.py", "runserver", addr, "--noreload"],
            "worker": [*celery, "worker", "--pool=solo", "--loglevel=INFO"],
            "beat": [*celery, "beat", "--loglevel=INFO", "-s", settings.CELERY_BEAT_SCHEDULE_FILENAME],
        }
        processes = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
        self.stdout.write(
            self.style.SUCCESS(f"平台已启动：http://{addr}/  （Ctrl-C 停止 web、worker、beat）")
        )
        try:
            while all(p.poll() is None for p in processes.values()):
                time.sleep(1)
            stopped = [name for name, p in processes.items() if p.poll() is not None]
            self.stderr.write(f"进程已退出：{', '.join(stopped)}；正在停止其余进程。")
        except KeyboardInterrupt:
            self.stdout.write("正在停止……")
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 15
            for process in processes.values():
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()
