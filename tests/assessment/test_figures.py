"""Figures on a hand-built month (June 2026, no holidays in the week used) against values computed by hand,
the closed month frozen against later events, the exemption flow's effect on the figures, the Excel export."""

from datetime import date
from io import BytesIO

import pytest

from assessment import figures, selectors, services
from assessment.facts import refresh_county
from assessment.models import CaseFact, FrozenFact, MonthClose
from assessment.permissions import viewer_for
from cases import services as case_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def june(org, lists, at, report_case):
    """Four cases reported in the week of Monday 2026-06-08 (office hours 9:00–17:00):
    A  assigned Mon 10:00, claimed Mon 11:00 (1 h), resolved Wed 11:00 (16 h), satisfied Wed 12:00.
    B  assigned Mon 09:30, claimed Thu 10:00 (24.5 h > 12 h: late), never resolved (late by 06-30).
    C  returned to the township as its own basic duty.
    D  assigned Tue 09:00, info asked Tue 10:00, answered Wed 10:00 (8 h paused), claimed Wed 11:00
       (10 h - 8 h = 2 h), never resolved (late by 06-30)."""
    def step(when, fn, **kw):
        with at(when):
            return fn(**kw)

    with at("2026-06-08 09:00"):
        a, b, c = report_case("A 油烟"), report_case("B 油烟"), report_case("C 垃圾")
    with at("2026-06-09 08:30"):
        d = report_case("D 油烟")
    a = step("2026-06-08 10:00", case_services.case_assign, case=a, actor=org.dispatcher, list_item=lists.assisting)
    b = step("2026-06-08 09:30", case_services.case_assign, case=b, actor=org.dispatcher, list_item=lists.assisting)
    c = step("2026-06-08 10:00", case_services.case_return, case=c, actor=org.dispatcher, list_item=lists.basic,
         reason="属街道职责")
    a = step("2026-06-08 11:00", case_services.case_claim, case=a, actor=org.officer)
    a = step("2026-06-10 11:00", case_services.case_resolve, case=a, actor=org.officer, note="已整改")
    a = step("2026-06-10 12:00", case_services.case_feedback, case=a, actor=org.reporter, rating="satisfied")
    b = step("2026-06-11 10:00", case_services.case_claim, case=b, actor=org.officer)
    d = step("2026-06-09 09:00", case_services.case_assign, case=d, actor=org.dispatcher, list_item=lists.assisting)
    d = step("2026-06-09 10:00", case_services.case_request_info, case=d, actor=org.officer, question="请补充具体门牌号")
    d = step("2026-06-10 10:00", case_services.case_answer_info, case=d, actor=org.reporter, answer="解放路90号")
    d = step("2026-06-10 11:00", case_services.case_claim, case=d, actor=org.officer)
    return {"a": a, "b": b, "c": c, "d": d}


def _report(user, value="2026-06"):
    viewer = viewer_for(user)
    data, close = selectors.report(viewer, figures.parse_period({"period": "month", "value": value},
                                                                 date(2026, 7, 2)))
    rows = {r["id"]: r for r in data["department"] + data["township"]}
    return data, rows, close


def test_hand_built_month(org, june, at, lists):
    with at("2026-06-30 12:00"):
        data, rows, _close = _report(org.supervisor)
    dept, town = rows[org.dept.pk], rows[org.township.pk]
    f = dept["figures"]
    assert f["received"]["n"] == 3
    assert (f["claim_on_time"]["n"], f["claim_on_time"]["d"], f["claim_on_time"]["value"]) == (2, 3, 66.7)
    assert (f["resolution_rate"]["n"], f["resolution_rate"]["d"]) == (1, 3)
    assert (f["on_time_resolution"]["n"], f["on_time_resolution"]["d"]) == (1, 3)
    assert f["satisfaction"]["value"] == 100.0
    assert f["missed"]["n"] == 2
    # Response hours: A 1, B 24.5, D 2 (the 8 paused hours are not the department's).
    assert dept["hours"]["response_hours"]["avg"] == pytest.approx((1 + 24.5 + 2) / 3, abs=0.1)
    assert dept["hours"]["response_hours"]["p90"] == 24.5
    assert dept["hours"]["resolution_hours"]["avg"] == 16.0
    t = town["figures"]
    assert t["whistled"]["n"] == 4
    assert (t["return_rate"]["n"], t["return_rate"]["d"], t["return_rate"]["value"]) == (1, 4, 25.0)
    assert t["feedback_on_time"]["value"] == 100.0
    # D's township fact is exempt (an assisting item whose lead department missed its deadline), so its 8 hours
    # of answering are on the fact but out of the township's averages.
    fact = CaseFact.objects.get(case=june["d"], role="township")
    assert fact.info_answer_hours == 8.0 and fact.exempt_code == "auto:lead_failed_on_assisting_item"
    assert town["hours"]["info_answer_hours"]["avg"] is None
    assert t["exempt"]["n"] == 2  # B and D
    assert {m["number"] for m in data["missed"]} == {june["b"].number, june["d"].number}
    # Score: weighted mean of the rates, shown with its formula.
    w = figures.DEFAULT_WEIGHTS["department"]
    expected = (w["claim_on_time"] * 66.7 + w["on_time_resolution"] * 33.3 + w["resolution_rate"] * 33.3
                + w["satisfaction"] * 100 + w["reopen_rate"] * 100) / sum(w.values())
    assert dept["score"] == pytest.approx(expected, abs=0.05)
    assert "按时办结率" in data["formula"]["department"]
    # Per list item (the three cases of the assisting item; the returned one has no department).
    item = next(i for i in data["items"] if i["id"] == lists.assisting.pk)
    assert item["figures"]["received"]["n"] == 3 and item["figures"]["on_time_resolution"]["d"] == 3


