"""Responsibility lists over the API: public reads, editor writes through the same services, diff, search."""

from responsibilities.models import ListEvent, ListItem, VersionStatus


def test_everyone_reads_published_lists_versions_and_items(duty, api_for):
    client = api_for(None)
    lists = client.get("/api/v1/lists/").json()["results"]
    assert [(entry["code"], entry["published_version"]) for entry in lists] == [("sfx-township", 1)]
    versions = client.get("/api/v1/lists/sfx-township/versions/").json()["results"]
    assert [(v["number"], v["status"], v["item_count"]) for v in versions] == [(1, "published", 3)]
    items = client.get(f"/api/v1/versions/{duty.version.pk}/items/?kind=assisting").json()["results"]
    assert [(i["code"], i["department_name"]) for i in items] == [("A-001", "县市场监管局")]
    item = client.get(f"/api/v1/items/{duty.negative.pk}/").json()
    assert item["list_code"] == "sfx-township" and item["kind"] == "negative"


def test_drafts_are_visible_to_the_lists_editors_only(org, duty, api_for):
    created = api_for(org.editor).post("/api/v1/lists/sfx-township/drafts/", {"change_note": "年度修订"}, format="json")
    assert created.status_code == 201, created.content
    draft_id = created.json()["id"]
    assert created.json()["status"] == "draft" and created.json()["item_count"] == 3
    for user in (None, org.reporter, org.dispatcher):
        assert api_for(user).get(f"/api/v1/versions/{draft_id}/").status_code == 404
        numbers = [v["number"] for v in api_for(user).get("/api/v1/lists/sfx-township/versions/").json()["results"]]
        assert numbers == [1]
    assert api_for(org.editor).get(f"/api/v1/versions/{draft_id}/").status_code == 200
    assert api_for(org.admin).get(f"/api/v1/versions/{draft_id}/").status_code == 200


