"""Check that the PostgreSQL and Redis the tests need are reachable; explain how to start them if not.

Run by `make test` (and so by .ci/run) before the suite: a missing service fails loudly, never skips tests.
"""

import os
import sys
from urllib.parse import urlparse

import psycopg2
import redis


def main():
    failures = []
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        failures.append(f"DATABASE_URL must point at PostgreSQL for the tests (got {database_url!r}).")
    else:
        parsed = urlparse(database_url)
        try:
            # Connect to the maintenance database: the test database is created by the suite. The
            # named database is created too when missing (makemigrations --check reads its history).
            maintenance = psycopg2.connect(
                host=parsed.hostname, port=parsed.port or 5432, user=parsed.username or "postgres",
                password=parsed.password, dbname="postgres", connect_timeout=5,
            )
            maintenance.autocommit = True
            name = parsed.path.lstrip("/")
            with maintenance.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
                if name and cursor.fetchone() is None:
                    cursor.execute(f'CREATE DATABASE "{name}"')
            maintenance.close()
        except psycopg2.Error as exc:
            failures.append(
                f"PostgreSQL is not reachable at {parsed.hostname}:{parsed.port or 5432} ({str(exc).strip()}).\n"
                "    Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
            )
    redis_url = os.environ.get("REDIS_URL", "")
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
    except (redis.RedisError, ValueError) as exc:
        failures.append(
            f"Redis is not reachable at {redis_url!r} ({exc}).\n"
            '    Start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no'
        )
    if failures:
        print("The test suite needs real services and will not skip them:", file=sys.stderr)
        for failure in failures:
            print(f"  - {failure}", file=sys.stderr)
        sys.exit(1)
    print(f"services ok: PostgreSQL {urlparse(database_url).hostname}, Redis {redis_url}")


if __name__ == "__main__":
    main()
