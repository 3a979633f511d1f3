"""Pages against a bare Django view, side by side, on PostgreSQL under gunicorn (issue 16).

    .venv/bin/python bench/pages.py [--scale quick|full] [--keep] [--rounds N] [--only TEXT]   (make bench [SCALE=quick])

Creates the database BENCH_DATABASE (BENCH_PORT: the server's port, default a free one) (default renewal_bench on 127.0.0.1:5432, user postgres) afresh unless
--keep finds it seeded at that scale, seeds it in bulk (bench/seed.py), starts the portal under gunicorn
(2 workers, bench/wsgi.py: the portal plus /bench/bare/<table>/) and requests each page and its bare view
alternately, signed in as the page's user. Prints one table: median and p95 of both, their ratio, the
page's query count (measured once in this process with Django's test client) and its size. Asserts nothing.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = os.environ.get("BENCH_DATABASE", "renewal_bench")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


PORT = int(os.environ.get("BENCH_PORT") or free_port())
os.environ["DATABASE_URL"] = f"{PG}/{DB_NAME}"
# The cache production runs (docker-compose.yml: Redis), in a database of its own, emptied at the start.
os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/14")
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

# (page, user or None for anonymous, bare table to compare with)
PAGES = [
    ("/", "staff", "deadlines"),
    ("/", "reviewer", "deadlines"),
    ("/", "entity", "deadlines"),
    ("/", "auditor", "deadlines"),
    ("/", "admin", "deadlines"),
    ("/projects/", "staff", "projects"),
    ("/projects/", "admin", "projects"),
    ("/projects/?sort=-total_investment", "staff", "projects"),
    ("/projects/?stage=reserve&category=1", "staff", "projects"),
    ("/projects/inbox/", "staff", "projects"),
    ("/projects/inbox/", "admin", "projects"),
    ("/api/v1/projects/", "staff", "projects"),
    ("/projects/{project}/", "staff", "projects"),
    ("/deadlines/", "staff", "deadlines"),
    ("/audit/", "staff", "audit"),
    ("/review/inbox/", "staff", "projects"),
    ("/review/inbox/", "reviewer", "projects"),
    ("/projects/inbox/", "reviewer", "projects"),
    ("/publicity/", None, "projects"),
    ("/dashboard/", "leader", "projects"),
    ("/dashboard/", "city_leader", "projects"),
    ("/api/v1/dashboard/", "city_leader", "projects"),
]


def psql(*args):
    subprocess.run(["psql", f"{PG}/postgres", "-q", "-v", "ON_ERROR_STOP=1", *args], check=True)


def prepare(scale: str, keep: bool):
    import django

    if not keep:
        psql("-c", f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        psql("-c", f'CREATE DATABASE "{DB_NAME}"')
    else:
        result = subprocess.run(
            ["psql", f"{PG}/postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname='{DB_NAME}'"],
            capture_output=True,
            text=True,
        )
        if result.stdout.strip() != "1":
            psql("-c", f'CREATE DATABASE "{DB_NAME}"')
    django.setup()
    from django.core.management import call_command

    from bench.seed import SCALES, seed
    from projects.models import Project

    call_command("migrate", verbosity=0)
    call_command("seed_calendar", verbosity=0)
    from django.core.cache import cache

    cache.clear()  # nothing cached from another run or another database
    if keep and Project.objects.count() == SCALES[scale][0]:
        print(f"keeping the seeded database {DB_NAME}")
        # Rows written and rolled back since (the jobs table) leave dead tuples; autovacuum may be off.
        subprocess.run(["psql", f"{PG}/{DB_NAME}", "-qc", "VACUUM ANALYZE"], check=True)
        return
    if Project.objects.exists():
        sys.exit(f"{DB_NAME} holds other data: run without --keep to recreate it")
    started = time.perf_counter()
    print(f"seeding {DB_NAME} ({scale}) …")
    seed(scale)
    # As autovacuum leaves a table that grew over years: statistics, and the visibility map that lets
    # counts be read from an index alone.
    subprocess.run(["psql", f"{PG}/{DB_NAME}", "-qc", "VACUUM ANALYZE"], check=True)
    print(f"seeded in {time.perf_counter() - started:.0f} s")


def session_cookies() -> dict:
    """A signed-in session per benchmark user, made directly in the session store (no login form)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from renewal.models import User

    store = import_module(settings.SESSION_ENGINE).SessionStore
    cookies = {}
    for user in User.objects.filter(username__startswith="bench_"):
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.set_expiry(24 * 3600)
        session.save()
        cookies[user.username.removeprefix("bench_")] = (
            f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
        )
    return cookies


def query_counts(paths) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from renewal.models import User

    counts = {}
    for path, username, _ in paths:
        client = Client(raise_request_exception=False)  # a page that fails shows as its status in the table
        if username:
            client.force_login(User.objects.get(username=f"bench_{username}"))
        client.get(path)  # caches (content types, calendar) warm, as in the server
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        counts[(path, username)] = len(captured.captured_queries)
    return counts


