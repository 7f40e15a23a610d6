"""Tap targets on a phone (390×844, issue 14): on every page of each role's daily journeys, every visible
control is at least 44 × 44 CSS px, and each page is saved to var/screenshots/ for a person to look at.

The rule, in one place (MEASURE below):
- measured: a[href], button, input (not hidden; a checkbox or radio is measured by its label instead, since the
  label is what a thumb taps), select, textarea, summary, and every label of a checkbox or radio;
- each must be ≥ 44 px high and ≥ 44 px wide;
- exempt: a link inside running text (WCAG 2.5.8's inline exception): an `a` laid out inline that shares its
  lines with other words (text of its block outside nested blocks, separators such as "·" aside). A link alone
  on its line (in a cell, list item, heading, card, or above a hint in its own block) is a control like any
  other and is measured;
- not measured: what is not rendered (display none, visibility hidden, inside a closed <details>), visually
  hidden helpers (≤ 2 px, e.g. a file input behind its camera/gallery buttons) and the skip link parked
  off-screen until it is focused.
"""

import pathlib
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from cases import services
from tests.browser.fixtures import _context, assert_no_csp_violation, watch_csp
from tests.cases.conftest import build_lists

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = pathlib.Path(__file__).resolve().parents[2] / "var" / "screenshots"
MIN = 44

MEASURE = """() => {
  const min = %d, out = [];
  const rendered = (el) => {
    const s = getComputedStyle(el);
    if (s.display === "none" || s.visibility === "hidden") { return false; }
    const r = el.getBoundingClientRect();
    return r.width > 2 && r.height > 2 && r.right > 0 && r.bottom > 0;
  };
  // Text on the link's own lines: text nodes and inline elements of its block, not nested blocks (a hint below
  // a title link does not make the title "inline in text").
  const lineText = (node, link) => {
    let text = "";
    node.childNodes.forEach((child) => {
      if (child === link) { return; }
      if (child.nodeType === Node.TEXT_NODE) { text += child.textContent; return; }
      if (child.nodeType !== Node.ELEMENT_NODE) { return; }
      if (child.contains(link)) { text += lineText(child, link); return; }
      if (getComputedStyle(child).display.startsWith("inline")) { text += child.textContent; }
    });
    return text;
  };
  const inlineInText = (el) => {
    if (el.tagName !== "A" || getComputedStyle(el).display !== "inline") { return false; }
    let block = el.parentElement;
    while (block && getComputedStyle(block).display.startsWith("inline")) { block = block.parentElement; }
    return Boolean(block) && lineText(block, el).replace(/[\\s·|｜，,。:：、()（）]+/g, "") !== "";
  };
  const name = (el) => (el.getAttribute("aria-label") || el.textContent || el.value || el.name || el.id || "")
    .replace(/\\s+/g, " ").trim().slice(0, 40);
  const seen = new Set();
  const check = (el, what) => {
    if (seen.has(el) || !rendered(el)) { return; }
    seen.add(el);
    const r = el.getBoundingClientRect();
    if (r.height < min - 0.5 || r.width < min - 0.5) {
      out.push(`${what} "${name(el)}" ${Math.round(r.width)}×${Math.round(r.height)}`);
    }
  };
  document.querySelectorAll("a[href], button, input, select, textarea, summary").forEach((el) => {
    if (el.type === "hidden" || el.closest(".skip-link") || inlineInText(el)) { return; }
    if (el.type === "checkbox" || el.type === "radio") {
      const labels = Array.from(el.labels || []).filter(rendered);
      if (!labels.length) { check(el, el.type); }
      labels.forEach((label) => check(label, "label of " + el.type));
      return;
    }
    check(el, el.tagName.toLowerCase() + (el.type ? "[" + el.type + "]" : ""));
  });
  return out;
}""" % MIN


def _report(org, title, days_ago=0, **kw):
    with time_machine.travel(timezone.now() - timedelta(days=days_ago), tick=False):
        return services.case_report(actor=org.reporter, township=org.township, title=title,
                                    description=kw.pop("description", f"{title}，请尽快处理。"),
                                    address="城关街道解放路88号", **kw)


@pytest.fixture
def journeys(org):
    """Cases in the states each role works on, and the pages of each role's journeys."""
    lists = build_lists(org)
    reported = _report(org, "解放路夜市油烟扰民", days_ago=2)
    assigned = services.case_assign(case=_report(org, "南门口违建加层", days_ago=3), actor=org.dispatcher,
                                    list_item=lists.negative)
    resolved = services.case_resolve(
        case=services.case_claim(case=services.case_assign(case=_report(org, "餐馆后厨卫生差", days_ago=5),
                                                           actor=org.dispatcher, list_item=lists.assisting),
                                 actor=org.officer),
        actor=org.officer, note="已责令整改。")
    # An admitted duty, so the admission register and its public page have a row to tap.
    from tests.admission.conftest import NOW as ADMISSION_NOW
    from tests.admission.conftest import draft_request, to_approved

    with time_machine.travel(ADMISSION_NOW, tick=False):
        admitted = to_approved(org, draft_request(org))
    return {
        "reporter": (org.reporter, ["/", "/cases/report/", f"/cases/{reported.pk}/", f"/cases/{resolved.pk}/",
                                    "/cases/township/", "/notifications/"]),
        "dispatcher": (org.dispatcher, ["/", "/cases/triage/", f"/cases/{reported.pk}/", "/cases/search/",
                                        "/notifications/"]),
        "officer": (org.officer_b, ["/", "/cases/department/", f"/cases/{assigned.pk}/", "/notifications/"]),
        "supervisor": (org.supervisor, ["/", "/cases/supervision/", "/assessment/", "/insights/",
                                        "/admission/registry/", "/notifications/"]),
        "public": (None, ["/lists/", f"/lists/{lists.version.duty_list.code}/", "/lists/lookup/?q=占道经营",
                          "/admission/public/",
                          f"/admission/public/{admitted.number}/"]),
    }


@pytest.mark.parametrize("role", ["reporter", "dispatcher", "officer", "supervisor", "public"])
def test_every_control_on_each_journey_page_is_a_44_px_tap_target_on_a_phone(role, journeys, browser, live_server,
                                                                             login):
    user, paths = journeys[role]
    context = _context(browser, viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True,
                       has_touch=True)
    page = context.new_page()
    refused = watch_csp(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    failures = []
    try:
        if user is not None:
            login(page, user)
        for path in paths:
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, f"{path}: HTTP {response.status}"
            page.wait_for_load_state("networkidle")
            slug = path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-") or "home"
            page.screenshot(path=str(SCREENSHOTS / f"tap-{role}-{slug}.png"), full_page=True)
            failures += [f"{path}: {f}" for f in page.evaluate(MEASURE)]
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, f"{path} is wider than the phone"
    finally:
        context.close()
    assert not failures, f"{len(failures)} controls smaller than {MIN}×{MIN} px:\n" + "\n".join(failures)
    assert_no_csp_violation(refused)
