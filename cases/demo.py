"""Demo cases for 示范县: about 40 matters across every state, created THROUGH cases.services with the
demo accounts, on a timeline in the past (time_machine) so queues show fresh, due-soon and overdue work.

Idempotent: if the demo reporters already have cases, nothing is added. Called by `seed_demo` after
responsibilities.demo; if no list is published (or an item code is missing) it picks items defensively and
keeps the matters that need no list item.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from cases import services
from cases.models import Case
from governance.calendar import WorkCalendar
from governance.models import Unit

# (township, title, description, address, list item code, path, working days ago[, resident name, phone])
# Working days, counted back on the official calendar: seeded in the week after a holiday, the queues
# show the same mix of fresh, due-soon and overdue work as on an ordinary day.
# Paths: reported, triaged, withdrawn, returned, info, assigned, claimed, declined, reassigned, resolved,
#        closed, basic (closed, 基本满意), reopened, reopened2 (flagged).
SCENARIOS = [
    ("CG", "解放路夜市烧烤油烟直排扰民", "解放路夜市18家烧烤摊油烟未经净化直接排放，晚6点至凌晨1点油烟弥漫，周边锦华小区居民多次投诉，街道劝导后仍未整改。",
     "城关街道解放路88号夜市", "FM-003", "closed", 20),
    ("CG", "锦华小区底商餐馆油烟扰民", "锦华小区3号楼底商川菜馆排烟管道直通居民窗下，油烟和噪声影响二楼以上住户。", "城关街道锦华小区3号楼", "PH-010",
     "claimed", 3),
    ("CG", "人民路菜市场门口占道经营", "早市时段约20个流动摊贩占用人行道和非机动车道经营，造成交通拥堵，存在安全隐患。", "城关街道人民路菜市场东门", "FM-002",
     "resolved", 6),
    ("CG", "文化路私搭乱建彩钢房", "文化路45号院内新建约60平方米彩钢房，疑似未取得规划许可，已影响消防通道。", "城关街道文化路45号", "FM-001",
     "assigned", 4),
    ("CG", "学校周边流动摊贩售卖三无食品", "实验小学门口放学时段有流动摊贩售卖无包装标识的辣条、饮料，家长反映强烈。", "城关街道实验小学门口", "FM-007",
     "claimed", 2, "王秀兰", "13905310001"),
    ("CG", "超市销售过期食品", "群众反映东方超市货架上有过期酸奶和面包，已拍照留证。", "城关街道建设路东方超市", "FM-007", "closed", 15,
     "刘德明", "13805310022"),
    ("CG", "居民楼电梯频繁故障困人", "幸福里小区5号楼电梯一个月内困人3次，物业称维保单位不到位，居民出行困难。", "城关街道幸福里小区5号楼", "PH-006",
     "reopened", 12),
    ("CG", "药店违规销售处方药", "群众反映康泰药店无处方销售抗生素。", "城关街道东大街康泰药店", "FM-010", "reported", 0),
    ("CG", "建设路道路塌陷", "建设路与青年路交叉口路面塌陷约2平方米，深约40厘米，夜间已发生电动车摔倒，临时用锥桶围挡。",
     "城关街道建设路与青年路交叉口", "FM-004", "assigned", 3),
    ("CG", "小区楼道堆放杂物堵塞消防通道", "和平小区多栋楼道堆放纸箱、电动车，堵塞消防通道。", "城关街道和平小区", "JB-007", "returned", 5),
    ("CG", "背街小巷垃圾清运不及时", "南门社区背街小巷垃圾桶满溢，三天未清运，气味难闻。", "城关街道南门社区", "JB-018", "returned", 8),
    ("CG", "商铺违规设置大型户外广告牌", "中心广场北侧商铺在二楼外墙设置约15米长广告牌，固定不牢，大风天有坠落风险。", "城关街道中心广场北侧", "FM-005",
     "reported", 2),
    ("CG", "渣土车沿途抛洒", "夜间渣土车经过滨河路沿途抛洒泥土，早晨路面泥泞。", "城关街道滨河路", "FM-006", "triaged", 1),
    ("CG", "无照经营黑作坊生产豆制品", "城中村一民房内有人生产豆腐、豆皮对外批发，卫生条件差，无任何证照。", "城关街道北关城中村", "PH-008",
     "reopened2", 25),
    ("CG", "农贸市场缺斤短两投诉", "多名群众反映农贸市场部分摊位电子秤作弊，缺斤短两。", "城关街道农贸市场", "FM-009", "info", 2),
    ("CG", "饭店后厨卫生脏乱", "群众反映老街饭店后厨老鼠出没，餐具未消毒。", "城关街道老街", "FM-007", "basic", 18),
    ("CG", "广场舞音响噪声扰民", "中心广场每晚广场舞音响音量过大持续到22点后。", "城关街道中心广场", "FM-012", "assigned", 3),
    ("CG", "酒店厨房排烟扰民", "富华酒店厨房排烟口正对居民楼，夏季无法开窗。", "城关街道富华酒店", "PH-005", "declined", 2),
    ("CG", "小区门口违章停车堵塞通道", "锦华小区门口长期有车辆违停，救护车曾无法进入。", "城关街道锦华小区南门", "FM-011", "withdrawn", 4),
    ("CG", "沿街商铺招牌破损", "东大街多块商铺招牌破损松动。", "城关街道东大街", "FM-005", "closed", 30),
    ("CG", "农村自建房墙体开裂", "北关村一户自建房墙体出现贯通裂缝，户主仍在居住。", "城关街道北关村", "PH-015", "triaged", 6),
    ("QS", "青石河河道垃圾堆积", "青石河大桥下游约200米河面漂浮大量生活垃圾和塑料袋，岸边有建筑垃圾倾倒。", "青石镇青石河大桥下游", "PH-012",
     "assigned", 5),
    ("QS", "溪河村养殖场污水直排", "溪河村一生猪养殖场夜间将污水直排入溪河，河水发黑发臭。", "青石镇溪河村", "FM-015", "reported", 7),
    ("QS", "镇区小餐饮无证经营", "镇区汽车站旁3家小吃店未办理任何许可，卫生条件差。", "青石镇汽车站旁", "FM-007", "claimed", 9),
    ("QS", "集市过期农药销售", "逢集日有摊贩销售标签模糊的农药，疑似过期或假冒。", "青石镇集市", "PH-007", "triaged", 0),
    ("QS", "乡道路面坑洼严重", "青石至溪河乡道约3公里路面坑洼，雨后积水，校车通行困难。", "青石镇青溪乡道", "PH-019", "assigned", 1),
    ("QS", "企业夜间偷排废气", "工业园区一家化工企业夜间排放刺激性气体，附近村民反映头晕。", "青石镇工业园区", "FM-015", "reported", 1,
     "陈淑芬", "13705310033"),
    ("QS", "村民违法占用耕地建房", "青石村有村民在基本农田上打地基建房。", "青石镇青石村", "FM-013", "info", 4),
    ("QS", "镇卫生院附近黑诊所", "群众反映卫生院附近有无资质诊所给人输液。", "青石镇卫生院东侧", "FM-018", "assigned", 0),
    ("QS", "超市商品标价不一致", "镇区超市多件商品货架价与结算价不一致。", "青石镇镇区超市", "FM-008", "resolved", 4),
    ("QS", "邻里宅基地纠纷", "两户村民因宅基地界线发生争执。", "青石镇溪河村", "JB-002", "returned", 6),
    ("QS", "集镇占道摆摊影响通行", "逢集日摊贩占用主街两侧经营，车辆无法通行。", "青石镇集镇主街", "FM-002", "closed", 10),
    ("QS", "违法加层建设", "镇区一商户在原有两层楼上加盖第三层。", "青石镇镇区西街", "FM-001", "claimed", 6),
    ("QS", "小作坊食品卫生问题", "一家糕点小作坊无防蝇防尘设施。", "青石镇北街", "PH-005", "reassigned", 5),
    ("QS", "液化气站安全隐患", "镇区液化气供应点气瓶露天堆放，距离居民房屋过近。", "青石镇南街", "PH-014", "reported", 9),
    ("QS", "农贸市场销售病死猪肉", "群众举报有人在集市销售疑似病死猪肉。", "青石镇集市", "PH-009", "triaged", 2),
    ("QS", "村道违规倾倒建筑垃圾", "溪河村村道两侧被倾倒大量建筑垃圾。", "青石镇溪河村村道", "FM-006", "basic", 22),
    ("CG", "夜间施工噪声扰民", "滨河新城工地夜间23点后仍在浇筑混凝土。", "城关街道滨河新城工地", "PH-011", "reported", 1),
    ("CG", "饭店排烟管道冒黑烟", "青年路一家烧烤店排烟管道冒黑烟。", "城关街道青年路", "FM-003", "resolved", 2),
    ("CG", "商场消费纠纷投诉", "消费者在商场购买的羽绒服含绒量不符，商家拒绝退货。", "城关街道百货大楼", "FM-009", "closed", 12),
    ("CG", "宠物店无证经营", "新开宠物店无营业执照。", "城关街道文化路", "PH-008", "assigned", 2),
]

REPORTER = {"CG": "reporter", "QS": "reporter2"}
TOWNSHIP = {"CG": "SFX-CGJD", "QS": "SFX-QSZ"}
OFFICER_OF = {"SFX-SCJG": "officer", "SFX-ZHZF": "officer2"}


def _published_items(township):
    from responsibilities.models import ListItem
    from responsibilities.selectors import published_versions_for_unit

    return {i.code: i for i in ListItem.objects.filter(version__in=published_versions_for_unit(township))
            .select_related("department")}


def _pick(items, code, *, basic):
    item = items.get(code)
    if item is not None and (item.kind == "basic") == basic:
        return item
    # Defensive: the list changed (or is a different one). Any item of the right kind will do.
    return next((i for i in items.values() if (i.kind == "basic") == basic), None)


def _clock():
    """A context manager factory that moves the clock to a moment (time-machine is a runtime requirement)."""
    import time_machine

    return lambda moment: time_machine.travel(moment, tick=False)


def _working_days_before(now, days):
    """The same time of day `days` working days before `now` (now itself when days is 0)."""
    today = timezone.localdate(now)
    calendar = WorkCalendar.load(today - timedelta(days=3 * days + 30), today)
    day, counted = today, 0
    while counted < days:
        day -= timedelta(days=1)
        counted += calendar.is_workday(day)
    return now - timedelta(days=(today - day).days)


def seed(stdout=None):
    User = get_user_model()
    if Case.objects.filter(reporter__username__in=REPORTER.values()).exists():
        if stdout:
            stdout.write(f"cases: demo cases already present ({Case.objects.count()} cases)")
        return
    users = {u.username: u for u in User.objects.filter(
        username__in=["reporter", "reporter2", "dispatcher", "officer", "officer2", "supervisor"])}
    townships = {key: Unit.objects.get(code=code) for key, code in TOWNSHIP.items()}
    items_by_township = {key: _published_items(unit) for key, unit in townships.items()}
    at = _clock()
    now = timezone.now().replace(second=0, microsecond=0)
    made = 0
    for index, row in enumerate(SCENARIOS):
        key, title, description, address, code, path, days_ago = row[:7]
        resident = row[7:9]
        start = _working_days_before(now, days_ago) - timedelta(hours=2 + index % 5, minutes=7 * index % 60)
        created = _play(
            users, townships[key], REPORTER[key], items_by_township[key], title, description, address, code, path,
            start, at, resident,
        )
        made += 1 if created else 0
    if stdout:
        stdout.write(f"cases: {made} demo cases")


def _play(users, township, reporter_name, items, title, description, address, code, path, start, at, resident):
    """Drive one case along `path` through the services, each step at its own moment in the past."""
    reporter, dispatcher, supervisor = users.get(reporter_name), users.get("dispatcher"), users.get("supervisor")
    if reporter is None or dispatcher is None:
        return None
    step = [start]

    def later(hours):
        step[0] = step[0] + timedelta(hours=hours)
        return at(min(step[0], timezone.now()))

    with at(start):
        case = services.case_report(
            actor=reporter, township=township, title=title, description=description, address=address,
            urgency="urgent" if "塌陷" in title or "困人" in title else "normal",
            channel="resident" if resident else "staff",
            resident_name=resident[0] if resident else "", resident_phone=resident[1] if resident else "",
        )
    if path == "reported":
        return case
    if path == "withdrawn":
        with later(1):
            return services.case_withdraw(case=case, actor=reporter, reason="当事人已自行挪车，问题已解决。")
    with later(2):
        case = services.case_triage(case=case, actor=dispatcher)
    if path == "triaged":
        return case
    if path == "returned":
        item = _pick(items, code, basic=True)
        if item is None:
            return case
        with later(3):
            return services.case_return(
                case=case, actor=dispatcher, list_item=item,
                reason=f"经对照清单，该事项属“{item.title}”，为乡镇（街道）基本履职事项，请本级办理。")
    item = _pick(items, code, basic=False)
    if item is None:
        return case
    with later(3):
        case = services.case_assign(case=case, actor=dispatcher, list_item=item,
                                    note=f"对照清单“{item.code} {item.title}”，由{item.department.display_name}牵头办理。")
    if path == "info":
        with later(2):
            return services.case_request_info(case=case, actor=dispatcher,
                                              question="请补充现场照片和具体门牌号，以便部门核查。")
    if path == "assigned":
        return case
    officer = users.get(OFFICER_OF.get(case.lead_department.code, ""))
    if path == "declined":
        if officer is None:
            return case
        with later(4):
            return services.case_decline(case=case, actor=officer,
                                         reason="经核查系餐饮油烟治理，按清单PH-010、FM-003由县综合执法局负责，不属食品安全监管，请重新研判。")
    if path == "reassigned":
        target = Unit.objects.filter(code="SFX-ZHZF").first()
        if target is None or supervisor is None:
            return case
        with later(5):
            return services.case_reassign(case=case, actor=supervisor, lead_department=target,
                                          reason="涉及无证生产，改由县综合执法局牵头，县市场监管局协同。")
    if officer is None:
        return case
    with later(5):
        case = services.case_claim(case=case, actor=officer)
    if path == "claimed":
        return case
    with later(30):
        case = services.case_resolve(case=case, actor=officer,
                                     note="已现场核查，依法责令当事人限期整改，整改后复查达标，相关情况已告知乡镇。")
    if path == "resolved":
        return case
    if path in ("closed", "basic"):
        with later(20):
            return services.case_feedback(case=case, actor=reporter, rating="satisfied" if path == "closed" else "basic",
                                          comment="处理及时，群众满意。" if path == "closed" else "基本解决，还需持续关注。")
    rounds = 2 if path == "reopened2" else 1
    for n in range(rounds):
        with later(20):
            case = services.case_feedback(case=case, actor=reporter, rating="unsatisfied",
                                          comment="回访群众反映问题依旧，整改不到位。" if n == 0 else "第二次回访仍未解决，请加大力度。")
        if n + 1 < rounds:
            with later(30):
                case = services.case_resolve(case=case, actor=officer, note="再次现场检查，已督促整改。")
    return case
