"""Foundation journeys in real headless Chromium: the public home, each demo account's home, the
lockout after five wrong passwords, and switching to English and back."""

import pytest
from django.core.management import call_command

from governance.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Demo account -> (the greeting's name, a role tag on the home page, the tile titles it must see).
DEMO_HOMES = {
    "reporter": ("张晓燕", "城关街道 · 上报人员（乡镇/街道）", ["一键上报", "本乡镇事项"]),
    "reporter2": ("李建国", "青石镇 · 上报人员（乡镇/街道）", ["一键上报", "本乡镇事项"]),
    "dispatcher": ("王磊", "县指挥中心 · 分拨调度员（指挥中心）", ["分拨队列"]),
    "officer": ("陈静", "县市场监管局 · 部门办理人员", ["部门待办"]),
    "officer2": ("刘洋", "县综合执法局 · 部门办理人员", ["部门待办"]),
    "supervisor": ("周明", "示范县 · 督办领导", ["督办中心"]),
    "editor": ("孙丽", "示范县 · 清单编辑", ["清单编辑"]),
    "admin": ("系统管理员", None, ["系统管理"]),
}


@pytest.fixture
def demo(settings):
    settings.DEBUG = False
    call_command("seed_demo", "--force", verbosity=0)


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def sign_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def test_anonymous_visitor_sees_the_public_home_on_desktop_and_phone(page, phone_page, live_server, shot):
    for p, name in [(page, "foundation-home-public-desktop"), (phone_page, "foundation-home-public-phone")]:
        p.goto(live_server.url + "/")
        assert p.locator("html").get_attribute("lang") == "zh-CN"
        assert p.get_by_role("heading", name="基层吹哨，部门报到").is_visible()
        main = p.get_by_role("main")
        assert main.get_by_role("link", name="责任清单公开").is_visible()
        assert main.get_by_role("link", name="这件事归谁管？").is_visible()
        assert p.get_by_role("main").get_by_role("link", name="登录").is_visible()
        assert no_sideways_scroll(p), name
        shot(p, name)
    # The login link leads to the staff sign-in form.
    phone_page.get_by_role("main").get_by_role("link", name="登录").click()
    assert phone_page.get_by_role("heading", name="工作人员登录").is_visible()


@pytest.mark.parametrize("username", list(DEMO_HOMES))
def test_each_demo_account_lands_on_a_home_for_its_role(demo, page, live_server, shot, username):
    name, role_tag, tiles = DEMO_HOMES[username]
    sign_in(page, live_server, username, DEMO_PASSWORD)
    assert page.url == live_server.url + "/"
    assert page.get_by_role("heading", name=f"{name}，您好").is_visible()
    if role_tag:
        assert page.get_by_text(role_tag).is_visible()
    main = page.get_by_role("main")
    for title in tiles:
        assert main.get_by_role("link", name=title).first.is_visible(), title
    assert page.get_by_text("还没有分配单位和角色").count() == 0
    shot(page, f"foundation-home-{username}-desktop")
    # The first tile opens its page (not an error page).
    main.get_by_role("link", name=tiles[0]).first.click()
    page.wait_for_load_state()
    assert page.title() and "Server Error" not in page.content()
    # Signing out (from the platform's header; the admin has its own) returns to the public home.
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="退出").click()
    assert page.get_by_role("heading", name="基层吹哨，部门报到").is_visible()


def test_reporter_home_on_a_phone(demo, phone_page, live_server, shot):
    sign_in(phone_page, live_server, "reporter", DEMO_PASSWORD)
    assert phone_page.get_by_role("heading", name="张晓燕，您好").is_visible()
    assert phone_page.get_by_role("main").get_by_role("link", name="一键上报").is_visible()
    assert no_sideways_scroll(phone_page)
    shot(phone_page, "foundation-home-reporter-phone")


def test_five_wrong_passwords_lock_the_account_with_a_clear_message(demo, page, live_server, shot):
    for attempt in range(1, 5):
        sign_in(page, live_server, "officer", "not-the-password")
        assert page.get_by_role("alert").is_visible(), attempt
        assert page.get_by_label("用户名").input_value() == "officer"
    shot(page, "foundation-login-wrong-password")
    sign_in(page, live_server, "officer", "not-the-password")
    assert page.get_by_role("heading", name="账号已暂时锁定").is_visible()
    assert page.get_by_text("密码连续输错 5 次").is_visible()
    assert page.get_by_text("请在 15 分钟后再试").is_visible()
    shot(page, "foundation-lockout")
    # The right password does not get through while the lock lasts.
    sign_in(page, live_server, "officer", DEMO_PASSWORD)
    assert page.get_by_role("heading", name="账号已暂时锁定").is_visible()


def test_switching_to_english_and_back(demo, page, phone_page, live_server, shot):
    sign_in(page, live_server, "dispatcher", DEMO_PASSWORD)
    page.get_by_label("语言").select_option("en")
    page.keyboard.press("ArrowUp")  # moving through the menu must not reload the page on its own
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.get_by_label("语言").select_option("en")
    with page.expect_navigation():
        page.get_by_role("button", name="切换").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Hello, 王磊").is_visible()
    assert page.get_by_role("heading", name="What I can do").is_visible()
    assert page.get_by_role("button", name="Sign out").is_visible()
    shot(page, "foundation-home-dispatcher-english")
    page.get_by_label("Language").select_option("zh-hans")
    with page.expect_navigation():
        page.get_by_role("button", name="Switch").click()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.get_by_role("heading", name="王磊，您好").is_visible()


def test_language_switch_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        page.get_by_label("语言").select_option("en")
        page.get_by_role("button", name="切换").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", name="Townships whistle, departments respond").is_visible()
    finally:
        context.close()
