"""Issue 4's journey in a real browser: plan → pre-review returns it → resubmit → 会签 with one 不同意 →
fix → all agree → opinion → publicity → a member of the public objects → staff answer → the window
ends (time travel) → the project moves on to permits."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from playwright.sync_api import expect

from projects import services as intake
from projects.choices import REQUIRED_INTAKE_MATERIALS
from projects.models import Category, Project, SubType
from renewal.attachments import attach
from renewal.demo import DEMO_PASSWORD
from renewal.models import User
from review import services
from review.models import PublicComment, Publicity
from tests.e2e.browser import click_nav
from tests.review.helpers import in_city_plan, move_to_implementation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
NAME = "花园路街道牡丹园片区更新"


def implementation_project():
    entity, staff = User.objects.get(username="hd_entity"), User.objects.get(username="hd_staff")
    regional = Category.objects.get(code="regional")
    project = intake.create_draft(
        actor=entity,
        data={
            "name": NAME,
            "category": regional,
            "sub_type": SubType.objects.get(category=regional, name="老旧街区改造"),
            "location": "海淀区花园路街道",
            "renewal_goal": "片区综合更新",
            "total_investment": Decimal("32000"),
        },
    )
    for kind in REQUIRED_INTAKE_MATERIALS:
        attach(project, SimpleUploadedFile(f"{kind}.pdf", PDF), kind=kind, actor=entity)
    intake.submit(project, actor=entity)
    intake.admit(project, actor=staff, note="区政府专题会议纪要〔2026〕20号")
    # 实施条件认定 with its document and requirements; the project is in the city's renewal plan (issue 10).
    return in_city_plan(move_to_implementation(project, staff))


def expect_state(page, text: str):
    """Waits for the page (after a click that navigates) to show this plan state."""
    expect(page.locator("[data-testid=plan-state]")).to_have_text(text)


def decide(page, login, logout, username, decision, text=""):
    login(page, username, DEMO_PASSWORD)
    click_nav(page, "review:review_inbox")
    page.locator("tr", has_text=NAME).locator("text=提出意见").click()
    page.check(f"#decision-{decision}")
    if text:
        page.fill("#id_text", text)
    page.click("[data-action=record-decision]")
    logout(page)


def test_plan_journey(page, browser_watch, new_context, login, logout, live_server, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", stdout=io.StringIO())
    project = implementation_project()
    text_file = tmp_path / "实施方案文本.pdf"
    text_file.write_bytes(PDF)

    # The entity starts the plan, fills a module, uploads the text and submits.
    login(page, "hd_entity", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.click("[data-action=plan_start]")
    plan_url = page.url
    page.click("[data-action=edit]")
    page.fill("[name='basic_info.scope']", "牡丹园片区 12 公顷")
    page.fill("[name='basic_info.method']", "综合整治")
    page.click("[data-action=save]")
    page.goto(plan_url)
    page.select_option("[name=kind]", "文本")
    page.set_input_files("[name=file]", str(text_file))
    page.click("[data-action=upload]")
    # 联合审查办法 第六条: the application and the entity's licences too.
    for kind in ("联合审查申请书", "主体资格证明"):
        page.select_option("[name=kind]", kind)
        page.set_input_files("[name=file]", str(text_file))
        page.click("[data-action=upload]")
    page.click("[data-action=submit]")
    expect_state(page, "已报送")
    logout(page)

    # Pre-review: staff return it with two itemised requests.
    login(page, "hd_staff", DEMO_PASSWORD)
    page.goto(plan_url)
    page.fill("[name=items]", "补充交通组织方案\n补充公共服务设施配置")
    page.click("[data-action=return_for_revision]")
    expect_state(page, "退回修改")
    logout(page)

    # The entity revises and resubmits, answering each request.
    login(page, "hd_entity", DEMO_PASSWORD)
    page.goto(plan_url)
    page.click("[data-action=edit]")
    page.fill("[name='basic_info.mode']", "政府引导、市场运作")
    page.click("[data-action=save]")
    page.goto(plan_url)
    for box in page.locator("[data-response-for] textarea").all():
        box.fill("已补充")
    page.click("[data-action=submit]")
    expect_state(page, "已报送")
    logout(page)

    # Staff confirm both requests are resolved and start the joint review; routing picks the departments.
    login(page, "hd_staff", DEMO_PASSWORD)
    page.goto(plan_url)
    for _ in range(2):
        page.locator("[data-action=mark-resolved]:not([disabled])").first.click()
    routed = {
        el.get_attribute("data-joint-department") for el in page.locator("[data-joint-department]").all()
    }
    # Planning reviews every plan (第十二条（三）).
    assert routed == {"district_government", "housing", "development_reform", "planning"}
    page.click("[data-action=start_joint_review]")
    expect_state(page, "联合审查中")
    logout(page)

    decide(page, login, logout, "hd_gov", "agree")
    decide(page, login, logout, "hd_zjw", "agree")
    decide(page, login, logout, "hd_planning", "agree")
    decide(page, login, logout, "hd_fgw", "disagree", "资金来源不明确，请补充财政资金安排")

    # The plan comes back with every opinion kept; the entity fixes it.
    login(page, "hd_entity", DEMO_PASSWORD)
    page.goto(plan_url)
    expect_state(page, "退回修改")
    expect(page.locator("body")).to_contain_text("资金来源不明确")
    page.click("[data-action=edit]")
    page.fill("[name='basic_info.renewal_type']", "区域综合性（资金方案已补充）")
    page.click("[data-action=save]")
    page.goto(plan_url)
    page.locator("[data-response-for] textarea").first.fill("已补充财政资金安排")
    page.click("[data-action=submit]")
    logout(page)

    login(page, "hd_staff", DEMO_PASSWORD)
    page.goto(plan_url)
    page.locator("[data-action=mark-resolved]:not([disabled])").first.click()
    page.click("[data-action=start_joint_review]")
    logout(page)
    # Only the department that disagreed reviews again.
    decide(page, login, logout, "hd_fgw", "agree")

    login(page, "hd_staff", DEMO_PASSWORD)
    page.goto(plan_url)
    expect_state(page, "审查通过（待出具意见）")
    # Irreversible: each asks for confirmation first (the watch accepts and records the question).
    asked = len(browser_watch.dialogs)
    page.click("[data-action=issue_opinion]")
    expect_state(page, "已出具联合审查意见")
    assert "出具联合审查意见" in "".join(browser_watch.dialogs[asked:]), browser_watch.dialogs
    asked = len(browser_watch.dialogs)
    page.click("[data-action=publish]")
    expect_state(page, "公示中")
    assert "发布公示" in "".join(browser_watch.dialogs[asked:]), browser_watch.dialogs
    publicity = Publicity.objects.get(plan__project=project)
    logout(page)

    # A member of the public objects from the public page (no login), once the window has opened.
    Publicity.objects.filter(pk=publicity.pk).update(
        starts_at=publicity.starts_at - datetime.timedelta(days=10)
    )
    visitor = new_context().new_page()
    visitor.goto(f"{live_server.url}/publicity/")
    visitor.click(f"text={NAME}")
    visitor.check("#kind-objection")
    visitor.fill("[name=text]", "我是赵六，住在3号楼，电话13912345678，反对在楼前新建停车楼")
    visitor.fill("[name=contact]", "13912345678")
    visitor.fill("[name=name]", "赵六")
    visitor.click("[data-testid=comment-form] button[type=submit]")
    expect(visitor.locator("body")).to_contain_text("感谢您的意见")
    assert "赵六" not in visitor.content() and "13912345678" not in visitor.content()

    # Staff answer it without accepting.
    login(page, "hd_staff", DEMO_PASSWORD)
    page.goto(plan_url)
    page.click("[data-testid=publicity-comments-link]")
    expect(page.locator("body")).to_contain_text("13912345678")  # staff see the contact details
    page.fill("[name=response]", "停车楼选址已避开住宅采光面，不影响3号楼采光。")
    page.click("text=保存答复")
    assert PublicComment.objects.get(publicity=publicity).outcome == "answered"

    # Time travel: the window ends; the beat task's service closes it and the project moves on.
    services.close_expired_publicities(now=publicity.ends_at + datetime.timedelta(seconds=1))
    page.goto(plan_url)
    expect_state(page, "公示完成")
    assert Project.objects.get(pk=project.pk).stage == "permits"
    visitor.goto(f"{live_server.url}/publicity/{publicity.pk}/")
    expect(visitor.locator("body")).to_contain_text("公示期已于")
    assert visitor.locator("[data-testid=comment-form]").count() == 0
