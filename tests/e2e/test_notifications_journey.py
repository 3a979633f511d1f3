"""Issue 12 in a real browser: the entity sees the 补正 notification in the navbar, follows it to the project,
answers with the missing document; staff then see the answer's notification. The job page polls with htmx."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from projects import services as intake
from projects.choices import REQUIRED_INTAKE_MATERIALS
from projects.models import Category, SubType
from renewal import jobs
from renewal.attachments import attach
from renewal.choices import Role
from tests.factories import PASSWORD, user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
NAME = "通知旅程测试小区综合整治"


def test_supplement_notification_journey(page, login, logout, live_server, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    staff, entity = user(Role.STAFF), user(Role.ENTITY)
    residential = Category.objects.get(code="residential")
    project = intake.create_draft(
        actor=entity,
        data={
            "name": NAME,
            "category": residential,
            "sub_type": SubType.objects.get(category=residential, name="老旧小区综合整治"),
            "location": "海淀区",
            "renewal_goal": "楼本体改造",
            "total_investment": Decimal("100"),
        },
    )
    for kind in REQUIRED_INTAKE_MATERIALS:
        attach(project, SimpleUploadedFile(f"{kind}.pdf", PDF), kind=kind, actor=entity)
    intake.submit(project, actor=entity)
    project = intake.request_supplement(project, actor=staff, items="请补充房屋权属证明")

    # The entity: an unread count in the navbar, the notification in the inbox, a click to the project.
    login(page, entity.username, PASSWORD)
    expect(page.locator("[data-testid=unread-count]")).to_have_text("1")
    page.click("[data-testid=inbox-link]")
    notification = page.locator("[data-testid=notification-open]", has_text="需补正材料")
    expect(notification).to_contain_text("请补充房屋权属证明")
    notification.click()
    page.wait_for_url(f"**/projects/{project.pk}/")
    expect(page.locator("[data-testid=unread-count]")).to_have_count(0)  # following it marked it read
    proof = tmp_path / "权属证明.pdf"
    proof.write_bytes(PDF.replace(b"Catalog", b"Catalog/Lang(zh)"))
    page.select_option("#id_kind", "权属证明")
    page.set_input_files("#id_file", str(proof))
    page.click("[data-action=upload]")
    page.fill("#resubmit-reason", "已补充房屋权属证明")
    page.click("[data-action=resubmit]")
    expect(page.locator("[data-testid=stage]")).to_have_text("已受理")
    logout(page)

    # Staff: the application and its answer both arrived (two unread); the answer is in the inbox.
    login(page, staff.username, PASSWORD)
    expect(page.locator("[data-testid=unread-count]")).to_have_text("2")
    page.click("[data-testid=inbox-link]")
    expect(page.locator("[data-testid=inbox-table]")).to_contain_text(f"收到补正材料：{project.code} {NAME}")
    page.click("[data-testid=inbox-read-all]")
    expect(page.locator("[data-testid=unread-count]")).to_have_count(0)


def _slow(job, progress):
    import time

    for step in range(1, 4):
        time.sleep(0.7)
        progress(step * 33)
    return jobs.JobResult(filename="测试结果.csv", content=b"a,b\n")


def test_job_page_polls_until_done(page, login, live_server, tmp_path, settings):
    """The job page asks for its progress every 2 s (htmx) and offers the download once done."""
    settings.MEDIA_ROOT = tmp_path / "media"
    jobs.register_job_kind(jobs.JobKind("test.e2e_slow", "浏览器测试任务", _slow))
    staff = user(Role.STAFF)
    job = jobs.start_job("test.e2e_slow", user=staff, params={})  # eager Celery: runs on commit, here
    login(page, staff.username, PASSWORD)
    from renewal.models import Job

    Job.objects.filter(pk=job.pk).update(status="queued", progress=0)  # as if still waiting for a worker
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    expect(page.locator("[data-testid=job-status]")).to_have_text("排队中")
    jobs.run_job(job.pk)
    expect(page.locator("[data-testid=job-status]")).to_have_text("已完成", timeout=10_000)
    expect(page.locator("[data-testid=job-download]")).to_contain_text("测试结果.csv")
