"""Redis stopped, then started again: nothing a user did is lost or doubled.

A second redis-server is started on a free port for this module, and both the cache (rate limits)
and the Celery broker are pointed at it. While it is stopped, signing in (page and token), reading
(pages, API, Open311) and reporting a case (page and API) all succeed: the rate limits answer from
each process's memory (config.cache) and the notification emails wait in the outbox
(governance.outbox). When it is started again, a real worker with beat sends every pending email,
each exactly once.
"""

import email
import email.header
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid

import pytest
from django.urls import reverse

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(sys.executable).parent

pytestmark = pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self, directory):
        self.port = _free_port()
        self.directory = directory
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603 - a test's own server
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def _point_celery_at(url):
    from config.celery import app

    app.conf.broker_url = url
    app.conf.task_always_eager = False
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_and_cache(redis_server, settings):
    """Point this process's cache and Celery at the test's own Redis; restore afterwards."""
    from config.celery import app

    old_broker = app.conf.broker_url
    settings.CACHES = {"default": {
        "BACKEND": "config.cache.FailSafeRedisCache", "LOCATION": redis_server.url,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
    }}
    settings.CELERY_BROKER_URL = redis_server.url
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "anon": "1000/min", "user": "1000/min", "open311": "1000/min"}}
    _point_celery_at(redis_server.url)
    yield redis_server
    _point_celery_at(old_broker)
    app.conf.task_always_eager = True


def _messages(folder):
    """Every message the filebased backend wrote: (to, subject)."""
    out = []
    for path in sorted(pathlib.Path(folder).glob("*.log")):
        for chunk in path.read_text().split("\n" + "-" * 79 + "\n"):
            if not chunk.strip():
                continue
            message = email.message_from_string(chunk)
            subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
            out.append((message["To"], subject))
    return out


