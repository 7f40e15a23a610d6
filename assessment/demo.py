"""Demo history for assessment: four past months of cases in 示范县 so the dashboard shows real trends,
an `assessor` account (考核办, password demo-pass-2026), township populations, and the two oldest months
closed (so the public summary has something to show).

Idempotent: the history is added only when no demo case is older than 40 days; the account, populations and
closes are each checked before they are made. Cases go through cases.services (cases.demo._play) at moments
in the past, like the cases demo.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from governance.models import Membership, Role, Unit

POPULATION = {"SFX-CGJD": 86000, "SFX-QSZ": 32000}
# One mix of paths per month, oldest first: the later months do better, so the trend rises.
MONTH_PATHS = [
    ["closed", "reopened", "claimed", "returned", "reopened2", "basic", "declined", "assigned"],
    ["closed", "basic", "reopened", "returned", "closed", "claimed", "assigned", "closed"],
    ["closed", "closed", "basic", "returned", "reopened", "closed", "closed", "reassigned"],
    ["closed", "closed", "closed", "basic", "returned", "closed", "closed", "closed"],
]


def _months_back(today, n):
    first = today.replace(day=1)
    for _ in range(n):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def seed(stdout=None):
    from cases import demo as cases_demo
    from cases.models import Case
    from governance.demo import DEMO_PASSWORD
    from governance.services import membership_grant

    User = get_user_model()
    county = Unit.objects.filter(code="SFX").first()
    if county is None:
        return
    assessor = User.objects.filter(username="assessor").first()
    if assessor is None:
        assessor = User.objects.create_user(username="assessor", password=DEMO_PASSWORD, first_name="赵敏",
                                            email="assessor@demo.chuishao.local")
    if not Membership.objects.filter(user=assessor, unit=county, role=Role.ASSESSOR).exists():
        membership_grant(user=assessor, unit=county, role=Role.ASSESSOR, title="县考核办干部")
    for code, population in POPULATION.items():
        Unit.objects.filter(code=code, population__isnull=True).update(population=population)

    now = timezone.now()
    reporters = list(cases_demo.REPORTER.values())
    made = 0
    if not Case.objects.filter(reporter__username__in=reporters, created_at__lt=now - timedelta(days=40)).exists():
        users = {u.username: u for u in User.objects.filter(
            username__in=["reporter", "reporter2", "dispatcher", "officer", "officer2", "supervisor"])}
        townships = {key: Unit.objects.get(code=code) for key, code in cases_demo.TOWNSHIP.items()}
        items = {key: cases_demo._published_items(unit) for key, unit in townships.items()}
        at = cases_demo._clock()
        today = timezone.localdate()
        scenarios = [s for s in cases_demo.SCENARIOS]
        for m, paths in enumerate(MONTH_PATHS):
            first = _months_back(today, len(MONTH_PATHS) - m)
            for i, path in enumerate(paths):
                key, title, description, address, code = scenarios[(m * 8 + i) % len(scenarios)][:5]
                key = "CG" if i % 2 == 0 else "QS"
                start = timezone.make_aware(
                    timezone.datetime.combine(first + timedelta(days=2 + i * 3), timezone.datetime.min.time())
                ) + timedelta(hours=9 + i % 4)
                case = cases_demo._play(users, townships[key], cases_demo.REPORTER[key], items[key], title,
                                        description, address, code, path, start, at, ())
                made += 1 if case else 0
    from assessment import services
    from assessment.facts import refresh_county

    refresh_county(county)
    closed = 0
    today = timezone.localdate()
    for back in (len(MONTH_PATHS), len(MONTH_PATHS) - 1):
        month = _months_back(today, back)
        if services.close_in_force(county, month) is None and not services.MonthClose.objects.filter(
                county=county, month=month).exists():
            services.month_close(actor=assessor, county=county, month=month)
            closed += 1
    if stdout:
        stdout.write(f"assessment: {made} past cases, {closed} months closed, account 'assessor'")
