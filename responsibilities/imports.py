"""Spreadsheets in and out (tablib: xlsx through openpyxl, and CSV).

One column layout serves the export, the import template and the import itself, so a published
version exported to Excel can be edited and imported into the next draft as it is.
"""

import io
import re
import zipfile
from dataclasses import dataclass, field

import tablib
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from governance.models import Unit, UnitKind
from responsibilities.models import ITEM_CODE_RE, Category, ItemKind, ListItem

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 3000
# An .xlsx is a zip: 1 MB can expand to hundreds of MB of XML. Its members' declared sizes are checked
# before anything is parsed, and the sheet is streamed (openpyxl read-only) and stops at MAX_ROWS.
MAX_DECOMPRESSED_BYTES = 40 * 1024 * 1024
# Rows read in all, blank ones included: a sheet of millions of empty rows stops here too.
MAX_SCANNED_ROWS = MAX_ROWS * 5
# An import job records its progress every this many rows.
PROGRESS_EVERY = 100

# (header, item field). Headers are the same in every language: they are a file format.
COLUMNS = [
    ("编码", "code"),
    ("事项名称", "title"),
    ("事项类别", "kind"),
    ("四平台分类", "category"),
    ("事项内容", "description"),
    ("法律（政策）依据", "legal_basis"),
    ("牵头/责任部门", "department"),
    ("响应时限（小时）", "response_hours"),
    ("办结时限（工作日）", "resolution_days"),
    ("关键词", "keywords"),
]
HEADERS = [h for h, _f in COLUMNS]
REQUIRED = {"code", "title", "kind", "category"}

# Accepted spellings of a kind, beyond the code and the full label.
KIND_ALIASES = {
    "基本": ItemKind.BASIC, "基本履职": ItemKind.BASIC, "基本履职事项": ItemKind.BASIC,
    "配合": ItemKind.ASSISTING, "配合履职": ItemKind.ASSISTING, "配合履职事项": ItemKind.ASSISTING,
    "负面": ItemKind.NEGATIVE, "负面清单": ItemKind.NEGATIVE, "上级部门收回事项": ItemKind.NEGATIVE,
    "上级部门收回事项（负面清单）": ItemKind.NEGATIVE,
}


@dataclass
class RowResult:
    row: int  # the spreadsheet row number people see (the header is row 1)
    code: str
    title: str
    fields: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)


def _lookup(choices, aliases=None):
    """Code or label -> value. Labels are accepted in every interface language, so a file exported
    or filled in under one language imports under the other."""
    table = {}
    for value, label in choices:
        table[str(value).lower()] = value
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                table[str(label)] = value
                table[str(label).lower()] = value
    table.update(aliases or {})
    return table


# A cell starting with one of these is run as a formula by Excel/WPS (CSV and XLSX injection): exported
# text cells get a leading apostrophe, which the import removes again so a round trip keeps the text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def dataset_for_items(items, title="清单"):
    data = tablib.Dataset(headers=HEADERS, title=title[:31])
    for item in items:
        data.append([neutralise(value) for value in [
            item.code, item.title, item.get_kind_display(), item.get_category_display(), item.description,
            # The full official name, as the list is printed and filed (an import accepts it, the code or the short name).
            item.legal_basis, item.department.name if item.department_id else "",
            item.response_hours if item.response_hours is not None else "",
            item.resolution_days if item.resolution_days is not None else "", item.keywords,
        ]])
    return data


def template_dataset():
    """The import template: the headers and two example rows showing how kinds and departments are written."""
    data = tablib.Dataset(headers=HEADERS, title="清单事项")
    data.append(["JB-001", "组织开展网格化管理", "基本履职事项", "综治工作", "划分网格，配备网格员，开展日常巡查",
                 "《示范省网格化服务管理条例》第十条", "", 24, 5, "网格,巡查"])
    data.append(["FM-001", "违法建设查处", "上级部门收回事项（负面清单）", "综合执法", "对违法建设立案查处",
                 "《中华人民共和国城乡规划法》第六十四条", "示范县综合行政执法局", 24, 15, "违建,违法建设"])
    return data


def export_bytes(dataset, fmt):
    if fmt == "xlsx":
        return dataset.export("xlsx")
    # A byte-order mark so that Excel on Windows opens the Chinese text correctly.
    return ("\ufeff" + dataset.export("csv")).encode("utf-8")


