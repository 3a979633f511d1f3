"""Issue 9: nothing a member of the public wrote is public before the district's staff read it.

A comment is received (the commenter gets a receipt number); staff see the original beside a proposal with
every detected personal item highlighted, edit it and publish it, or decline with a reason; the answer is
published the same way. The public page and API show only published texts; a receipt look-up (no login,
rate-limited) tells the commenter where the comment stands.
"""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from renewal.choices import Role
from renewal.models import AuditEvent
from renewal.workflow import TransitionRefused
from review import receipts, services
from review.choices import CommentKind, CommentModeration
from review.models import PublicComment
from tests.factories import user
from tests.review import test_redaction_cases
from tests.review.helpers import World
from tests.review.test_public import open_now, post_comment, signed_in

pytestmark = pytest.mark.django_db

SECRET_TEXT = "我是王建国，住学院路30号院5号楼2单元301室，电话138-1234-5678，反对在楼下建停车场。"
SECRETS = ("王建国", "30号院5号楼2单元301室", "138-1234-5678", "1234-5678")


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()  # the receipt look-up limit is counted in the cache
    yield
    cache.clear()


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def notice(world):
    return open_now(world.publicity())


def submit(notice, text=SECRET_TEXT, **fields):
    values = {"kind": CommentKind.OBJECTION, "contact": "13812345678", "name": "王建国"}
    values.update(fields)
    return services.submit_comment(notice, text=text, **values)


def public_section(html: str) -> str:
    found = re.search(r'<ul class="list-group list-group-flush" data-testid="comments">.*?</ul>', html, re.S)
    assert found, "the public page lists its comments"
    return found.group(0)


def public_views(notice) -> tuple[str, str]:
    """The comments as the public page and the public API show them."""
    client = Client()
    html = client.get(reverse("publicity:detail", args=[notice.pk])).content.decode()
    api = client.get(reverse("review-api:public-notice-detail", args=[notice.pk]))
    assert api.status_code == 200
    return public_section(html), str(api.json()["comments"])


def lookup(number, client=None, **extra):
    return (client or Client()).get(reverse("publicity:receipt"), {"number": number}, **extra)


# --- nothing public before publication ------------------------------------------------------------


def test_a_received_comment_is_not_public_on_the_page_or_the_api(notice):
    comment = submit(notice)
    assert comment.moderation == CommentModeration.RECEIVED
    assert receipts.PATTERN.match(comment.receipt)
    page, api = public_views(notice)
    assert "反对在楼下建停车场" not in page and "反对在楼下建停车场" not in api
    assert api == "[]" and "暂无已公开的公众意见" in page


def test_staff_publish_the_edited_version_and_only_it_is_public(notice, world):
    comment = submit(notice)
    staff = signed_in(world.staff)
    html = staff.get(reverse("review:moderation")).content.decode()
    # The original with every detected item highlighted, beside the proposal pre-filled from redaction.
    for secret in ("王建国", "30号院5号楼2单元301室", "138-1234-5678"):
        assert re.search(rf"<mark[^>]*>{re.escape(secret)}</mark>", html), secret
    assert services.masked_text(comment) in html
    edited = "住户反对在楼下建停车场，担心噪音。"
    response = staff.post(
        reverse("review:comment_moderate", args=[comment.pk, "publish"]),
        {"text": edited, "queue": "received"},
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.moderation, comment.published_text) == (CommentModeration.PUBLISHED, edited)
    assert comment.moderated_by == world.staff and comment.moderated_at is not None
    page, api = public_views(notice)
    assert edited in page and edited in api
    for secret in (*SECRETS, "反对在楼下建停车场。"):
        assert secret not in page and secret not in api


