"""Two editors press "publish" on the same draft at the same moment: one wins, the other gets a clear message.
Real PostgreSQL connections in two threads (transactional test)."""

import datetime
import threading

import pytest
from django.db import connection

from responsibilities import services
from responsibilities.exceptions import ListConflict
from responsibilities.models import ListEvent, ListVersion

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_publish_of_one_draft_has_one_winner(org):
    from tests.responsibilities.conftest import build_list

    duty_list, _ = build_list(org)
    draft = services.list_draft_start(duty_list=duty_list, actor=org.editor)
    barrier = threading.Barrier(2)
    outcomes = []

    def publish(actor):
        try:
            barrier.wait(timeout=10)
            services.list_publish(version=draft, actor=actor, effective_date=datetime.date(2026, 7, 1))
            outcomes.append("published")
        except ListConflict as exc:
            outcomes.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(user,)) for user in (org.editor, org.admin)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == sorted(["published", "该版本已经发布，不能再修改；请新建草稿后编辑。"])
    assert ListVersion.objects.filter(duty_list=duty_list, status="published").count() == 1
    assert ListEvent.objects.filter(duty_list=duty_list, action="version.published", version_number=2).count() == 1


def test_concurrent_draft_start_makes_one_draft(org):
    from tests.responsibilities.conftest import build_list

    duty_list, _ = build_list(org)
    barrier = threading.Barrier(2)
    outcomes = []

    def start(actor):
        try:
            barrier.wait(timeout=10)
            services.list_draft_start(duty_list=duty_list, actor=actor)
            outcomes.append("started")
        except ListConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=start, args=(user,)) for user in (org.editor, org.admin)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "started"]
    assert ListVersion.objects.filter(duty_list=duty_list, status="draft").count() == 1