def _too_many_rows():
    return ValidationError(_("一次最多导入 %(n)s 行。") % {"n": MAX_ROWS})


def _sheet_rows(sheet):
    return sheet.iter_rows(values_only=True)


def _open_xlsx(raw):
    """The zip checks of an .xlsx: readable, and not expanding past MAX_DECOMPRESSED_BYTES."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise ValidationError(_("文件无法读取，请使用下载的模板填写后再上传。")) from None
    if expanded > MAX_DECOMPRESSED_BYTES:
        raise ValidationError(_("文件解压后过大（上限 %(mb)s MB），请只保留清单事项后再上传。")
                              % {"mb": MAX_DECOMPRESSED_BYTES // (1024 * 1024)})


def _load_xlsx(raw, on_row=None, headers_only=False):
    """The first sheet of an .xlsx as a Dataset, refusing a zip bomb and stopping at the row limit."""
    _open_xlsx(raw)
    import openpyxl  # on first import of a sheet, not at module import (worker memory, issue 15)

    workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    try:
        rows = _sheet_rows(workbook.worksheets[0])
        headers = list(next(rows, None) or [])
        data = tablib.Dataset(headers=[str(h or "").strip() for h in headers])
        if headers_only:
            return data
        width, kept = len(headers), 0
        for scanned, row in enumerate(rows, start=1):
            if scanned > MAX_SCANNED_ROWS:
                raise _too_many_rows()
            if on_row is not None and scanned % PROGRESS_EVERY == 0:
                on_row(scanned)
            if not any(value not in (None, "") for value in row):
                continue
            kept += 1
            if kept > MAX_ROWS:
                raise _too_many_rows()
            row = list(row[:width]) + [None] * (width - len(row))
            data.append(row)
        return data
    finally:
        workbook.close()


def _csv_text(raw):
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GB18030 by default
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(_("无法识别 CSV 文件的编码，请另存为 UTF-8 编码。"))


def _parse(name, raw, on_row=None, headers_only=False):
    name = (name or "").lower()
    try:
        if name.endswith(".xlsx"):
            data = _load_xlsx(raw, on_row=on_row, headers_only=headers_only)
        elif name.endswith(".csv"):
            text = _csv_text(raw)
            if text.count("\n") > MAX_SCANNED_ROWS:
                raise _too_many_rows()
            if headers_only:
                text = text.split("\n", 1)[0]
            data = tablib.Dataset().load(text, format="csv")
        else:
            raise ValidationError(_("只支持 Excel（.xlsx）和 CSV（.csv）文件。"))
    except ValidationError:
        raise
    except Exception:  # noqa: BLE001 - any parser failure is a bad file to the person uploading it
        raise ValidationError(_("文件无法读取，请使用下载的模板填写后再上传。"))
    headers = [str(h or "").strip() for h in (data.headers or [])]
    missing = [h for h, f in COLUMNS if f in REQUIRED and h not in headers]
    if missing:
        raise ValidationError(_("缺少必填列：%(cols)s。请使用下载的模板。") % {"cols": "、".join(missing)})
    if len(data) > MAX_ROWS:
        raise _too_many_rows()
    data.headers = headers
    return data


def check_upload(uploaded):
    """The checks made in the request before an import job is queued: size, type, encoding, zip
    expansion and the header row (read alone, so a large sheet is not parsed here). Returns the bytes."""
    if uploaded.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("文件过大（上限 5 MB）。"))
    raw = uploaded.read()
    _parse(uploaded.name, raw, headers_only=True)
    return raw


def load_bytes(name, raw, on_row=None):
    """Read a spreadsheet's bytes into a tablib.Dataset; ValidationError (Chinese) when unreadable.
    `on_row(n)` is called every PROGRESS_EVERY rows read from an .xlsx (the import job's progress)."""
    if len(raw) > MAX_UPLOAD_BYTES:
        raise ValidationError(_("文件过大（上限 5 MB）。"))
    return _parse(name, raw, on_row=on_row)


def load_upload(uploaded):
    """Read an uploaded .xlsx or .csv into a tablib.Dataset; ValidationError (Chinese) when unreadable."""
    if uploaded.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("文件过大（上限 5 MB）。"))
    return load_bytes(uploaded.name, uploaded.read())


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        text = text[1:]  # the apostrophe neutralise() put before a formula-like cell
    return text