def test_an_answer_is_public_only_once_published(notice, world):
    comment = services.publish_comment(submit(notice), actor=world.staff, text="反对在楼下建停车场。")
    comment = services.respond_to_comment(
        comment, actor=world.staff, response="已电话联系王建国（138-1234-5678），停车场改至北侧。"
    )
    page, api = public_views(notice)
    assert "停车场改至北侧" not in page and "停车场改至北侧" not in api
    assert "待答复" in page
    staff = signed_in(world.staff)
    html = staff.get(reverse("review:moderation") + "?queue=answers").content.decode()
    assert 'data-action="publish-answer"' in html and services.masked_response(comment) in html
    response = staff.post(
        reverse("review:comment_moderate", args=[comment.pk, "publish_answer"]),
        {"text": services.masked_response(comment), "queue": "answers"},
    )
    assert response.status_code == 302
    page, api = public_views(notice)
    assert "停车场改至北侧" in page and "停车场改至北侧" in api
    for secret in SECRETS:
        assert secret not in page and secret not in api
    # Published once: a second publication is refused with the reason.
    comment.refresh_from_db()
    with pytest.raises(TransitionRefused, match="答复已公开"):
        services.publish_answer(comment, actor=world.staff, text="再次公开")


def test_an_answer_to_an_unpublished_comment_cannot_be_published(notice, world):
    comment = services.respond_to_comment(submit(notice), actor=world.staff, response="已研究")
    with pytest.raises(TransitionRefused, match="当前状态为“已收到”"):
        services.publish_answer(comment, actor=world.staff, text="已研究")


def test_publishing_needs_a_text(notice, world):
    comment = submit(notice)
    response = signed_in(world.staff).post(
        reverse("review:comment_moderate", args=[comment.pk, "publish"]), {"text": "  "}
    )
    assert response.status_code == 400 and "请填写公开文本。" in response.content.decode()
    comment.refresh_from_db()
    assert comment.moderation == CommentModeration.RECEIVED


# --- declining ------------------------------------------------------------------------------------


def test_declining_needs_a_reason_and_keeps_the_comment_off_the_public_page(notice, world):
    comment = submit(notice, text="专业开锁，电话13912345678")
    staff = signed_in(world.staff)
    url = reverse("review:comment_moderate", args=[comment.pk, "decline"])
    response = staff.post(url, {"reason": ""})
    assert response.status_code == 400 and "请填写不予公开的原因。" in response.content.decode()
    with pytest.raises(TransitionRefused, match="不予公开须填写原因"):
        services.decline_comment(comment, actor=world.staff, reason="  ")
    comment.refresh_from_db()
    assert comment.moderation == CommentModeration.RECEIVED
    assert staff.post(url, {"reason": "与本项目无关的广告"}).status_code == 302
    comment.refresh_from_db()
    assert comment.moderation == CommentModeration.DECLINED
    assert comment.decline_reason == "与本项目无关的广告"
    page, api = public_views(notice)
    assert "专业开锁" not in page and "专业开锁" not in api
    with pytest.raises(TransitionRefused):
        services.publish_comment(comment, actor=world.staff, text="专业开锁")


# --- the receipt ----------------------------------------------------------------------------------


def test_the_commenter_gets_a_receipt_and_looks_up_each_status(notice, world):
    client = Client()
    response = post_comment(client, notice, text="建议保留大槐树", notify_email="me@example.org")
    assert response.status_code == 302
    comment = PublicComment.objects.get()
    assert comment.notify_email == "me@example.org"
    received = client.get(response["Location"]).content.decode()
    assert comment.receipt in received and reverse("publicity:receipt") in received

    def status(number=None):
        response = lookup(number or comment.receipt)
        assert response.status_code == 200
        return response.content.decode()

    html = status()
    assert "已收到" in html and "建议保留大槐树" not in html and "13900001111" not in html
    # Typed in lower case with spaces, as people do.
    assert "已收到" in status(f" {comment.receipt[:8].lower()} {comment.receipt[8:].lower()} ")
    comment = services.publish_comment(comment, actor=world.staff, text="建议保留大槐树。")
    html = status()
    assert "已公开" in html and "建议保留大槐树。" in html and "已答复" not in html
    comment = services.respond_to_comment(comment, actor=world.staff, response="采纳，保留大槐树")
    html = status()
    assert "已答复" in html and "采纳，保留大槐树" not in html  # the answer text waits for publication
    services.publish_answer(comment, actor=world.staff, text="采纳，保留大槐树")
    assert "采纳，保留大槐树" in status()


def test_a_declined_comment_shows_the_reason_by_receipt(notice, world):
    comment = services.decline_comment(submit(notice), actor=world.staff, reason="含有他人住址，请重新提交")
    html = lookup(comment.receipt).content.decode()
    assert "不予公开" in html and "含有他人住址，请重新提交" in html
    for secret in SECRETS:
        assert secret not in html


