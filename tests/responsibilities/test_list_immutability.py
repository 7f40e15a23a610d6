"""Published versions never change: the service refuses (test_list_services), and so does the database,
whatever path the write takes (ORM, queryset update, admin)."""

import datetime
import sqlite3

import pytest
from django.db import IntegrityError, transaction

from responsibilities import services
from responsibilities.models import ListEvent, ListItem, ListVersion

pytestmark = pytest.mark.django_db


def _refused(fn):
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            fn()


def test_database_refuses_changes_to_items_of_a_published_version(org, published):
    _duty_list, v1 = published
    item = v1.items.get(code="JB-001")

    def save_changed():
        item.title = "偷偷改掉"
        item.save()

    _refused(save_changed)
    _refused(lambda: ListItem.objects.filter(pk=item.pk).update(keywords="x"))
    _refused(lambda: ListItem.objects.filter(pk=item.pk).delete())
    _refused(lambda: ListItem.objects.create(version=v1, code="JB-099", kind="basic", category="service", title="塞进来"))
    assert ListItem.objects.get(pk=item.pk).title == "组织开展网格化管理"
    assert v1.items.count() == 6


def test_database_refuses_moving_a_draft_item_into_a_published_version(org, published):
    duty_list, v1 = published
    draft = services.list_draft_start(duty_list=duty_list, actor=org.editor)
    item = draft.items.get(code="JB-001")
    _refused(lambda: ListItem.objects.filter(pk=item.pk).update(version=v1))


def test_database_refuses_changes_to_a_published_versions_content_and_deletion(org, published):
    _duty_list, v1 = published
    _refused(lambda: ListVersion.objects.filter(pk=v1.pk).update(effective_date=datetime.date(2030, 1, 1)))
    _refused(lambda: ListVersion.objects.filter(pk=v1.pk).update(change_note="改说明"))
    _refused(lambda: ListVersion.objects.filter(pk=v1.pk).update(status="draft"))
    _refused(lambda: ListVersion.objects.filter(pk=v1.pk).delete())
    v1.refresh_from_db()
    assert (v1.status, v1.effective_date) == ("published", datetime.date(2026, 1, 1))


def test_a_superseded_version_cannot_come_back(org, published):
    duty_list, v1 = published
    draft = services.list_draft_start(duty_list=duty_list, actor=org.editor)
    services.list_publish(version=draft, actor=org.editor, effective_date=datetime.date(2026, 7, 1))
    _refused(lambda: ListVersion.objects.filter(pk=v1.pk).update(status="published"))
    _refused(lambda: ListItem.objects.filter(version=v1).update(title="旧版也不能改"))


def test_draft_items_can_still_be_changed_through_the_orm(org, published):
    duty_list, _ = published
    draft = services.list_draft_start(duty_list=duty_list, actor=org.editor)
    assert ListItem.objects.filter(version=draft, code="JB-001").update(title="草稿可改") == 1


def test_the_audit_log_is_append_only(org, published):
    event = ListEvent.objects.first()
    with pytest.raises(RuntimeError):
        event.delete()
    _refused(lambda: ListEvent.objects.filter(pk=event.pk).update(action="tampered"))
    _refused(lambda: ListEvent.objects.filter(pk=event.pk).delete())


def test_admin_shows_a_published_item_read_only_and_refuses_a_post(org, published, client_for):
    _duty_list, v1 = published
    item = v1.items.get(code="FM-001")
    client = client_for(org.admin)
    url = f"/admin/responsibilities/listitem/{item.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="title"' not in page.content  # read-only view, no inputs
    response = client.post(url, {"code": "FM-001", "title": "管理后台改标题", "kind": "negative", "category": "enforcement",
                                 "department": org.dept_b.pk})
    assert response.status_code == 403
    assert ListItem.objects.get(pk=item.pk).title == "占道经营查处"
    assert client.get(f"/admin/responsibilities/listitem/{item.pk}/delete/").status_code == 403


def test_admin_edits_a_draft_item_through_the_service_with_an_audit_event(org, published, client_for):
    duty_list, _ = published
    draft = services.list_draft_start(duty_list=duty_list, actor=org.editor)
    item = draft.items.get(code="JB-002")
    response = client_for(org.admin).post(f"/admin/responsibilities/listitem/{item.pk}/change/", {
        "code": "JB-002", "title": "矛盾纠纷排查化解（修订）", "kind": "basic", "category": "governance",
        "description": item.description, "legal_basis": "", "department": "", "response_hours": "",
        "resolution_days": "", "keywords": item.keywords,
    })
    assert response.status_code == 302
    assert ListItem.objects.get(pk=item.pk).title == "矛盾纠纷排查化解（修订）"
    assert ListEvent.objects.filter(action="item.changed", actor=org.admin, item_code="JB-002").exists()


def test_sqlite_triggers_enforce_the_same_rules():
    """The embedded local mode (SQLite) keeps the rule: run migration 0003's SQLite statements on minimal tables."""
    from importlib import import_module

    migration = import_module("responsibilities.migrations.0003_immutability_triggers")
    db = sqlite3.connect(":memory:")
    db.executescript("""
        CREATE TABLE responsibilities_listversion (id INTEGER PRIMARY KEY, duty_list_id INT, number INT, based_on_id INT,
            change_note TEXT, effective_date TEXT, published_at TEXT, created_at TEXT, published_by_id INT,
            status TEXT, superseded_at TEXT);
        CREATE TABLE responsibilities_listitem (id INTEGER PRIMARY KEY, version_id INT, code TEXT, title TEXT);
        CREATE TABLE responsibilities_listevent (id INTEGER PRIMARY KEY, action TEXT);
    """)
    for statement in migration.SQLITE_FORWARD:
        db.execute(statement)
    db.execute("INSERT INTO responsibilities_listversion (id, duty_list_id, number, status, change_note) VALUES (1, 1, 1, 'draft', '')")
    db.execute("INSERT INTO responsibilities_listitem (version_id, code, title) VALUES (1, 'A', 'a')")
    db.execute("UPDATE responsibilities_listversion SET status = 'published', published_at = 'now' WHERE id = 1")
    for sql in [
        "UPDATE responsibilities_listitem SET title = 'b'",
        "DELETE FROM responsibilities_listitem",
        "INSERT INTO responsibilities_listitem (version_id, code, title) VALUES (1, 'B', 'b')",
        "UPDATE responsibilities_listversion SET change_note = 'x'",
        "UPDATE responsibilities_listversion SET status = 'draft'",
        "DELETE FROM responsibilities_listversion",
    ]:
        with pytest.raises(sqlite3.IntegrityError):
            db.execute(sql)
    db.execute("UPDATE responsibilities_listversion SET status = 'superseded', superseded_at = 'later'")
    db.execute("INSERT INTO responsibilities_listevent (action) VALUES ('x')")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("DELETE FROM responsibilities_listevent")