def start_server():
    gunicorn = shutil.which("gunicorn", path=str(ROOT / ".venv" / "bin")) or "gunicorn"
    process = subprocess.Popen(
        [
            gunicorn,
            "bench.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--timeout",
            "300",
        ],
        cwd=ROOT,
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/accounts/login/", timeout=30)
            return process
        except OSError:  # refused while starting, or a worker still importing the apps
            time.sleep(0.5)
    process.terminate()
    sys.exit("gunicorn did not start")


def fetch(path: str, cookie: str | None) -> tuple[float, int, int]:
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}")
    if cookie:
        request.add_header("Cookie", cookie)
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            body, status = response.read(), response.status
    except urllib.error.HTTPError as error:
        body, status = error.read(), error.code
    return time.perf_counter() - started, status, len(body)


LOAD_CLIENTS = 8  # concurrent clients for the throughput rows (twice the server's two workers' worth)
LOAD_PAGES = [("/publicity/", None, "projects")]  # the public list: read by anyone, under load (issue 16)


def throughput(path: str, cookie: str | None, seconds: float) -> float:
    """Requests answered per second with LOAD_CLIENTS clients requesting `path` back to back."""
    from concurrent.futures import ThreadPoolExecutor

    stop = time.perf_counter() + seconds

    def client(_):
        done = 0
        while time.perf_counter() < stop:
            fetch(path, cookie)
            done += 1
        return done

    started = time.perf_counter()
    with ThreadPoolExecutor(LOAD_CLIENTS) as pool:
        total = sum(pool.map(client, range(LOAD_CLIENTS)))
    return total / (time.perf_counter() - started)


def p95(values):
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("quick", "full"), default="full")
    parser.add_argument("--keep", action="store_true", help="reuse the database if seeded at this scale")
    parser.add_argument(
        "--rounds", type=int, default=0, help="timed requests per page (default 7 quick, 15 full)"
    )
    parser.add_argument("--only", default="", help="only the pages whose path contains this text")
    parser.add_argument("--no-jobs", action="store_true", help="pages only: no export, import, sweep")
    parser.add_argument("--jobs-only", action="store_true", help="the export, import and sweep table only")
    options = parser.parse_args()
    rounds = options.rounds or (7 if options.scale == "quick" else 15)
    prepare(options.scale, options.keep)
    from projects.models import Project
    from renewal.models import User

    if options.jobs_only:
        from bench import jobs

        jobs.print_table(jobs.run(options.scale, User.objects.get(username="bench_admin")))
        return

    project = (
        Project.objects.filter(district__code="110108").order_by("pk").values_list("pk", flat=True).first()
    )
    pages = [(path.format(project=project), user, bare) for path, user, bare in PAGES if options.only in path]
    cookies = session_cookies()
    counts = query_counts(pages)
    server = start_server()
    rows = []
    try:
        for path, user, bare in pages:
            cookie = cookies.get(user) if user else None
            bare_path = f"/bench/bare/{bare}/"
            for _ in range(2):  # warm both workers
                fetch(path, cookie)
                fetch(bare_path, cookie)
            page_times, bare_times, status, size = [], [], 0, 0
            for _ in range(rounds):  # alternate, so that both see the same machine load
                seconds, status, size = fetch(path, cookie)
                page_times.append(seconds)
                bare_times.append(fetch(bare_path, cookie)[0])
            rows.append((path, user or "匿名", status, page_times, bare_times, counts[(path, user)], size))
        loads = []
        for path, user, bare in (
            LOAD_PAGES if not options.only or any(options.only in p for p, *_ in LOAD_PAGES) else ()
        ):
            cookie = cookies.get(user) if user else None
            window = 3.0 if options.scale == "quick" else 6.0
            page_rates, bare_rates = [], []
            for _ in range(2):  # alternate, as for the latencies
                page_rates.append(throughput(path, cookie, window))
                bare_rates.append(throughput(f"/bench/bare/{bare}/", cookie, window))
            loads.append((path, user or "匿名", statistics.mean(page_rates), statistics.mean(bare_rates)))
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"\n{options.scale}: {Project.objects.count():,} projects; {rounds} alternating runs per page, ms\n"
    )
    print("| page | as | status | median | p95 | bare median | bare p95 | × bare | queries | KB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for path, user, status, page_times, bare_times, queries, size in rows:
        median, bare_median = statistics.median(page_times), statistics.median(bare_times)
        print(
            f"| `{path}` | {user} | {status} | {median * 1000:.0f} | {p95(page_times) * 1000:.0f} | "
            f"{bare_median * 1000:.0f} | {p95(bare_times) * 1000:.0f} | {median / bare_median:.1f}× | "
            f"{queries} | {size / 1024:.0f} |"
        )
    print(
        f"\nthroughput under load: {LOAD_CLIENTS} concurrent clients, 2 alternating windows each, requests/s\n"
    )
    print("| page | as | requests/s | bare requests/s | × bare throughput |")
    print("|---|---|---|---|---|")
    for path, user, rate, bare_rate in loads:
        print(f"| `{path}` | {user} | {rate:.0f} | {bare_rate:.0f} | {rate / bare_rate:.2f}× |")
    if not options.no_jobs and not options.only:
        from bench import jobs

        print(f"\n{options.scale}: export, import and the calendar work (bench/jobs.py; writes rolled back)")
        jobs.print_table(jobs.run(options.scale, User.objects.get(username="bench_admin")))


if __name__ == "__main__":
    main()
