"""Issue 3's journey in a real browser: file → route → agree → 补正 → resubmit → admit → printable notice."""

import io

import pytest
from django.core.management import call_command

from projects.models import AdmissionNotice, Project
from renewal.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
NAME = "花园路街道塔院小区综合整治"


def stage_of(page) -> str:
    return page.locator("[data-testid=stage]").inner_text()


def test_intake_journey(page, login, logout, live_server, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", stdout=io.StringIO())
    materials = tmp_path / "申报材料.pdf"
    materials.write_bytes(PDF)

    # The entity files an application with an attachment and submits it.
    login(page, "hd_entity", DEMO_PASSWORD)
    page.click("[data-nav='projects:intake_inbox']")
    page.click("text=填报入库申请")
    page.fill("#id_name", NAME)
    page.select_option("#id_category", label="居住类")
    page.select_option("#id_sub_type", label="居住类 · 老旧小区综合整治")
    page.fill("#id_location", "海淀区花园路街道塔院小区")
    page.fill("#id_renewal_goal", "完成楼本体节能改造和社区公共空间提升")
    page.fill("#id_total_investment", "4200")
    page.click("text=保存草稿")
    assert stage_of(page) == "草稿"
    page.set_input_files("#id_file", str(materials))
    page.click("[data-action=upload]")
    assert "已上传：申报材料.pdf（第1版）" in page.content()
    page.click("[data-action=submit]")
    assert stage_of(page) == "已受理"
    project = Project.objects.get(name=NAME)
    assert project.code.startswith("110108-")
    detail_url = f"{live_server.url}/projects/{project.pk}/"
    logout(page)

    # Staff route it to a department; the department agrees.
    login(page, "hd_staff", DEMO_PASSWORD)
    page.click("[data-nav='projects:intake_inbox']")
    page.click(f"text={NAME}")
    page.check("text=海淀区发展改革委")
    page.click("[data-action=route]")
    assert stage_of(page) == "入库联合审查中"
    logout(page)

    login(page, "hd_fgw", DEMO_PASSWORD)
    page.click("[data-nav='projects:intake_inbox']")
    page.locator("tr", has_text=NAME).locator("text=答复意见").click()
    page.check("#decision-agree")
    page.fill("#id_text", "符合区域发展定位，同意入库。")
    page.click("text=提交意见")
    assert "审查意见已提交" in page.content()
    logout(page)

    # Staff ask for supplementary materials: the clocks stop.
    login(page, "hd_staff", DEMO_PASSWORD)
    page.goto(detail_url)
    page.fill("#supplement-reason", "请补充房屋权属证明")
    page.click("[data-action=request_supplement]")
    assert stage_of(page) == "待补正"
    logout(page)

    # The entity adds the missing document and resubmits: a new receipt day, new clocks.
    login(page, "hd_entity", DEMO_PASSWORD)
    page.goto(detail_url)
    assert "请补充房屋权属证明" in page.content()
    proof = tmp_path / "权属证明.pdf"
    proof.write_bytes(PDF.replace(b"Catalog", b"Catalog/Lang(zh)"))
    page.select_option("#id_kind", "权属证明")
    page.set_input_files("#id_file", str(proof))
    page.click("[data-action=upload]")
    page.fill("#resubmit-reason", "已补充房屋权属证明")
    page.click("[data-action=resubmit]")
    assert stage_of(page) == "已受理"
    logout(page)

    # Staff admit it; the notice is numbered.
    login(page, "hd_staff", DEMO_PASSWORD)
    page.goto(detail_url)
    page.click("[data-action=admit]")
    assert stage_of(page) == "储备项目"
    notice = AdmissionNotice.objects.get(project=project)
    logout(page)

    # The entity opens and prints the notice.
    login(page, "hd_entity", DEMO_PASSWORD)
    page.goto(detail_url)
    page.click("[data-testid=notice-link]")
    assert page.locator("[data-testid=notice-number]").inner_text() == notice.number
    assert NAME in page.content()
    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible()
    assert page.locator("h1", has_text="北京市城市更新项目纳入储备项目库通知书").is_visible()
