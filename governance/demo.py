"""Demo organisation for 示范县: a province, a city, a county with its townships, departments and
dispatch centre, and one demo account per role. Idempotent: rows are found by code/username."""

from django.contrib.auth import get_user_model

from governance.models import Level, Membership, Role, Unit, UnitKind
from governance.services import membership_grant, system_user, unit_create

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - documented demo credential, seeded only with DEBUG or --force

TOWNSHIPS = [
    ("SFX-CGJD", "示范县城关街道", "城关街道"),
    ("SFX-DCJD", "示范县东城街道", "东城街道"),
    ("SFX-QSZ", "示范县青石镇", "青石镇"),
    ("SFX-HKZ", "示范县河口镇", "河口镇"),
    ("SFX-LLX", "示范县柳林乡", "柳林乡"),
    ("SFX-BYZ", "示范县白云镇", "白云镇"),
    ("SFX-XQZ", "示范县新桥镇", "新桥镇"),
]
DEPARTMENTS = [
    ("SFX-SCJG", "示范县市场监督管理局", "县市场监管局"),
    ("SFX-ZJ", "示范县住房和城乡建设局", "县住建局"),
    ("SFX-STHJ", "示范县生态环境分局", "县生态环境分局"),
    ("SFX-JTYS", "示范县交通运输局", "县交通运输局"),
    ("SFX-SL", "示范县水利局", "县水利局"),
    ("SFX-YJGL", "示范县应急管理局", "县应急管理局"),
    ("SFX-ZRZY", "示范县自然资源局", "县自然资源局"),
    ("SFX-ZHZF", "示范县综合行政执法局", "县综合执法局"),
    ("SFX-WSJK", "示范县卫生健康局", "县卫健局"),
    ("SFX-NYNC", "示范县农业农村局", "县农业农村局"),
    ("SFX-MZ", "示范县民政局", "县民政局"),
    ("SFX-RSJ", "示范县人力资源和社会保障局", "县人社局"),
    ("SFX-GA", "示范县公安局", "县公安局"),
    ("SFX-JY", "示范县教育局", "县教育局"),
    ("SFX-XF", "示范县消防救援大队", "县消防救援大队"),
    ("SFX-LY", "示范县林业局", "县林业局"),
    ("SFX-YB", "示范县医疗保障局", "县医保局"),
    ("SFX-WL", "示范县文化和旅游局", "县文旅局"),
    ("SFX-SW", "示范县商务局", "县商务局"),
    ("SFX-TYJR", "示范县退役军人事务局", "县退役军人事务局"),
    ("SFX-CZ", "示范县财政局", "县财政局"),
]
VILLAGES = [
    ("SFX-QSZ-QSC", "青石镇青石村民委员会", "青石村", "SFX-QSZ"),
    ("SFX-QSZ-XHC", "青石镇溪河村民委员会", "溪河村", "SFX-QSZ"),
    ("SFX-CGJD-NMSQ", "城关街道南门社区居民委员会", "南门社区", "SFX-CGJD"),
]

# username, full name, unit code, role, title
ACCOUNTS = [
    ("reporter", "张晓燕", "SFX-CGJD", Role.REPORTER, "网格管理员"),
    ("reporter2", "李建国", "SFX-QSZ", Role.REPORTER, "综治办干事"),
    ("dispatcher", "王磊", "SFX-ZHZX", Role.DISPATCHER, "值班调度员"),
    ("officer", "陈静", "SFX-SCJG", Role.OFFICER, "执法科科员"),
    ("officer2", "刘洋", "SFX-ZHZF", Role.OFFICER, "中队队员"),
    ("supervisor", "周明", "SFX", Role.SUPERVISOR, "副县长（分管基层治理）"),
    ("editor", "孙丽", "SFX", Role.EDITOR, "县委编办干部"),
    ("reviewer", "林晓", "SFX", Role.ADMISSION_REVIEWER, "县委编办职责准入审查"),
    ("scjg_leader", "吴建华", "SFX-SCJG", Role.SUPERVISOR, "局长"),
    ("zhzf_leader", "郑国强", "SFX-ZHZF", Role.SUPERVISOR, "局长"),
    ("city_leader", "钱伟", "SFM", Role.SUPERVISOR, "市政府督查室主任"),
    ("township_leader", "黄海", "SFX-CGJD", Role.SUPERVISOR, "街道办事处主任"),
]


def _unit(code, name, level, kind, parent=None, short_name=""):
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        unit = unit_create(code=code, name=name, level=level, kind=kind, parent=parent, short_name=short_name)
    return unit


def seed(stdout=None):
    province = _unit("SFS", "示范省人民政府", Level.PROVINCE, UnitKind.GOVERNMENT, short_name="示范省")
    city = _unit("SFM", "示范市人民政府", Level.CITY, UnitKind.GOVERNMENT, province, short_name="示范市")
    county = _unit("SFX", "示范县人民政府", Level.COUNTY, UnitKind.GOVERNMENT, city, short_name="示范县")
    _unit("SFX-ZHZX", "示范县基层治理指挥中心", Level.COUNTY, UnitKind.DISPATCH, county, short_name="县指挥中心")
    townships = {}
    for code, name, short in TOWNSHIPS:
        townships[code] = _unit(code, name, Level.TOWNSHIP, UnitKind.GOVERNMENT, county, short_name=short)
    for code, name, short in DEPARTMENTS:
        _unit(code, name, Level.COUNTY, UnitKind.DEPARTMENT, county, short_name=short)
    for code, name, short, parent_code in VILLAGES:
        _unit(code, name, Level.VILLAGE, UnitKind.VILLAGE_COMMITTEE, townships[parent_code], short_name=short)

    User = get_user_model()
    system_user()
    for username, full_name, unit_code, role, title in ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username=username, password=DEMO_PASSWORD, first_name=full_name,
                email=f"{username}@demo.chuishao.local",
            )
        if not Membership.objects.filter(user=user, unit__code=unit_code, role=role).exists():
            membership_grant(user=user, unit=Unit.objects.get(code=unit_code), role=role, title=title)
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser(
            username="admin", password=DEMO_PASSWORD, first_name="系统管理员", email="admin@demo.chuishao.local"
        )
    if stdout:
        stdout.write(f"governance: {Unit.objects.count()} units, {User.objects.count()} users")
