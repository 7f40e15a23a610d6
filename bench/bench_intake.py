"""Intake speed (issue 15): Chuishao's POST /api/v1/cases/ beside a bare Django+DRF insert and django-helpdesk 2.6.1,
and the township's HTML report form beside the API. Run by `make bench`, or directly:

    .venv/bin/python bench/bench_intake.py            # full run: concurrency 16, 3 alternating rounds of 20 s
    BENCH_INTAKE_ARGS="-c 16 -d 10 -r 2" .venv/bin/python bench/bench_intake.py   # shorter

Part 1 runs the shared harness unchanged (../shared/perf-intake/run_intake.sh, or PERF_INTAKE_DIR): it builds
its own venvs and databases (perf_baseline, perf_helpdesk, perf_chuishao), serves the three apps under one
gunicorn config and drives them with wrk. It needs wrk (Debian: `apt-get install wrk`) and psql; without them,
or without the harness folder, part 1 is skipped with that message. Targets: ≥ 0.60× the bare endpoint,
≥ 3× helpdesk, 0 errors (the issue's baseline: 0.24× and 1.54×).

Part 2 measures in process (Django test client, DEBUG off, its own database <name>_intake with the demo data)
the CPU time per request of the API POST and of the HTML report form POST (same fields, a CSRF token, the
redirect after success), over the same number of reports. Target: form ≤ 1.5× the API.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HARNESS = Path(os.environ.get("PERF_INTAKE_DIR", ROOT.parent.parent / "shared" / "perf-intake"))
if not HARNESS.exists():
    HARNESS = Path("/work/shared/perf-intake")
SCRATCH = os.environ.get("PERF_TMP", "/tmp/perf-intake-bench")  # noqa: S108 - the harness's scratch folder
ISSUE_BASELINE = {"rps/baseline": 0.24, "rps/helpdesk": 1.54}
TARGETS = {"rps/baseline": 0.60, "rps/helpdesk": 3.0}
REPORTS = int(os.environ.get("BENCH_INTAKE_REPORTS", 300))


def harness_run():
    print("== part 1: the shared intake harness (wrk, gunicorn, PostgreSQL)")
    missing = [tool for tool in ("wrk", "psql") if shutil.which(tool) is None]
    if not (HARNESS / "run_intake.sh").exists():
        print(f"  skipped: no harness at {HARNESS} (set PERF_INTAKE_DIR)")
        return None
    if missing:
        print(f"  skipped: {', '.join(missing)} not installed (Debian: apt-get install wrk postgresql-client)")
        return None
    args = os.environ.get("BENCH_INTAKE_ARGS", "-c 16 -d 20 -r 3").split()
    cmd = ["./run_intake.sh", *args, "--project", "chuishao", str(ROOT),
           "./drf_token.sh $BASE reporter demo-pass-2026"]
    env = {**os.environ, "PERF_TMP": SCRATCH}
    for var in ("DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"):
        env.pop(var, None)  # the harness sets its own
    result = subprocess.run(cmd, cwd=HARNESS, env=env, text=True, capture_output=True)  # noqa: S603
    tail = [line for line in result.stdout.splitlines() if line.strip()]
    for line in tail[-12:]:
        print("  " + line)
    if result.returncode != 0:
        print(f"  harness failed ({result.returncode}): {result.stderr[-800:]}")
        return None
    path = Path(SCRATCH) / "out" / "results.json"
    return json.loads(path.read_text()) if path.exists() else None


def summarise(results):
    """The harness's means over rounds per app and concurrency, beside the targets and the issue's baseline."""
    if not results:
        return
    rows = {(r["app"], r["conc"]): r for r in results.get("rows", [])}
    for (app, conc), row in sorted(rows.items()):
        if app != "chuishao":
            continue
        print(f"  c={conc}: chuishao {row['rps']:.1f} req/s (p99 {row['p99']:.0f} ms, errors {row['errors']}), "
              f"baseline {rows[('baseline', conc)]['rps']:.1f}, helpdesk {rows[('helpdesk', conc)]['rps']:.1f}; "
              f"CPU ms/request app+db {row['app_cpu_ms']:.1f}+{row['db_cpu_ms']:.1f}")
        for key in ("rps/baseline", "rps/helpdesk"):
            value = row[key]
            ok = "OK" if value >= TARGETS[key] else "below target"
            print(f"    {key:<13} {value:5.2f}×   target ≥ {TARGETS[key]:.2f}×   issue baseline {ISSUE_BASELINE[key]:.2f}×"
                  f"   {ok}")
    rss = results.get("rss", {}).get("chuishao")
    if rss:
        print(f"  web worker RSS after the run: max {rss['worker_max_mib']:.1f} MiB   target < 150 MB   "
              f"{'OK' if rss['worker_max_mib'] * 1.048576 < 150 else 'over target'}")


def database_url():
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/chuishao")
    parts = urlsplit(url)
    name = (parts.path.lstrip("/") or "chuishao") + "_intake"
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


def form_versus_api():
    print(f"== part 2: HTML report form vs API, in process, {REPORTS} reports each (CPU ms per request)")
    admin_url, url, name = database_url()
    recreate(admin_url, name)
    try:
        os.environ.update(DATABASE_URL=url, DEBUG="0", ALLOWED_HOSTS="testserver",
                          API_THROTTLE_USER="100000000/min", SECRET_KEY=os.environ.get("SECRET_KEY", "bench-key"))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.test import Client
        from django.urls import reverse
        from rest_framework.authtoken.models import Token

        call_command("migrate", verbosity=0)
        call_command("sync_calendar", verbosity=0)
        call_command("seed_demo", "--force", verbosity=0)
        reporter = get_user_model().objects.get(username="reporter")
        body = json.loads((HARNESS / "body_case.json").read_text()) if (HARNESS / "body_case.json").exists() else {
            "title": "河道垃圾堆积影响行洪", "description": "河道内堆积大量生活垃圾。", "address": "城关街道"}
        api = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=reporter)[0].key}")
        page = Client(enforce_csrf_checks=True)
        page.force_login(reporter)
        page.get(reverse("cases:report"))
        csrf = page.cookies["csrftoken"].value

        def post_api():
            response = api.post("/api/v1/cases/", data=json.dumps(body), content_type="application/json")
            assert response.status_code == 201, response.content[:300]

        def post_form():
            response = page.post(reverse("cases:report"), {**body, "urgency": "normal", "channel": "staff",
                                                           "csrfmiddlewaretoken": csrf})
            assert response.status_code == 302, response.content[:300]

        costs = {}
        for label, call in (("api", post_api), ("form", post_form), ("api", post_api), ("form", post_form)):
            for _ in range(10):
                call()  # warm-up
            cpu = time.process_time()
            for _ in range(REPORTS // 2):
                call()
            costs.setdefault(label, []).append((time.process_time() - cpu) * 1000 / (REPORTS // 2))
        api_ms, form_ms = (sum(costs[k]) / len(costs[k]) for k in ("api", "form"))
        ratio = form_ms / api_ms
        print(f"  API POST /api/v1/cases/   {api_ms:6.2f} ms CPU per report")
        print(f"  form POST /cases/report/  {form_ms:6.2f} ms CPU per report   {ratio:.2f}× the API"
              f"   target ≤ 1.50×   {'OK' if ratio <= 1.5 else 'over target'}")
    finally:
        from django.db import connections

        connections.close_all()
        recreate(admin_url, name, drop_only=True)


def main():
    if "--no-harness" not in sys.argv:
        summarise(harness_run())
    form_versus_api()


if __name__ == "__main__":
    main()
