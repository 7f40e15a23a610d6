"""Mixed load (issue 16, "Measured"). Run by `make bench`, or directly:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chuishao .venv/bin/python bench/bench_load.py
    BENCH_LOAD_CLIENTS=32 BENCH_LOAD_SECONDS=60 ...          # the defaults

Its own database (<name>_load), migrated and seeded with the demo data, served by gunicorn with the project's
config (config/gunicorn_conf.py, WEB_WORKERS, default 4 here). BENCH_LOAD_CLIENTS closed-loop clients (threads,
keep-alive) send for BENCH_LOAD_SECONDS a mix of:
    25% reports    POST /api/v1/cases/ as the township reporter (token)
    25% case reads GET /api/v1/cases/{id}/ as the dispatcher (token), GET /cases/{id}/ as the officer (session)
    20% queues     GET /cases/triage/ (dispatcher), GET /cases/department/ (officer)
    15% public     GET /lists/<code>/v/<n>/, a published list page (anonymous)
    15% lookup     GET /lists/lookup/?q=… (anonymous; 30 a minute per address, so most of these are the 429 page)
Prints req/s, p50/p95/p99 per kind and overall, the count of 5xx (target 0), of other unexpected answers, and
of lost writes: every 201's case id must be in the database afterwards (target 0).
"""

import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

from database import bench_database_url, recreate_database, setup_django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CLIENTS = int(os.environ.get("BENCH_LOAD_CLIENTS", 32))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", 60))
WORKERS = os.environ.get("BENCH_LOAD_WORKERS", "4")
PORT = int(os.environ.get("BENCH_LOAD_PORT", 18116))
LOG = "/tmp/bench-load-gunicorn.log"  # noqa: S108 - a log for the operator
LOOKUPS = ["占道经营", "食品过期", "违建", "垃圾清运", "噪音扰民", "路灯不亮"]


