"""In-app notifications: sending (idempotent with a dedupe key, email after commit), the page, mark-read."""

import pytest
from django.core import mail
from django.urls import reverse

from governance.models import Notification
from governance.services import notification_send

pytestmark = pytest.mark.django_db


def send(recipients, **kwargs):
    defaults = {"kind": "case.assigned", "title": "新交办事项：占道经营", "body": "请在时限内签收。", "url": "/cases/1/"}
    return notification_send(recipients=recipients, **{**defaults, **kwargs})


def test_notification_reaches_each_active_recipient_once_and_is_emailed(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = send([org.officer, org.officer, org.officer_a2, None])
    assert len(created) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["p_officer@example.test", "p_officer_a2@example.test"]
    assert "新交办事项：占道经营" in mail.outbox[0].subject
    assert "http://testserver/cases/1/" in mail.outbox[0].body
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 2


def test_email_is_not_sent_when_the_transaction_rolls_back(org, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                send([org.officer])
                raise RuntimeError("the step failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_same_dedupe_key_notifies_only_once(org):
    assert len(send([org.supervisor], dedupe_key="case:1:escalated:1", email=False)) == 1
    assert send([org.supervisor], dedupe_key="case:1:escalated:1", email=False) == []
    assert Notification.objects.filter(recipient=org.supervisor).count() == 1


def test_inactive_user_gets_nothing(org):
    org.officer.is_active = False
    org.officer.save()
    assert send([org.officer], email=False) == []


def test_notifications_page_lists_only_my_notifications_with_unread_badge(org, client_for):
    send([org.officer], email=False)
    send([org.officer_b], title="别人的通知", email=False)
    response = client_for(org.officer).get(reverse("notifications"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "新交办事项：占道经营" in body and "别人的通知" not in body
    assert 'class="badge"' in body
    assert "全部标为已读" in body


def test_mark_all_read_needs_post_and_touches_only_mine(org, client_for):
    send([org.officer, org.officer_b], email=False)
    client = client_for(org.officer)
    assert client.get(reverse("notifications_mark_read")).status_code == 405
    assert client.post(reverse("notifications_mark_read")).status_code == 302
    assert not Notification.objects.filter(recipient=org.officer, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=org.officer_b, read_at__isnull=True).exists()


def test_notifications_page_needs_sign_in(client):
    response = client.get(reverse("notifications"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_notifications_page_is_paginated_with_a_fixed_number_of_queries(org, client_for, django_assert_max_num_queries):
    for i in range(65):
        send([org.officer], title=f"通知 {i}", email=False)
    client = client_for(org.officer)
    with django_assert_max_num_queries(12):
        first = client.get(reverse("notifications"))
    assert len(first.context["page"].object_list) == 30
    assert "第 1 / 3 页" in first.content.decode()
    assert len(client.get(reverse("notifications"), {"page": 3}).context["page"].object_list) == 5


def test_notifications_are_grouped_per_case_and_ticked_groups_are_marked_read(org, client_for):
    from governance import services

    for i in range(3):
        services.notification_send(recipients=[org.officer], kind="case.urged", title=f"催办 {i}", subject="case:1",
                                   email=False)
    services.notification_send(recipients=[org.officer], kind="case.assigned", title="另一件", subject="case:2",
                               email=False)
    client = client_for(org.officer)
    page = client.get(reverse("notifications"))
    groups = list(page.context["page"].object_list)
    assert [(g["key"], g["total"], g["unread"]) for g in groups] == [("case:2", 1, 1), ("case:1", 3, 3)]
    assert "此前还有 2 条" in page.content.decode()
    client.post(reverse("notifications_mark_read"), {"group": ["case:1"], "selected": "1"})
    assert list(Notification.objects.filter(recipient=org.officer, read_at__isnull=True).values_list("title", flat=True)) == ["另一件"]
    client.post(reverse("notifications_mark_read"), {"selected": "1"})  # nothing ticked: nothing changes
    assert Notification.objects.filter(recipient=org.officer, read_at__isnull=True).count() == 1


def test_many_recipients_cost_one_insert_and_a_dedupe_key_still_holds_per_recipient(org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    people = [org.officer, org.officer_a2, org.dispatcher, org.supervisor]
    with CaptureQueriesContext(connection) as ctx:
        created = send(people)
    inserts = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('INSERT INTO "governance_notification"')]
    assert len(inserts) == 1  # a county's dispatchers are told of a report in one round trip
    assert sorted(n.recipient_id for n in created) == sorted(p.pk for p in people)
    assert all(n.pk and n.created_at for n in created)

    # With a dedupe key (the sweep's re-sends) each recipient still gets at most one, however often sent.
    first = send(people, dedupe_key="case:1:overdue")
    again = send(people, dedupe_key="case:1:overdue")
    assert len(first) == 4 and again == []
    assert Notification.objects.filter(dedupe_key__startswith="case:1:overdue").count() == 4
