"""The embedded mode's broker (config.broker): every message is read whole, and by one reader only.

kombu's own filesystem channel let a polling worker claim a message file before its writer had
filled it, and the worker died on the empty JSON ("Unrecoverable error: JSONDecodeError"); these
tests put and get through real kombu connections on real folders, from several threads at once.
"""

import json
import threading
import time
import uuid

import pytest
from kombu import Connection, Exchange, Queue

from config.broker import PARTIAL_SUFFIX


@pytest.fixture
def folders(tmp_path):
    queue, processed = tmp_path / "queue", tmp_path / "processed"
    queue.mkdir()
    processed.mkdir()
    return {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "data_folder_processed": str(processed),
        "control_folder": str(tmp_path / "control"),
        "store_processed": False,
    }


def _name():
    # kombu keeps the filesystem broker's bindings in one process-wide state: a fresh name per test
    # makes each test bind (and so write) its own exchange table in its own folders.
    return f"jobs-{uuid.uuid4().hex[:8]}"


def _connection(folders):
    return Connection("filesystem://", transport="config.broker:Transport", transport_options=folders)


def test_the_settings_select_this_transport_in_embedded_mode():
    from django.conf import settings as django_settings

    if django_settings.CELERY_EMBEDDED:
        assert django_settings.CELERY_BROKER_TRANSPORT == "config.broker:Transport"
    else:
        # With Redis the transport comes from the URL; this module is never loaded by a worker.
        assert getattr(django_settings, "CELERY_BROKER_TRANSPORT", None) is None


def test_a_message_still_being_written_is_not_delivered(folders, tmp_path):
    with _connection(folders) as conn:
        name = _name()
        queue = conn.SimpleQueue(name)
        # A writer that has created its file but not yet renamed it into place.
        (tmp_path / "queue" / f"1_abc.{name}.msg{PARTIAL_SUFFIX}").write_bytes(b"")
        assert queue.qsize() == 0
        with pytest.raises(queue.Empty):
            queue.get(block=False)
        queue.put({"n": 1})
        assert queue.qsize() == 1
        message = queue.get(block=False)
        assert message.payload == {"n": 1}
        message.ack()
        queue.close()
    # Nothing is left behind once read (store_processed is off): no claimed copies pile up.
    assert list((tmp_path / "processed").iterdir()) == []


def test_concurrent_writers_and_readers_deliver_each_message_exactly_once(folders):
    writers, readers, per_writer = 4, 4, 250
    name = _name()
    total = writers * per_writer
    received, errors = [], []
    lock = threading.Lock()
    done_writing = threading.Event()

    def write(w):
        try:
            with _connection(folders) as conn:
                queue = conn.SimpleQueue(name)
                for i in range(per_writer):
                    # A payload big enough that a write is not one syscall's worth of luck.
                    queue.put({"id": f"{w}-{i}", "body": "吹哨报到" * 200})
                queue.close()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(repr(exc))

    def read():
        # Every reader runs until all messages are in: a reader that stopped early would close its channel
        # with messages already delivered to it but not yet taken (kombu puts those back, to no reader).
        deadline = time.monotonic() + 60
        try:
            with _connection(folders) as conn:
                queue = conn.SimpleQueue(name)
                while time.monotonic() < deadline:
                    with lock:
                        if len(received) >= total:
                            break
                    try:
                        message = queue.get(block=False)
                    except queue.Empty:
                        time.sleep(0.001)
                        continue
                    assert message.payload["body"] == "吹哨报到" * 200
                    message.ack()
                    with lock:
                        received.append(message.payload["id"])
                queue.close()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(repr(exc))

    # The queue is declared (its binding written) before the threads start: kombu records a binding in a
    # state shared by the process's connections before it writes it to the exchange table, so a second
    # thread of one process could publish between the two and see no queue (separate processes, the web
    # and the worker, each write or read the table themselves: the next test races those).
    with _connection(folders) as conn:
        conn.SimpleQueue(name).close()
    threads = [threading.Thread(target=read) for _ in range(readers)]
    for t in threads:
        t.start()
    producers = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in producers:
        t.start()
    for t in producers:
        t.join(timeout=120)
    done_writing.set()
    for t in threads:
        t.join(timeout=120)

    assert errors == []
    assert len(received) == total, f"{total - len(received)} messages were not delivered"
    assert len(set(received)) == total, "a message was delivered twice"


def test_processes_binding_at_once_leave_a_whole_table_with_every_binding(folders, tmp_path):
    exchange = Exchange(_name(), type="direct")
    keys = [f"key-{i}" for i in range(24)]
    errors = []
    start = threading.Barrier(len(keys))

    def bind(key):
        try:
            with _connection(folders) as conn:
                start.wait()
                Queue(f"{exchange.name}-{key}", exchange, routing_key=key)(conn.default_channel).declare()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(repr(exc))

    threads = [threading.Thread(target=bind, args=(key,)) for key in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    table = json.loads((tmp_path / "control" / f"{exchange.name}.exchange").read_text())
    assert sorted(row[0] for row in table) == sorted(keys)
    # And a message published on any of those keys reaches its queue.
    with _connection(folders) as conn:
        conn.Producer().publish({"k": keys[7]}, exchange=exchange, routing_key=keys[7], declare=[])
        queue = conn.SimpleQueue(Queue(f"{exchange.name}-{keys[7]}", exchange, routing_key=keys[7]))
        message = queue.get(timeout=5)
        assert message.payload == {"k": keys[7]}
        message.ack()
        queue.close()