def test_an_editor_edits_and_publishes_a_draft_and_the_diff_shows_it(org, duty, api_for):
    editor = api_for(org.editor)
    draft_id = editor.post("/api/v1/lists/sfx-township/drafts/", {}, format="json").json()["id"]
    added = editor.post(f"/api/v1/versions/{draft_id}/items/", {
        "code": "A-002", "title": "特种设备安全隐患排查", "kind": "assisting", "category": "market",
        "department": org.dept.pk}, format="json")
    assert added.status_code == 201, added.content
    draft_basic = ListItem.objects.get(version_id=draft_id, code="B-001")
    changed = editor.patch(f"/api/v1/items/{draft_basic.pk}/", {"title": "辖区环境卫生保洁与垃圾清运"}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["title"] == "辖区环境卫生保洁与垃圾清运"
    draft_negative = ListItem.objects.get(version_id=draft_id, code="N-001")
    assert editor.delete(f"/api/v1/items/{draft_negative.pk}/").status_code == 204
    published = editor.post(f"/api/v1/versions/{draft_id}/publish/", {"effective_date": "2026-07-01"}, format="json")
    assert published.status_code == 200, published.content
    assert published.json()["status"] == "published"
    duty.version.refresh_from_db()
    assert duty.version.status == VersionStatus.SUPERSEDED

    diff = api_for(None).get(f"/api/v1/versions/{draft_id}/diff/").json()
    assert (diff["from_version"], diff["to_version"]) == (1, 2)
    assert [i["code"] for i in diff["added"]] == ["A-002"]
    assert [i["code"] for i in diff["removed"]] == ["N-001"]
    assert [(c["code"], [f["name"] for f in c["fields"]]) for c in diff["changed"]] == [("B-001", ["title"])]
    explicit = api_for(None).get(f"/api/v1/versions/{draft_id}/diff/?against={duty.version.pk}")
    assert explicit.json() == diff
    actions = set(ListEvent.objects.values_list("action", flat=True))
    assert {"item.added", "item.changed", "item.removed", "version.published"} <= actions


def test_published_versions_cannot_be_changed_over_the_api(org, duty, api_for):
    editor = api_for(org.editor)
    response = editor.patch(f"/api/v1/items/{duty.basic.pk}/", {"title": "改"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert editor.delete(f"/api/v1/items/{duty.basic.pk}/").status_code == 409
    assert editor.post(f"/api/v1/versions/{duty.version.pk}/items/", {
        "code": "Z-1", "title": "t", "kind": "basic", "category": "service"}, format="json").status_code == 409
    assert editor.post(f"/api/v1/versions/{duty.version.pk}/publish/", {"effective_date": "2026-01-01"},
                       format="json").status_code == 409
    duty.basic.refresh_from_db()
    assert duty.basic.title == "辖区环境卫生日常保洁"


def test_people_who_are_not_editors_cannot_write(org, duty, api_for):
    for user in (org.reporter, org.dispatcher, org.officer):
        response = api_for(user).post("/api/v1/lists/sfx-township/drafts/", {}, format="json")
        assert response.status_code == 403, user
        assert response.json()["code"] == "permission_denied"
    assert api_for(None).post("/api/v1/lists/sfx-township/drafts/", {}, format="json").status_code == 401
    response = api_for(org.reporter).post("/api/v1/lists/", {
        "code": "x", "name": "x", "level": "township", "jurisdiction": org.county.pk}, format="json")
    assert response.status_code == 403


def test_an_editor_creates_a_list_and_bad_items_are_field_errors(org, api_for):
    editor = api_for(org.editor)
    created = editor.post("/api/v1/lists/", {"code": "sfx-village", "name": "示范县村级清单", "level": "village",
                                              "jurisdiction": org.county.pk}, format="json")
    assert created.status_code == 201, created.content
    draft_id = api_for(org.editor).get("/api/v1/lists/sfx-village/versions/").json()["results"][0]["id"]
    bad = editor.post(f"/api/v1/versions/{draft_id}/items/", {
        "code": "有空格 的编码", "title": "t", "kind": "negative", "category": "service"}, format="json")
    assert bad.status_code == 400
    assert {"code", "department"} <= set(bad.json()["errors"])
    empty = editor.post(f"/api/v1/versions/{draft_id}/publish/", {"effective_date": "2026-01-01"}, format="json")
    assert empty.status_code == 400
    duplicate = editor.post("/api/v1/lists/", {"code": "sfx-village", "name": "x", "level": "village",
                                                "jurisdiction": org.county.pk}, format="json")
    assert duplicate.status_code == 400 and "code" in duplicate.json()["errors"]


def test_search_puts_title_matches_first_and_validates_its_parameters(org, duty, api_for):
    client = api_for(None)
    results = client.get("/api/v1/items/search/?q=食品").json()
    assert [r["code"] for r in results] == ["A-001"]
    assert client.get(f"/api/v1/items/search/?q=违建&unit={org.township.pk}").json()[0]["code"] == "N-001"
    bad = client.get("/api/v1/items/search/?q=&limit=500&kind=x")
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"q", "limit", "kind"}


def test_units_and_departments(org, api_for):
    client = api_for(None)
    departments = client.get("/api/v1/departments/").json()["results"]
    assert {d["code"] for d in departments} == {"X-SCJG", "X-ZHZF"}
    townships = client.get(f"/api/v1/units/?level=township&within={org.county.pk}").json()["results"]
    assert {u["short_name"] for u in townships} == {"城关街道", "青石镇"}
    assert client.get(f"/api/v1/units/{org.dept.pk}/").json()["kind_display"] == "职能部门"
    assert client.get("/api/v1/units/?level=planet").status_code == 400


def test_first_version_has_nothing_to_diff_against(duty, api_for):
    response = api_for(None).get(f"/api/v1/versions/{duty.version.pk}/diff/")
    # Nothing to compare with: a missing resource (404), not bad input - the request was well formed.
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_an_editor_discards_a_draft_but_not_a_published_version(org, duty, api_for):
    editor = api_for(org.editor)
    draft_id = editor.post("/api/v1/lists/sfx-township/drafts/", {}, format="json").json()["id"]
    assert api_for(org.reporter).delete(f"/api/v1/versions/{draft_id}/").status_code == 404  # cannot even see it
    assert editor.delete(f"/api/v1/versions/{draft_id}/").status_code == 204
    assert editor.get(f"/api/v1/versions/{draft_id}/").status_code == 404
    assert editor.delete(f"/api/v1/versions/{duty.version.pk}/").status_code == 409
    assert ListEvent.objects.filter(action="version.draft_discarded").count() == 1
