"""list_gap's second road: Open311 requests for "其他问题" that the routing service answered `undecided` are gap
candidates even after the dispatcher filed them under some item, because the list named nothing the routing service
could match. Made through the Open311 and cases services like the product (time frozen by tests.insights.conftest)."""

import pytest

from insights import detectors
from tests.insights.conftest import MARCH

pytestmark = pytest.mark.django_db

# Alike requests about a matter no list names (lift advertising screens).
ALIKE = ["小区电梯里的广告屏音量很大，噪音扰民，物业不管。",
         "单元电梯广告屏噪音扰民，物业不管，老人孩子反映强烈。",
         "电梯广告屏夜间播放噪音扰民，多次投诉物业无果。"]


@pytest.fixture
def key(org):
    from cases.open311 import api_key_issue

    return api_key_issue(name="示范县12345热线", unit=org.township)[0]


@pytest.fixture
def request_general(org, lists, story, key):
    """request_general(text) -> a case received over Open311 as "其他问题" and filed by the dispatcher under the
    assisting item (the nearest the list offers), so only the routing verdict marks it as a gap candidate."""
    from cases import services
    from cases.models import CaseEvent
    from cases.open311.services import open311_request_create

    def make(text):
        case = open311_request_create(key=key, params={
            "service_code": "general", "description": text, "address_string": "城关街道南门社区3栋"})
        received = CaseEvent.objects.get(case=case, action="case.open311_received")
        assert received.data["routing_verdict"] == "undecided"  # the premise: nothing on the list matched
        story.later()
        return services.case_assign(case=case, actor=org.dispatcher, list_item=lists.assisting)

    return make


def found(org, limits=None):
    from django.utils import translation

    history = detectors.load_history(org.county, *MARCH)
    with translation.override("zh-hans"):
        return detectors.list_gap(history, {**detectors.thresholds(), **(limits or {})})


def test_alike_requests_the_routing_service_could_not_place_are_a_list_gap_though_filed_under_an_item(
        org, lists, story, request_general):
    cases = [request_general(text) for text in ALIKE]
    assert all(c.list_item_id == lists.assisting.pk for c in cases)  # the first road (no item) does not see them
    [finding] = found(org)
    assert finding.evidence["case_ids"] == sorted(c.pk for c in cases)
    assert {"电梯", "广告"} <= set(finding.evidence["words"])
    assert finding.summary.startswith("3 件案件未能匹配任何清单事项") and finding.item_code == ""


def test_fewer_undecided_requests_than_the_threshold_or_routed_ones_filed_under_an_item_are_no_gap(
        org, lists, story, request_general):
    from cases import services

    for text in ALIKE[:2]:
        request_general(text)
    assert found(org) == []  # two alike, the threshold is three
    assert [f.evidence["cases"] for f in found(org, {"gap_min_cluster": 2})] == [2]  # and the threshold is what held
    # A third alike matter reported by township staff and filed under the item carries no routing verdict.
    case = services.case_report(actor=org.reporter, township=org.township, title="电梯广告屏噪音",
                                description=ALIKE[2], address="城关街道南门社区")
    story.later()
    services.case_assign(case=case, actor=org.dispatcher, list_item=lists.assisting)
    assert found(org) == []


def test_an_undecided_request_the_township_withdrew_is_no_evidence_of_a_gap(org, lists, story, key, request_general):
    from cases import services
    from cases.open311.services import open311_request_create

    for text in ALIKE[:2]:
        request_general(text)
    withdrawn = open311_request_create(key=key, params={
        "service_code": "general", "description": ALIKE[2], "address_string": "城关街道南门社区3栋"})
    story.later()
    services.case_withdraw(case=withdrawn, actor=org.reporter, reason="居民已自行与物业协商解决")
    assert found(org) == []  # as for a withdrawn case that matched nothing: two alike left, below the threshold
