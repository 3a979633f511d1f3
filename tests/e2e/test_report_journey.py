"""Issue 13's journey in a real browser: an auditor filters the ledger, starts the progress report, watches
the job finish, downloads the file; openpyxl reads back one row per project of the filtered ledger, the
totals tie to the ledger, the summary sheet matches; the workspace re-downloads it, logged again."""

import io
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from projects.choices import Stage
from projects.models import Project
from renewal import demo as renewal_demo
from renewal.demo import DEMO_PASSWORD
from renewal.models import AuditEvent
from tests.e2e.browser import click_nav
from tests.projects import factories
from tests.projects.factories import ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def read_download(page, click) -> openpyxl.Workbook:
    with page.expect_download() as info:
        click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    return openpyxl.load_workbook(io.BytesIO(download.path().read_bytes())), download.suggested_filename


def test_auditor_report_journey(page, login, live_server, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    renewal_demo.load(io.StringIO())  # the demo users (the projects' own demo is not needed here)
    for number, amount in enumerate(["12345.67", "800.00", "98765.43"]):
        ProjectFactory(
            name=f"片区更新{number}",
            category=factories.category("regional"),
            sub_type=factories.sub_type("regional", 0),
            stage=[Stage.SUBMITTED, Stage.RESERVE, Stage.REJECTED][number],
            total_investment=Decimal(amount),
        )
    ProjectFactory(name="居住类项目", total_investment=Decimal("500.00"))
    ProjectFactory(name="撤回的片区申请", category=factories.category("regional"), stage=Stage.WITHDRAWN)
    auditor = get_user_model().objects.get(username="hd_auditor")
    downloads = AuditEvent.objects.filter(action="job.download", actor=auditor)
    before = downloads.count()

    login(page, "hd_auditor", DEMO_PASSWORD)
    click_nav(page, "projects:project_list")
    page.select_option("#id_category", label="区域综合性")
    page.click("text=筛选")
    ledger_rows = page.locator("[data-testid=ledger] tbody tr[data-project]")
    expect(ledger_rows.first).to_be_visible()
    ledger_pks = [int(pk) for pk in ledger_rows.evaluate_all("rows => rows.map(r => r.dataset.project)")]
    assert len(ledger_pks) == 4
    ledger = Project.objects.filter(pk__in=ledger_pks).exclude(stage__in=[Stage.DRAFT, Stage.WITHDRAWN])
    assert ledger.count() == 3  # the withdrawn application is in the ledger, not in the report

    # The ledger's button starts the report with the current filters; the job page shows it finish.
    page.click("[data-testid=start-report]")
    expect(page.locator("[data-testid=job-status]")).to_have_text("已完成")
    expect(page.locator("[data-testid=job-progress] [role=progressbar]")).to_have_attribute(
        "aria-valuenow", "100"
    )
    workbook, filename = read_download(page, lambda: page.click("[data-testid=job-download]"))
    assert filename.startswith("海淀区城市更新项目进展情况表_")

    sheet = workbook["项目进展"]
    assert sheet["A2"].value == "筛选条件：类别：区域综合性"
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    projects = [row for row in rows if isinstance(row[0], int)]
    assert sorted(row[1] for row in projects) == sorted(p.code for p in ledger)
    total_column = [c.value for c in sheet[4]].index("总投资（亿元）")
    expected_total = sum(p.total_investment or 0 for p in ledger) / Decimal(10000)
    total_row = rows[-1]
    assert total_row[0] == "合计"
    assert Decimal(str(total_row[total_column])) == expected_total.quantize(Decimal("0.01"), ROUND_HALF_UP)
    for row in projects:
        project = next(p for p in ledger if p.code == row[1])
        assert Decimal(str(row[total_column])) == project.total_investment / Decimal(10000)

    summary = list(workbook["汇总"].iter_rows(min_row=5, values_only=True))
    by_stage = [r for r in summary if r[0] == "类别×阶段" and r[2] != "小计"]
    assert sum(r[3] for r in by_stage) == len(projects)
    assert summary[-1][0] == "合计" and summary[-1][3] == len(projects)
    assert summary[-1][4] == total_row[total_column]

    # The workspace lists the report; downloading it again is logged again.
    click_nav(page, "reports:workspace")
    row = page.locator("[data-testid=my-reports] tbody tr").first
    expect(row).to_contain_text("区城市更新项目进展情况表")
    read_download(page, lambda: row.locator("[data-testid=redownload]").click())
    assert downloads.count() == before + 2
    assert [event.data["rows"] for event in downloads.order_by("-pk")[:2]] == [len(projects)] * 2

    page.click("text=下载记录")
    expect(page.locator("[data-testid=downloads] tbody tr[data-event]")).to_have_count(before + 2)
    expect(page.locator("[data-testid=downloads]")).to_contain_text("类别：区域综合性")
