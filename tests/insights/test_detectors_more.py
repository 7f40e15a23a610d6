"""list_gap and hot_spot on hand-built case histories (one that must fire, one that must not), the robust z-score,
and the county's own thresholds."""

import pytest
from django.core.exceptions import ValidationError

from insights import detectors
from insights.services import findings_compute, thresholds_for, thresholds_save
from tests.insights.conftest import MARCH

pytestmark = pytest.mark.django_db


def found(org, detector, limits=None):
    from django.utils import translation

    history = detectors.load_history(org.county, *MARCH)
    with translation.override("zh-hans"):
        return detectors.DETECTORS[detector](history, {**detectors.thresholds(), **(limits or {})})


GAP = [("小区电梯广告屏噪音扰民", "小区电梯里的广告屏音量很大，噪音扰民，物业不管。"),
       ("电梯广告屏声音太大", "单元电梯广告屏噪音扰民，物业不管，老人孩子反映强烈。"),
       ("电梯内广告屏夜间噪音", "电梯广告屏夜间播放噪音扰民，多次投诉物业无果。")]
OTHER = [("河道漂浮垃圾", "南门河道漂浮大量生活垃圾，气味难闻。"),
         ("路灯不亮", "解放路东段路灯连续一周不亮，夜间出行不便。"),
         ("流浪犬伤人", "菜市场附近流浪犬追咬行人。")]


def report(org, story, title, description):
    from cases import services

    case = services.case_report(actor=org.reporter, township=org.township, title=title, description=description,
                                address="城关街道南门社区")
    story.later()
    return case


def test_unmatched_cases_saying_the_same_thing_are_a_list_gap(org, lists, story):
    gap = [report(org, story, *text) for text in GAP]
    for text in OTHER:
        report(org, story, *text)
    [finding] = found(org, "list_gap")
    assert finding.evidence["case_ids"] == sorted(c.pk for c in gap)
    assert {"电梯", "广告", "噪声"} <= set(finding.evidence["words"])
    assert "3 件案件未能匹配任何清单事项" in finding.summary and "新增" in finding.summary
    assert finding.subject_key.startswith("gap:")


def test_unmatched_cases_about_different_things_or_matched_ones_are_no_gap(org, lists, story):
    from cases import services

    for text in OTHER:
        report(org, story, *text)
    for text in GAP:  # alike, but the dispatcher found the item: the list covers them
        services.case_assign(case=report(org, story, *text), actor=org.dispatcher, list_item=lists.assisting)
    assert found(org, "list_gap") == []


def test_the_robust_z_score_compares_with_the_peers_median():
    z, median = detectors.robust_z(10.0, [1.0, 2.0, 2.0, 3.0, 2.0])
    assert median == 2.0 and z > 3.5  # MAD 0 → mean absolute deviation 0.4 stands in: 8 / (1.2533 × 0.4)
    z, median = detectors.robust_z(3.0, [1.0, 2.0, 3.0, 4.0, 5.0])
    assert median == 3.0 and z == 0
    assert detectors.robust_z(5.0, [2.0, 2.0, 2.0])[0] is None  # peers that do not vary judge nothing


@pytest.fixture
def townships(org):
    """Six townships of 示范县 with a reporter each and 10,000 residents."""
    from governance.models import Level, Role, Unit, UnitKind
    from governance.services import membership_grant, unit_create
    from tests.personas import make_user

    Unit.objects.filter(pk__in=[org.township.pk, org.township_b.pk]).update(population=10000)
    out = [(org.township, org.reporter), (org.township_b, org.reporter_b)]
    for i in range(4):
        unit = unit_create(code=f"X-T{i}", name=f"示范县第{i}镇", level=Level.TOWNSHIP, kind=UnitKind.GOVERNMENT,
                           parent=org.county)
        Unit.objects.filter(pk=unit.pk).update(population=10000)
        user = make_user(f"p_rep_t{i}", f"报告人{i}")
        membership_grant(user=user, unit=unit, role=Role.REPORTER)
        out.append((unit, user))
    return out


def whistle(story, townships, counts):
    from cases import services

    for (unit, user), n in zip(townships, counts, strict=True):
        for _ in range(n):
            services.case_report(actor=user, township=unit, title="井盖缺失", description="路口井盖缺失，存在安全隐患。",
                                 address="路口")
            story.later(0.1)


def test_a_township_whistling_far_more_than_its_peers_is_a_hot_spot(org, lists, story, townships):
    whistle(story, townships, [30, 3, 4, 3, 5, 4])
    [finding] = found(org, "hot_spot")
    assert finding.unit_id == org.township.pk and finding.subject_key == f"unit:{org.township.pk}|whistle"
    assert finding.evidence["value"] == 30.0 and finding.evidence["peer_median"] == 4.0
    assert "城关街道的万人吹哨率为每万名常住人口 30.0 件" in finding.summary
    assert "同类单位中位数 4.0 件" in finding.summary
    assert len(finding.evidence["case_ids"]) == 20  # examples, not all thirty


def test_townships_whistling_alike_or_too_few_peers_are_no_hot_spot(org, lists, story, townships):
    whistle(story, townships, [6, 3, 4, 3, 5, 4])
    assert found(org, "hot_spot") == []
    assert found(org, "hot_spot", {"hot_spot_min_peers": 7}) == []


def test_a_small_excess_over_closely_agreeing_peers_is_no_hot_spot(org, lists, story, townships):
    """Peers that agree closely make the robust z-score large for any excess: 12 against a median of 10 (z 8) is
    a hot spot only where the county lowers hot_spot_min_ratio (default 1.5 × the peers' median)."""
    whistle(story, townships, [12, 10, 10, 10, 10, 11])
    assert found(org, "hot_spot") == []
    [finding] = found(org, "hot_spot", {"hot_spot_min_ratio": 1.1})
    assert finding.unit_id == org.township.pk and finding.evidence["z"] >= 3.5


def test_a_county_s_own_thresholds_are_validated_stored_and_used_by_the_computation(org, lists, story):
    for text in GAP[:2]:
        report(org, story, *text)
    assert not [f for f in findings_compute(org.county, *MARCH) if f.detector == "list_gap"]  # two: below 3
    with pytest.raises(ValidationError) as exc:
        thresholds_save(county=org.county, actor=org.editor, values={"gap_min_cluster": 2, "gap_similarity": "1.5"})
    assert "gap_similarity" in exc.value.error_dict
    assert thresholds_for(org.county)["gap_min_cluster"] == 3  # nothing half-written
    thresholds_save(county=org.county, actor=org.editor, values={"gap_min_cluster": 2, "min_cases": 3})
    assert thresholds_for(org.county)["gap_min_cluster"] == 2
    from insights.models import CountyThresholds
    assert CountyThresholds.objects.get(county=org.county).values == {"gap_min_cluster": 2}  # defaults not stored
    assert [f.detector for f in findings_compute(org.county, *MARCH)] == ["list_gap"]
