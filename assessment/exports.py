"""Excel export of a report (assessment.selectors.report): ranking and figures on the first sheets, the score
formula and every exemption on the "公式与免责" sheet, the 失职 list on the last."""

from io import BytesIO

from django.utils.translation import gettext as _

from assessment import figures


def _value(cell):
    if not cell:
        return None
    return cell.get("value")


def report_workbook(data, close=None):
    from openpyxl import Workbook  # on first export, not at import (worker memory, issue 15)
    from openpyxl.styles import Font

    wb = Workbook()
    first = True
    for scope, title in (("department", _("部门")), ("township", _("乡镇（街道）"))):
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = title
        metrics = figures.metrics_for(scope)
        header = [_("名次"), _("单位"), _("综合得分")] + [str(m.label) + ("（%）" if m.fmt == "rate" else "")
                                                          for m in metrics]
        header += [f"{label}（{_('平均')}，{_('小时')}）" for _f, label in figures.HOURS[scope]]
        header += [f"{label}（P90，{_('小时')}）" for _f, label in figures.HOURS[scope]]
        if scope == "department":
            header += [str(label) for _f, label in figures.SUMS]
        ws.append([f"{data['county_name']} · {data['period']}" + (f" · {_('已关账')}" if close else "")])
        ws.append(header)
        for c in ws[2]:
            c.font = Font(bold=True)
        for r in data[scope]:
            row = [r["position"], r["name"], r["score"]] + [_value(r["figures"].get(m.key)) for m in metrics]
            row += [r["hours"].get(f, {}).get("avg") for f, _l in figures.HOURS[scope]]
            row += [r["hours"].get(f, {}).get("p90") for f, _l in figures.HOURS[scope]]
            if scope == "department":
                row += [r["sums"].get(f, 0) for f, _l in figures.SUMS]
            ws.append(row)
    ws = wb.create_sheet(_("公式与免责"))
    formula = data["formula"]
    ws.append([_("考核公式（第 %(v)s 版）") % {"v": formula["version"]}])
    ws.append([_("部门综合得分"), formula["department"]])
    ws.append([_("乡镇综合得分"), formula["township"]])
    ws.append([_("说明"), _("比率类指标按百分数计；重办率、退回率越低越好，按（100−比率）计；没有案件的指标不参与加权。"
                          "免责的事项计入受理数，但不计入任何比率和失职。")])
    ws.append([])
    ws.append([_("免责事项")])
    ws.append([_("案件编号"), _("标题"), _("单位"), _("免责理由")])
    for c in ws[ws.max_row]:
        c.font = Font(bold=True)
    for e in data["exemptions"]:
        ws.append([e["number"], e["title"], e["body_name"], e["reason"]])
    ws = wb.create_sheet(_("失职追责"))
    ws.append([_("案件编号"), _("标题"), _("单位")])
    for e in data["missed"]:
        ws.append([e["number"], e["title"], e["body_name"]])
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
