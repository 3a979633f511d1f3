"""Issue 15's journey in a real browser: the 督查室 imports the district's table (preview, then confirm), a
responsible unit writes its progress from its own task list, and the office's export shows that progress
in the table's own layout."""

import io
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from renewal.choices import Role
from tests.e2e.browser import click_nav
from tests.factories import PASSWORD, user
from tests.supervision.helpers import TITLE, make_units, table_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROGRESS = "截至目前，片区更新方案已形成初稿,正在征求各部门意见；下一步，报区政府专题会审议。"


def test_office_imports_unit_reports_export_shows_it(page, login, logout, live_server, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    units = make_units()
    office = user(Role.SUPERVISION, username="duchashi")
    town = user(Role.ENTITY, username="xueyuanlu", organization=units["学院路街道办事处"])
    source = tmp_path / "督查表.xlsx"
    source.write_bytes(table_bytes())

    login(page, office.username, PASSWORD)
    click_nav(page, "supervision:board")
    page.click("[data-testid=import]")
    page.set_input_files("#id_file", str(source))
    page.click("text=上传并预览")
    expect(page.locator("[data-testid=title]")).to_have_text(TITLE)
    expect(page.locator("[data-testid=preview] tbody tr")).to_have_count(3)
    page.click("[data-testid=commit]")
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator("[data-testid=tasks] tbody tr[data-task]")).to_have_count(3)
    logout(page)

    login(page, town.username, PASSWORD)
    click_nav(page, "supervision:my_tasks")
    rows = page.locator("[data-testid=tasks] tbody tr[data-task]")
    expect(rows).to_have_count(1)
    rows.first.locator("a").first.click()
    page.fill("#id_text", PROGRESS)
    page.click("[data-testid=progress-form] button[type=submit]")
    expect(page.locator("[data-testid=entries] li").first).to_contain_text(PROGRESS)
    logout(page)

    login(page, office.username, PASSWORD)
    click_nav(page, "supervision:board")
    page.click(f"[data-testid=lists] a:has-text('{TITLE}')")
    with page.expect_download() as info:
        page.click("[data-testid=export]")
    sheet = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).worksheets[0]
    assert sheet["A1"].value == TITLE
    assert [c.value for c in sheet[2]] == [
        "序号",
        "任务来源",
        "任务内容/督查事项",
        "主责单位",
        "完成时限",
        "进展情况",
    ]
    assert sheet["A4"].value == 2 and sheet["F4"].value == PROGRESS
    assert sheet["D4"].value == "学院路街道办事处\n 市规划自然资源委海淀分局 "
