import io

import openpyxl
import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from responsibilities import imports, services
from responsibilities.models import ListEvent

pytestmark = pytest.mark.django_db

GOOD = ["JB-010", "组织开展垃圾分类", "基本履职事项", "综合执法", "", "", "", "12", "3", "垃圾"]
GOOD_NEG = ["FM-010", "渣土运输查处", "负面清单", "综合执法", "渣土车抛洒", "", "县综合执法局", "", "", "渣土"]
BAD_NO_DEPT = ["PH-010", "配合开展油烟治理", "配合履职事项", "综合执法", "", "", "", "", "", "油烟"]


def dataset(*rows):
    data = tablib.Dataset(headers=imports.HEADERS)
    for row in rows:
        data.append(row)
    return data


def xlsx_upload(*rows, name="清单.xlsx"):
    return SimpleUploadedFile(name, dataset(*rows).export("xlsx"))


@pytest.fixture
def draft(org, published):
    duty_list, _ = published
    return services.list_draft_start(duty_list=duty_list, actor=org.editor)


def test_one_bad_row_means_nothing_is_imported_and_the_row_is_reported_in_chinese(org, draft):
    before = set(draft.items.values_list("code", flat=True))
    report = services.list_import(version=draft, actor=org.editor, dataset=dataset(GOOD, BAD_NO_DEPT, GOOD_NEG))
    assert not report.imported
    assert set(draft.items.values_list("code", flat=True)) == before
    [bad] = report.error_rows
    assert (bad.row, bad.code) == (3, "PH-010")
    assert bad.errors == ["配合履职事项和负面清单事项必须填写牵头/责任部门。"]
    assert not ListEvent.objects.filter(action="version.imported").exists()


def test_valid_rows_only_on_explicit_choice(org, draft):
    report = services.list_import(
        version=draft, actor=org.editor, dataset=dataset(GOOD, BAD_NO_DEPT, GOOD_NEG), valid_only=True
    )
    assert report.imported and report.created == 2
    assert draft.items.filter(code__in=["JB-010", "FM-010"]).count() == 2
    assert draft.items.get(code="FM-010").department == org.dept_b  # found by short name
    assert not draft.items.filter(code="PH-010").exists()
    event = ListEvent.objects.get(action="version.imported")
    assert event.data["skipped_rows"] == [3]


def test_merge_updates_items_with_the_same_code_and_keeps_the_others(org, draft):
    count = draft.items.count()
    changed = ["JB-001", "组织开展网格化管理（含专职网格员）", "基本", "综治工作", "", "", "", "24", "5", "网格"]
    report = services.list_import(version=draft, actor=org.editor, dataset=dataset(changed))
    assert (report.created, report.updated) == (0, 1)
    assert draft.items.count() == count
    assert draft.items.get(code="JB-001").title == "组织开展网格化管理（含专职网格员）"


def test_replace_makes_the_draft_exactly_the_file(org, draft):
    report = services.list_import(version=draft, actor=org.editor, dataset=dataset(GOOD, GOOD_NEG), mode="replace")
    assert report.removed == 6
    assert sorted(draft.items.values_list("code", flat=True)) == ["FM-010", "JB-010"]


@pytest.mark.parametrize(
    "row,message",
    [
        (["JB 1", "标题", "基本", "综治工作", "", "", "", "", "", ""], "格式不正确"),
        (["JB-1", "", "基本", "综治工作", "", "", "", "", "", ""], "“事项名称”不能为空"),
        (["JB-1", "标题", "其他", "综治工作", "", "", "", "", "", ""], "事项类别“其他”无效"),
        (["JB-1", "标题", "基本", "环保", "", "", "", "", "", ""], "四平台分类“环保”无效"),
        (["JB-1", "标题", "负面", "综合执法", "", "", "不存在的局", "", "", ""], "找不到部门“不存在的局”"),
        (["JB-1", "标题", "基本", "综治工作", "", "", "", "两天", "", ""], "响应时限（小时）应为正整数"),
        (["JB-1", "标题", "基本", "综治工作", "", "", "", "9999", "", ""], "响应时限应在 1 到 720 小时之间"),
    ],
)
def test_each_kind_of_bad_row_gets_a_specific_chinese_message(org, draft, row, message):
    report = services.list_import(version=draft, actor=org.editor, dataset=dataset(row))
    assert not report.imported
    assert any(message in e for e in report.error_rows[0].errors), report.error_rows[0].errors


def test_duplicate_codes_in_the_file_are_reported_with_the_first_row(org, draft):
    report = services.list_import(version=draft, actor=org.editor, dataset=dataset(GOOD, GOOD))
    assert report.error_rows[0].row == 3
    assert "与第 2 行重复" in report.error_rows[0].errors[0]


def test_csv_saved_by_chinese_excel_in_gb18030_is_read(org, draft):
    text = ",".join(imports.HEADERS) + "\n" + ",".join(GOOD) + "\n"
    upload = SimpleUploadedFile("list.csv", text.encode("gb18030"))
    data = imports.load_upload(upload)
    report = services.list_import(version=draft, actor=org.editor, dataset=data)
    assert report.imported and draft.items.get(code="JB-010").title == "组织开展垃圾分类"


def test_a_file_without_the_required_columns_is_refused_with_a_hint():
    upload = SimpleUploadedFile("list.csv", "名称,类别\n占道,负面\n".encode())
    with pytest.raises(Exception) as exc:
        imports.load_upload(upload)
    assert "缺少必填列" in str(exc.value)


def test_export_of_a_version_can_be_imported_back_unchanged(org, published, draft):
    _duty_list, v1 = published
    exported = imports.dataset_for_items(v1.items.select_related("department"))
    data = imports.load_upload(SimpleUploadedFile("v1.xlsx", exported.export("xlsx")))
    report = services.list_import(version=draft, actor=org.editor, dataset=data, mode="replace")
    assert report.imported and not report.error_rows and report.removed == 0


def test_template_download_has_the_import_headers(org, draft, client_for):
    response = client_for(org.editor).get(reverse("responsibilities:import_template", args=["x-township", "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == imports.HEADERS
    response = client_for(org.reporter).get(reverse("responsibilities:import_template", args=["x-township", "xlsx"]))
    assert response.status_code == 403


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_chinese_and_english_labels_import_whatever_the_interface_language(org, draft, language):
    from django.utils import translation

    english_row = ["JB-011", "组织开展垃圾分类宣传", "Basic duty item", "Integrated law enforcement", "", "", "", "", "", ""]
    with translation.override(language):
        report = services.list_import(version=draft, actor=org.editor, dataset=dataset(GOOD, english_row))
    assert report.imported, [row.errors for row in report.error_rows]
    assert draft.items.get(code="JB-010").kind == "basic"
    assert draft.items.get(code="JB-011").category == "enforcement"
