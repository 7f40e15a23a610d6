"""The admission pages and API for each persona: who sees what, who may act, bad input in the browser's language."""

import pytest

from admission.models import AdmissionRequest, ResourceArrival
from tests.admission.conftest import FIELDS

pytestmark = pytest.mark.django_db


def _form(**overrides):
    data = {k: ("on" if v is True else "" if v is False or v is None else str(v)) for k, v in FIELDS.items()}
    data.update({"res-TOTAL_FORMS": "5", "res-INITIAL_FORMS": "0", "res-MIN_NUM_FORMS": "0", "res-MAX_NUM_FORMS": "20",
                 "res-0-kind": "staff", "res-0-description": "巡查员", "res-0-quantity": "2", "res-0-unit": "人"})
    data.update(overrides)
    return {k: v for k, v in data.items() if v != ""}


def test_a_department_officer_writes_a_draft_in_the_browser(org, frozen, township_list, client_for):
    response = client_for(org.officer).post("/admission/new/", _form())
    request = AdmissionRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/admission/{request.pk}/"
    assert request.department == org.dept and request.resources.count() == 1


def test_bad_input_on_the_form_is_shown_in_chinese_and_nothing_is_saved(org, frozen, township_list, client_for):
    response = client_for(org.officer).post("/admission/new/", _form(**{
        "start_date": "2026-11-30", "res-0-unit": "万元/年", "res-1-kind": "funds", "res-1-description": "经费",
        "res-1-quantity": "-3", "res-1-budget_line": "213"}))
    assert response.status_code == 400
    text = response.content.decode()
    assert "开始日期不能早于今天" in text
    assert "“人员编制”的单位只能是：人、名编制" in text
    assert "数量/金额不能为负数。" in text
    assert not AdmissionRequest.objects.exists()


@pytest.mark.parametrize("persona, status", [
    ("officer", 200), ("officer_b", 404), ("reviewer", 200), ("reporter", 200), ("supervisor", 200),
    ("dispatcher", 404), ("editor", 404), ("nobody", 404), ("anonymous", 302),
])
def test_who_sees_a_submitted_request(org, draft, client_for, persona, status):
    from admission import services

    services.request_submit(request=draft, actor=org.officer)
    user = getattr(org, persona) if persona != "anonymous" else None
    assert client_for(user).get(f"/admission/{draft.pk}/").status_code == status


def test_a_draft_is_seen_only_by_its_department(org, draft, client_for):
    assert client_for(org.officer).get(f"/admission/{draft.pk}/").status_code == 200
    for user in (org.reviewer, org.reporter, org.officer_b):
        assert client_for(user).get(f"/admission/{draft.pk}/").status_code == 404


@pytest.mark.parametrize("persona, action, data", [
    ("reporter", "approve", {"reason": "x"}), ("officer", "approve", {"reason": "x"}),
    ("officer_b", "check", {"step": "legality", "outcome": "passed", "note": "x"}),
    ("reviewer", "comment", {"position": "agree", "text": "x"}),
])
def test_actions_are_refused_for_the_wrong_role(org, consultation, client_for, persona, action, data):
    response = client_for(getattr(org, persona)).post(f"/admission/{consultation.pk}/{action}/", data)
    assert response.status_code in (302, 403, 404)
    assert AdmissionRequest.objects.get(pk=consultation.pk).state == "consultation"
    assert not consultation.checks.exclude(step="legality").exists()
    assert not consultation.comments.exists()


def test_the_reviewer_sees_the_conflict_check_with_the_nearest_items(org, draft, client_for):
    from admission import services

    services.request_save(actor=org.officer, request=draft, fields={**FIELDS, "title": "组织开展网格化巡查",
                                                                   "description": "划分网格开展日常巡查"},
                          resources=[dict(kind="staff", description="网格员", quantity="3", unit="人")])
    services.request_submit(request=draft, actor=org.officer)
    text = client_for(org.reviewer).get(f"/admission/{draft.pk}/").content.decode()
    assert "冲突审查：现行清单中最接近的事项" in text
    assert "JB-001 组织开展网格化管理" in text


def test_the_public_item_page_shows_admission_or_legacy(org, approved, township_list, client):
    from responsibilities.services import list_publish

    draft = township_list.versions.get(status="draft")
    list_publish(version=draft, actor=org.editor, effective_date=approved.start_date)
    text = client.get(f"/lists/x-township/v/{draft.number}/items/{approved.number}/").content.decode()
    assert "经准入" in text and approved.number in text
    assert "《城镇燃气管理条例》 第三十四条" in text and "燃气安全巡查员，2 人" in text
    legacy = client.get(f"/lists/x-township/v/{draft.number}/items/JB-001/").content.decode()
    assert "未经准入（存量事项）" in legacy