def _int(value, label, errors):
    text = _text(value)
    if not text:
        return None
    if not re.fullmatch(r"\d+", text):
        errors.append(_("%(label)s应为正整数，填写的是“%(value)s”。") % {"label": label, "value": text})
        return None
    return int(text)


def validate_rows(dataset, on_progress=None):
    """Check every row and return a RowResult per non-empty row, with Chinese error messages.

    `on_progress(rows_checked, results)` is called every PROGRESS_EVERY rows and at the end (the
    import job records rows processed and the row errors found so far)."""
    kinds = _lookup(ItemKind.choices, KIND_ALIASES)
    categories = _lookup(Category.choices)
    departments = {}
    for unit in Unit.objects.filter(kind=UnitKind.DEPARTMENT, is_active=True):
        for key in (unit.code, unit.name, unit.short_name):
            if key:
                departments.setdefault(key, unit)
    index = {h: n for n, h in enumerate(dataset.headers)}
    results, seen = [], {}
    for n, raw in enumerate(dataset, start=2):
        if on_progress is not None and (n - 2) and (n - 2) % PROGRESS_EVERY == 0:
            on_progress(n - 2, results)
        values = {f: (raw[index[h]] if h in index and index[h] < len(raw) else None) for h, f in COLUMNS}
        if not any(_text(v) for v in values.values()):
            continue  # blank line at the end of a sheet
        errors, fields = [], {}
        nul_columns = [h for h, f in COLUMNS if "\x00" in _text(values[f])]
        if nul_columns:
            # PostgreSQL text cannot hold NUL: the row is refused, naming the cells, instead of a 500.
            results.append(RowResult(row=n, code=_text(values["code"]).replace("\x00", ""), title="", errors=[
                _("“%(col)s”含有不允许的空字符（NUL）。") % {"col": header} for header in nul_columns]))
            continue
        code, title = _text(values["code"]), _text(values["title"])
        for header, name in COLUMNS:
            if name in REQUIRED and not _text(values[name]):
                errors.append(_("“%(col)s”不能为空。") % {"col": header})
        if code and not ITEM_CODE_RE.match(code):
            errors.append(_("编码“%(code)s”格式不正确：只能包含字母、数字、-、_ 和 .。") % {"code": code})
        elif code in seen:
            errors.append(_("编码“%(code)s”与第 %(row)s 行重复。") % {"code": code, "row": seen[code]})
        elif code:
            seen[code] = n
        kind = kinds.get(_text(values["kind"])) or kinds.get(_text(values["kind"]).lower())
        if _text(values["kind"]) and kind is None:
            errors.append(_("事项类别“%(v)s”无效，应为基本履职事项、配合履职事项或上级部门收回事项（负面清单）。") % {"v": _text(values["kind"])})
        category = categories.get(_text(values["category"])) or categories.get(_text(values["category"]).lower())
        if _text(values["category"]) and category is None:
            errors.append(_("四平台分类“%(v)s”无效，应为综治工作、市场监管、综合执法或便民服务。") % {"v": _text(values["category"])})
        department = None
        dept_text = _text(values["department"])
        if dept_text:
            department = departments.get(dept_text)
            if department is None:
                errors.append(_("找不到部门“%(v)s”，请填写系统中职能部门的全称、简称或编码。") % {"v": dept_text})
        elif kind in (ItemKind.ASSISTING, ItemKind.NEGATIVE):
            errors.append(_("配合履职事项和负面清单事项必须填写牵头/责任部门。"))
        response_hours = _int(values["response_hours"], _("响应时限（小时）"), errors)
        resolution_days = _int(values["resolution_days"], _("办结时限（工作日）"), errors)
        if len(title) > 300:
            errors.append(_("事项名称不能超过 300 个字。"))
        if len(code) > 32:
            errors.append(_("编码不能超过 32 个字符。"))
        fields = {
            "code": code, "title": title, "kind": kind, "category": category,
            "description": _text(values["description"]), "legal_basis": _text(values["legal_basis"]),
            "department": department, "response_hours": response_hours, "resolution_days": resolution_days,
            "keywords": _text(values["keywords"])[:300],
        }
        if not errors:
            # The model's own rules (limits, department kind) as a last check.
            try:
                ListItem(**fields).clean()
            except ValidationError as exc:
                errors.extend(m for msgs in exc.message_dict.values() for m in msgs)
        results.append(RowResult(row=n, code=code, title=title, fields=fields, errors=errors))
    if on_progress is not None:
        on_progress(len(dataset), results)
    return results
