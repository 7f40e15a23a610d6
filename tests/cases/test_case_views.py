"""The HTML screens: each role's page renders, actions are POST-only with CSRF, bad input is kept."""

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import Case, CaseState

pytestmark = pytest.mark.django_db


def test_report_form_creates_a_case_with_a_photo_and_redirects_to_it(org, lists, client_for, photo, media_root):
    response = client_for(org.reporter).post(reverse("cases:report"), {
        "township": org.township.pk, "title": "解放路夜市油烟扰民", "description": "烧烤摊油烟直排，居民投诉。",
        "address": "解放路88号", "urgency": "normal", "photos": [photo()], "submit": "1",
    })
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    assert case.attachments.count() == 1
    page = client_for(org.reporter).get(response["Location"])
    assert "解放路夜市油烟扰民" in page.content.decode()


def test_report_form_with_bad_input_keeps_the_input_and_saves_nothing(org, lists, client_for, media_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    response = client_for(org.reporter).post(reverse("cases:report"), {
        "township": org.township.pk, "title": "河道垃圾堆积", "description": "", "address": "青石河桥下",
        "urgency": "normal", "photos": [fake], "submit": "1",
    })
    body = response.content.decode()
    assert response.status_code == 400
    assert "请描述问题" in body
    assert "不是可识别的图片" in body
    assert 'value="河道垃圾堆积"' in body
    assert "请重新选择" in body  # the browser cannot keep the chosen files: say so
    assert Case.objects.count() == 0


def test_preview_without_javascript_says_the_matter_is_the_townships_own(org, lists, client_for):
    response = client_for(org.reporter).post(reverse("cases:report"), {
        "township": org.township.pk, "title": "占道经营", "description": "", "address": "", "preview": "1",
    })
    body = response.content.decode()
    assert response.status_code == 200
    assert "属本级职责" in body
    assert 'value="占道经营"' in body
    assert Case.objects.count() == 0


def test_is_ours_fragment_names_the_upper_department_for_a_negative_item(org, lists, client_for):
    response = client_for(org.reporter).get(reverse("cases:is_ours"), {"q": "违建"})
    body = response.content.decode()
    assert "需部门办理" in body
    assert "县综合执法局" in body


@pytest.mark.parametrize("url_name,persona", [
    ("cases:report", "reporter"), ("cases:township_list", "reporter"), ("cases:triage_queue", "dispatcher"),
    ("cases:department_queue", "officer"), ("cases:supervision", "supervisor"),
])
def test_each_role_page_renders_for_its_role_and_is_refused_to_others(org, client_for, url_name, persona):
    assert client_for(getattr(org, persona)).get(reverse(url_name)).status_code == 200
    assert client_for(org.nobody).get(reverse(url_name)).status_code == 403
    anonymous = client_for(None).get(reverse(url_name))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_case_page_shows_timeline_list_item_and_deadline(org, flow, client_for):
    case = flow.claimed()
    body = client_for(org.officer).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "办理过程" in body and "签收（报到）" in body and "交办" in body
    assert lists_title_in(body)
    assert "时限" in body
    assert "办结" in body  # the resolve form is offered to the claiming department


def lists_title_in(body):
    return "餐饮服务食品安全监督检查" in body


def test_action_is_post_only(org, flow, client_for):
    case = flow.assigned()
    assert client_for(org.officer).get(reverse("cases:claim", args=[case.pk])).status_code == 405


def test_action_without_csrf_token_is_refused(org, flow):
    case = flow.assigned()
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.officer)
    assert client.post(reverse("cases:claim", args=[case.pk])).status_code == 403
    case.refresh_from_db()
    assert case.claimed_by is None


def test_claim_over_http_records_the_officer(org, flow, client_for):
    case = flow.assigned()
    response = client_for(org.officer).post(reverse("cases:claim", args=[case.pk]))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.claimed_by == org.officer


def test_second_claim_over_http_gets_a_clear_message_not_an_error(org, flow, client_for):
    case = flow.claimed()
    response = client_for(org.officer_a2).post(reverse("cases:claim", args=[case.pk]), follow=True)
    assert response.status_code == 200
    assert "已由陈静于" in response.content.decode()


def test_feedback_unsatisfied_without_comment_rerenders_with_error(org, flow, client_for):
    case = flow.resolved()
    response = client_for(org.reporter).post(reverse("cases:feedback", args=[case.pk]), {"rating": "unsatisfied"})
    assert response.status_code == 400
    assert "不满意时请说明原因" in response.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.RESOLVED


def test_officer_of_another_department_gets_404_on_the_case_and_its_actions(org, flow, client_for):
    case = flow.assigned()
    c = client_for(org.officer_b)
    assert c.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert c.post(reverse("cases:claim", args=[case.pk])).status_code == 404


def test_assisting_department_sees_the_case_but_may_not_claim(org, lists, flow, client_for):
    from cases import services

    case = services.case_assign(case=flow.reported(), actor=org.dispatcher, list_item=lists.assisting,
                                assisting_departments=[org.dept_b])
    c = client_for(org.officer_b)
    assert c.get(reverse("cases:detail", args=[case.pk])).status_code == 200
    assert c.post(reverse("cases:claim", args=[case.pk])).status_code == 403


def test_attachment_is_served_only_through_the_access_check(org, flow, photo, client_for):
    case = flow.reported(photos=[photo()])
    att = case.attachments.get()
    url = reverse("cases:attachment", args=[case.pk, att.pk])
    ok = client_for(org.dispatcher).get(url)
    assert ok.status_code == 200 and ok["Content-Type"] == "image/png"
    assert ok["X-Content-Type-Options"] == "nosniff" and ok["Cache-Control"].startswith("private")
    assert client_for(org.reporter_b).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302
    other = flow.reported()
    assert client_for(org.dispatcher).get(reverse("cases:attachment", args=[other.pk, att.pk])).status_code == 404
    att.file.storage.delete(att.file.name)  # gone from disk: a 404, not a 500
    assert client_for(org.dispatcher).get(url).status_code == 404


def test_resident_contact_is_hidden_from_supervisors(org, flow, client_for):
    case = flow.reported(channel="resident", resident_name="赵大妈", resident_phone="13800001111")
    assert "13800001111" in client_for(org.dispatcher).get(reverse("cases:detail", args=[case.pk])).content.decode()
    body = client_for(org.supervisor).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "13800001111" not in body and "赵大妈" not in body
    assert "赵**" in body and "138****1111" in body


def test_invalid_input_from_someone_without_the_role_is_403_not_a_form(org, flow, client_for):
    case = flow.assigned()
    response = client_for(org.township_supervisor).post(reverse("cases:decline", args=[case.pk]), {"reason": ""})
    assert response.status_code == 403


def test_invalid_input_after_the_moment_has_passed_is_a_message(org, flow, client_for):
    case = flow.resolved()
    response = client_for(org.officer).post(reverse("cases:decline", args=[case.pk]), {"reason": ""}, follow=True)
    assert response.status_code == 200 and "状态已经变化" in response.content.decode()
