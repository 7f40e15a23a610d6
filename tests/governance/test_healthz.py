"""GET /healthz: database, broker (the real Redis in tests) and the deadline sweep's heartbeat."""

import json
import os
import pathlib
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from governance.models import JobHeartbeat
from governance.services import heartbeat_record

pytestmark = pytest.mark.django_db
ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_healthz_is_ok_with_database_redis_and_a_recent_sweep(client):
    heartbeat_record(name="deadline-sweep", started_at=timezone.now(), result={"escalated": 0})
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "error": None}
    assert body["broker"] == {"ok": True, "error": None, "embedded": False}
    assert body["sweep"]["ok"] is True
    assert body["sweep"]["last_run_at"]
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_reports_a_sweep_that_never_ran_as_degraded_not_down(client):
    body = client.get("/healthz").json()
    assert body["status"] == "degraded"
    assert body["sweep"]["last_run_at"] is None


def test_healthz_reports_a_stale_sweep(client, settings):
    JobHeartbeat.objects.create(
        name="deadline-sweep", last_started_at=timezone.now() - timedelta(hours=1),
        last_finished_at=timezone.now() - timedelta(hours=1),
    )
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["sweep"]["ok"] is False


def test_the_real_sweep_task_records_the_heartbeat_healthz_reads(client):
    from cases.tasks import sweep_deadlines

    sweep_deadlines.delay()
    assert client.get("/healthz").json()["sweep"]["last_run_at"]


def test_healthz_is_503_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["broker"]["ok"] is False
    assert body["broker"]["error"]
    assert body["database"]["ok"] is True


def test_healthz_is_503_when_the_embedded_broker_folders_are_missing(client, settings, tmp_path):
    settings.CELERY_EMBEDDED = True
    settings.CELERY_BROKER_DIRS = [tmp_path / "gone"]
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "gone" in response.json()["broker"]["error"]


def test_healthz_is_503_when_the_database_is_unreachable():
    """A separate process whose DATABASE_URL points at a closed port: the answer is a JSON 503."""
    env = dict(os.environ, DATABASE_URL="postgres://postgres@127.0.0.1:1/nothing", ALLOWED_HOSTS="testserver")
    script = (
        "import django, json; django.setup();"
        "from django.test import Client; r = Client().get('/healthz');"
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    assert answer["body"]["database"]["ok"] is False
    assert answer["body"]["database"]["error"] == "OperationalError"
    assert answer["body"]["status"] == "down"


def test_container_health_check_by_local_address_works_whatever_allowed_hosts_say(client, settings):
    settings.ALLOWED_HOSTS = ["chuishao.example.gov.cn"]
    response = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code in (200, 503)
    assert response["Content-Type"] == "application/json"
    assert "database" in response.json()
    assert not response.cookies
    # Every other page still refuses an unknown host.
    assert client.get("/", HTTP_HOST="127.0.0.1:8000").status_code == 400


def test_healthz_refuses_post(client):
    assert client.post("/healthz").status_code == 405
