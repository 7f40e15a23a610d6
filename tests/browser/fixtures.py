"""Browser fixtures for journeys in real headless Chromium: Debian's /usr/bin/chromium driven by Playwright.

Fixtures:
    browser         one Chromium per test session
    page            a fresh desktop context (1280x900), zh-CN
    phone_page      a fresh phone context (390x844, touch, mobile), zh-CN
                    (both fail the test on any Content-Security-Policy violation: watch_csp)
    login(page, user) signs in through the real login form (personas share tests.personas.PASSWORD)
    shot(page, name) saves a PNG under test-artifacts/screenshots/ for people to look at
Loaded for the whole suite by pytest_plugins in the root conftest.py, so every test folder shares one
Chromium (a second session-scoped Playwright would collide with the first one's event loop).
Journeys use pytest-django's live_server, so tests need the transactional_db fixture (or
`@pytest.mark.django_db(transaction=True)`).
"""

import os
import pathlib
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; Django's async-safety check would then
# refuse the ORM calls that tests make to set up data. The test code is synchronous, so allow it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", shutil.which("chromium") or "/usr/bin/chromium")
ARTIFACTS = pathlib.Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package (.ci/run does).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _context(browser, **kwargs):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **kwargs)
    context.set_default_timeout(15_000)
    return context


def watch_csp(page):
    """Collect Chromium's "Refused to ..." console errors: each is a Content-Security-Policy violation."""
    refused = []
    page.on("console", lambda msg: refused.append(f"{page.url}: {msg.text}")
            if msg.type == "error" and "Refused to" in msg.text else None)
    return refused


def assert_no_csp_violation(refused):
    assert not refused, "Content-Security-Policy violations:\n" + "\n".join(refused)


@pytest.fixture
def page(browser):
    """Every journey on this page fails on a CSP violation (after the test, whatever pages it visited)."""
    context = _context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    refused = watch_csp(page)
    yield page
    context.close()
    assert_no_csp_violation(refused)


@pytest.fixture
def phone_page(browser):
    context = _context(
        browser, viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    refused = watch_csp(page)
    yield page
    context.close()
    assert_no_csp_violation(refused)


@pytest.fixture
def login(live_server):
    from tests.personas import PASSWORD

    def do_login(page, user, password=PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("用户名").fill(user.username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()
        return page

    return do_login


@pytest.fixture
def shot():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
