"""Issue 13 / issue 10 follow-ups in a real browser: staff upload a 入库项目清单, confirm it, land on the job
page that finishes the import in the background, download its result; then catalogue an imported project."""

import io

import openpyxl
import pytest
from playwright.sync_api import expect

from projects.models import Project
from renewal import demo as renewal_demo
from renewal.demo import DEMO_PASSWORD
from tests.e2e.browser import click_nav
from tests.projects import factories
from tests.projects.test_import import HAIDIAN_ROWS, workbook

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_import_as_a_job_then_catalogue(page, login, live_server, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    renewal_demo.load(io.StringIO())
    path = tmp_path / "海淀区入库清单.xlsx"
    path.write_bytes(workbook(HAIDIAN_ROWS))

    login(page, "hd_staff", DEMO_PASSWORD)
    click_nav(page, "projects:import_upload")
    page.set_input_files("input[type=file]", str(path))
    page.check("input[name=legal_basis][value=migration]")
    page.fill("input[name=basis_number]", "海城更发〔2025〕3号")
    page.fill("input[name=basis_date]", "2025-06-30")
    page.click("form[enctype] button[type=submit]")
    page.click("[data-testid=commit]")

    expect(page.locator("[data-testid=job-status]")).to_have_text("已完成", timeout=20_000)
    expect(page.locator("[data-testid=job-progress] .progress-bar")).to_have_text("100%")
    with page.expect_download() as info:
        page.click("[data-testid=job-download]")
    assert info.value.suggested_filename.endswith("_2个项目.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(info.value.path().read_bytes())).active
    assert [row[1] for row in sheet.iter_rows(min_row=3, values_only=True)] == [
        "HD-2025-001",
        "HD-2025-002",
        None,
    ]
    assert Project.objects.count() == 2

    project = Project.objects.get(code="HD-2025-001")
    sub_type = factories.sub_type("residential", 0)
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.click("[data-testid=catalogue-link]")
    form = page.locator("[data-testid=step-set_category] form")
    form.locator("select[name=category]").select_option(str(sub_type.category_id))
    form.locator("select[name=sub_type]").select_option(str(sub_type.pk))
    form.locator("textarea[name=reason]").fill("按清单备注编目")
    form.locator("button[type=submit]").click()
    expect(page.locator(".alert-success, .alert-info").first).to_contain_text("已编目")
    project.refresh_from_db()
    assert project.sub_type_id == sub_type.pk
