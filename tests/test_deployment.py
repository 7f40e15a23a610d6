"""The ways the platform is started agree with each other, and the embedded mode really runs.

Three places start the same processes:
- the Procfile, which `make run` hands to honcho,
- docker-compose.yml, for production (Docker cannot run here, so its file is checked),
- test_embedded_mode_enforces_the_deadlines_of_the_seeded_demo below, which starts the Procfile's commands.
The compose services must run the Procfile's commands (without the venv prefix); a worker with
embedded beat (`-B`) locally becomes a worker service plus a beat service in production.
"""

import json
import os
import pathlib
import shlex
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(sys.executable).parent


def procfile_commands():
    """name -> argv, from the Procfile, with the `.venv/bin/` prefix removed."""
    commands = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, command = line.split(":", 1)
        argv = shlex.split(command)
        argv[0] = argv[0].removeprefix(".venv/bin/")
        commands[name.strip()] = argv
    return commands


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def command_of(service):
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def without(argv, *flags):
    return [part for part in argv if part not in flags]


def test_compose_has_the_production_services(compose):
    services = compose["services"]
    assert set(services) >= {"postgres", "redis", "migrate", "web", "worker", "beat"}
    assert services["postgres"]["image"].split(":")[1].startswith("16")
    assert services["redis"]["image"].split(":")[1].startswith("7")
    assert {"pgdata", "media"} <= set(compose["volumes"])
    assert any(v.startswith("pgdata:") for v in services["postgres"]["volumes"])
    assert any(v.startswith("media:") for v in services["web"]["volumes"])


def test_every_long_running_service_has_a_health_check(compose):
    services = compose["services"]
    for name in ["postgres", "redis", "web", "worker", "beat"]:
        check = services[name].get("healthcheck")
        assert check and not check.get("disable"), f"{name} has no health check"
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])


def test_application_services_wait_for_a_successful_migration(compose):
    services = compose["services"]
    # Migrations run as the owner role; the application services connect as the runtime role.
    assert command_of(services["migrate"]) == ["python", "manage.py", "migrate", "--database", "owner", "--noinput"]
    migrate_env = services["migrate"]["environment"]
    assert migrate_env["MIGRATE_DATABASE_URL"].startswith("postgres://chuishao:")
    assert migrate_env["DATABASE_RUNTIME_ROLE"] == "chuishao_app"
    assert services["migrate"]["restart"] == "no"
    for name in ["web", "worker", "beat"]:
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgres://chuishao_app:")
        assert "MIGRATE_DATABASE_URL" not in services[name]["environment"]
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["redis"]["condition"] == "service_healthy"


