"""Issue 11's journeys in a real browser. Joint-review path: from the end of publicity (the window closed by
its task) → checklist with an exemption and a facade permit → start of works → three
monthly reports, one late → completion and joint acceptance → the exit a year later (time travel: the
portal's `renewal.calendar.today` is set for each step, and the daily task is run as the beat would).
Other path: from the implementation library straight to permits with the industry approval recorded."""

import datetime

import pytest
from playwright.sync_api import expect

from permits import services
from permits.models import InvestmentMonth
from projects.choices import Library, Path, Stage
from renewal.choices import Role
from review.services import close_expired_publicities
from tests.factories import PASSWORD, user
from tests.projects.factories import ProjectFactory
from tests.review.helpers import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def grant(page, procedure, number):
    row = page.locator(f"tr[data-procedure={procedure}]")
    row.locator("summary", has_text="登记办理结果").click()
    row.locator("input[name=document_number]").fill(number)
    row.locator("input[name=issued_on]").fill("2026-03-02")
    row.locator("input[name=issuing_body]").fill("海淀区有关主管部门")
    row.locator("button[data-action=grant]").click()
    expect(page.locator(f"tr[data-procedure={procedure}]")).to_have_attribute("data-state", "granted")


def report(page, live_server, period, invested, progress):
    page.goto(f"{live_server.url}/permits/months/{period.pk}/")
    page.fill("input[name=invested]", invested)
    page.fill("input[name=progress_text]", progress)
    page.click("button[data-action=report]")
    expect(page.locator("[data-testid=months]")).to_be_visible()