def test_approved_exemption_leaves_the_rates_and_is_shown_with_its_reason(org, june, at, media_root):
    with at("2026-06-20 10:00"):
        request = services.exemption_request(actor=org.officer, case=june["d"], body=org.dept, reason="not_delegated",
                                             text="所需的查封扣押权未下放到本局。")
    with at("2026-06-22 10:00"):
        services.exemption_decide(actor=org.assessor, request=request, approve=True, note="经核实，权限未下放。")
    with at("2026-06-30 12:00"):
        data, rows, _close = _report(org.supervisor)
    f = rows[org.dept.pk]["figures"]
    assert f["received"]["n"] == 3  # still received
    assert (f["claim_on_time"]["n"], f["claim_on_time"]["d"]) == (2, 3)  # D was claimed on time: it still counts
    assert (f["on_time_resolution"]["n"], f["on_time_resolution"]["d"]) == (1, 2)
    assert f["missed"]["n"] == 1 and f["exempt"]["n"] == 1
    exempt = [e for e in data["exemptions"] if e["body"] == org.dept.pk]
    assert exempt[0]["number"] == june["d"].number and "所需权限未下放" in exempt[0]["reason"]


def test_closed_month_is_unchanged_by_later_events_and_reopening_is_recorded(org, june, at):
    with at("2026-07-02 10:00"):
        before, rows_before, _ = _report(org.assessor)
        close = services.month_close(actor=org.assessor, county=org.county, month=date(2026, 6, 1))
    assert FrozenFact.objects.filter(close=close).count() == CaseFact.objects.filter(day__month=6).count()
    with at("2026-07-03 10:00"):
        case_services.case_resolve(case=june["b"], actor=org.officer, note="七月办结")
    with at("2026-07-04 10:00"):
        after, rows_after, closed = _report(org.assessor)
        assert closed is not None
        assert rows_after[org.dept.pk]["figures"] == rows_before[org.dept.pk]["figures"]
        # Live facts moved on; the drill-down of the closed month still reads the frozen ones.
        refresh_county(org.county)
        assert CaseFact.objects.get(case=june["b"], body=org.dept).resolved is True
        viewer = viewer_for(org.assessor)
        period = figures.parse_period({"period": "month", "value": "2026-06"}, date(2026, 7, 4))
        _m, qs, _r, _c = selectors.drilldown_cases(org.assessor, viewer, period, org.dept, "resolution_rate")
        assert [c.pk for c in qs] == [june["a"].pk]
        with pytest.raises(services.AssessmentConflict):
            services.month_close(actor=org.assessor, county=org.county, month=date(2026, 6, 1))
        with pytest.raises(Exception):
            services.month_reopen(actor=org.assessor, county=org.county, month=date(2026, 6, 1), reason=" ")
        services.month_reopen(actor=org.assessor, county=org.county, month=date(2026, 6, 1), reason="数据更正")
        _live, rows_live, closed = _report(org.assessor)
        assert closed is None and rows_live[org.dept.pk]["figures"]["resolution_rate"]["n"] == 2
    assert MonthClose.objects.get(pk=close.pk).reopening.reason == "数据更正"