def test_the_public_register_lists_approved_admissions_only(org, approved, client):
    text = client.get("/admission/public/").content.decode()
    assert approved.number in text and "巡查专项经费" in text
    assert client.get(f"/admission/public/{approved.number}/").status_code == 200


def test_the_township_reports_arrival_on_the_page(org, approved, client_for):
    rows = ResourceArrival.objects.filter(resource__request=approved, township=org.township)
    data = {f"status_{r.pk}": "missing" if r.resource.kind == "funds" else "arrived" for r in rows}
    response = client_for(org.reporter).post(f"/admission/{approved.pk}/arrival/", data)
    assert response.status_code == 302
    assert set(rows.values_list("status", flat=True)) == {"missing", "arrived"}
    # Another township's staff cannot touch these rows; someone of no affected township gets a 403.
    client_for(org.reporter_b).post(f"/admission/{approved.pk}/arrival/", {k: "arrived" for k in data})
    assert set(rows.values_list("status", flat=True)) == {"missing", "arrived"}
    assert client_for(org.officer).post(f"/admission/{approved.pk}/arrival/", data).status_code == 403


def test_the_registry_filters_counts_and_exports(org, approved, client_for):
    reviewer = client_for(org.reviewer)
    text = reviewer.get("/admission/registry/?state=approved").content.decode()
    assert approved.number in text and "100%" in text
    export = reviewer.get("/admission/registry/export.xlsx?state=approved")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client_for(org.reporter).get("/admission/registry/").status_code == 403


def test_api_create_submit_and_decide(org, frozen, township_list, client_for):
    officer = client_for(org.officer)
    body = {**{k: v for k, v in FIELDS.items()}, "start_date": "2026-12-10",
            "resources": [{"kind": "funds", "description": "经费", "quantity": "-1", "unit": "万元/年",
                           "budget_line": "213"}]}
    bad = officer.post("/api/v1/admissions/", body, content_type="application/json")
    assert bad.status_code == 400 and "resources[0].quantity" in bad.json()["errors"]
    body["resources"][0]["quantity"] = "5"
    created = officer.post("/api/v1/admissions/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert officer.post(f"/api/v1/admissions/{pk}/submit/", {}, content_type="application/json").status_code == 200
    assert officer.put(f"/api/v1/admissions/{pk}/", body, content_type="application/json").status_code == 409
    reviewer = client_for(org.reviewer)
    assert client_for(org.reporter).post(f"/api/v1/admissions/{pk}/reject/", {"reason": "x"},
                                         content_type="application/json").status_code == 403
    assert reviewer.post(f"/api/v1/admissions/{pk}/reject/", {"reason": "依据不适用"},
                         content_type="application/json").status_code == 200
    again = reviewer.post(f"/api/v1/admissions/{pk}/reject/", {"reason": "再次"}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "conflict"


def test_attachments_are_checked_by_content(org, draft, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    officer = client_for(org.officer)
    fake = SimpleUploadedFile("依据.pdf", b"not a pdf at all", content_type="application/pdf")
    response = officer.post(f"/admission/{draft.pk}/attach/", {"files": [fake]})
    assert response.status_code == 400 and "不是有效的 PDF 文件" in response.content.decode()
    assert not draft.attachments.exists()
    pdf = SimpleUploadedFile("依据.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf")
    assert officer.post(f"/admission/{draft.pk}/attach/", {"files": [pdf]}).status_code == 302
    attachment = draft.attachments.get()
    assert attachment.content_type == "application/pdf"
    assert officer.get(f"/admission/{draft.pk}/attachments/{attachment.pk}/").status_code == 200
    assert client_for(org.officer_b).get(f"/admission/{draft.pk}/attachments/{attachment.pk}/").status_code == 404


def test_the_schema_lists_the_admission_endpoints(client):
    schema = client.get("/api/schema/?format=json").json()
    assert "/api/v1/admissions/{id}/approve/" in schema["paths"]
    assert "/api/v1/cases/{id}/refuse-unadmitted/" in schema["paths"]


def test_home_shows_the_admission_tiles(org, consultation, client_for):
    assert "职责准入审查" in client_for(org.reviewer).get("/").content.decode()
    assert "准入事项与资源" in client_for(org.reporter).get("/").content.decode()
    assert "职责准入申请" in client_for(org.officer).get("/").content.decode()
