"""The whole loop in real Chromium: a finding → an editor proposes a revision → another editor accepts it → one
click writes it into the list's next draft → the editor publishes that version → its change note cites the
proposal → the finding shows it was acted on → the township whose cases were the evidence sees the outcome.
axe-core on every page visited (no serious or critical violation)."""

from datetime import UTC, datetime

import pytest

from insights.models import Detector, Finding
from insights.services import findings_compute
from tests.browser.axe import assert_accessible
from tests.insights.conftest import MARCH

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
REAL_NOW = datetime.now(UTC)  # the browser's cookies follow the real clock


@pytest.fixture
def second_editor(org):
    from governance.models import Role
    from governance.services import membership_grant
    from tests.personas import make_user

    user = make_user("p_editor2", "钱审")
    membership_grant(user=user, unit=org.county, role=Role.EDITOR)
    return user


def visit(view, url, name, shot):
    view.goto(url)
    view.wait_for_load_state()
    assert_accessible(view)
    shot(view, name)


def test_a_finding_becomes_a_published_revision_the_township_can_follow(
        org, lists, story, time_machine, browser, page, phone_page, live_server, login, shot, second_editor):
    # March 2026 (time frozen by the story): 市场监管局 declines PH-010's cases, the dispatch centre reassigns
    # them to 综合执法局 each time — the wrong owner is named on the list.
    cases = [story.decline(story.reassign_to(story.decline(story.assigned()), org.dept_b), officer=org.officer_b)
             for _ in range(4)]
    findings_compute(org.county, *MARCH)
    finding = Finding.objects.get(detector=Detector.WRONG_OWNER)
    time_machine.move_to(REAL_NOW, tick=True)
    base = live_server.url

    # The editor reads the finding and proposes: the form is prefilled from it (kind, item, the other department).
    login(page, org.editor)
    visit(page, f"{base}/insights/findings/{finding.pk}/", "loop-1-finding", shot)
    assert page.get_by_label("修订类型").input_value() == "change_department"
    assert page.get_by_label("事项编码", exact=True).input_value() == "PH-010"
    assert page.get_by_label("牵头/责任部门（调整为）").input_value() == str(org.dept_b.pk)
    page.get_by_label("修订理由").fill("四件案件均由县市场监管局退回后改派县综合执法局办理，建议调整牵头部门。")
    page.get_by_role("button", name="提交修订建议").click()
    page.wait_for_load_state()
    assert page.get_by_text("等待清单编辑审核").is_visible()
    number = page.get_by_role("heading", level=1).inner_text().split()[0]
    assert number.startswith("RP-")
    assert page.locator("#proposal-status").inner_text() == "待审核"
    assert page.get_by_role("button", name="采纳").count() == 0  # the proposer does not review his own proposal
    proposal_url = page.url
    assert_accessible(page)
    shot(page, "loop-2-proposed")

    # Another editor of the county accepts it.
    reviewer = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
    login(reviewer, second_editor)
    visit(reviewer, proposal_url, "loop-3-review", shot)
    reviewer.get_by_label("审核意见").fill("证据充分，同意调整。")
    reviewer.get_by_role("button", name="采纳", exact=True).click()
    reviewer.wait_for_load_state()
    assert reviewer.get_by_text(f"已采纳修订建议 {number}。").is_visible()
    assert reviewer.locator("#proposal-status").inner_text() == "已采纳"
    assert_accessible(reviewer)
    reviewer.context.close()

    # The editor writes it into the next draft in one click ...
    visit(page, proposal_url, "loop-4-accepted", shot)
    page.get_by_role("button", name="一键写入清单草稿").click()
    page.wait_for_load_state()
    assert page.get_by_text(f"已写入{lists.version.duty_list.name}第 2 版草稿").is_visible()
    assert page.locator("#proposal-status").inner_text() == "已写入第 2 版草稿"
    assert_accessible(page)
    page.get_by_role("link", name=f"{lists.version.duty_list.name} 第 2 版").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="第 2 版草稿").is_visible()
    assert_accessible(page)
    shot(page, "loop-5-draft")

    # ... and publishes that version: the change (PH-010 now 综合执法局's) and the note citing the proposal.
    page.get_by_role("link", name="预览差异并发布").click()
    page.wait_for_load_state()
    assert page.get_by_text("新增 0 项，删除 0 项，修改 1 项。").is_visible()
    assert number in page.get_by_label("修订说明").input_value()
    page.get_by_label("生效日期").fill(REAL_NOW.date().isoformat())
    page.get_by_label("我已核对上面的变更，确认发布").check()
    assert_accessible(page)
    shot(page, "loop-6-publish")
    page.get_by_role("button", name="确认发布").click()
    page.wait_for_load_state()
    assert page.get_by_text("已发布第 2 版，公众页面已更新。").is_visible()
    assert_accessible(page)
    visit(page, f"{base}/lists/{lists.version.duty_list.code}/history/", "loop-7-history", shot)
    row = page.get_by_role("row").filter(has_text=f"依据修订建议 {number}")
    assert row.count() == 1 and row.get_by_role("cell").first.inner_text() == "第 2 版"
    assert row.inner_text().count(number) == 1  # cited once, whatever note the draft was started with
    visit(page, f"{base}/lists/{lists.version.duty_list.code}/v/2/items/PH-010/", "loop-8-item", shot)
    assert page.get_by_role("definition").filter(has_text=org.dept_b.display_name).is_visible()  # the new owner, published

    # The finding shows it was acted on, on its page and on the leadership page.
    visit(page, f"{base}/insights/findings/{finding.pk}/", "loop-9-finding-acted-on", shot)
    assert page.get_by_text("已据此修订清单：以下修订建议已随新版清单发布。").is_visible()
    assert page.get_by_role("link", name=number).is_visible()
    assert page.get_by_text("已随第 2 版发布").is_visible()
    visit(page, f"{base}/insights/?month=2026-03", "loop-10-leadership", shot)
    assert page.get_by_text("已据此修订清单").first.is_visible()

    # The township staff member who reported the evidence sees the proposal and its outcome (on a phone).
    login(phone_page, org.reporter)
    visit(phone_page, f"{base}/insights/proposals/", "loop-11-township-proposals", shot)
    row = phone_page.get_by_role("row").filter(has_text=number)
    assert row.get_by_text("已随第 2 版发布").is_visible()
    row.get_by_role("link", name=number).click()
    phone_page.wait_for_load_state()
    assert phone_page.locator("#proposal-status").inner_text() == "已随第 2 版发布"
    assert phone_page.get_by_role("link", name=f"{cases[0].number} {cases[0].title}").is_visible()
    assert_accessible(phone_page)
    shot(phone_page, "loop-12-township-proposal")
