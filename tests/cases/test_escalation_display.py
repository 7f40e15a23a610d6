"""Queues and the case page show the time left and the escalation level; overdue rows stand out."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse

from cases import escalation

SH = ZoneInfo("Asia/Shanghai")


def test_department_queue_marks_an_escalated_overdue_case(org, flow, client_for, time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 10, tzinfo=SH), tick=False)
    late, on_time = flow.assigned(), flow.assigned(title="另一件事项")
    time_machine.move_to(late.due_at + timedelta(hours=1), tick=False)
    escalation.sweep()
    # the second case was created at the same moment: give it more time to tell the two apart
    from cases.models import Case

    Case.objects.filter(pk=on_time.pk).update(due_at=late.due_at + timedelta(days=2), escalation_level=0,
                                              next_escalation_at=None)
    text = client_for(org.officer).get(reverse("cases:department_queue")).content.decode()
    assert text.count("超时升级·第1级") == 1
    assert "已超时 1小时0分" in text and 'class="overdue' in text
    assert "剩余 " in text