def test_permits_journey(new_context, login, live_server, monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    today = {"day": datetime.date(2026, 3, 2)}
    monkeypatch.setattr("renewal.calendar.today", lambda: today["day"])
    # Joint-review path: the publicity window closes (the beat task) and the project moves to permits.
    world = World()
    staff, entity = world.staff, world.entity
    publicity = world.publicity(world.implementation_project(name="花园路街道塔院小区综合整治"))
    close_expired_publicities(now=publicity.ends_at + datetime.timedelta(seconds=1))
    project = publicity.plan.project
    works_url = f"{live_server.url}/permits/projects/{project.pk}/"
    staff_page = login(new_context().new_page(), staff.username, PASSWORD)
    entity_page = login(new_context().new_page(), entity.username, PASSWORD)
    staff_page.goto(f"{live_server.url}/permits/")
    staff_page.locator(f"tr[data-project='{project.pk}'] a").click()
    expect(staff_page.locator("[data-testid=project-stage]")).to_have_text("行政许可办理")

    # The entity states the facts: no change of use/scale/outline, facade works, joint acceptance intended.
    entity_page.goto(works_url)
    form = entity_page.locator("[data-testid=form-propose]")
    form.locator("input[name=changes_use_scale_outline]").uncheck()
    form.locator("input[name=facade_works_in_designated_area]").check()
    form.locator("input[name=joint_acceptance_intended]").check()
    form.locator("select[name=risk_level]").select_option("low")
    form.locator("button[data-action=propose]").click()
    checklist = entity_page.locator("[data-testid=checklist]")
    expect(checklist.locator("tr[data-procedure=planning_permit]")).to_contain_text("无需办理（豁免）")
    expect(checklist.locator("tr[data-procedure=facade_permit]")).to_contain_text("需办理")
    # The start is refused while lines are unconfirmed; the refusal lists them.
    expect(entity_page.locator("[data-refusal=start_works]")).to_contain_text("办理要求尚未确认")

    # Staff confirm every line.
    staff_page.goto(works_url)
    while staff_page.locator("button[data-action=confirm]:not([disabled])").count():
        staff_page.locator("button[data-action=confirm]:not([disabled])").first.click()
        staff_page.wait_for_load_state()
    expect(staff_page.locator("tr[data-state=proposed]")).to_have_count(0)

    # The entity records the approval, the facade permit and the construction permit, then starts works.
    entity_page.goto(works_url)
    grant(entity_page, "project_approval", "海发改〔2026〕8号")
    grant(entity_page, "facade_permit", "建字第110108202600031号")
    expect(entity_page.locator("[data-refusal=start_works]")).to_contain_text("“施工许可证”尚未办结")
    grant(entity_page, "construction_permit", "110108202603020101")
    form = entity_page.locator("[data-testid=form-start_works]")
    form.locator("input[name=started_on]").fill("2026-03-02")
    form.locator("button[data-action=start_works]").click()
    expect(entity_page.locator("[data-testid=project-stage]")).to_have_text("施工建设")

    # Three monthly reports: March on time, April late, May on time (the daily task opens the months).
    for day in (datetime.date(2026, 4, 8), datetime.date(2026, 5, 14), datetime.date(2026, 6, 5)):
        today["day"] = day
        services.open_due_months()
    march, april, may = InvestmentMonth.objects.filter(project=project).order_by("month")[:3]
    today["day"] = datetime.date(2026, 4, 8)
    report(entity_page, live_server, march, "120", "基础施工")
    today["day"] = datetime.date(2026, 5, 14)
    report(entity_page, live_server, april, "260", "主体结构施工")
    today["day"] = datetime.date(2026, 6, 5)
    entity_page.goto(f"{live_server.url}/permits/months/{may.pk}/")
    expect(entity_page.locator("input[name=progress_text]")).to_have_value("主体结构施工")  # pre-filled
    report(entity_page, live_server, may, "300", "外立面施工")
    months = entity_page.locator("[data-testid=months]")
    expect(months.locator("tr[data-month='2026-04']")).to_contain_text("逾期完成")
    expect(months.locator("tr[data-month='2026-03']")).to_contain_text("按时完成")
    expect(entity_page.locator("[data-testid=since-start]")).to_contain_text("680.00")

    # Completion: the builder's acceptance, the joint acceptance applied for within 5 working days, passed.
    today["day"] = datetime.date(2026, 6, 10)
    entity_page.goto(works_url)
    form = entity_page.locator("[data-testid=form-record_builder_acceptance]")
    form.locator("input[name=accepted_on]").fill("2026-06-10")
    form.locator("button[data-action=record_builder_acceptance]").click()
    expect(entity_page.locator("[data-deadline-kind=joint_acceptance_application]")).to_contain_text(
        "2026年6月17日"
    )
    entity_page.locator(
        "[data-testid=form-apply_joint_acceptance] button[data-action=apply_joint_acceptance]"
    ).click()
    expect(entity_page.locator("[data-deadline-kind=joint_acceptance_application]")).to_contain_text(
        "按时完成"
    )
    today["day"] = datetime.date(2026, 6, 15)
    staff_page.goto(works_url)
    form = staff_page.locator("[data-testid=form-pass_joint_acceptance]")
    form.locator("input[name=passed_on]").fill("2026-06-15")
    form.locator("button[data-action=pass_joint_acceptance]").click()
    expect(staff_page.locator("[data-testid=exit-on]")).to_have_text("将于2027年6月15日出库")

    # A year later the daily task exits the project; its page is read-only.
    today["day"] = datetime.date(2027, 6, 15)
    assert services.exit_due_projects() == [project.pk]
    staff_page.goto(works_url)
    expect(staff_page.locator("[data-testid=project-stage]")).to_have_text("已出库")
    expect(staff_page.locator("[data-testid=read-only]")).to_contain_text("已于2027年6月15日退出项目库")
    expect(staff_page.locator("[data-testid=actions] form")).to_have_count(0)


def test_other_path_project_goes_from_the_implementation_library_to_permits(
    new_context, login, live_server, monkeypatch
):
    """Other path: staff record the industry approval; the project goes straight to permits and its
    checklist is proposed from the facts the entity gives (no plan to start from)."""
    monkeypatch.setattr("renewal.calendar.today", lambda: datetime.date(2026, 3, 2))
    staff, entity = user(Role.STAFF), user(Role.ENTITY)
    project = ProjectFactory(
        stage=Stage.IMPLEMENTATION,
        library=Library.IMPLEMENTATION,
        path=Path.OTHER,
        implementing_entity=entity.organization,
        name="北太平庄街道新街口外大街社区卫生服务站改造",
    )
    works_url = f"{live_server.url}/permits/projects/{project.pk}/"
    staff_page = login(new_context().new_page(), staff.username, PASSWORD)
    staff_page.goto(f"{live_server.url}/permits/?stage=implementation")
    staff_page.locator(f"tr[data-project='{project.pk}'] a").click()
    form = staff_page.locator("[data-testid=form-enter_permits]")
    form.locator("input[name=document]").fill("海卫健函〔2026〕12号")
    form.locator("input[name=approved_on]").fill("2026-03-02")
    form.locator("input[name=body]").fill("区卫生健康委")
    form.locator("button[data-action=enter_permits]").click()
    expect(staff_page.locator("[data-testid=project-stage]")).to_have_text("行政许可办理")

    entity_page = login(new_context().new_page(), entity.username, PASSWORD)
    entity_page.goto(works_url)
    form = entity_page.locator("[data-testid=form-propose]")
    expect(form.locator("input[name=changes_use_scale_outline]")).not_to_be_checked()
    form.locator("input[name=small_works_under_limit]").check()
    form.locator("button[data-action=propose]").click()
    expect(entity_page.locator("tr[data-procedure=planning_permit]")).to_contain_text("无需办理（豁免）")
    expect(entity_page.locator("tr[data-procedure=construction_permit]")).to_contain_text("限额以下小型工程")
    expect(entity_page.locator("tr[data-procedure=project_approval]")).to_contain_text(
        "按照相关行业政策办理立项"
    )