def test_production_runs_postgres_and_redis_not_the_embedded_defaults(compose):
    for name in ["migrate", "web", "worker", "beat"]:
        environment = compose["services"][name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["REDIS_URL"].startswith("redis://redis:")
        assert environment["DEBUG"] == "0"


def test_web_runs_the_same_gunicorn_command_as_make_run(compose):
    procfile = procfile_commands()
    assert procfile["web"][:2] == ["gunicorn", "config.wsgi:application"]
    assert command_of(compose["services"]["web"]) == procfile["web"]


def test_worker_and_beat_split_the_make_run_worker_with_embedded_beat(compose):
    local = procfile_commands()["worker"]
    assert local[:4] == ["celery", "-A", "config", "worker"]
    assert "-B" in local
    assert command_of(compose["services"]["worker"]) == without(local, "-B")
    beat = command_of(compose["services"]["beat"])
    assert beat[:4] == ["celery", "-A", "config", "beat"]
    assert beat[4:] == ["--loglevel", "INFO"]


def test_dockerfile_builds_a_non_root_image_with_translations_and_static_files():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    assert "pip install -r requirements.txt" in dockerfile
    assert "scripts/compile_messages.py" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    user_lines = [line for line in dockerfile.splitlines() if line.startswith("USER ")]
    assert user_lines and user_lines[-1] != "USER root"
    # The image's default command is the web service's.
    cmd = next(line for line in dockerfile.splitlines() if line.startswith("CMD "))
    assert json.loads(cmd[4:]) == procfile_commands()["web"]


# --- The embedded mode, for real ------------------------------------------------------------


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get_json(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - a local test URL
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _stop(processes):
    """SIGTERM each process group (honcho does the same on Ctrl-C), then SIGKILL stragglers."""
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _demo_overdue_cases(db_path):
    """Open, unpaused demo cases past their deadline and not yet escalated (the sweep's own rule)."""
    with sqlite3.connect(db_path) as db:
        return [row[0] for row in db.execute(
            "SELECT number FROM cases_case WHERE state IN ('reported', 'triaged', 'assigned', 'resolved') "
            "AND paused_at IS NULL AND due_at <= ? AND escalation_level = 0",
            [time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())],
        )]


IMPORT_JOB_SNIPPET = """
import tablib
from django.contrib.auth import get_user_model
from responsibilities import imports, services
from responsibilities.models import DutyList, VersionStatus
from responsibilities.permissions import can_edit_list
editor = get_user_model().objects.get(username="editor")
duty_list = next(d for d in DutyList.objects.order_by("pk") if can_edit_list(editor, d))
draft = duty_list.versions.filter(status=VersionStatus.DRAFT).first() or services.list_draft_start(
    duty_list=duty_list, actor=editor)
data = tablib.Dataset(headers=imports.HEADERS)
data.append(["JB-EMB-1", "嵌入模式导入", "基本履职事项", "综合执法", "", "", "", "", "", ""])
job = services.import_job_create(version=draft, actor=editor, filename="e.xlsx", content=data.export("xlsx"))
print(job.pk)
"""


@pytest.mark.slow
def test_embedded_mode_enforces_the_deadlines_of_the_seeded_demo(tmp_path):
    """`make run` on a fresh var/ with no DATABASE_URL/REDIS_URL: SQLite (WAL) and the filesystem
    broker, prepared as the Makefile does (migrate, sync_calendar, seed_demo), then the Procfile's
    processes. Within two sweep intervals of the worker starting, beat has enqueued the deadline
    sweep, the worker has escalated the demo's overdue cases (their case.escalated events are in the
    SQLite database) and /healthz says "ok"; everything stops cleanly on SIGTERM."""
    port = _free_port()
    var_dir = tmp_path / "fresh" / "var"  # does not exist: the processes create what they need
    sweep_seconds = 10
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}}
    env.update(
        CHUISHAO_VAR_DIR=str(var_dir), DEBUG="1", DEADLINE_SWEEP_SECONDS=str(sweep_seconds),
        WEB_BIND=f"127.0.0.1:{port}", WEB_WORKERS="1", PYTHONUNBUFFERED="1",
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    for step in (["migrate", "--noinput"], ["sync_calendar"], ["seed_demo"]):  # as `make run` does
        prepared = subprocess.run(  # noqa: S603 - our own manage.py commands
            [sys.executable, "manage.py", *step], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )
        assert prepared.returncode == 0, prepared.stderr[-3000:]
    database = var_dir / "chuishao.sqlite3"
    overdue = _demo_overdue_cases(database)
    assert overdue, "the demo seeds overdue cases"

    logs, processes = {}, []
    try:
        for name, argv in procfile_commands().items():
            logs[name] = (tmp_path / f"{name}.log").open("w")
            processes.append(
                subprocess.Popen(  # noqa: S603 - the commands come from our own Procfile
                    [str(BIN / argv[0]), *argv[1:]], cwd=ROOT, env=env, stdout=logs[name], stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        started = time.monotonic()
        # The processes' own start-up (Django, Celery, gunicorn: ~10-20 s on a loaded machine) comes
        # first; from the worker being ready, two sweep intervals.
        ready_deadline = started + 120
        while "ready." not in (tmp_path / "worker.log").read_text():
            assert time.monotonic() < ready_deadline, "worker not ready\n" + _tails(tmp_path)
            for process in processes:
                assert process.poll() is None, f"{process.args[0]} exited with {process.returncode}\n" + _tails(tmp_path)
            time.sleep(0.5)
        health, status, deadline = None, None, time.monotonic() + 2 * sweep_seconds + 5
        while time.monotonic() < deadline:
            for process in processes:
                assert process.poll() is None, f"{process.args[0]} exited with {process.returncode}\n" + _tails(tmp_path)
            try:
                status, health = _get_json(f"http://127.0.0.1:{port}/healthz")
                if health["status"] == "ok" and not _demo_overdue_cases(database):
                    break
            except (OSError, ValueError):
                pass  # the web server is still starting
            time.sleep(1)
        else:
            pytest.fail(f"within two sweep intervals: /healthz said {health}, still not escalated "
                        f"{_demo_overdue_cases(database)}\n" + _tails(tmp_path))
        assert status == 200
        assert health["database"]["ok"] and health["broker"]["ok"]
        assert health["broker"]["embedded"] is True
        assert health["sweep"]["ok"] is True and health["sweep"]["result"]["escalated"] >= 1

        # A list import queued by another process (as the web server does) is run by the worker through
        # the filesystem broker, and its progress and result are in the database.
        queued = subprocess.run(  # noqa: S603 - our own manage.py command
            [sys.executable, "manage.py", "shell", "-c", IMPORT_JOB_SNIPPET], cwd=ROOT, env=env,
            capture_output=True, text=True, timeout=120,
        )
        assert queued.returncode == 0, queued.stderr[-3000:]
        job_id, job_status = int(queued.stdout.split()[-1]), None
        job_deadline = time.monotonic() + 60
        while time.monotonic() < job_deadline:
            with sqlite3.connect(database) as db:
                job_status = db.execute("SELECT status, rows_processed FROM responsibilities_importjob WHERE id = ?",
                                        [job_id]).fetchone()
            if job_status[0] == "imported":
                break
            time.sleep(1)
        assert job_status == ("imported", 1), f"import job {job_status}\n" + _tails(tmp_path)

        # The web page is served too (Chinese by default), not only the health check.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:  # noqa: S310
            assert "基层吹哨" in response.read().decode()
    finally:
        _stop(processes)
        for handle in logs.values():
            handle.close()

    for process in processes:
        assert process.returncode is not None
    # The data sits in SQLite under the temporary var/, in WAL mode; the broker's folders beside it.
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT count(*) FROM governance_jobheartbeat WHERE name = 'deadline-sweep'").fetchone()[0] == 1
        escalated = {number for (number,) in db.execute(
            "SELECT c.number FROM cases_caseevent e JOIN cases_case c ON c.id = e.case_id "
            "WHERE e.action = 'case.escalated' AND e.actor_name = '系统'"
        )}
        assert set(overdue) <= escalated, (overdue, escalated)
        # Once each: the events of one level are never doubled.
        [(doubled,)] = db.execute(
            "SELECT count(*) FROM (SELECT case_id, json_extract(data, '$.level') AS level FROM cases_caseevent "
            "WHERE action = 'case.escalated' GROUP BY case_id, level HAVING count(*) > 1)"
        )
        assert doubled == 0
    assert (var_dir / "celery" / "queue").is_dir()
    assert "OperationalError" not in (tmp_path / "worker.log").read_text(), _tails(tmp_path)
    # Logs are JSON lines, like production's.
    worker_lines = [line for line in (tmp_path / "worker.log").read_text().splitlines() if line.startswith("{")]
    assert any(json.loads(line).get("logger", "").startswith("celery") for line in worker_lines), _tails(tmp_path)


def _tails(tmp_path):
    return "\n".join(
        f"--- {path.name}\n" + "\n".join(path.read_text().splitlines()[-30:]) for path in sorted(tmp_path.glob("*.log"))
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_production_worker_and_beat_run_the_sweep_through_redis(tmp_path, settings):
    """docker-compose's worker and beat commands, as two processes, on PostgreSQL (the test
    database) and the real Redis, as on a fresh clone: the var/ folder does not exist (beat keeps
    its schedule there and used to die without it). Beat enqueues the sweep into Redis, the worker
    runs it and records the heartbeat in PostgreSQL."""
    from governance.models import JobHeartbeat

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    var_dir = tmp_path / "fresh-clone" / "var"
    assert not var_dir.exists()
    database = settings.DATABASES["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    database_url = "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**{k: database[k] or "" for k in ["USER", "HOST", "PORT", "NAME"]})
    if database.get("PASSWORD"):
        database_url = database_url.replace("@", f":{database['PASSWORD']}@", 1)
    env = dict(
        os.environ, DATABASE_URL=database_url, REDIS_URL=settings.REDIS_URL, CHUISHAO_VAR_DIR=str(var_dir),
        DEADLINE_SWEEP_SECONDS="5", PYTHONUNBUFFERED="1", PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.pop("CELERY_BROKER_URL", None)
    # Start from an empty queue: only this run's messages count.
    import redis

    redis.Redis.from_url(settings.REDIS_URL).delete("celery")

    logs, processes = {}, []
    try:
        for name in ["worker", "beat"]:
            argv = command_of(compose["services"][name])
            logs[name] = (tmp_path / f"{name}.log").open("w")
            processes.append(
                subprocess.Popen(  # noqa: S603 - the commands come from our own compose file
                    [str(BIN / argv[0]), *argv[1:]], cwd=ROOT, env=env, stdout=logs[name], stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + 120
        while not JobHeartbeat.objects.filter(name="deadline-sweep").exists():
            for process in processes:
                assert process.poll() is None, f"{process.args[0]} exited with {process.returncode}\n" + _tails(tmp_path)
            if time.monotonic() > deadline:
                pytest.fail("no sweep recorded within 120s\n" + _tails(tmp_path))
            time.sleep(1)
    finally:
        _stop(processes)
        for handle in logs.values():
            handle.close()
    beat_log = (tmp_path / "beat.log").read_text()
    assert "Sending due task deadline-sweep" in beat_log, _tails(tmp_path)
    assert (var_dir / "celerybeat-schedule").exists() or list(var_dir.glob("celerybeat-schedule*"))
    assert "redis://" in (tmp_path / "worker.log").read_text()


def _make_dry_run(target):
    result = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True, timeout=60)  # noqa: S603, S607
    assert result.returncode == 0, result.stderr
    return result.stdout


def _in_order(text, *needles):
    positions = [text.find(needle) for needle in needles]
    assert -1 not in positions, [n for n, p in zip(needles, positions, strict=True) if p == -1]
    assert positions == sorted(positions), needles


def test_make_run_prepares_everything_then_starts_the_procfile():
    _in_order(
        _make_dry_run("run"),
        "scripts/compile_messages.py", "manage.py migrate --noinput", "manage.py seed_demo", "honcho -f Procfile start",
    )


def test_make_test_checks_services_lint_and_migrations_before_the_suite():
    _in_order(
        _make_dry_run("test"),
        "scripts/compile_messages.py", "scripts/check_services.py", "ruff check .",
        "makemigrations --check --dry-run", "pytest",
    )
