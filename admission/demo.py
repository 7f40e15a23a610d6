"""Demo admission requests for 示范县, one or more in every state, built through admission.services:
a draft, one under review, one in its comment period, one returned for changes, one rejected, one
approved duty (燃气巡查, 城关街道 and 青石镇) whose funds never arrived at 城关街道, and one admitted pilot that came
up for 期满复核 and was retired (taken out of the next draft again). Idempotent: found by title."""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from admission import services
from admission.models import AdmissionRequest, ResourceArrival
from governance.models import Unit

BASE = dict(
    all_townships=True, duty_kind="basic", category="governance", permanent=False, duration_months=12,
    legal_basis_statute="", legal_basis_article="", necessity="", volume=None, volume_unit="cases_month",
    no_resources_reason="",
)
STAFF = dict(kind="staff", description="专职巡查员", quantity="2", unit="人")
FUNDS = dict(kind="funds", description="专项工作经费", quantity="8", unit="万元/年", budget_line="2240199 其他应急管理支出")
POWERS = dict(kind="powers", description="责令限期改正", instrument="示政发〔2026〕18号")

REQUESTS = [
    # (title, department code, state, fields, resources)
    ("城镇燃气使用安全日常巡查", "SFX-SCJG", "approved", dict(
        description="对辖区餐饮场所燃气使用情况开展日常巡查，发现隐患督促整改并报告", all_townships=False,
        legal_basis_statute="《城镇燃气管理条例》", legal_basis_article="第三十四条",
        necessity="餐饮场所点多面广，县局执法力量无法覆盖日常巡查", volume=30), [STAFF, FUNDS, POWERS]),
    ("小餐饮登记信息核查", "SFX-SCJG", "submitted", dict(
        description="核查辖区小餐饮登记信息，更新台账", category="market",
        legal_basis_statute="《示范省食品小作坊小餐饮和食品摊贩管理条例》", legal_basis_article="第十二条",
        necessity="登记信息分散在乡镇，核查需入户", volume=60), [STAFF]),
    ("电动自行车集中充电设施巡查", "SFX-SCJG", "consultation", dict(
        description="巡查集中充电设施运行和消防安全", legal_basis_statute="《示范省消防条例》", legal_basis_article="第二十条",
        necessity="设施分布在各小区，需就近巡查", volume=20), [STAFF, FUNDS]),
    ("建筑垃圾运输车辆沿途巡查", "SFX-ZHZF", "returned", dict(
        description="沿途巡查建筑垃圾运输车辆抛洒滴漏", category="enforcement",
        legal_basis_statute="《城市建筑垃圾管理规定》", legal_basis_article="第二十条",
        necessity="运输线路长，夜间作业多", volume=15), []),
    ("农贸市场价格信息采集", "SFX-SCJG", "rejected", dict(
        description="每周采集农贸市场主要商品价格", category="market",
        legal_basis_statute="《价格法》", legal_basis_article="第二十八条", necessity="人手不足", volume=8,
        no_resources_reason="工作量小，不另行安排"), []),
    ("户外广告设施安全排查", "SFX-ZHZF", "draft", dict(
        description="排查户外广告设施安全隐患", category="enforcement"), []),
    ("夜市摊点油烟污染试点巡查", "SFX-ZHZF", "retired", dict(
        description="试点期间巡查夜市摊点油烟净化设施使用情况，发现问题劝导并报告", all_townships=False,
        category="enforcement", duration_months=6,
        legal_basis_statute="《中华人民共和国大气污染防治法》", legal_basis_article="第八十一条",
        necessity="夜市集中在乡镇，执法队夜间难以覆盖", volume=10), [STAFF, POWERS]),
]
RETIRE_REASON = "试点期满，夜市已统一安装油烟净化设施，日常监管由县综合执法局承担，本事项退出乡镇清单。"


def seed(stdout=None):
    User = get_user_model()
    if not User.objects.filter(username="reviewer").exists():
        return
    reviewer, reporter, reporter2 = (User.objects.get(username=n) for n in ("reviewer", "reporter", "reporter2"))
    officers = {"SFX-SCJG": User.objects.get(username="officer"), "SFX-ZHZF": User.objects.get(username="officer2")}
    townships = [Unit.objects.get(code="SFX-CGJD"), Unit.objects.get(code="SFX-QSZ")]
    from responsibilities.models import DutyList

    county_list = DutyList.objects.filter(code="sfx-township").first()
    start = timezone.localdate() + datetime.timedelta(days=7)
    for title, dept_code, state, fields, resources in REQUESTS:
        if AdmissionRequest.objects.filter(title=title).exists():
            continue
        officer = officers[dept_code]
        values = {**BASE, **fields, "title": title, "start_date": start}
        chosen = townships if not values["all_townships"] else []
        request = services.request_save(actor=officer, department=Unit.objects.get(code=dept_code), fields=values,
                                        townships=chosen, resources=resources)
        if state == "draft":
            continue
        if state == "returned":
            request = AdmissionRequest.objects.get(pk=request.pk)
            services.request_save(actor=officer, request=request, fields={
                **values, "no_resources_reason": "由部门现有人员指导"}, townships=chosen, resources=[])
        services.request_submit(request=request, actor=officer)
        if state == "submitted":
            continue
        if state == "returned":
            services.request_return(request=request, actor=reviewer, reason="夜间巡查需要人员和车辆保障，请补充随附资源。")
            continue
        if state == "rejected":
            services.request_check(request=request, actor=reviewer, step="legality", outcome="concern",
                                   note="《价格法》第二十八条规定的价格监测职责属价格主管部门，不宜下放。")
            services.request_reject(request=request, actor=reviewer, reason="缺少下放的法定依据，属部门自身职责。")
            continue
        services.request_check(request=request, actor=reviewer, step="legality", outcome="passed", note="依据适用。")
        services.request_open_consultation(request=request, actor=reviewer)
        if state == "consultation":
            services.request_comment(request=request, actor=reporter2, position="concern",
                                     text="青石镇小区少，充电设施集中在城关，建议只在城关街道试点。")
            continue
        for step in ("conflict", "adequacy"):
            services.request_check(request=request, actor=reviewer, step=step, outcome="passed",
                                   note=f"与现行清单不重复；随附资源与每月约 {values['volume']} 件工作量相当。")
        for user in (reporter, reporter2):
            services.request_comment(request=request, actor=user, position="agree", text="同意，请按时拨付经费。")
        request = services.request_approve(request=request, actor=reviewer, reason="依法有据，人财物与权限同步下放。",
                                           target_list=county_list)
        if state == "retired":
            from governance.services import system_user

            services.renewal_open(request=request, now=timezone.now(), system=system_user())
            services.request_retire(request=AdmissionRequest.objects.get(pk=request.pk), actor=reviewer,
                                    reason=RETIRE_REASON)
            continue
        funds = ResourceArrival.objects.get(resource__request=request, resource__kind="funds", township=townships[0])
        staff = ResourceArrival.objects.get(resource__request=request, resource__kind="staff", township=townships[0])
        services.arrival_report(request=request, actor=reporter, updates={
            funds.pk: ("missing", "截至目前专项经费未拨付"), staff.pk: ("arrived", "")})
    if stdout:
        stdout.write(f"admission: {AdmissionRequest.objects.count()} requests")
