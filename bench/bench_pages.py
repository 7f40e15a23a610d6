"""Page speed with the demo data (issue 15). Run by `make bench`, or directly:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chuishao .venv/bin/python bench/bench_pages.py

Its own database (<name>_pages), migrated and seeded with the demo data (seed_demo). Prints:
  (a) every journey page's queries and median server time in process (Django test client, DEBUG off, 15 runs),
      beside its target: ≤ 15 queries everywhere, the case page ≤ 150 ms, the public list page ≤ 20 ms
      (the issue's baseline: the dispatcher's case page 45 queries / 1.3 s, a published list page ~0.5 s);
  (b) the public list page under load: gunicorn (the project's config, 5 sync workers) driven by wrk at
      concurrency 8 for 15 s — the achieved rate must be ≥ 200 req/s with p99 < 100 ms (wrk is closed-loop,
      so a rate above 200 at that p99 is the stricter test). Needs wrk (Debian: `apt-get install wrk`);
      skipped with that message when missing.
"""

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RUNS = 15
QUERY_BUDGET = 15
PORT = int(os.environ.get("BENCH_PAGES_PORT", 18107))
LOG = "/tmp/bench-pages-gunicorn.log"  # noqa: S108 - a log for the operator


def database_url():
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/chuishao")
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("bench_pages needs PostgreSQL: set DATABASE_URL=postgres://…")
    name = (parts.path.lstrip("/") or "chuishao") + "_pages"
    return url, urlunsplit(parts._replace(path=f"/{name}")), name


def recreate(admin_url, name, drop_only=False):
    import psycopg2

    conn = psycopg2.connect(urlunsplit(urlsplit(admin_url)._replace(path="/postgres")))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def pages():
    from cases.models import Case, CaseState
    from responsibilities.models import ListVersion

    reported = Case.objects.filter(state=CaseState.REPORTED).order_by("id").first()
    assigned = Case.objects.filter(state=CaseState.ASSIGNED, lead_department__memberships__user__username="officer"
                                   ).order_by("id").first()
    version = ListVersion.objects.filter(status="published").select_related("duty_list").first()
    lst = f"/lists/{version.duty_list.code}/v/{version.number}/"
    # (persona, url, label, target ms or None, issue baseline)
    return [
        ("dispatcher", f"/cases/{reported.pk}/", "case page (dispatcher, suggestions)", 150, "45 q, 1.3 s"),
        ("officer", f"/cases/{assigned.pk}/", "case page (officer)", 150, ""),
        ("reporter", f"/cases/{reported.pk}/", "case page (reporter)", 150, ""),
        ("reporter", "/", "home (reporter)", None, ""),
        ("reporter", "/cases/report/", "report form", None, ""),
        ("reporter", "/cases/township/", "township cases", None, ""),
        ("dispatcher", "/cases/triage/", "triage queue", None, ""),
        ("dispatcher", "/cases/search/", "county search", None, ""),
        ("officer", "/cases/department/", "department queue", None, ""),
        ("supervisor", "/cases/supervision/", "supervision", None, ""),
        (None, "/lists/", "public list index", None, ""),
        (None, lst, "public list page", 20, "~500 ms"),
        (None, "/lists/lookup/?q=" + "油烟扰民", "lookup 这件事归谁管", None, "~500 ms"),
    ], lst


def measure(rows):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    users = {u.username: u for u in get_user_model().objects.filter(
        username__in={r[0] for r in rows if r[0]})}
    clients, failures = {}, []
    print(f"  {'page':<36} {'queries':>7} {'median ms':>10}  target            issue baseline")
    for persona, url, label, target, baseline in rows:
        client = clients.get(persona)
        if client is None:
            client = clients[persona] = Client()
            if persona:
                client.force_login(users[persona])
        client.get(url)
        connection.queries_log.clear()  # a full log (seeding) would make the captured difference 0
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        times = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
        ms, queries = statistics.median(times), len(ctx.captured_queries)
        ok = response.status_code == 200 and queries <= QUERY_BUDGET and (target is None or ms <= target)
        if not ok:
            failures.append(label)
        goal = f"≤{QUERY_BUDGET} q" + (f", ≤{target} ms" if target else "")
        print(f"  {label:<36} {queries:>7} {ms:>10.1f}  {goal:<17} {baseline:<14} {'OK' if ok else 'OVER'}"
              + ("" if response.status_code == 200 else f" HTTP {response.status_code}"))
    return failures


def load_test(url_path, env):
    print("  -- public list page under load (gunicorn, 5 sync workers; wrk -t1 -c8 -d15s)")
    if shutil.which("wrk") is None:
        print("  skipped: wrk not installed (Debian: apt-get install wrk)")
        return None
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", PORT)) == 0:
            print(f"  skipped: port {PORT} is busy (set BENCH_PAGES_PORT)")
            return None
    server = subprocess.Popen(  # noqa: S603
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", "5", "--bind", f"127.0.0.1:{PORT}",
         "--log-level", "warning", "config.wsgi:application"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(LOG, "w"),  # noqa: SIM115 - closed with the process
    )
    try:
        base = f"http://127.0.0.1:{PORT}"
        for _ in range(60):
            try:
                with socket.create_connection(("127.0.0.1", PORT), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.5)
        # Each worker pays its imports and template compilation on its first requests: warm them all.
        subprocess.run(["wrk", "-t1", "-c5", "-d10s", base + url_path], capture_output=True)  # noqa: S603,S607
        out = subprocess.run(["wrk", "-t1", "-c8", "-d15s", "--latency", base + url_path],  # noqa: S603,S607
                             capture_output=True, text=True).stdout
        found = re.search(r"Requests/sec:\s+([\d.]+)", out)
        if found is None or float(found.group(1)) < 1:
            print("  wrk gave no rate:\n" + out[-600:] + Path(LOG).read_text()[-1500:])
            return False
        rate = float(found.group(1))
        p99_text = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
        p99 = float(p99_text.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99_text.group(2)]
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        ok = rate >= 200 and p99 < 100 and not errors
        print(f"  {rate:.0f} req/s, p99 {p99:.1f} ms{', ' + errors.group(0) if errors else ''}   "
              f"target ≥ 200 req/s with p99 < 100 ms   {'OK' if ok else 'below target'}")
        return ok
    finally:
        server.terminate()
        server.wait(10)


def main():
    admin_url, url, name = database_url()
    print(f"bench_pages: demo data, database {name}")
    recreate(admin_url, name)
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "ALLOWED_HOSTS": "testserver,127.0.0.1",
           "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret-key-not-for-production"),
           "API_THROTTLE_ANON": "100000000/min"}
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("sync_calendar", verbosity=0)
        call_command("seed_demo", "--force", verbosity=0)
        rows, list_path = pages()
        failures = measure(rows)
        from django.db import connections

        connections.close_all()
        loaded = load_test(list_path, env)
        print(f"  pages: {'OK' if not failures and loaded is not False else 'OVER TARGET: ' + ', '.join(failures)}")
    finally:
        from django.db import connections

        connections.close_all()
        recreate(admin_url, name, drop_only=True)


if __name__ == "__main__":
    main()
