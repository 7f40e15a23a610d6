"""More workers, more throughput: the deadline sweep and the email outbox in 1, 2 and 4 Celery
worker processes against the same backlog (issue 15). Run by `make bench`, or directly:

    DATABASE_URL=postgres://… REDIS_URL=redis://127.0.0.1:6379/N .venv/bin/python bench/bench_workers.py

It creates its own database (<name>_workers next to DATABASE_URL's), loads BENCH_CASES cases
(default 20,000) of which BENCH_OVERDUE (default 2,000) are overdue, each with two supervisors to
notify. For each worker count it resets the backlog, starts `celery -A config worker -c N` (the
documented worker command) and measures:
  (a) the sweep: N sweep tasks enqueued at once share the overdue cases (SKIP LOCKED batches of
      BENCH_BATCH, default 250); time until every overdue case is escalated;
  (b) the outbox: N delivery tasks enqueued at once send the pending emails (leased claims); time
      until none is pending. Emails go to the filebased backend and are counted from the files.
and checks that no case was escalated twice and no email was sent twice. The 1-worker figures are
the baseline the others are printed beside (speed-up = throughput / 1-worker throughput).
"""

import email
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlsplit, urlunsplit

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("BENCH_CASES", "20000")
os.environ.setdefault("BENCH_OVERDUE", "2000")

import bench_sweep  # noqa: E402 - after the sizes above are set

COUNTS = [int(n) for n in os.environ.get("BENCH_WORKERS", "1,2,4").split(",")]
BATCH = int(os.environ.get("BENCH_BATCH", 250))
BIN = pathlib.Path(sys.executable).parent


def database_url():
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/chuishao")
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("bench_workers needs PostgreSQL: set DATABASE_URL=postgres://…")
    name = (parts.path.lstrip("/") or "chuishao") + "_workers"
    return url, urlunsplit(parts._replace(path=f"/{name}")), name


def reset(now):
    from django.db import connection

    from cases.models import Case, CaseEvent
    from governance.models import Notification

    with connection.cursor() as cur:
        cur.execute(f"TRUNCATE {CaseEvent._meta.db_table}, {Notification._meta.db_table}")
        cur.execute(f"UPDATE {Case._meta.db_table} SET escalation_level = 0, escalated_at = NULL, "
                    "next_escalation_at = NULL, due_at = %s WHERE escalation_level > 0", [now])


def start_workers(count, env, log_path):
    log = open(log_path, "w")  # noqa: SIM115 - closed in stop_workers
    process = subprocess.Popen(  # noqa: S603 - our own worker command
        [str(BIN / "celery"), "-A", "config", "worker", "--loglevel", "INFO", "-c", str(count), "-n", f"bench{count}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while "ready." not in pathlib.Path(log_path).read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            stop_workers(process, log)
            sys.exit("worker did not start:\n" + pathlib.Path(log_path).read_text()[-3000:])
        time.sleep(0.2)
    return process, log


def stop_workers(process, log):
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    log.close()


def wait_for(check, timeout=600):
    started = time.perf_counter()
    while not check():
        if time.perf_counter() - started > timeout:
            raise SystemExit("timed out")
        time.sleep(0.05)
    return time.perf_counter() - started


def sent_messages(folder):
    out = []
    for path in pathlib.Path(folder).glob("*.log"):
        for chunk in path.read_text().split("\n" + "-" * 79 + "\n"):
            if chunk.strip():
                message = email.message_from_string(chunk)
                out.append((message["To"], message["Subject"]))
    return out


def main():
    admin_url, url, name = database_url()
    print(f"bench_workers: {bench_sweep.TOTAL:,} cases, {bench_sweep.OVERDUE:,} overdue, batches of {BATCH}, "
          f"database {name}")
    bench_sweep.recreate_database(admin_url, name)
    try:
        run(url)
    finally:
        from django.db import connections

        connections.close_all()
        bench_sweep.recreate_database(admin_url, name, drop_only=True)


def run(url):
    bench_sweep.setup_django(url)
    import redis
    from django.conf import settings
    from django.core.cache import cache
    from django.db.models import Q
    from django.utils import timezone

    from cases.models import Case, CaseEvent
    from config.celery import app
    from governance.models import Notification
    from governance.outbox import KICK_KEY
    from governance.services import system_user

    if not settings.REDIS_URL:
        sys.exit("bench_workers needs Redis: set REDIS_URL")
    now = timezone.now().replace(microsecond=0)
    township, depts = bench_sweep.build_org()
    system_user()
    bench_sweep.load_cases(now, township, depts)
    overdue = bench_sweep.OVERDUE
    results = {}
    for count in COUNTS:
        reset(now - __import__("datetime").timedelta(hours=1))
        redis.Redis.from_url(settings.REDIS_URL).delete("celery")
        folder = tempfile.mkdtemp(prefix=f"bench-workers-{count}-")
        env = dict(os.environ, DATABASE_URL=url, EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                   EMAIL_FILE_PATH=folder, DEADLINE_SWEEP_SECONDS="3600", LOG_LEVEL="INFO",
                   SECRET_KEY=os.environ.get("SECRET_KEY", "bench-secret-key-not-for-production"))
        # The sweep's commits kick a delivery task; with spare workers it would start sending during the sweep
        # and the outbox would be timed on part of its backlog. Hold the kick (the outbox's own coalescing key)
        # until the outbox is timed on its own; the delivery tasks clear it when they start.
        cache.set(KICK_KEY, 1, 600)
        process, log = start_workers(count, env, pathlib.Path(folder) / "worker.txt")
        try:
            for _ in range(count):
                app.send_task("cases.tasks.sweep_deadlines", kwargs={"batch_size": BATCH})
            sweep_s = wait_for(lambda: not Case.objects.filter(escalation_level=0, due_at__lte=now,
                                                               state="assigned").exists())
            notes = Notification.objects.filter(Q(email_pending=True) | Q(emailed_at__isnull=False)).count()
            for _ in range(count):
                app.send_task("governance.tasks.deliver_notification_emails")
            outbox_s = wait_for(lambda: not Notification.objects.filter(email_pending=True).exists())
            time.sleep(1)  # let a straggler that would send twice finish
        finally:
            stop_workers(process, log)
        events = CaseEvent.objects.filter(action="case.escalated").count()
        escalated = Case.objects.filter(escalation_level=1).count()
        over = Case.objects.filter(escalation_level__gt=1).count()
        messages = sent_messages(folder)
        duplicates = len(messages) - len(set(messages))
        assert escalated == events == overdue and over == 0, (escalated, events, over)
        assert len(messages) == notes and duplicates == 0, (len(messages), notes, duplicates)
        results[count] = (overdue / sweep_s, notes / outbox_s)
        base_sweep, base_mail = results[COUNTS[0]]
        print(f"  {count} worker process{'es' if count > 1 else ''}: sweep {overdue:,} escalations in {sweep_s:.2f} s "
              f"= {overdue / sweep_s:,.0f}/s ({overdue / sweep_s / base_sweep:.2f}x of 1 worker); "
              f"outbox {notes:,} emails in {outbox_s:.2f} s = {notes / outbox_s:,.0f}/s "
              f"({notes / outbox_s / base_mail:.2f}x of 1 worker); duplicates: 0 escalations, {duplicates} emails")
    print(f"  [target: throughput grows with workers, zero duplicates] machine: {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
