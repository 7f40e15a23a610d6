"""Queue order and filters: oldest first for triage, unclaimed first for departments, flagged and overdue first
for supervisors; the township list filters by state and deadline."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from cases import selectors, services

pytestmark = pytest.mark.django_db


# Queue order and "overdue" count working time from now: an ordinary Thursday in March, not the
# day the suite happens to run (a holiday week makes a five-day-old report not yet overdue).
THURSDAY = datetime(2026, 3, 5, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def an_ordinary_thursday(time_machine):
    time_machine.move_to(THURSDAY, tick=False)


def test_triage_queue_is_oldest_first_and_only_new_or_triaged_cases(org, flow):
    start = timezone.now() - timedelta(days=3)
    with time_machine.travel(start, tick=False):
        old = flow.reported(title="最早")
    with time_machine.travel(start + timedelta(days=1), tick=False):
        middle = flow.triaged(title="其次")
    newest = flow.reported(title="最新")
    flow.assigned(title="已交办")
    assert list(selectors.triage_queue(org.dispatcher)) == [old, middle, newest]
    assert list(selectors.triage_queue(org.officer)) == []


def test_department_queue_puts_unclaimed_first_then_nearest_deadline(org, lists, flow):
    claimed = flow.claimed(title="已签收")
    unclaimed = flow.assigned(title="待签收")
    urgent = flow.assigned(title="紧急待签收", urgency="urgent")
    assisting = services.case_assign(case=flow.reported(title="协同"), actor=org.dispatcher, list_item=lists.negative,
                                     assisting_departments=[org.dept])
    queue = list(selectors.department_queue(org.officer))
    assert queue[-1] == claimed
    assert set(queue[:3]) == {unclaimed, urgent, assisting}
    assert queue.index(urgent) < queue.index(unclaimed)  # the urgent one's response deadline is nearer
    assert list(selectors.department_queue(org.officer_b)) == [assisting]


def test_supervision_shows_flagged_then_overdue_then_the_rest_and_finished_cases_last(org, flow):
    start = timezone.now() - timedelta(days=10)
    with time_machine.travel(start, tick=False):
        overdue = flow.assigned(title="超时")
    fresh = flow.reported(title="新")
    flagged = flow.resolved(title="重办两次")
    for _ in range(2):
        flagged = services.case_feedback(case=flagged, actor=org.reporter, rating="unsatisfied", comment="未解决")
        if flagged.reopen_count < 2:
            flagged = services.case_resolve(case=flagged, actor=org.officer, note="再办")
    closed = flow.closed(title="已结")
    queue = list(selectors.supervision_list(org.supervisor))
    assert queue == [flagged, overdue, fresh, closed]
    assert list(selectors.supervision_list(org.township_supervisor)) == queue
    assert list(selectors.supervision_list(org.dept_supervisor)) == [flagged, overdue, closed]
    assert list(selectors.supervision_list(org.officer)) == []


def test_township_list_filters_by_state_and_overdue(org, flow, client_for):
    with time_machine.travel(timezone.now() - timedelta(days=5), tick=False):
        late = flow.reported(title="早已超时的事项")
    flow.closed(title="已结案的事项")
    client = client_for(org.reporter)
    url = reverse("cases:township_list")
    body = client.get(url, {"state": "closed"}).content.decode()
    assert "已结案的事项" in body and "早已超时的事项" not in body
    body = client.get(url, {"deadline": "overdue"}).content.decode()
    assert "早已超时的事项" in body and "已结案的事项" not in body and 'class="overdue' in body
    body = client.get(url, {"q": late.number}).content.decode()
    assert "早已超时的事项" in body and "已结案的事项" not in body
    other = client_for(org.reporter_b).get(url).content.decode()
    assert "早已超时的事项" not in other and "已结案的事项" not in other


def test_a_bad_filter_value_or_page_is_not_an_error(org, flow, client_for):
    flow.reported()
    response = client_for(org.reporter).get(reverse("cases:township_list"), {"state": "nonsense", "page": "x"})
    assert response.status_code == 200
