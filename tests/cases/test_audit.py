"""One enum of event actions (cases.audit.CaseAction), one writer, and a timeline that never shows a raw code."""

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation

from cases import audit, escalation, extensions, services
from cases.audit import CaseAction
from cases.models import CaseEvent
from governance.calendar import sync_calendar

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, 10, tzinfo=SH)
ROOT = Path(__file__).resolve().parents[2]

# Dotted codes that are notification kinds only (no event is written with them).
NOTIFICATION_ONLY = {"case.assisting", "case.extension_decided"}


@pytest.mark.parametrize("action", list(CaseAction))
def test_every_action_has_a_chinese_label_and_an_english_translation(action):
    with translation.override("zh-hans"):
        chinese = str(audit.action_label(action.value))
    with translation.override("en"):
        english = str(audit.action_label(action.value))
    assert chinese and not chinese.startswith("case."), action
    assert re.search(r"[\u4e00-\u9fff]", chinese), f"{action}: label is not Chinese"
    assert english != chinese and not re.search(r"[\u4e00-\u9fff]", english), f"{action}: no English translation"


def test_every_dotted_code_in_the_code_is_an_action_of_the_enum():
    """A case.* literal anywhere in the product code is either a CaseAction value or a notification kind."""
    found = set()
    for path in [*ROOT.joinpath("cases").rglob("*.py"), *ROOT.joinpath("config").rglob("*.py")]:
        if "migrations" in path.parts:
            continue
        found |= set(re.findall(r"""["'](case\.[a-z_0-9]+)["']""", path.read_text(encoding="utf-8")))
    assert found - NOTIFICATION_ONLY <= set(CaseAction.values), found - NOTIFICATION_ONLY - set(CaseAction.values)


def test_the_writer_refuses_an_action_outside_the_enum(flow):
    case = flow.reported()
    with pytest.raises(ValueError):
        audit.case_event_write(case, actor=None, action="case.warned")
    assert not CaseEvent.objects.filter(action="case.warned").exists()


def test_an_unknown_stored_code_is_shown_as_a_label_not_as_the_code():
    assert str(audit.action_label("case.from_a_future_version")) == "其他操作"


def test_timeline_of_a_case_with_every_kind_of_step_shows_only_labels(org, flow, lists, client_for, time_machine):
    """Warning, escalation, urging, extension, information request, reassignment, reopening, flagging:
    the stored codes on the page are labels in the user's language, never `case.…`."""
    sync_calendar(years=[2026])
    time_machine.move_to(MONDAY, tick=False)
    case = flow.claimed()
    services.case_comment(case=case, actor=org.officer, text="已到现场。")
    services.case_request_info(case=case, actor=org.officer, question="请补充照片。")
    services.case_answer_info(case=case, actor=org.reporter, answer="已补充。")
    ext = extensions.case_extension_request(case=case, actor=org.officer, reason="需检测",
                                            requested_due_at=case.due_at + timedelta(days=5))
    extensions.case_extension_decide(extension=ext, actor=org.dispatcher, approve=False, note="时限充足")
    extensions.case_urge(case=case, actor=org.supervisor, message="请加快办理。")
    case.refresh_from_db()
    time_machine.move_to(case.warn_at + timedelta(minutes=1), tick=False)
    escalation.sweep()
    case.refresh_from_db()
    time_machine.move_to(case.due_at + timedelta(minutes=1), tick=False)
    escalation.sweep()
    case.refresh_from_db()
    for _ in range(2):
        case = services.case_resolve(case=case, actor=org.officer, note="已处理。")
        case = services.case_feedback(case=case, actor=org.reporter, rating="unsatisfied", comment="仍有油烟。")
    written = set(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert {"case.deadline_warning", "case.escalated", "case.urged", "case.extension_rejected",
            "case.info_requested", "case.flagged", "case.reopened", "case.commented"} <= written
    assert written <= set(CaseAction.values)

    for language, expected in (("zh-hans", "时限预警"), ("en", "Deadline warning")):
        client = client_for(org.officer)
        with translation.override("zh-hans"):  # the request activates its language; do not leak it
            client.post(reverse("set_language"), {"language": language})
            body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
        timeline = body[body.index("timeline-item"):]
        assert expected in timeline
        shown = re.findall(r"<strong>([^<]*)</strong>", timeline)
        assert shown and not any(s.strip().startswith("case.") for s in shown), shown
