"""An editor imports a spreadsheet with one bad row, sees the error, fixes it, previews the diff and publishes;
the public page then shows the new version."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADERS = None


def _xlsx(path, rows):
    import tablib

    from responsibilities.imports import HEADERS

    data = tablib.Dataset(headers=HEADERS)
    for row in rows:
        data.append(row)
    path.write_bytes(data.export("xlsx"))
    return str(path)


def test_editor_imports_fixes_previews_and_publishes(org, page, browser, live_server, login, shot, tmp_path):
    from tests.responsibilities.conftest import build_list

    build_list(org)
    good = ["JB-010", "组织开展垃圾分类宣传督导", "基本履职事项", "综合执法", "督导垃圾分类", "", "", "12", "3", "垃圾,垃圾分类"]
    bad = ["PH-010", "配合开展餐饮油烟治理", "配合履职事项", "综合执法", "", "", "", "24", "10", "油烟"]
    fixed = bad[:6] + ["示范县综合行政执法局"] + bad[7:]

    login(page, org.editor)
    page.goto(f"{live_server.url}/lists/edit/")
    shot(page, "lists-editor-index")
    page.get_by_role("button", name="新建草稿").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="第 2 版草稿").is_visible()
    page.get_by_role("link", name="从 Excel/CSV 导入").click()

    page.get_by_label("清单文件（.xlsx 或 .csv）").set_input_files(_xlsx(tmp_path / "bad.xlsx", [good, bad]))
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_load_state()
    # The import job's page (the task runs eagerly in tests, so it has finished by the time it is shown).
    assert page.get_by_role("heading", name="导入进度：bad.xlsx").is_visible()
    assert page.get_by_role("heading", name="文件有错误，没有导入任何事项").is_visible()
    assert page.get_by_text("配合履职事项和负面清单事项必须填写牵头/责任部门。").is_visible()
    assert page.get_by_role("cell", name="第 3 行").is_visible()
    shot(page, "lists-import-error")
    # The editor chooses to import the valid row now ...
    page.get_by_role("button", name="仍导入其余 1 个有效行").click()
    page.wait_for_load_state()
    assert page.get_by_text("导入完成：新增 1 项，更新 0 项，删除 0 项。 已跳过 1 个错误行。").is_visible()
    shot(page, "lists-import-job-done")

    # ... and the fixed file afterwards.
    page.get_by_role("link", name="批量导入").click()
    page.get_by_label("清单文件（.xlsx 或 .csv）").set_input_files(_xlsx(tmp_path / "fixed.xlsx", [good, fixed]))
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_load_state()
    assert page.get_by_text("导入完成：新增 1 项，更新 1 项").is_visible()
    page.get_by_role("link", name="返回草稿").click()
    page.wait_for_load_state()
    shot(page, "lists-draft-after-import")

    page.get_by_role("link", name="预览差异并发布").click()
    page.wait_for_load_state()
    assert page.get_by_text("新增 2 项，删除 0 项，修改 0 项。").is_visible()
    page.get_by_label("生效日期").fill("2026-07-01")
    page.get_by_label("修订说明").fill("新增垃圾分类和油烟治理事项")
    shot(page, "lists-publish-confirm")
    page.get_by_role("button", name="确认发布").click()
    page.wait_for_load_state()
    # Without the confirmation tick nothing is published.
    assert page.get_by_text("请先核对变更并勾选确认，再发布。").is_visible()
    page.get_by_label("我已核对上面的变更，确认发布").check()
    page.get_by_role("button", name="确认发布").click()
    page.wait_for_load_state()
    assert page.get_by_text("已发布第 2 版，公众页面已更新。").is_visible()

    visitor = browser.new_context(locale="zh-CN").new_page()
    visitor.goto(f"{live_server.url}/lists/x-township/")
    assert "第 2 版" in visitor.locator(".version-line").inner_text()
    assert visitor.get_by_role("link", name="配合开展餐饮油烟治理").is_visible()
    shot(visitor, "lists-public-after-publish")
    visitor.context.close()


def _running_job(org):
    from responsibilities import services
    from responsibilities.models import ImportJob, ImportJobStatus
    from tests.responsibilities.conftest import build_list

    duty_list, _version = build_list(org)
    draft = services.list_draft_start(duty_list=duty_list, actor=org.editor)
    job = ImportJob.objects.create(
        version=draft, created_by=org.editor, filename="全县清单.xlsx", content=b"x",
        status=ImportJobStatus.VALIDATING, rows_total=2400, rows_processed=600,
        row_errors=[{"row": 41, "code": "JB-0040", "title": "事项40", "errors": ["事项类别“x”无效"]}],
    )
    return duty_list, job


DONE = {"status": "imported", "rows_processed": 2400, "result": {"created": 2399, "updated": 0, "removed": 0, "skipped": 1}}


def test_a_running_import_job_shows_its_progress_as_it_comes_and_the_result(org, page, live_server, login, shot):
    from responsibilities.models import ImportJob
    from tests.browser.axe import assert_accessible

    duty_list, job = _running_job(org)
    login(page, org.editor)
    page.goto(f"{live_server.url}/lists/edit/{duty_list.code}/draft/import/jobs/{job.pk}/")
    assert page.get_by_role("heading", name="正在检查").is_visible()
    assert page.locator("progress").get_attribute("value") == "25"
    assert page.get_by_text("已检查 600 / 2400 行，已发现 1 个错误行").is_visible()
    assert page.get_by_role("cell", name="第 41 行").is_visible()
    assert_accessible(page)
    shot(page, "lists-import-job-running")
    ImportJob.objects.filter(pk=job.pk).update(rows_processed=1200)
    page.get_by_text("已检查 1200 / 2400 行").wait_for(timeout=6000)  # moved in place by the status poll
    assert page.locator("progress").evaluate("el => el.value") == 50
    ImportJob.objects.filter(pk=job.pk).update(**DONE)
    page.get_by_text("导入完成：新增 2399 项").wait_for(timeout=6000)  # reloaded once finished
    assert page.get_by_role("link", name="返回草稿").is_visible()


def test_without_script_the_job_page_refreshes_itself(org, browser, live_server, login):
    from responsibilities.models import ImportJob

    duty_list, job = _running_job(org)
    context = browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    login(page, org.editor)
    page.goto(f"{live_server.url}/lists/edit/{duty_list.code}/draft/import/jobs/{job.pk}/")
    assert page.get_by_text("已检查 600 / 2400 行").is_visible()
    ImportJob.objects.filter(pk=job.pk).update(**DONE)
    page.get_by_text("导入完成：新增 2399 项").wait_for(timeout=8000)
    context.close()
