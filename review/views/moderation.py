"""公示意见审核: the district's staff read each comment the public sent, beside a proposed public version
with every detected personal item highlighted, edit it and publish it, or decline to publish it with a
reason; their answers are published the same way (issue 9). Rules live in
review.workflows.PUBLIC_COMMENT_MODERATION; this page only draws its steps.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from renewal import calendar as workdays
from renewal.choices import Role
from renewal.permissions import get_visible_or_404
from renewal.views import RoleRequiredMixin
from renewal.workflow import TransitionRefused
from review import services
from review.choices import CommentKind, CommentModeration
from review.models import PublicComment
from review.redaction import masked_response, masked_text, segments
from review.views.plans import refuse_unless_permitted
from review.workflows import PUBLIC_COMMENT_MODERATION, offered

PAGE_SIZE = 20
MODERATION_ROLES = (Role.STAFF, Role.ADMINISTRATOR)

# The queues of the page: (value, label, filter).
QUEUES = {
    "received": ("待审核意见", Q(moderation=CommentModeration.RECEIVED)),
    "answers": (
        "待公开答复",
        Q(moderation=CommentModeration.PUBLISHED, response_published_at=None) & ~Q(response=""),
    ),
    "published": ("已公开", Q(moderation=CommentModeration.PUBLISHED)),
    "declined": ("不予公开", Q(moderation=CommentModeration.DECLINED)),
}


class PublishForm(forms.Form):
    text = forms.CharField(
        label="公开文本",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="已按识别结果隐去个人信息，请逐字核对后公开",
        error_messages={"required": "请填写公开文本。", "max_length": "公开文本不能超过5000字。"},
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="不予公开的原因",
        max_length=1000,
        help_text="提交人凭回执号可以看到此原因",
        error_messages={"required": "请填写不予公开的原因。", "max_length": "原因不能超过1000字。"},
    )


class PublishAnswerForm(forms.Form):
    text = forms.CharField(
        label="公开的答复",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="已按识别结果隐去个人信息，请逐字核对后公开",
        error_messages={"required": "请填写公开的答复文本。", "max_length": "答复不能超过5000字。"},
    )


FORMS = {"publish": PublishForm, "decline": DeclineForm, "publish_answer": PublishAnswerForm}


def _form(action, comment, data=None):
    return FORMS[action](data, auto_id=f"id_{action}_%s_{comment.pk}")


def _initial(action, comment) -> dict:
    if action == "publish":
        return {"text": masked_text(comment)}
    if action == "publish_answer":
        return {"text": masked_response(comment)}
    return {}


def _rows(user, comments, failed=None):
    comments = list(comments)
    today = timezone.localdate()
    last_days = {c.pk: timezone.localtime(c.publicity.ends_at).date() for c in comments}
    snapshot = workdays.snapshot_for(list(last_days.values()), today) if comments else None
    failed_pk, failed_action, failed_form = failed or (None, None, None)
    rows = []
    for comment in comments:
        steps = offered(PUBLIC_COMMENT_MODERATION, user, comment)
        forms_ = {}
        for action, step in steps.items():
            if not step.allowed:
                continue
            if comment.pk == failed_pk and action == failed_action:
                forms_[action] = failed_form
            else:
                form = _form(action, comment)
                form.initial = _initial(action, comment)
                forms_[action] = form
        terms = (comment.name, comment.contact)
        rows.append(
            {
                "comment": comment,
                "original": segments(comment.text, extra_terms=terms),
                "answer": segments(comment.response, extra_terms=terms) if comment.response else [],
                "steps": steps,
                "forms": forms_,
                "light": snapshot.light(last_days[comment.pk], today) if snapshot else None,
            }
        )
    return rows


def _render(request, *, failed=None, status=200):
    user = request.user
    queue = request.GET.get("queue") or request.POST.get("queue") or "received"
    queue = queue if queue in QUEUES else "received"
    kind = request.GET.get("kind", "")
    comments = (
        PublicComment.objects.visible_to(user)
        .filter(QUEUES[queue][1])
        .select_related("publicity__plan__project__district", "responded_by", "moderated_by")
        .order_by("submitted_at", "pk")
    )
    if kind in CommentKind.values:
        comments = comments.filter(kind=kind)
    else:
        kind = ""
    counts = moderation_counts(user)
    page = Paginator(comments, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _rows(user, page.object_list, failed)
    placed = failed is not None and any(failed[2] in row["forms"].values() for row in rows)
    context = {
        "page": page,
        "rows": rows,
        "queue": queue,
        "queues": [(value, label, counts.get(value)) for value, (label, _) in QUEUES.items()],
        "kind": kind,
        "kinds": CommentKind.choices,
        "error": "；".join(e for errors in failed[2].errors.values() for e in errors)
        if failed and not placed
        else "",
    }
    return render(request, "review/moderation.html", context, status=status)


def moderation_counts(user) -> dict:
    """What waits for this user's moderation, for links from other pages (the review inbox)."""
    if user.effective_role not in MODERATION_ROLES:
        return {}
    # One aggregate over the scope's joins, not a COUNT per queue (issue 16: 4–5 ms of the staff's inbox).
    queues = ("received", "answers")
    return PublicComment.objects.visible_to(user).aggregate(
        **{value: Count("pk", filter=QUEUES[value][1]) for value in queues}
    )


class ModerationView(RoleRequiredMixin, View):
    """The district's staff: comments waiting to be read, answers waiting to be published."""

    allowed_roles = MODERATION_ROLES

    def get(self, request):
        return _render(request)


class ModerateView(RoleRequiredMixin, View):
    """One moderation step on one comment (publish / decline / publish_answer); services decide."""

    allowed_roles = MODERATION_ROLES

    def post(self, request, pk, action):
        comment = get_visible_or_404(
            PublicComment.objects.select_related("publicity__plan__project"), request.user, pk=pk
        )
        if action not in FORMS:
            raise PermissionDenied("没有这一审核操作。")
        refuse_unless_permitted(PUBLIC_COMMENT_MODERATION, action, request.user, comment)
        form = _form(action, comment, request.POST)
        if form.is_valid():
            try:
                if action == "publish":
                    services.publish_comment(
                        comment, actor=request.user, text=form.cleaned_data["text"], request=request
                    )
                    messages.success(request, f"意见（回执号 {comment.receipt}）已公开。")
                elif action == "decline":
                    services.decline_comment(
                        comment, actor=request.user, reason=form.cleaned_data["reason"], request=request
                    )
                    messages.success(request, f"意见（回执号 {comment.receipt}）不予公开，原因已记录。")
                else:
                    services.publish_answer(
                        comment, actor=request.user, text=form.cleaned_data["text"], request=request
                    )
                    messages.success(request, f"意见（回执号 {comment.receipt}）的答复已公开。")
            except TransitionRefused as refusal:
                form.add_error(None, refusal.message)
            else:
                return redirect(_back(request))
        return _render(request, failed=(comment.pk, action, form), status=400)


def _back(request) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("review:moderation")
