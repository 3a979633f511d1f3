"""Permits pages and API: the checklist, start of works, monthly report form, who has not reported."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from permits import services
from permits.choices import Procedure
from permits.models import InvestmentMonth, MonthlyInvestmentReport
from projects.choices import Stage
from renewal.choices import DepartmentCode, OrganizationKind, Role
from tests.factories import OrganizationFactory, district, user
from tests.permits.helpers import Site
from tests.review.helpers import PDF

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(monkeypatch):
    def set_today(day):
        monkeypatch.setattr("renewal.calendar.today", lambda: day)

    set_today(datetime.date(2026, 3, 2))
    return set_today


def test_checklist_from_the_page(client, today):
    site = Site()
    works_url = reverse("permits:works", args=[site.project.pk])
    client.force_login(site.entity)
    response = client.get(works_url)
    assert response.status_code == 200 and "根据项目情况生成许可清单" in response.content.decode()
    response = client.post(
        reverse("permits:works_action", args=[site.project.pk, "propose"]),
        {"facade_works_in_designated_area": "on", "land_mode": ""},
    )
    assert response.status_code == 302
    html = client.get(works_url).content.decode()
    assert 'data-procedure="facade_permit"' in html and "无需办理（豁免）" in html
    # The entity may not confirm a line (403 with the reason); staff may.
    line = site.line(Procedure.FACADE_PERMIT)
    confirm = reverse("permits:line_action", args=[line.pk, "confirm"])
    assert client.post(confirm).status_code == 403
    client.force_login(site.staff)
    assert client.post(confirm).status_code == 302
    # Bad input: errors next to the field, 400.
    client.force_login(site.entity)
    grant = reverse("permits:line_action", args=[line.pk, "grant"])
    response = client.post(grant, {"document_number": "", "issued_on": "2026-13-01"})
    assert response.status_code == 400
    assert "请填写文号" in response.content.decode() and "办结日期格式应为" in response.content.decode()
    response = client.post(
        grant,
        {
            "document_number": "建字第110108202600001号",
            "issued_on": "2026-03-02",
            "issuing_body": "北京市规划和自然资源委员会海淀分局",
            "scan": SimpleUploadedFile("许可证.pdf", PDF),
        },
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.state == "granted" and line.attachments.count() == 1
    # The 开工 gate refuses with the list of what is missing (409, the message on the page).
    response = client.post(
        reverse("permits:works_action", args=[site.project.pk, "start_works"]), {"started_on": "2026-03-02"}
    )
    assert response.status_code == 409 and "办理要求尚未确认" in response.content.decode()


def test_start_and_monthly_report_prefilled(client, today):
    site = Site()
    site.propose()
    site.clear_all()
    client.force_login(site.entity)
    response = client.post(
        reverse("permits:works_action", args=[site.project.pk, "start_works"]),
        {"started_on": "2026-02-02", "planned_completion_on": "2026-12-31"},
    )
    assert response.status_code == 302
    site.project.refresh_from_db()
    assert site.project.stage == Stage.CONSTRUCTION
    feb, mar = InvestmentMonth.objects.filter(project=site.project).order_by("month")
    month_url = reverse("permits:month", args=[feb.pk])
    response = client.post(month_url, {"invested": "-1", "progress_text": ""})
    assert response.status_code == 400 and "不能为负数" in response.content.decode()
    response = client.post(
        month_url,
        {
            "invested": "150",
            "progress_text": "基础施工",
            "problems": "雨季",
            "photo": SimpleUploadedFile("p.png", PNG),
        },
    )
    assert response.status_code == 302
    html = client.get(reverse("permits:month", args=[mar.pk])).content.decode()
    assert 'data-testid="prefilled"' in html and "基础施工" in html
    page = client.get(reverse("permits:works", args=[site.project.pk])).content.decode()
    assert "150" in page and "未填报" in page
    report = MonthlyInvestmentReport.objects.get(period=feb)
    assert report.attachments.count() == 1


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_list_lights_and_query_count(client, today, django_assert_max_num_queries):
    sites = [Site() for _ in range(4)]
    for site in sites:
        site.started()
    client.force_login(sites[0].staff)
    url = reverse("permits:list")
    client.get(url)
    with django_assert_max_num_queries(25):
        response = client.get(url, {"stage": "construction"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("data-project=") == 4 and "data-light=" in html
    assert client.get(url, {"q": sites[0].project.name}).content.decode().count("data-project=") == 1


def test_lead_department_sees_who_has_not_reported(client, today, django_assert_max_num_queries):
    site = Site()  # residential 危旧楼房改建: lead department 区住房城乡建设委
    site.started(datetime.date(2026, 1, 5))
    today(datetime.date(2026, 3, 20))
    services.open_due_months()
    place = district()
    housing = user(
        Role.REVIEWER,
        organization=OrganizationFactory(
            kind=OrganizationKind.DEPARTMENT, department_code=DepartmentCode.HOUSING, district=place
        ),
    )
    other = user(
        Role.REVIEWER,
        organization=OrganizationFactory(
            kind=OrganizationKind.DEPARTMENT, department_code=DepartmentCode.HEALTH, district=place
        ),
    )
    client.force_login(housing)
    with django_assert_max_num_queries(20):
        html = client.get(reverse("permits:missing")).content.decode()
    assert html.count("data-period=") == 3
    overdue = client.get(reverse("permits:missing"), {"overdue": "1"}).content.decode()
    # January (due 2026-02-06) and February (due 2026-03-06) are overdue; March is not yet due.
    assert overdue.count("data-period=") == 2
    client.force_login(other)
    assert client.get(reverse("permits:missing")).content.decode().count("data-period=") == 0


def test_exit_badge_and_read_only(client, today):
    site = Site()
    project = site.started()
    services.record_builder_acceptance(project, actor=site.entity, accepted_on=datetime.date(2026, 3, 2))
    services.accept_separately(project, actor=site.staff, separate="各部门验收合格")
    client.force_login(site.entity)
    html = client.get(reverse("permits:works", args=[project.pk])).content.decode()
    assert "将于2027年3月2日出库" in html
    assert "将于2027年3月2日出库" in client.get(reverse("permits:list")).content.decode()
    services.exit_due_projects(today=datetime.date(2027, 3, 2))
    html = client.get(reverse("permits:works", args=[project.pk])).content.decode()
    assert "已于2027年3月2日退出项目库 · 只读" in html
    assert 'data-testid="form-record_annual_plan"' not in html


def test_api_actions(client, today):
    site = Site()
    site.propose()
    client.force_login(site.staff)
    lines = client.get("/api/v1/permit-lines/", {"project": site.project.pk}).json()
    assert lines["count"] == len(Procedure)
    line = next(row for row in lines["results"] if row["procedure"] == "construction_permit")
    actions = client.get(f"/api/v1/permit-lines/{line['id']}/actions/").json()
    assert {row["name"] for row in actions} >= {"confirm", "change"}
    assert client.post(f"/api/v1/permit-lines/{line['id']}/actions/confirm/").status_code == 200
    works = client.get("/api/v1/project-works/", {"project": site.project.pk}).json()["results"][0]
    refused = client.post(
        f"/api/v1/project-works/{works['id']}/actions/start_works/",
        {"started_on": "2026-03-02"},
        content_type="application/json",
    )
    assert refused.status_code == 409 and "尚未" in refused.json()["detail"]
    project = client.get(f"/api/v1/projects/{site.project.pk}/").json()
    assert "completion_accepted_on" in project and "library_exit_on" in project
    # Out of scope: 404.
    client.force_login(user(Role.STAFF, district_code="110102"))
    assert client.get(f"/api/v1/permit-lines/{line['id']}/").status_code == 404


def test_ledger_and_project_page_show_the_new_stages(client, today):
    site = Site()
    project = site.started()
    client.force_login(site.staff)
    assert "施工建设" in client.get(reverse("projects:project_detail", args=[project.pk])).content.decode()
    assert client.get(reverse("projects:project_list"), {"stage": "construction"}).status_code == 200


def test_api_grant_with_scan_and_monthly_report(client, today):
    site = Site()
    site.propose()
    line = services.confirm_line(site.line(Procedure.CONSTRUCTION_PERMIT), actor=site.staff)
    client.force_login(site.entity)
    response = client.post(
        f"/api/v1/permit-lines/{line.pk}/actions/grant/",
        {
            "document_number": "110108202603020101",
            "issued_on": "2026-03-02",
            "issuing_body": "海淀区住房城乡建设委",
            "scan": SimpleUploadedFile("施工许可证.pdf", PDF),
        },
    )
    assert response.status_code == 200 and response.json()["state"] == "granted"
    site.clear_all()
    services.start_works(site.project, actor=site.entity, started_on=datetime.date(2026, 3, 2))
    month = InvestmentMonth.objects.get(project=site.project)
    today(datetime.date(2026, 4, 1))
    bad = client.post(
        f"/api/v1/investment-months/{month.pk}/actions/report/", {"invested": "5000", "progress_text": "装修"}
    )
    assert bad.status_code == 409 and "请填写说明" in bad.json()["detail"]
    ok = client.post(
        f"/api/v1/investment-months/{month.pk}/actions/report/", {"invested": "100", "progress_text": "装修"}
    )
    assert ok.status_code == 200 and ok.json()["state"] == "reported"
    reports = client.get(
        "/api/v1/investment-reports/", {"project": site.project.pk, "is_current": "true"}
    ).json()
    assert reports["count"] == 1 and reports["results"][0]["invested"] == "100.00"
