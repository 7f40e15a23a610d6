"""可能已有人上报 (issue 14): while a clerk types a report, cases of the same township with similar words,
reported in the last 14 days, and within 300 m where both have coordinates (cases.selectors.possible_duplicates),
served to the report form as a fragment (cases:report_duplicates) that only lists cases the user may see."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import selectors

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
TYPED = "解放路夜市烧烤油烟扰民"
# 解放路 88 号 and two points due north of it: ≈ 200 m and ≈ 500 m (1° of latitude ≈ 111.2 km).
HERE = (Decimal("31.230400"), Decimal("121.473700"))
NEAR = (Decimal("31.232200"), Decimal("121.473700"))
FAR = (Decimal("31.234900"), Decimal("121.473700"))


def _report(flow, when, time_machine, **kw):
    time_machine.move_to(when, tick=False)
    return flow.reported(**kw)


def _found(user, township, text=TYPED, here=None):
    lat, lon = here or (None, None)
    return [c.pk for c in selectors.possible_duplicates(user, township=township, text=text, latitude=lat,
                                                         longitude=lon)]


def test_it_finds_similar_cases_of_the_township_within_14_days_only(org, flow, time_machine):
    recent = _report(flow, NOW - datetime.timedelta(days=13), time_machine)  # 夜市餐饮油烟扰民 (the flow's default)
    old = _report(flow, NOW - datetime.timedelta(days=15), time_machine)
    other = _report(flow, NOW - datetime.timedelta(days=1), time_machine, actor=org.reporter_b,
                    township=org.township_b, address="青石镇解放路1号")
    unrelated = _report(flow, NOW - datetime.timedelta(days=1), time_machine, title="村道路面破损",
                        description="青石村通村公路多处坑洼，雨天积水。")
    time_machine.move_to(NOW, tick=False)

    found = selectors.possible_duplicates(org.reporter, township=org.township, text=TYPED)
    assert [c.pk for c in found] == [recent.pk]
    assert {"夜市", "油烟", "噪声"} <= set(found[0].shared_words)  # 扰民 folds into 噪声 (routing.text synonyms)
    assert old.pk not in _found(org.reporter, org.township) and unrelated.pk not in _found(org.reporter, org.township)
    # The other township's clerk typing the same words sees their own township's case, never ours.
    assert _found(org.reporter_b, org.township_b) == [other.pk]
    assert _found(org.reporter_b, org.township) == []  # not visible to them: nothing, not a leak


def test_words_that_barely_overlap_or_a_single_word_do_not_count(org, flow, time_machine):
    _report(flow, NOW - datetime.timedelta(days=2), time_machine)
    time_machine.move_to(NOW, tick=False)
    assert _found(org.reporter, org.township, text="油烟") == []  # one word is not yet a match
    assert _found(org.reporter, org.township, text="解放路 油烟") != []
    assert _found(org.reporter, org.township, text="小区电梯困人，物业不管，燃气管道老化还有油烟") == []


def test_withdrawn_cases_are_not_offered(org, flow, time_machine):
    time_machine.move_to(NOW - datetime.timedelta(days=1), tick=False)
    flow.withdrawn()
    time_machine.move_to(NOW, tick=False)
    assert _found(org.reporter, org.township) == []


def test_with_coordinates_on_both_sides_only_cases_within_300_m_count(org, flow, time_machine):
    near = _report(flow, NOW - datetime.timedelta(days=3), time_machine, latitude=NEAR[0], longitude=NEAR[1])
    far = _report(flow, NOW - datetime.timedelta(days=2), time_machine, latitude=FAR[0], longitude=FAR[1])
    unplaced = _report(flow, NOW - datetime.timedelta(days=1), time_machine)
    time_machine.move_to(NOW, tick=False)

    found = selectors.possible_duplicates(org.reporter, township=org.township, text=TYPED, latitude=HERE[0],
                                          longitude=HERE[1])
    assert {c.pk for c in found} == {near.pk, unplaced.pk}  # the case without coordinates: the words decide
    by_pk = {c.pk: c for c in found}
    assert 180 < by_pk[near.pk].distance_m < 220 and by_pk[unplaced.pk].distance_m is None
    # Without coordinates in the new report, distance cannot rule anything out.
    assert set(_found(org.reporter, org.township)) == {near.pk, far.pk, unplaced.pk}


def test_the_endpoint_lists_the_cases_with_links_for_the_reporter(org, flow, time_machine, client_for):
    case = _report(flow, NOW - datetime.timedelta(days=1), time_machine)
    time_machine.move_to(NOW, tick=False)
    response = client_for(org.reporter).get(reverse("cases:report_duplicates"), {"q": TYPED})
    body = response.content.decode()
    assert response.status_code == 200
    assert "可能已有人上报" in body and f'href="{reverse("cases:detail", args=[case.pk])}"' in body
    assert case.number in body
    nothing = client_for(org.reporter).get(reverse("cases:report_duplicates"), {"q": "村道路面破损"})
    assert "可能已有人上报" not in nothing.content.decode()


def test_the_endpoint_shows_only_cases_the_user_may_see(org, flow, time_machine, client_for):
    case = _report(flow, NOW - datetime.timedelta(days=1), time_machine)
    time_machine.move_to(NOW, tick=False)
    url = reverse("cases:report_duplicates")
    # Another township's reporter naming our township gets their own township's (empty) answer.
    other = client_for(org.reporter_b).get(url, {"q": TYPED, "township": org.township.pk})
    assert other.status_code == 200 and case.number not in other.content.decode()
    # Roles that do not report may not ask at all, even those who can see the case.
    for user in (org.dispatcher, org.officer, org.supervisor, org.nobody):
        assert client_for(user).get(url, {"q": TYPED}).status_code == 403
    anonymous = client_for(None).get(url, {"q": TYPED})
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_the_no_javascript_preview_lists_them_too(org, flow, time_machine, client_for):
    case = _report(flow, NOW - datetime.timedelta(days=1), time_machine)
    time_machine.move_to(NOW, tick=False)
    response = client_for(org.reporter).post(reverse("cases:report"), {
        "township": org.township.pk, "title": TYPED, "description": "", "address": "", "urgency": "normal",
        "preview": "1",
    })
    assert response.status_code == 200 and case.number in response.content.decode()
    assert timezone.now() == NOW


def test_the_endpoint_reads_a_fixed_number_of_queries_whatever_the_cases(org, flow, time_machine, client_for,
                                                                         django_assert_max_num_queries):
    for days in (1, 2, 3, 4, 5, 6):
        _report(flow, NOW - datetime.timedelta(days=days), time_machine)
    time_machine.move_to(NOW, tick=False)
    client = client_for(org.reporter)
    client.get(reverse("cases:report_duplicates"), {"q": TYPED})  # session and memberships warmed
    with django_assert_max_num_queries(6):
        response = client.get(reverse("cases:report_duplicates"), {"q": TYPED})
    assert response.content.decode().count('class="duplicate-link"') == 5  # the newest five of six