@pytest.mark.parametrize("number", ["GS20260302ABCDEF", "GS2026", "'; DROP TABLE", "x" * 40, "回执"])
def test_an_unknown_receipt_is_a_chinese_404(notice, number):
    submit(notice)
    response = lookup(number)
    assert response.status_code == 404
    html = response.content.decode()
    assert "未找到回执号" in html and "请核对回执号" in html


def test_an_empty_receipt_is_refused_in_chinese(notice):
    response = lookup("")
    assert response.status_code == 400 and "请填写回执号。" in response.content.decode()
    assert Client().get(reverse("publicity:receipt")).status_code == 200  # the form itself


def test_receipt_lookups_are_rate_limited_per_visitor(notice):
    comment = submit(notice)
    client = Client()
    for _ in range(services.RECEIPT_LOOKUPS_PER_HOUR):
        assert lookup(comment.receipt, client, REMOTE_ADDR="203.0.113.9").status_code == 200
    response = lookup(comment.receipt, client, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429 and "查询过于频繁" in response.content.decode()
    assert lookup(comment.receipt, client, REMOTE_ADDR="198.51.100.1").status_code == 200


def test_receipts_are_unique_and_unguessable(notice):
    numbers = {submit(notice, text=f"意见{n}").receipt for n in range(5)}
    assert len(numbers) == 5
    assert all(receipts.PATTERN.match(n) for n in numbers)


def test_the_public_pages_link_the_receipt_lookup(notice):
    client = Client()
    for url in (reverse("publicity:list"), reverse("publicity:detail", args=[notice.pk])):
        assert reverse("publicity:receipt") in client.get(url).content.decode()


# --- audit ----------------------------------------------------------------------------------------


def test_every_moderation_step_is_audited(notice, world):
    first = submit(notice)
    second = submit(notice, text="另一条意见")
    services.publish_comment(first, actor=world.staff, text="公开文本")
    services.decline_comment(second, actor=world.staff, reason="重复提交")
    first = services.respond_to_comment(
        PublicComment.objects.get(pk=first.pk), actor=world.staff, response="答复"
    )
    services.publish_answer(first, actor=world.staff, text="答复")
    events = {e.action: e for e in AuditEvent.objects.filter(action__startswith="public_comment_moderation.")}
    assert set(events) == {
        "public_comment_moderation.publish",
        "public_comment_moderation.decline",
        "public_comment_moderation.publish_answer",
    }
    publish = events["public_comment_moderation.publish"]
    assert (publish.from_state, publish.to_state) == ("received", "published")
    assert publish.actor == world.staff and publish.data["edited"] is True
    decline = events["public_comment_moderation.decline"]
    assert (decline.to_state, decline.reason) == ("declined", "重复提交")
    assert AuditEvent.objects.filter(action="publicity.comment").count() == 2
    # The receipt number is the commenter's key: it is not written into the trail.
    assert not AuditEvent.objects.filter(data__icontains=first.receipt).exists()


# --- who may moderate -----------------------------------------------------------------------------


def test_another_districts_staff_get_404_and_see_nothing(notice, world):
    comment = submit(notice)
    other_staff = user(Role.STAFF, district_code="110102")
    outsider = signed_in(other_staff)
    for action in ("publish", "decline", "publish_answer"):
        url = reverse("review:comment_moderate", args=[comment.pk, action])
        assert outsider.post(url, {"text": "越权", "reason": "越权"}).status_code == 404
    html = outsider.get(reverse("review:moderation")).content.decode()
    assert comment.receipt not in html and "王建国" not in html
    api = APIClient()
    api.force_authenticate(other_staff)
    assert (
        api.post(f"/api/v1/publicity-comments/{comment.pk}/actions/publish/", {"text": "x"}).status_code
        == 404
    )
    comment.refresh_from_db()
    assert comment.moderation == CommentModeration.RECEIVED


@pytest.mark.parametrize("role", [Role.ENTITY, Role.REVIEWER, Role.LEADERSHIP, Role.AUDITOR])
def test_other_roles_may_not_moderate(notice, world, role):
    comment = submit(notice)
    person = world.entity if role == Role.ENTITY else user(role)
    client = signed_in(person)
    assert client.get(reverse("review:moderation")).status_code == 403
    url = reverse("review:comment_moderate", args=[comment.pk, "publish"])
    assert client.post(url, {"text": "x"}).status_code == 403
    comment.refresh_from_db()
    assert comment.moderation == CommentModeration.RECEIVED


def test_moderation_through_the_api(notice, world):
    comment = submit(notice)
    api = APIClient()
    api.force_authenticate(world.staff)
    actions = {
        row["name"]: row for row in api.get(f"/api/v1/publicity-comments/{comment.pk}/actions/").json()
    }
    assert actions["publish"]["allowed"] and actions["decline"]["reason_required"]
    assert not actions["publish_answer"]["allowed"]
    detail = api.get(f"/api/v1/publicity-comments/{comment.pk}/").json()
    assert detail["receipt"] == comment.receipt and detail["proposed_text"] == services.masked_text(comment)
    refused = api.post(f"/api/v1/publicity-comments/{comment.pk}/actions/decline/", {"reason": ""})
    assert refused.status_code == 400
    done = api.post(f"/api/v1/publicity-comments/{comment.pk}/actions/publish/", {"text": "公开的版本"})
    assert done.status_code == 200 and done.json()["moderation"] == "published"
    entity = APIClient()
    entity.force_authenticate(world.entity)
    theirs = entity.get(f"/api/v1/publicity-comments/{comment.pk}/").json()
    assert theirs["receipt"] is None and theirs["proposed_text"] is None and theirs["text"] == "公开的版本"


def test_moderation_page_lists_with_a_bounded_number_of_queries(notice, world, django_assert_max_num_queries):
    for n in range(12):
        submit(notice, text=f"第{n}条意见，我是王建国")
    staff = signed_in(world.staff)
    staff.get(reverse("review:moderation"))
    with django_assert_max_num_queries(20):
        response = staff.get(reverse("review:moderation"))
    assert response.status_code == 200 and response.content.decode().count("data-moderate=") == 12


# --- the cases of personal data that reached the public before (tests/review/test_redaction_cases.py) ----

CASES = next(
    mark
    for mark in test_redaction_cases.test_each_way_of_writing_personal_data_is_masked.pytestmark
    if mark.name == "parametrize"
).args[1]


def test_no_personal_data_case_reaches_the_public_unless_staff_publish_it(notice, world):
    comments = [(submit(notice, text=text, name="", contact="010-0000"), secret) for text, secret in CASES]
    assert len(comments) == len(CASES) >= 21
    page, api = public_views(notice)
    for comment, secret in comments:
        assert comment.text not in page and secret not in page, secret
        assert comment.text not in api and secret not in api, secret
    # Staff publish the proposals as pre-filled: still none of the secrets.
    for comment, _ in comments:
        services.publish_comment(comment, actor=world.staff, text=services.masked_text(comment))
    page, api = public_views(notice)
    leaked = [secret for _, secret in comments if secret in page or secret in api]
    assert not leaked, leaked
    # Only what staff choose to publish is public: published verbatim, it is there.
    verbatim = submit(notice, text="本人王小明反对。", name="", contact="010-0000")
    services.publish_comment(verbatim, actor=world.staff, text=verbatim.text)
    page, api = public_views(notice)
    assert "王小明" in page and "王小明" in api


def test_the_proposal_keeps_the_writers_own_punctuation():
    """Only the detected items change in the proposal; full-width brackets and digits elsewhere stay."""
    from review.redaction import MASK, redact

    assert (
        redact("已电话联系您（13900001111），３号楼不受影响。") == f"已电话联系您（{MASK}），３号楼不受影响。"
    )


def test_the_moderation_counts_are_one_query(django_assert_num_queries):
    """Issue 16: both queues counted in one aggregate (a COUNT each was 4–5 ms of the staff's inbox)."""
    from review.views.moderation import moderation_counts
    from tests.review.helpers import World

    staff = World().staff
    staff.effective_role  # noqa: B018  (loaded before counting)
    with django_assert_num_queries(1):
        assert moderation_counts(staff) == {"received": 0, "answers": 0}
