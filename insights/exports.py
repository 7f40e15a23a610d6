"""The quarterly report of policy jams to Excel (insights.selectors.quarter_report), like assessment's export:
the findings, the proposals drawn from them with where each stands, and the trend per detector per month."""

from io import BytesIO

from django.utils.translation import gettext as _


def _header(ws, row):
    from openpyxl.styles import Font

    ws.append(row)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)


def quarter_workbook(data):
    from openpyxl import Workbook  # on first export, not at import (worker memory, issue 15)

    wb = Workbook()
    ws = wb.active
    ws.title = _("堵点")
    ws.append([_("%(county)s 政策堵点季度报告（%(start)s 至 %(end)s）") % {
        "county": data["county"].display_name, "start": data["start"].isoformat(),
        "end": data["end"].isoformat()}])
    ws.append([_("堵点 %(f)s 条，修订建议 %(p)s 条，已采纳 %(a)s 条，已随新版清单发布 %(pub)s 条") % {
        "f": len(data["findings"]), "p": len(data["proposals"]), "a": data["accepted"], "pub": data["published"]}])
    _header(ws, [_("月份"), _("发现类型"), _("事项编码"), _("事项名称"), _("相关单位"), _("权重"), _("说明"),
                 _("涉及案件数"), _("修订建议"), _("是否仍成立")])
    for f in data["findings"]:
        ws.append([f.period_start.strftime("%Y-%m"), f.get_detector_display(), f.item_code, f.item_title,
                   f.unit.display_name if f.unit else "", f.weight, f.summary, len(f.case_ids),
                   "；".join(f"{p.number} {p.outcome}" for p in f.revisions),
                   _("否") if f.lapsed_at else _("是")])
    ws = wb.create_sheet(_("修订建议"))
    _header(ws, [_("建议编号"), _("清单"), _("修订类型"), _("事项编码"), _("状态"), _("提出单位"), _("提出时间"),
                 _("理由"), _("审核意见")])
    for p in data["proposals"]:
        ws.append([p.number, p.duty_list.name, p.get_kind_display(), p.item_code, p.outcome,
                   p.proposer_unit.display_name if p.proposer_unit else "", p.created_at.strftime("%Y-%m-%d"),
                   p.reason, p.review_reason])
    ws = wb.create_sheet(_("趋势"))
    trends = data["trends"]
    _header(ws, [_("月份")] + [label for _code, label in trends["detectors"]] + [_("合计")])
    for row in trends["rows"]:
        ws.append([row["month"], *row["counts"], row["total"]])
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
