"""Issue 3's journey in a real browser: file (with the required materials) → route → agree → 补正 → resubmit
with a new file → admit (confirmed) → printable notice."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from projects.choices import Stage
from projects.models import AdmissionNotice, Project
from renewal.demo import DEMO_PASSWORD
from tests.e2e.browser import click_nav

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
NAME = "花园路街道塔院小区综合整治"


def expect_stage(page, text: str):
    """Waits for the page (after a click that navigates) to show this stage."""
    expect(page.locator("[data-testid=stage]")).to_have_text(text)


def test_intake_journey(page, browser_watch, login, logout, live_server, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", stdout=io.StringIO())
    materials = tmp_path / "申报材料.pdf"
    materials.write_bytes(PDF)
    estimate = tmp_path / "资金匡算.pdf"
    estimate.write_bytes(PDF.replace(b"Catalog", b"Catalog/Lang(zh-CN)"))

    # The entity files an application with an attachment and submits it.
    login(page, "hd_entity", DEMO_PASSWORD)
    click_nav(page, "projects:intake_inbox")
    page.click("text=填报入库申请")
    page.fill("#id_name", NAME)
    page.select_option("#id_category", label="居住类")
    page.select_option("#id_sub_type", label="居住类 · 老旧小区综合整治")
    page.fill("#id_location", "海淀区花园路街道塔院小区")
    page.fill("#id_renewal_goal", "完成楼本体节能改造和社区公共空间提升")
    page.fill("#id_total_investment", "4200")
    page.get_by_role("button", name="保存草稿").click()
    expect_stage(page, "草稿")
    # The checklist says what is still missing; both required materials go up before submitting.
    checklist = page.locator("[data-testid=material-checklist]")
    expect(checklist.locator("[data-material=申报材料]")).to_have_attribute("data-present", "no")
    expect(checklist.locator("[data-material=资金匡算]")).to_have_attribute("data-present", "no")
    page.select_option("#id_kind", "申报材料")
    page.set_input_files("#id_file", str(materials))
    page.click("[data-action=upload]")
    expect(page.locator("body")).to_contain_text("已上传：申报材料.pdf（第1版）")
    expect(checklist.locator("[data-material=申报材料]")).to_have_attribute("data-present", "yes")
    expect(checklist.locator("[data-material=资金匡算]")).to_have_attribute("data-present", "no")
    page.select_option("#id_kind", "资金匡算")
    page.set_input_files("#id_file", str(estimate))
    page.click("[data-action=upload]")
    expect(checklist.locator("[data-material=资金匡算]")).to_have_attribute("data-present", "yes")
    page.click("[data-action=submit]")
    expect_stage(page, "已受理")
    project = Project.objects.get(name=NAME)
    assert project.code.startswith("110108-")
    detail_url = f"{live_server.url}/projects/{project.pk}/"
    logout(page)

    # Staff route it to a department; the department agrees.
    login(page, "hd_staff", DEMO_PASSWORD)
    click_nav(page, "projects:intake_inbox")
    page.click(f"text={NAME}")
    page.check("text=海淀区发展改革委")
    page.click("[data-action=route]")
    expect_stage(page, "入库联合审查中")
    logout(page)

    login(page, "hd_fgw", DEMO_PASSWORD)
    click_nav(page, "projects:intake_inbox")
    page.locator("tr", has_text=NAME).locator("text=答复意见").click()
    page.check("#decision-agree")
    page.fill("#id_text", "符合区域发展定位，同意入库。")
    page.click("text=提交意见")
    expect(page.locator("body")).to_contain_text("审查意见已提交")
    logout(page)

    # Staff ask for supplementary materials: the clocks stop.
    login(page, "hd_staff", DEMO_PASSWORD)
    page.goto(detail_url)
    page.fill("#supplement-reason", "请补充房屋权属证明")
    page.click("[data-action=request_supplement]")
    expect_stage(page, "待补正")
    logout(page)

    # The entity adds the missing document and resubmits: a new receipt day, new clocks.
    login(page, "hd_entity", DEMO_PASSWORD)
    page.goto(detail_url)
    expect(page.locator("body")).to_contain_text("请补充房屋权属证明")
    proof = tmp_path / "权属证明.pdf"
    proof.write_bytes(PDF.replace(b"Catalog", b"Catalog/Lang(zh)"))
    page.select_option("#id_kind", "权属证明")
    page.set_input_files("#id_file", str(proof))
    page.click("[data-action=upload]")
    page.fill("#resubmit-reason", "已补充房屋权属证明")
    page.click("[data-action=resubmit]")
    expect_stage(page, "已受理")
    logout(page)

    # Staff admit it, after a confirmation (declined once: nothing happens); the notice is numbered.
    login(page, "hd_staff", DEMO_PASSWORD)
    page.goto(detail_url)
    asked = len(browser_watch.dialogs)
    browser_watch.decline_dialogs = True
    page.click("[data-action=admit]")
    browser_watch.settle()
    question = browser_watch.dialogs[asked:]
    assert len(question) == 1 and "入库" in question[0], browser_watch.dialogs
    expect_stage(page, "已受理")
    assert Project.objects.get(pk=project.pk).stage == Stage.SUBMITTED
    assert not AdmissionNotice.objects.filter(project=project).exists()
    browser_watch.decline_dialogs = False
    page.click("[data-action=admit]")
    expect_stage(page, "储备项目")
    assert browser_watch.dialogs[asked + 1 :] == question
    notice = AdmissionNotice.objects.get(project=project)
    logout(page)

    # The entity opens and prints the notice.
    login(page, "hd_entity", DEMO_PASSWORD)
    page.goto(detail_url)
    page.click("[data-testid=notice-link]")
    assert page.locator("[data-testid=notice-number]").inner_text() == notice.number
    expect(page.locator("body")).to_contain_text(NAME)
    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible()
    assert page.locator("h1", has_text="北京市城市更新项目纳入储备项目库通知书").is_visible()
