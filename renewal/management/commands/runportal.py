"""Run the web server, a Celery worker and Celery beat together; Ctrl-C stops all three."""

import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class Command(BaseCommand):
    help = "Start web server (default http://127.0.0.1:8000), Celery worker and beat; Ctrl-C stops them."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args, host, port, **options):
        if _listening(host, port):
            raise CommandError(
                f"端口 {port} 已被占用：请先停止占用它的程序，或换一个端口（make run PORT=8101）。"
            )
        for folder in (settings.CELERY_BROKER_TRANSPORT_OPTIONS or {}).values():
            if isinstance(folder, str):
                os.makedirs(folder, exist_ok=True)
        settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "renewal"]
        commands = {
            "web": [python, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
            "worker": [*celery, "worker", "--pool=solo", "--loglevel=INFO"],
            "beat": [*celery, "beat", "--loglevel=INFO", "-s", settings.CELERY_BEAT_SCHEDULE_FILENAME],
        }
        processes = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
        announced = False
        try:
            while all(p.poll() is None for p in processes.values()):
                if not announced and _listening(host, port):
                    # The banner only once the web server really answers on the port.
                    self.stdout.write(
                        self.style.SUCCESS(
                            f"平台已启动：http://{host}:{port}/  （Ctrl-C 停止 web、worker、beat）"
                        )
                    )
                    announced = True
                time.sleep(0.5 if not announced else 1)
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
