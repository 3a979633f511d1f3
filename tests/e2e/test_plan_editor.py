"""The plan editor in a real browser: every one of the 11 modules opens (Bootstrap's collapse must run), the
last one can be filled and saved, and the plan page shows what was saved, numbered as in the editor."""

import pytest
from playwright.sync_api import expect

from review.models import ImplementationPlan
from review.modules import MODULES
from tests.factories import PASSWORD
from tests.review.helpers import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_every_module_opens_and_the_last_one_saves(page, login, live_server):
    world = World()
    plan = world.draft_plan()
    login(page, world.entity.username, PASSWORD)
    page.goto(f"{live_server.url}/review/plans/{plan.pk}/edit/")

    items = page.locator("#plan-modules .accordion-item")
    expect(items).to_have_count(11)
    assert len(MODULES) == 11
    for number, module in enumerate(MODULES, start=1):
        item = page.locator(f".accordion-item[data-module='{module.code}']")
        header = item.locator(".accordion-button")
        body = item.locator(".accordion-collapse")
        expect(header).to_contain_text(f"{number}. {module.title}")
        if number == 1:
            # The first module is open on arrival; its header closes it and opens it again.
            expect(body).to_be_visible()
            header.click()
            expect(body).to_be_hidden()
            expect(header).to_have_attribute("aria-expanded", "false")
        else:
            expect(body).to_be_hidden()
        header.click()
        expect(body).to_be_visible()
        expect(header).to_have_attribute("aria-expanded", "true")
        expect(item.locator("[data-field]").first).to_be_visible()

    # 11. 协商表决情况: the entity fills it and saves.
    page.check("[name='consultation.common_decision']")
    page.fill("[name='consultation.holders_count']", "240")
    page.fill("[name='consultation.agree_count']", "221")
    page.fill("[name='consultation.vote_date']", "2026-09-20")
    page.fill("[name='consultation.vote_summary']", "业主大会书面表决，221户同意，同意率92%。")
    page.click("[data-action=save]")

    expect(page.locator(".alert-success")).to_contain_text("实施方案已保存。")
    assert page.url == f"{live_server.url}/review/plans/{plan.pk}/"
    saved = page.locator("#modules [data-module=consultation]")
    expect(saved).to_contain_text("11. 协商表决情况")
    expect(saved).to_contain_text("业主大会书面表决，221户同意，同意率92%。")
    expect(saved).to_contain_text("240")
    expect(saved).to_contain_text("221")
    expect(saved).to_contain_text("2026年9月20日")
    content = ImplementationPlan.objects.get(pk=plan.pk).content["consultation"]
    assert content["vote_summary"] == "业主大会书面表决，221户同意，同意率92%。"

    # Back in the editor the value is there, in the module that held it.
    page.goto(f"{live_server.url}/review/plans/{plan.pk}/edit/")
    last = page.locator(".accordion-item[data-module=consultation]")
    last.locator(".accordion-button").click()
    expect(last.locator("[name='consultation.vote_summary']")).to_have_value(
        "业主大会书面表决，221户同意，同意率92%。"
    )
    expect(last.locator(".accordion-button .badge")).to_have_text("已填写")