def test_closed_month_rows_are_immutable_in_the_database(org, june, at):
    from django.db import DatabaseError, transaction

    with at("2026-07-02 10:00"):
        close = services.month_close(actor=org.assessor, county=org.county, month=date(2026, 6, 1))
    for action in (lambda: MonthClose.objects.filter(pk=close.pk).update(snapshot={}),
                   lambda: MonthClose.objects.filter(pk=close.pk).delete(),
                   lambda: FrozenFact.objects.filter(close=close).update(missed=False)):
        with pytest.raises(DatabaseError), transaction.atomic():
            action()


def test_formula_is_versioned_and_a_closed_month_keeps_its_version(org, june, at):
    with at("2026-07-02 10:00"):
        close = services.month_close(actor=org.assessor, county=org.county, month=date(2026, 6, 1))
        new = services.formula_set(actor=org.assessor, county=org.county, weights={
            "department": {"claim_on_time": 100}, "township": {"feedback_on_time": 1}}, note="只看签收")
        assert new.version == 2
        data, rows, closed = _report(org.assessor)
        assert data["formula"]["version"] == 1 == close.formula.version
        with pytest.raises(services.ValidationError):
            services.formula_set(actor=org.assessor, county=org.county, weights={"department": {"claim_on_time": 900}})
        with pytest.raises(services.AssessmentDenied):
            services.formula_set(actor=org.supervisor, county=org.county, weights=figures.DEFAULT_WEIGHTS)


def test_excel_has_figures_and_formula_with_exemptions_on_the_second_sheet(org, june, at, client_for, media_root):
    from openpyxl import load_workbook

    with at("2026-06-20 10:00"):
        request = services.exemption_request(actor=org.officer, case=june["d"], body=org.dept, reason="force_majeure",
                                             text="暴雨。")
        services.exemption_decide(actor=org.assessor, request=request, approve=True, note="属实")
    with at("2026-06-30 12:00"):
        response = client_for(org.supervisor).get("/assessment/export.xlsx?period=month&value=2026-06")
    assert response.status_code == 200
    wb = load_workbook(BytesIO(response.content))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[2]]
    dept_row = next(r for r in ws.iter_rows(min_row=3, values_only=True) if r[1] == org.dept.display_name)
    assert dept_row[header.index("签收及时率（%）")] == 66.7
    assert dept_row[header.index("按时办结率（%）")] == 50.0
    sheet = wb["公式与免责"]
    text = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert any("按时办结率" in str(c) for c in text)
    assert june["d"].number in text and any("不可抗力" in str(c) for c in text)


def test_sqlite_triggers_keep_the_closed_month_immutable():
    """The embedded local mode (SQLite): migration 0002's SQLite triggers refuse UPDATE and DELETE too."""
    import sqlite3
    from importlib import import_module
    from types import SimpleNamespace

    migration = import_module("assessment.migrations.0002_append_only_triggers")
    db = sqlite3.connect(":memory:")
    for table in migration.TABLES:
        db.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, x TEXT)")
    editor = SimpleNamespace(connection=SimpleNamespace(vendor="sqlite"), execute=lambda sql, params=None: db.execute(sql))
    migration.forward(None, editor)
    for table in migration.TABLES:
        db.execute(f"INSERT INTO {table} (x) VALUES ('a')")  # noqa: S608 - our table names
        for sql in (f"UPDATE {table} SET x = 'b'", f"DELETE FROM {table}"):  # noqa: S608
            with pytest.raises(sqlite3.IntegrityError):
                db.execute(sql)


def test_daily_rollup_task_and_live_refresh_give_the_same_figures(org, june, at):
    """The month from the daily rollups (the Celery task, each day of June run twice) equals the month brought
    up to the audit log by the pages' refresh (watermark), figure for figure."""
    from datetime import timedelta

    from assessment import tasks

    period = figures.month_period(date(2026, 6, 1))
    formula = services.formula_in_force(org.county)
    with at("2026-06-30 12:00"):
        refresh_county(org.county)
        live = selectors.build_report(org.county, period, selectors.facts_for(org.county, period), formula)
        live_rows = sorted(CaseFact.objects.values_list("case_id", "body_id", "role", "missed", "exempt_code"))
        CaseFact.objects.all().delete()
        for _run in range(2):
            day = period.start
            while day <= period.end:
                tasks.rollup_day(day.isoformat())
                day += timedelta(days=1)
        rolled = selectors.build_report(org.county, period, selectors.facts_for(org.county, period), formula)
    assert sorted(CaseFact.objects.values_list("case_id", "body_id", "role", "missed", "exempt_code")) == live_rows
    assert rolled == live
    assert rolled["department"][0]["figures"]["received"]["n"] == 3  # not two empty reports
