"""Issue 16, defects 2 and 3: a spreadsheet import cannot pin a web worker, and a NUL byte in a cell is a
row error rather than a 500."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from responsibilities import imports, services
from tests.responsibilities.conftest import build_list

pytestmark = pytest.mark.django_db

ROW_XML = '<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>JB-{n}</t></is></c></row>'


def sheet_xlsx(rows, *, header=True):
    """A minimal .xlsx, as a hostile client writes it: no <dimension>, inline strings, highly compressible."""
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>'
                    for i, h in enumerate(imports.HEADERS)) if header else ""
    body = f'<row r="1">{cells}</row>' + "".join(ROW_XML.format(n=n) for n in range(2, rows + 2))
    files = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
        '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
        'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
        'name="s" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument'
        '/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main"><sheetData>{body}</sheetData></worksheet>',
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return SimpleUploadedFile("bomb.xlsx", buffer.getvalue())


def test_the_minimal_xlsx_is_read(db):
    dataset = imports.load_upload(sheet_xlsx(3))
    assert [row[0] for row in dataset] == ["JB-2", "JB-3", "JB-4"]


def test_an_xlsx_that_expands_past_the_limit_is_refused_before_it_is_parsed(db, monkeypatch):
    upload = sheet_xlsx(60_000)
    assert upload.size < 1024 * 1024
    monkeypatch.setattr(imports, "MAX_DECOMPRESSED_BYTES", 1024 * 1024)
    import openpyxl

    monkeypatch.setattr(openpyxl, "load_workbook", None)  # proves the workbook is never opened
    with pytest.raises(ValidationError) as caught:
        imports.load_upload(upload)
    assert "解压后" in caught.value.messages[0]


def test_reading_stops_at_the_row_limit_while_streaming(db, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 100)
    read = []
    real = imports._sheet_rows

    def counting(sheet):
        for row in real(sheet):
            read.append(row)
            yield row

    monkeypatch.setattr(imports, "_sheet_rows", counting)
    with pytest.raises(ValidationError) as caught:
        imports.load_upload(sheet_xlsx(50_000))
    assert "100" in caught.value.messages[0]
    assert len(read) <= 102  # the header, 100 rows and the one that crossed the limit; not 50,000


def test_a_nul_byte_in_a_csv_cell_is_a_row_error(org):
    duty_list, _version = build_list(org)
    draft = services.list_draft_start(duty_list=duty_list, actor=org.editor)
    text = ",".join(imports.HEADERS) + "\r\nJB-090,垃圾\x00分类,基本履职事项,综合执法,,,,,,\r\n"
    dataset = imports.load_upload(SimpleUploadedFile("nul.csv", text.encode("utf-8")))
    report = services.list_import(version=draft, actor=org.editor, dataset=dataset)
    assert not report.imported
    [bad] = report.error_rows
    assert bad.row == 2
    assert any("空字符" in message for message in bad.errors)


def test_a_nul_byte_in_a_csv_cell_through_the_editor_page_is_not_a_500(
    org, client_for, django_capture_on_commit_callbacks
):
    duty_list, _version = build_list(org)
    services.list_draft_start(duty_list=duty_list, actor=org.editor)
    text = ",".join(imports.HEADERS) + "\r\nJB-090,垃圾\x00分类,基本履职事项,综合执法,,,,,,\r\n"
    client = client_for(org.editor)
    with django_capture_on_commit_callbacks(execute=True):  # the import job runs after the upload commits
        response = client.post(
            f"/lists/edit/{duty_list.code}/draft/import/",
            {"file": SimpleUploadedFile("nul\x00.csv", text.encode("utf-8")), "mode": "merge"},
        )
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 200
    assert "空字符".encode() in response.content
