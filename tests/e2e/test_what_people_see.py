"""What a person needs to see, on the demo `make run` loads: read from the computed style, because a broken
stylesheet leaves every element in the page and only takes away what makes it visible (issue 7: a
transparent navbar with white text, form fields without borders, badges white on nothing, a phone menu
that does not open)."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from projects.models import Project
from renewal.demo import DEMO_PASSWORD
from review.choices import PlanState
from review.models import ImplementationPlan
from tests.e2e.browser import DESKTOP, PHONE, click_nav, paint_problems
from tests.factories import PASSWORD
from tests.review.helpers import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIELDS = {
    "text": "input[type=text]:not(.form-control-plaintext), input:not([type]):not(.form-control-plaintext)",
    "select": "select",
    "textarea": "textarea:not(.form-control-plaintext)",
    "radio": "input[type=radio]:not(.btn-check)",
    "checkbox": "input[type=checkbox]:not(.btn-check)",
}
LIGHTS = ".light-green, .light-yellow, .light-red"
BADGES = ".badge"


class Looked:
    """What the test has checked so far: the problems found, and how many elements of each kind it saw."""

    def __init__(self):
        self.problems: list[str] = []
        self.seen: dict[str, int] = {}

    def check(self, page, kind, selector, *checks):
        self.seen[kind] = self.seen.get(kind, 0) + page.locator(selector).count()
        where = page.url.split("/", 3)[-1]
        self.problems += [f"/{where} {kind}: {line}" for line in paint_problems(page, selector, *checks)]

    def navbar(self, page):
        self.check(page, "navbar", "nav.navbar", "background")
        self.check(page, "navbar text", "nav.navbar .navbar-brand, nav.navbar .nav-link", "contrast")

    def fields(self, page):
        for kind, selector in FIELDS.items():
            self.check(page, kind, selector, "border")

    def badges(self, page):
        self.check(page, "badge", BADGES, "background", "contrast")
        self.check(page, "light", LIGHTS, "background")


def test_navbar_fields_and_badges_are_painted(page, login, logout, live_server):
    call_command("load_demo", stdout=io.StringIO())
    looked = Looked()

    # The public: the notice list and an open notice's comment form (radios, text boxes, a textarea).
    page.goto(f"{live_server.url}/publicity/")
    looked.navbar(page)
    page.locator("main a[href^='/publicity/']").first.click()
    expect(page.locator("[data-testid=comment-form]")).to_be_visible()
    looked.navbar(page)
    looked.fields(page)
    looked.badges(page)

    # Staff: the home page with its traffic lights in every colour, and the list of every deadline.
    login(page, "hd_staff", DEMO_PASSWORD)
    looked.navbar(page)
    looked.badges(page)
    for light in ("green", "yellow", "red"):
        expect(page.locator(f".badge[data-light={light}]").first).to_be_visible()
    click_nav(page, "deadline_list")
    looked.badges(page)
    looked.fields(page)
    logout(page)

    # The entity: the plan editor (text boxes, selects, textareas, checkboxes), every module opened.
    login(page, "hd_entity", DEMO_PASSWORD)
    drafting = ImplementationPlan.objects.filter(
        state=PlanState.DRAFT, project__implementing_entity__name="北京海淀城市更新建设有限公司"
    ).first()
    assert drafting is not None, "the demo has no plan being drafted for hd_entity"
    page.goto(f"{live_server.url}/review/plans/{drafting.pk}/edit/")
    for header in page.locator("#plan-modules .accordion-button").all():
        if "collapsed" in (header.get_attribute("class") or ""):
            header.click()
    expect(page.locator("#plan-modules .accordion-collapse.show")).to_have_count(11)
    looked.fields(page)
    looked.badges(page)
    logout(page)

    # A department with an opinion to give: agree / disagree radios.
    login(page, "hd_fgw", DEMO_PASSWORD)
    click_nav(page, "review:review_inbox")
    page.locator("a", has_text="提出意见").first.click()
    looked.fields(page)
    looked.badges(page)

    shown = looked.problems[:30] + [f"… and {len(looked.problems) - 30} more"] * (len(looked.problems) > 30)
    if looked.problems:
        pytest.fail("not visible:\n" + "\n".join(shown), pytrace=False)
    missing = [
        kind for kind in ("navbar", "navbar text", *FIELDS, "badge", "light") if not looked.seen.get(kind)
    ]
    assert not missing, f"the pages checked showed no {missing}: {looked.seen}"


def test_phone_menu_opens_and_pages_fit_the_screen(new_context, login, live_server):
    call_command("load_demo", stdout=io.StringIO())
    phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    login(phone, "hd_staff", DEMO_PASSWORD)

    toggler = phone.locator("nav.navbar .navbar-toggler")
    links = phone.locator("#mainnav .nav-link")
    expect(toggler).to_be_visible()
    assert not paint_problems(phone, "nav.navbar", "background")
    assert "svg" in phone.locator(".navbar-toggler-icon").evaluate("e => getComputedStyle(e).backgroundImage")
    expect(links.first).to_be_hidden()
    toggler.click()
    expect(phone.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))
    assert links.count() >= 4
    for link in links.all():
        expect(link).to_be_visible()
    expect(phone.locator("#mainnav").get_by_role("button", name="退出")).to_be_visible()

    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # A link of the opened menu leads where it says; that page fits the screen too (every role's every menu
    # page is walked at this size in test_demo_roles.py).
    click_nav(phone, "deadline_list")
    expect(phone).to_have_url(f"{live_server.url}/deadlines/")
    expect(links.first).to_be_hidden()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_long_unbroken_text_wraps(new_context, login, live_server, screen):
    """A 3,000-character value with no space in it (a pasted URL, an ID list) wraps instead of widening the
    page: the project page, the plan page and the plan editor stay within the screen."""
    world = World()
    long_value = "北京市海淀区学院路街道" + "A1" * 1500
    # Names and locations are limited to 200 characters (PostgreSQL enforces it); the goal is free text.
    project = world.implementation_project(name="学院路" + "长" * 197)
    Project.objects.filter(pk=project.pk).update(renewal_goal=long_value, location=long_value[:200])
    plan = world.draft_plan(
        project,
        modules={
            "basic_info": {"renewal_type": "区域综合性", "scope": long_value},
            "positioning": {"positioning": long_value, "text": long_value},
        },
    )
    page = new_context(viewport=screen, is_mobile=screen is PHONE).new_page()
    login(page, world.entity.username, PASSWORD)
    wide = {}
    for path in (f"/projects/{project.pk}/", f"/review/plans/{plan.pk}/", f"/review/plans/{plan.pk}/edit/"):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("main")).to_contain_text("A1A1A1")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > screen["width"]:
            wide[path] = width
    assert not wide, f"wider than the {screen['width']}px screen: {wide}"
