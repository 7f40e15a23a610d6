import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reporter_signs_in_and_lands_on_a_home_for_reporting(org, page, live_server, login, shot):
    login(page, org.reporter)
    assert page.get_by_role("heading", name="张晓燕，您好").is_visible()
    assert page.get_by_text("城关街道 · 上报人员").is_visible()
    shot(page, "home-reporter-desktop")