def _database_url(settings):
    database = settings.DATABASES["default"]
    url = "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**{k: database[k] or "" for k in ["USER", "HOST", "PORT", "NAME"]})
    if database.get("PASSWORD"):
        url = url.replace("@", f":{database['PASSWORD']}@", 1)
    return url


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_with_redis_down_people_sign_in_read_and_report_and_every_email_goes_out_once_when_it_is_back(
    broker_and_cache, settings, tmp_path
):
    from django.test import Client
    from rest_framework.test import APIClient

    from cases.models import Case
    from governance.models import Notification
    from tests.personas import PASSWORD, build_org

    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    org = build_org()
    redis_server = broker_and_cache
    redis_server.stop()

    # Signing in: the page and the token endpoint.
    page = Client()
    signed_in = page.post(reverse("login"), {"username": org.reporter.username, "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.content[:500]
    token = APIClient().post("/api/v1/auth/token/", {"username": org.reporter.username, "password": PASSWORD},
                             format="json")
    assert token.status_code == 200, token.content
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")

    # Reading: pages, the API (anonymous and signed in) and Open311.
    assert page.get("/").status_code == 200
    assert page.get(reverse("cases:report")).status_code == 200
    assert Client().get("/lists/").status_code == 200
    assert APIClient().get("/api/v1/units/").status_code == 200
    assert api.get("/api/v1/cases/").status_code == 200
    assert APIClient().get("/open311/v2/services.json").status_code == 200

    # Reporting: the page and the API. Each answers success once, so nobody resubmits.
    reported = page.post(reverse("cases:report"), {
        "township": org.township.pk, "title": "解放路夜市油烟扰民", "description": "烧烤摊油烟直排。",
        "address": "解放路88号", "urgency": "normal", "submit": "1",
    })
    assert reported.status_code == 302, reported.content[:1000]
    created = api.post("/api/v1/cases/", {"title": "农贸市场销售过期食品", "description": "东门摊位",
                                          "address": "城关农贸市场"}, format="json")
    assert created.status_code == 201, created.content
    assert Case.objects.count() == 2
    pending = list(Notification.objects.filter(email_pending=True).select_related("recipient"))
    assert pending and {n.subject for n in pending} == {f"case:{c.pk}" for c in Case.objects.all()}
    assert all(n.emailed_at is None for n in pending)

    # Redis is back: the documented worker with beat delivers the outbox, two processes at once.
    redis_server.start()
    mail_dir = tmp_path / "mail"
    env = dict(
        os.environ, DATABASE_URL=_database_url(settings), REDIS_URL=redis_server.url,
        CHUISHAO_VAR_DIR=str(tmp_path / "var"), EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir), EMAIL_OUTBOX_SECONDS="5", DEADLINE_SWEEP_SECONDS="3600",
        PYTHONUNBUFFERED="1",
    )
    env.pop("CELERY_BROKER_URL", None)
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(  # noqa: S603 - our own worker command
        [str(BIN / "celery"), "-A", "config", "worker", "-B", "--loglevel", "INFO", "--concurrency", "2"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while Notification.objects.filter(email_pending=True).exists():
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "emails still pending\n" + (tmp_path / "worker.log").read_text()[-3000:]
            time.sleep(0.5)
        time.sleep(7)  # one more beat interval: nothing is sent again
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        log.close()
    sent = _messages(mail_dir)
    expected = sorted((n.recipient.email, f"[吹哨平台] {n.title}") for n in pending)
    assert sorted(sent) == expected, "every pending email exactly once"
    assert not Notification.objects.filter(pk__in=[n.pk for n in pending], emailed_at__isnull=True).exists()


@pytest.mark.django_db
def test_rate_limits_still_count_per_process_while_redis_is_unreachable(settings, client, caplog):
    """A cache that cannot reach Redis answers from this process's memory: the API keeps serving and
    the throttle still says 429 after the limit, with a warning in the log."""
    from django.core.cache import cache

    settings.CACHES = {"default": {
        "BACKEND": "config.cache.FailSafeRedisCache", "LOCATION": f"redis://127.0.0.1:{_free_port()}/0",
        "OPTIONS": {"socket_connect_timeout": 1},
    }}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "anon": "3/min", "user": "3/min", "open311": "3/min"}}
    statuses = [client.get("/api/v1/units/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert cache.get("anything") is None
    assert any("redis cache unreachable" in r.getMessage() for r in caplog.records)


def test_one_counter_shared_by_processes_with_its_lifetime_and_its_fallback(redis_server):
    """config.cache.count_hit: two processes (two cache objects) count on the same Redis key, the key
    lives `timeout` seconds from its first hit, cache.get reads the count (failed sign-ins per account),
    and with Redis stopped each process goes on counting in its own memory."""
    import redis as redis_client

    from config.cache import FailSafeRedisCache, count_hit

    def process_cache():
        return FailSafeRedisCache(redis_server.url, {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}})

    first, second = process_cache(), process_cache()
    assert [count_hit("k", 30, cache=first), count_hit("k", 30, cache=second), count_hit("k", 30, cache=first)] == [1, 2, 3]
    assert second.get("k") == 3
    raw = redis_client.Redis.from_url(redis_server.url)
    ttl = raw.ttl(first.make_key("k"))
    assert 0 < ttl <= 30
    count_hit("k", 30, cache=second)
    assert raw.ttl(first.make_key("k")) <= ttl  # later hits do not extend the window
    assert first._cache.get_client() is first._cache.get_client()  # one client per pool, not one per call

    redis_server.stop()
    assert [count_hit("k", 30, cache=first), count_hit("k", 30, cache=first)] == [1, 2]
    assert count_hit("k", 30, cache=second) == 1


def test_the_default_cache_counts_in_one_pipelined_round_trip(monkeypatch):
    """count_hit() without a cache argument (the API throttles, the lookup's rate) takes the pipelined path
    on the deployment's Redis cache: django.core.cache.cache is a proxy that isinstance does not see
    through, and the throttles paid two round trips per request (add, then incr) for it."""
    from django.core.cache import caches

    from config.cache import FailSafeRedisCache, count_hit

    if not isinstance(caches["default"], FailSafeRedisCache):
        pytest.skip("the suite runs without Redis")  # .ci/run always provides it
    pipelined = []
    real = FailSafeRedisCache.count_hit
    monkeypatch.setattr(FailSafeRedisCache, "count_hit",
                        lambda self, *a, **k: pipelined.append(a) or real(self, *a, **k))
    key = f"one-trip-{uuid.uuid4().hex}"
    assert [count_hit(key, 30), count_hit(key, 30)] == [1, 2]
    assert len(pipelined) == 2
