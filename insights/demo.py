"""Demo evidence for the policy-jam page: this month, 示范县 shows each of the six detectors at least once.

Added THROUGH cases.services (time_machine moves the clock within the current month, never past now), after
cases.demo, assessment.demo and admission.demo, then the month's findings are computed as the daily task would.
Idempotent: nothing is added when the marker case (the first list-gap case) exists; the findings are recomputed.

- disputed_item + wrong_owner: three 餐饮 cases that 市场监管局 declines, are reassigned to 综合执法局, declined again;
- impossible_deadline: three road cases claimed at once whose officers ask for more time;
- list_gap: three alike cases (电梯广告屏噪声) that match no item;
- hot_spot: populations for every township, one report each from the quiet ones (城关街道 stands out);
- pushed_down_without_means: the approved admission's resources reported missing by three townships.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

GAP = [("小区电梯广告屏噪音扰民", "小区电梯里的广告屏音量很大，噪音扰民，物业不管。"),
       ("电梯广告屏声音太大", "单元电梯广告屏噪音扰民，物业不管，老人孩子反映强烈。"),
       ("电梯内广告屏夜间噪音", "电梯广告屏夜间播放噪音扰民，多次投诉物业无果。")]
POPULATION = {"SFX-CGJD": 86000, "SFX-DCJD": 64000, "SFX-QSZ": 32000, "SFX-HKZ": 41000, "SFX-LLX": 28000,
              "SFX-BYZ": 36000, "SFX-XQZ": 45000}
QUIET = ["SFX-DCJD", "SFX-HKZ", "SFX-LLX", "SFX-BYZ", "SFX-XQZ"]


def seed(stdout=None):
    from cases import demo as cases_demo
    from cases import services
    from cases.demo import _published_items
    from cases.extensions import case_extension_request
    from cases.models import Case
    from governance.demo import DEMO_PASSWORD
    from governance.models import Role, Unit
    from governance.services import membership_grant
    from insights.services import findings_compute, month_of

    county = Unit.objects.filter(code="SFX").first()
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=["reporter", "dispatcher", "officer", "officer2", "supervisor"])}
    if county is None or len(users) < 5:
        return
    start, end = month_of(timezone.localdate())
    if not Case.objects.filter(title=GAP[0][0]).exists():
        for code, population in POPULATION.items():
            Unit.objects.filter(code=code, population__isnull=True).update(population=population)
        township = Unit.objects.get(code="SFX-CGJD")
        items = _published_items(township)
        zhzf = Unit.objects.get(code="SFX-ZHZF")
        at = cases_demo._clock()
        now = timezone.now()
        moment = [max(timezone.make_aware(timezone.datetime.combine(start, timezone.datetime.min.time())),
                      now - timedelta(days=20)) + timedelta(hours=9)]

        def step(hours=1):
            moment[0] = min(moment[0] + timedelta(hours=hours), now)
            return at(moment[0])

        def report(actor, unit, title, description):
            with step():
                return services.case_report(actor=actor, township=unit, title=title, description=description,
                                            address=f"{unit.display_name}")

        for title, description in GAP:
            report(users["reporter"], township, title, description)
        def officer_of(unit):
            return get_user_model().objects.filter(memberships__unit=unit, memberships__role=Role.OFFICER).first()

        scjg = Unit.objects.get(code="SFX-SCJG")
        for i in range(3):
            case = report(users["reporter"], township, f"餐馆后厨油烟扰民（{i + 1}）", "沿街餐馆后厨油烟直排，居民投诉。")
            with step():
                case = services.case_assign(case=case, actor=users["dispatcher"], list_item=items["PH-010"])
            first = case.lead_department
            other = zhzf if first.pk != zhzf.pk else scjg
            with step():
                case = services.case_decline(case=case, actor=officer_of(first), reason="属油烟治理，不属本部门职责。")
            with step():
                case = services.case_assign(case=case, actor=users["dispatcher"], list_item=items["PH-010"],
                                            lead_department=other)
            with step():
                services.case_decline(case=case, actor=officer_of(other), reason="涉及餐饮许可，不属本部门职责。")
        road = next((i for code, i in sorted(items.items()) if i.kind == "assisting" and code != "PH-010"
                     and i.department_id in (scjg.pk, zhzf.pk)), None)
        for i in range(3 if road else 0):
            case = report(users["reporter"], township, f"背街道路破损（{i + 1}）", "背街道路路面破损，需要修复。")
            with step():
                case = services.case_assign(case=case, actor=users["dispatcher"], list_item=road)
            officer = officer_of(case.lead_department)
            if officer is None:
                continue
            with step():
                case = services.case_claim(case=case, actor=officer)
            with step():
                case_extension_request(case=case, actor=officer, reason="需等待施工单位进场，材料采购需要时间。",
                                       requested_due_at=case.due_at + timedelta(days=5))
        for code in QUIET:
            unit = Unit.objects.get(code=code)
            username = f"reporter_{code.split('-')[1].lower()}"
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                user = get_user_model().objects.create_user(username=username, password=DEMO_PASSWORD,
                                                            first_name=f"{unit.display_name}上报员")
                membership_grant(user=user, unit=unit, role=Role.REPORTER)
            report(user, unit, "路灯不亮", "主街路灯连续多日不亮，夜间出行不便。")
        _missing_resources(stdout)
    findings = findings_compute(county, start, end)
    if stdout:
        stdout.write(f"insights: {len(findings)} findings this month ({', '.join(sorted({f.detector for f in findings}))})")


def _missing_resources(stdout):
    """The approved admission's promised resources, reported missing by the townships that have a reporter."""
    from admission import services
    from admission.models import AdmissionRequest, AdmissionState, ResourceArrival
    from governance.models import Role

    request = AdmissionRequest.objects.filter(state=AdmissionState.APPROVED).order_by("pk").first()
    if request is None:
        return
    for arrival in ResourceArrival.objects.filter(resource__request=request, status="unreported").select_related(
            "township")[:6]:
        reporter = get_user_model().objects.filter(memberships__unit=arrival.township,
                                                   memberships__role=Role.REPORTER).first()
        if reporter is not None:
            services.arrival_report(request=request, actor=reporter, updates={arrival.pk: ("missing", "尚未到位")})
