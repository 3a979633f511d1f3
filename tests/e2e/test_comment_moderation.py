"""Issue 9 in a real browser: a member of the public comments and gets a receipt number; the comment is not
public; the district's staff read it beside the proposal (personal data highlighted), edit and publish it;
the public page shows the edited version, and the receipt look-up says 已公开."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from renewal.demo import DEMO_PASSWORD
from review.demo import PUBLICITY_PROJECT
from review.models import PublicComment, Publicity
from tests.e2e.browser import click_nav

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "我是钱小军，住学院路30号院5号楼2单元301室，电话139-1234-5678，反对在楼前新建停车楼。"
EDITED = "住户反对在楼前新建停车楼，担心采光和噪音。"


def test_a_comment_is_public_only_after_staff_publish_it(
    page, browser_watch, new_context, login, live_server, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", stdout=io.StringIO())
    publicity = Publicity.objects.get(plan__project__name=PUBLICITY_PROJECT)

    # A member of the public comments (no login) and is given a receipt number.
    visitor = new_context().new_page()
    visitor.goto(f"{live_server.url}/publicity/")
    visitor.click(f"text={PUBLICITY_PROJECT}")
    visitor.check("#kind-objection")
    visitor.fill("[name=text]", TEXT)
    visitor.fill("[name=contact]", "13912345678")
    visitor.fill("[name=name]", "钱小军")
    visitor.fill("[name=notify_email]", "qian@example.com")
    visitor.click("[data-testid=comment-form] button[type=submit]")
    expect(visitor.locator("body")).to_contain_text("感谢您的意见")
    receipt = visitor.locator("[data-testid=receipt]").inner_text().strip()
    comment = PublicComment.objects.get(receipt=receipt)
    assert comment.notify_email == "qian@example.com"

    # Not public yet; the receipt look-up says 已收到.
    visitor.goto(f"{live_server.url}/publicity/{publicity.pk}/")
    expect(visitor.locator("[data-testid=comments]")).not_to_contain_text("停车楼")
    visitor.click("text=凭回执号查询意见处理情况")
    visitor.fill("[name=number]", receipt.lower())
    visitor.click("[data-testid=receipt-form] button[type=submit]")
    expect(visitor.locator("[data-testid=status]")).to_contain_text("已收到")

    # Staff read it beside the proposal, with the personal data highlighted, edit and publish.
    login(page, "hd_staff", DEMO_PASSWORD)
    click_nav(page, "review:review_inbox")
    expect(page.locator("[data-testid=moderation-link]")).to_contain_text("待审核意见 2 条")
    page.click("text=进入公示意见审核")
    card = page.locator(f"[data-moderate='{comment.pk}']")
    expect(card.locator("mark", has_text="钱小军")).to_have_count(1)
    expect(card.locator("mark", has_text="139-1234-5678")).to_have_count(1)
    proposal = card.locator("textarea[name=text]")
    assert "钱小军" not in proposal.input_value() and "139-1234-5678" not in proposal.input_value()
    proposal.fill(EDITED)
    asked = len(browser_watch.dialogs)
    card.locator("[data-action=publish-comment]").click()
    expect(page.locator("body")).to_contain_text(f"意见（回执号 {receipt}）已公开")
    assert "确认公开" in "".join(browser_watch.dialogs[asked:])

    # The public page shows the edited version, nothing of the original; the look-up says 已公开.
    visitor.goto(f"{live_server.url}/publicity/{publicity.pk}/")
    comments = visitor.locator("[data-testid=comments]")
    expect(comments).to_contain_text(EDITED)
    for secret in ("钱小军", "30号院", "139-1234-5678", "反对在楼前新建停车楼。"):
        expect(comments).not_to_contain_text(secret)
    visitor.goto(f"{live_server.url}/publicity/receipt/?number={receipt}")
    expect(visitor.locator("[data-testid=status]")).to_contain_text("已公开")
    expect(visitor.locator("[data-testid=public-text]")).to_contain_text(EDITED)
