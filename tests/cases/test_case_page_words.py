"""Words and markup on case pages: 已签收 after a claim, escalation not called plain 督办, help texts and
errors linked to their fields, the lookup's words carried into the report form."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_claimed_case_reads_signed_for_not_assigned(client, org, flow):
    case = flow.claimed()
    client.force_login(org.officer)
    detail = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert re.search(r'state-tag">已签收<', detail)
    queue = client.get(reverse("cases:department_queue")).content.decode()
    assert ">已签收</span>" in queue


def test_help_texts_and_errors_are_linked_to_their_field(client, org, lists):
    client.force_login(org.reporter)
    page = client.post(reverse("cases:report"), {"title": "", "description": "x", "address": "y",
                                                 "urgency": "normal", "township": org.township.pk}).content.decode()
    field = re.search(r'<input[^>]*name="title"[^>]*>', page).group(0)
    described = re.search(r'aria-describedby="([^"]+)"', field).group(1).split()
    assert 'aria-invalid="true"' in field
    for target in described:
        assert f'id="{target}"' in page, f"aria-describedby points at a missing id {target}"
    assert "id_title_errors" in described and "id_title_helptext" in described
    assert page.count('name="township"') == 1


def test_the_lookup_offers_the_hotline_and_for_staff_a_report_with_the_words(client, org, lists, settings):
    settings.PUBLIC_HOTLINE = "0571-12345"
    anonymous = client.get(reverse("responsibilities:lookup"), {"q": "外星人降落"}).content.decode()
    assert 'href="tel:0571-12345"' in anonymous and "一键上报" not in anonymous.split("lookup-next")[1]
    client.force_login(org.reporter)
    page = client.get(reverse("responsibilities:lookup"), {"q": "外星人降落"}).content.decode()
    link = re.search(r'href="(/cases/report/\?text=[^"]+)"', page).group(1)
    form = client.get(link.replace("&amp;", "&")).content.decode()
    assert re.search(r'<textarea[^>]*name="description"[^>]*>\s*外星人降落</textarea>', form)


def test_after_an_unsatisfied_rating_the_page_says_it_was_reopened_and_with_whom(client, org, flow):
    from cases import services

    case = services.case_feedback(case=flow.resolved(), actor=org.reporter, rating="unsatisfied", comment="油烟仍在")
    client.force_login(org.reporter)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "已重办（第 1 次）" in page
    assert f"已退回{org.dept.display_name}重新办理" in page
    assert f"承办人：{org.officer.get_full_name() or org.officer.username}" in page


def test_cases_waiting_for_the_township_come_first_in_its_list(client, org, flow):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from cases import selectors

    with time_machine.travel(timezone.now() - timedelta(days=2), tick=False):
        to_rate = flow.resolved(title="待评价")
    flow.reported(title="刚上报")
    assert list(selectors.township_cases(org.reporter))[0] == to_rate
