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
from collections import OrderedDict

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
_FAILURES = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError, OSError)
_OPERATIONS = ("add", "get", "set", "touch", "delete", "get_many", "has_key", "incr", "set_many", "delete_many", "clear")


class ProcessLRU:
    """A bounded map kept in this process, for values that never go stale (immutable list versions and
    what is rendered from them): the least recently read entry is dropped past `maxsize`. Thread-safe."""

    def __init__(self, maxsize):
        self.maxsize = maxsize
        self._data = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key, value):
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def clear(self):
        with self._lock:
            self._data.clear()


class _ReusedClient(RedisCacheClient):
    """Django builds a new redis.Redis per cache call (its constructor fills a table of ~170 response
    callbacks); a client over a connection pool is thread-safe and fork-safe (the pool checks its pid),
    so one per pool serves the whole process."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients.setdefault(index, self._client(connection_pool=self._get_connection_pool(write)))
        return client


def _count_hit_plain(cache, key, timeout):
    if cache.add(key, 1, timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: a new window
        cache.add(key, 1, timeout)
        return 1


def count_hit(key, timeout, cache=None):
    """One more hit on a counter that lives `timeout` seconds from its first hit; returns the count.

    The one fixed-window counter (API throttles, the public lookup's rate, failed sign-ins per account).
    On Redis it is one round trip (SET NX EX, INCR, pipelined), elsewhere add-then-incr."""
    from django.core.cache import caches

    # caches["default"], not django.core.cache.cache: that is a proxy, which no isinstance sees through.
    cache = cache or caches["default"]
    if isinstance(cache, FailSafeRedisCache):
        return cache.count_hit(key, timeout)
    return _count_hit_plain(cache, key, timeout)


class FailSafeRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusedClient
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

    def count_hit(self, key, timeout, version=None):
        if self._down_until and time.monotonic() < self._down_until:
            return _count_hit_plain(self._fallback, key, timeout)
        redis_key = self.make_and_validate_key(key, version=version)
        try:
            pipe = self._cache.get_client(redis_key, write=True).pipeline(transaction=False)
            pipe.set(redis_key, 0, ex=max(int(timeout), 1), nx=True)
            pipe.incr(redis_key)
            count = pipe.execute()[1]
        except _FAILURES as exc:
            self._failed("count_hit", exc)
            return _count_hit_plain(self._fallback, key, timeout)
        self._recovered()
        return count

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
