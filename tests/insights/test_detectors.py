"""Each detector on hand-built case histories: one that must fire and one that must not."""

import pytest

from insights import detectors
from tests.insights.conftest import MARCH

pytestmark = pytest.mark.django_db


def found(org, detector):
    from django.utils import translation

    history = detectors.load_history(org.county, *MARCH)
    with translation.override("zh-hans"):
        return detectors.DETECTORS[detector](history, detectors.thresholds())


def test_an_item_whose_cases_keep_changing_hands_is_disputed(org, lists, story):
    cases = []
    for _ in range(3):
        case = story.decline(story.assigned())  # 市场监管局: not ours
        case = story.decline(story.reassign_to(case, org.dept_b), officer=org.officer_b)  # 综合执法局: nor ours
        cases.append(case)
    story.claim(story.assigned())  # a fourth case of the item goes smoothly
    [finding] = found(org, "disputed_item")
    assert finding.item_code == "PH-010" and finding.subject_key == "item:PH-010"
    assert finding.evidence["case_ids"] == sorted(c.pk for c in cases)
    assert finding.evidence["cases"] == 4 and finding.evidence["share"] == 0.75
    assert finding.evidence["actions"] == {"case.declined": 6}
    assert "餐饮服务食品安全监督检查" in finding.summary and "4 件案件中有 3 件" in finding.summary


def test_an_item_handled_once_or_passed_on_once_is_not_disputed(org, lists, story):
    for _ in range(3):
        story.claim(story.assigned())
    story.claim(story.reassign_to(story.decline(story.assigned()), org.dept_b), officer=org.officer_b)
    assert found(org, "disputed_item") == []


def test_a_department_that_keeps_passing_an_item_to_the_same_other_department_is_the_wrong_owner(org, lists, story):
    cases = [story.claim(story.reassign_to(story.decline(story.assigned()), org.dept_b), officer=org.officer_b)
             for _ in range(3)]
    [finding] = found(org, "wrong_owner")
    assert finding.unit_id == org.dept.pk and finding.subject_key == f"item:PH-010|unit:{org.dept.pk}"
    assert finding.evidence["to_department"] == org.dept_b.pk
    assert finding.evidence["case_ids"] == sorted(c.pk for c in cases)
    assert "县市场监管局退回或改派给县综合执法局" in finding.summary
    assert found(org, "disputed_item") == []  # one hand-off each is not a dispute


def test_declines_the_dispatch_centre_sends_back_to_the_same_department_do_not_name_another_owner(org, lists, story):
    for _ in range(3):
        story.claim(story.reassign_to(story.decline(story.assigned()), org.dept))
    story.claim(story.reassign_to(story.decline(story.assigned()), org.dept_b), officer=org.officer_b)
    assert found(org, "wrong_owner") == []  # one case of four went to 综合执法局: below the thresholds


def test_an_item_whose_promptly_claimed_cases_need_extensions_has_an_impossible_deadline(org, lists, story):
    cases = []
    for _ in range(3):
        case = story.claim(story.assigned())
        story.extend(case)
        cases.append(case)
    [finding] = found(org, "impossible_deadline")
    assert finding.item_code == "PH-010"
    assert finding.evidence["case_ids"] == sorted(c.pk for c in cases)
    assert finding.evidence["share"] == 1.0
    assert "及时签收" in finding.summary


def test_extensions_after_a_late_claim_or_cases_resolved_in_time_do_not_blame_the_deadline(org, lists, story):
    for _ in range(3):
        story.resolve(story.claim(story.assigned()))  # claimed at once, resolved in time
    for _ in range(3):
        story.extend(story.claim(story.assigned(), after_hours=6))  # claimed late: the delay is not the limit's
    assert found(org, "impossible_deadline") == []


def test_a_promptly_claimed_case_overdue_now_counts_as_a_missed_deadline(org, lists, story, time_machine):
    cases = [story.claim(story.assigned()) for _ in range(3)]
    story.later(24 * 10)  # ten days on: 3 working days of resolution limit have passed, nobody resolved
    [finding] = found(org, "impossible_deadline")
    assert finding.evidence["case_ids"] == sorted(c.pk for c in cases)