def prepare():
    """Tokens, session cookies, ids and addresses the clients use (from the seeded demo data)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from cases.models import Case
    from governance.models import Role
    from responsibilities.models import ListVersion

    users = {u.username: u for u in get_user_model().objects.filter(username__in=["reporter", "dispatcher", "officer"])}
    tokens = {name: Token.objects.get_or_create(user=user)[0].key for name, user in users.items()}
    sessions = {}
    for name in ("dispatcher", "officer"):
        client = Client()
        client.force_login(users[name])
        sessions[name] = client.cookies[settings.SESSION_COOKIE_NAME].value
    township = users["reporter"].memberships.get(role=Role.REPORTER).unit_id
    dispatcher_cases = list(Case.objects.values_list("pk", flat=True))
    officer_cases = list(Case.objects.filter(lead_department__memberships__user=users["officer"])
                         .values_list("pk", flat=True).distinct())
    version = ListVersion.objects.filter(status="published").select_related("duty_list").first()
    return {"tokens": tokens, "sessions": sessions, "township": township, "dispatcher_cases": dispatcher_cases,
            "officer_cases": officer_cases or dispatcher_cases,
            "list": f"/lists/{version.duty_list.code}/v/{version.number}/"}


def client_loop(base, world, stop, results, created, seed):
    import requests
    from django.conf import settings

    rng = random.Random(seed)  # noqa: S311 - load mix
    api = {name: requests.Session() for name in ("reporter", "dispatcher")}
    for name, session in api.items():
        session.headers["Authorization"] = f"Token {world['tokens'][name]}"
    pages = {name: requests.Session() for name in ("dispatcher", "officer")}
    for name, session in pages.items():
        session.cookies.set(settings.SESSION_COOKIE_NAME, world["sessions"][name])
    anonymous = requests.Session()
    n = 0
    while not stop.is_set():
        n += 1
        roll = rng.random()
        if roll < 0.25:
            kind, session, method, url = "report", api["reporter"], "POST", "/api/v1/cases/"
            body = {"township": world["township"], "title": f"压测上报 {seed}-{n}",
                    "description": "农贸市场东门摊位销售过期熟食，请相关部门处理。", "address": "城关街道农贸市场东门"}
        elif roll < 0.375:
            kind, session, method, body = "case read (API)", api["dispatcher"], "GET", None
            url = f"/api/v1/cases/{rng.choice(world['dispatcher_cases'])}/"
        elif roll < 0.50:
            kind, session, method, body = "case page", pages["officer"], "GET", None
            url = f"/cases/{rng.choice(world['officer_cases'])}/"
        elif roll < 0.60:
            kind, session, method, body, url = "queue (triage)", pages["dispatcher"], "GET", None, "/cases/triage/"
        elif roll < 0.70:
            kind, session, method, body, url = "queue (department)", pages["officer"], "GET", None, "/cases/department/"
        elif roll < 0.85:
            kind, session, method, body, url = "public list", anonymous, "GET", None, world["list"]
        else:
            kind, session, method, body = "lookup", anonymous, "GET", None
            url = f"/lists/lookup/?q={rng.choice(LOOKUPS)}"
        started = time.perf_counter()
        try:
            response = session.request(method, base + url, json=body, timeout=60, allow_redirects=False)
            status = response.status_code
            if status == 201:
                created.append(response.json()["id"])
        except requests.RequestException as exc:
            status = f"error {type(exc).__name__}"
        results.append((kind, status, time.perf_counter() - started))


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * len(values) + 0.5)) - 1)] * 1000 if values else 0.0


def run_load(world, env):
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", PORT)) == 0:
            print(f"  skipped: port {PORT} is busy (set BENCH_LOAD_PORT)")
            return None
    server = subprocess.Popen(  # noqa: S603 - our own server command
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi:application", "--config", "config/gunicorn_conf.py"],
        cwd=ROOT, env={**env, "WEB_BIND": f"127.0.0.1:{PORT}", "WEB_WORKERS": WORKERS},
        stdout=subprocess.DEVNULL, stderr=open(LOG, "w"),  # noqa: SIM115 - closed with the process
    )
    base = f"http://127.0.0.1:{PORT}"
    try:
        import requests

        for _ in range(120):
            try:
                if requests.get(base + "/healthz", timeout=2).status_code < 500:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        # Warm every worker (imports, templates, the routing index) before measuring.
        warm_stop, warm = threading.Event(), []
        threads = [threading.Thread(target=client_loop, args=(base, world, warm_stop, warm, [], 1000 + i))
                   for i in range(8)]
        for t in threads:
            t.start()
        time.sleep(10)
        warm_stop.set()
        for t in threads:
            t.join()
        results, created, stop = [], [], threading.Event()
        threads = [threading.Thread(target=client_loop, args=(base, world, stop, results, created, i))
                   for i in range(CLIENTS)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        time.sleep(SECONDS)
        stop.set()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        return results, created, elapsed, len(warm)
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


EXPECTED = {"report": {201}, "case read (API)": {200}, "case page": {200}, "queue (triage)": {200},
            "queue (department)": {200}, "public list": {200}, "lookup": {200, 429}}


def report(results, created, elapsed, warmed):
    from cases.models import Case

    by_kind = defaultdict(list)
    for kind, status, seconds in results:
        by_kind[kind].append((status, seconds))
    print(f"  {CLIENTS} clients, {elapsed:.1f} s, gunicorn {WORKERS} workers (warm-up: {warmed} requests)")
    print(f"  {'kind':<20} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  answers")
    for kind, rows in sorted(by_kind.items()):
        latencies = [s for _status, s in rows]
        answers = defaultdict(int)
        for status, _s in rows:
            answers[status] += 1
        print(f"  {kind:<20} {len(rows):>9} {len(rows) / elapsed:>8.1f} {statistics.median(latencies) * 1000:>8.1f} "
              f"{percentile(latencies, 95):>8.1f} {percentile(latencies, 99):>8.1f}  "
              + ", ".join(f"{k}: {v}" for k, v in sorted(answers.items(), key=str)))
    latencies = [s for _k, _st, s in results]
    server_errors = sum(1 for _k, status, _s in results if not isinstance(status, int) or status >= 500)
    unexpected = sum(1 for kind, status, _s in results
                     if isinstance(status, int) and status < 500 and status not in EXPECTED[kind])
    found = set(Case.objects.filter(pk__in=created).values_list("pk", flat=True))
    lost = len(set(created) - found)
    print(f"  overall: {len(results)} requests, {len(results) / elapsed:.1f} req/s, p95 {percentile(latencies, 95):.1f} ms, "
          f"p99 {percentile(latencies, 99):.1f} ms")
    print(f"  5xx or connection errors: {server_errors}   (target 0)")
    print(f"  other unexpected answers: {unexpected}")
    print(f"  writes: {len(created)} reports answered 201, lost writes (201 but not in the database): {lost}   (target 0)")
    ok = server_errors == 0 and lost == 0 and unexpected == 0
    print(f"  load: {'OK' if ok else 'FAILED'}")
    return ok


def main():
    admin_url, url, name = bench_database_url("bench_load", "_load")
    print(f"bench_load: demo data, database {name}")
    recreate_database(admin_url, name)
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "ALLOWED_HOSTS": "testserver,127.0.0.1",
           "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret-key-not-for-production"),
           "API_THROTTLE_ANON": "100000000/min", "API_THROTTLE_USER": "100000000/min", "LOG_LEVEL": "WARNING"}
    try:
        setup_django(url, environ={k: env[k] for k in ("DEBUG", "ALLOWED_HOSTS", "SECRET_KEY", "API_THROTTLE_ANON",
                                                       "API_THROTTLE_USER", "LOG_LEVEL")})
        from django.core.management import call_command
        from django.db import connections

        call_command("sync_calendar", verbosity=0)
        call_command("seed_demo", "--force", verbosity=0)
        world = prepare()
        connections.close_all()
        outcome = run_load(world, env)
        if outcome is not None:
            report(*outcome)
    finally:
        from django.db import connections

        connections.close_all()
        recreate_database(admin_url, name, drop_only=True)


if __name__ == "__main__":
    main()
