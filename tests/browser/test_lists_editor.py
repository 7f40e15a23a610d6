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
    assert page.get_by_role("heading", name="文件有错误，没有导入任何事项").is_visible()
    assert page.get_by_text("配合履职事项和负面清单事项必须填写牵头/责任部门。").is_visible()
    assert page.get_by_role("cell", name="第 3 行").is_visible()
    shot(page, "lists-import-error")

    page.get_by_label("清单文件（.xlsx 或 .csv）").set_input_files(_xlsx(tmp_path / "fixed.xlsx", [good, fixed]))
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_load_state()
    assert page.get_by_text("导入完成：新增 2 项").is_visible()
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
