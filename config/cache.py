"""The cache fails safe: with Redis down, every page and API request still gets an answer.

The cache holds only what can be recomputed (the public lists' search results) and the API's
rate-limit counters (DRF's throttles). Django's RedisCache raises redis.ConnectionError on each call
while Redis is down, which made every API and Open311 request a 500, the token endpoint and anonymous
reads included. FailSafeRedisCache answers from a per-process memory cache instead, logs one warning
per outage and per process, and tries Redis again after RETRY_SECONDS (a circuit breaker, so a dead
server costs one connection attempt per process every few seconds, not one per request).
Rate limiting therefore goes on per process during an outage (each web worker counts on its own).
"""

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
_FAILURES = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError, OSError)
_OPERATIONS = ("add", "get", "set", "touch", "delete", "get_many", "has_key", "incr", "set_many", "delete_many", "clear")


class FailSafeRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._fallback = LocMemCache(f"failsafe-{id(self)}", {"OPTIONS": {"MAX_ENTRIES": 10_000}})
        self._down_until = 0.0
        self._lock = threading.Lock()

    def _failed(self, name, exc):
        with self._lock:
            was_up = self._down_until == 0.0
            self._down_until = time.monotonic() + RETRY_SECONDS
        if was_up:
            logger.warning(
                "redis cache unreachable: answering from this process's memory (rate limits count per process)",
                extra={"operation": name, "error": exc.__class__.__name__},
            )

    def _recovered(self):
        if self._down_until:
            with self._lock:
                self._down_until = 0.0
            logger.warning("redis cache reachable again")


def _fail_safe(name):
    redis_op = getattr(RedisCache, name)

    def operation(self, *args, **kwargs):
        if self._down_until and time.monotonic() < self._down_until:
            return getattr(self._fallback, name)(*args, **kwargs)
        try:
            result = redis_op(self, *args, **kwargs)
        except _FAILURES as exc:
            self._failed(name, exc)
            return getattr(self._fallback, name)(*args, **kwargs)
        self._recovered()
        return result

    operation.__name__ = name
    operation.__doc__ = redis_op.__doc__
    return operation


for _name in _OPERATIONS:
    setattr(FailSafeRedisCache, _name, _fail_safe(_name))
