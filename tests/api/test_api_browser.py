"""In Chromium: an administrator issues an Open311 key and sees it once; the API docs render from local files."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _external_requests(browser_page, live_server):
    seen = []
    browser_page.on("request", lambda request: seen.append(request.url))
    return lambda: [url for url in seen if not url.startswith(live_server.url) and not url.startswith("data:")]


def test_admin_issues_an_open311_key_and_sees_it_once(live_server, org, page, login, shot):
    from governance.models import ApiClientKey

    login(page, org.admin)
    page.goto(f"{live_server.url}/admin/governance/apiclientkey/add/")
    page.get_by_label("客户端名称").fill("示范县12345热线")
    page.get_by_label("所属乡镇").select_option(label=org.township.display_name)
    options = page.get_by_label("所属乡镇").locator("option").all_inner_texts()
    assert org.dept.display_name not in options  # keys are for townships only
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_load_state()
    clear = page.get_by_label("接入密钥（api_key）").input_value()
    assert clear.startswith("o311_")
    assert page.get_by_text("这是唯一一次显示完整密钥").is_visible()
    shot(page, "api-open311-key-issued")
    key = ApiClientKey.objects.get()
    assert key.unit == org.township and clear not in key.key_digest
    page.goto(f"{live_server.url}/admin/governance/apiclientkey/{key.pk}/change/")
    assert clear not in page.content()


def test_api_docs_render_from_local_files_on_a_phone(live_server, db, phone_page, shot):
    external = _external_requests(phone_page, live_server)
    phone_page.goto(f"{live_server.url}/api/docs/")
    phone_page.get_by_text("/api/v1/cases/{id}/claim/").first.wait_for()
    assert phone_page.get_by_text("Chuishao API").first.is_visible()
    shot(phone_page, "api-docs-phone")
    assert external() == []
