"""Hand-built case histories for the detectors of policy jams, made through cases.services like the product."""

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, 9, tzinfo=SH)
MARCH = (date(2026, 3, 1), date(2026, 4, 1))


@pytest.fixture
def lists(org, time_machine):
    """The published list, in force since the Sunday before the histories start."""
    from tests.cases.conftest import build_lists

    time_machine.move_to(MONDAY - timedelta(days=1), tick=False)
    return build_lists(org)


@pytest.fixture
def story(org, lists, time_machine):
    """story.assigned(), story.decline(case), ... each step an hour after the last, from Monday 2 March 2026."""
    from cases import services
    from cases.extensions import case_extension_request
    from governance.calendar import sync_calendar

    sync_calendar(years=[2026])
    clock = SimpleNamespace(now=MONDAY)
    time_machine.move_to(clock.now, tick=False)

    def later(hours=1):
        clock.now += timedelta(hours=hours)
        time_machine.move_to(clock.now, tick=False)

    def assigned(item=None, department=None, title="夜市餐饮油烟扰民"):
        case = services.case_report(actor=org.reporter, township=org.township, title=title,
                                    description="解放路夜市多家烧烤摊油烟直排，周边居民多次反映。", address="城关街道解放路88号")
        later()
        return services.case_assign(case=case, actor=org.dispatcher, list_item=item or lists.assisting,
                                    lead_department=department)

    def decline(case, officer=None):
        later()
        return services.case_decline(case=case, actor=officer or org.officer, reason="依据清单，该事项不属本部门职责。")

    def reassign_to(case, department):
        later()
        return services.case_assign(case=case, actor=org.dispatcher, list_item=lists.assisting,
                                    lead_department=department)

    def claim(case, officer=None, after_hours=1):
        later(after_hours)
        return services.case_claim(case=case, actor=officer or org.officer)

    def extend(case, officer=None):
        later()
        return case_extension_request(case=case, actor=officer or org.officer, reason="需等待检测机构出具检测报告。",
                                      requested_due_at=case.due_at + timedelta(days=3))

    def resolve(case, officer=None):
        later()
        return services.case_resolve(case=case, actor=officer or org.officer, note="已责令整改。")

    return SimpleNamespace(assigned=assigned, decline=decline, reassign_to=reassign_to, claim=claim, extend=extend,
                           resolve=resolve, later=later, clock=clock)
