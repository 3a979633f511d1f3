"""Public notices (公示, no login) and the staff's page for answering the public's opinions.

联合审查办法 第十一条: a plan that passed joint review is published for at least 15 working days. The
public reads notices and comments only through review.services.public_text — never names or contacts.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from renewal import calendar as workdays
from renewal.choices import Role
from renewal.models import District
from renewal.permissions import get_visible_or_404
from renewal.views import RoleRequiredMixin
from renewal.workflow import TransitionRefused
from review import services
from review.choices import CommentKind, CommentOutcome, PlanState, PublicityState
from review.models import PublicComment, Publicity
from review.redaction import redact

PUBLIC_PAGE_SIZE = 20
# Who may read the commenters' names and contact details: the officers who answer them.
PERSONAL_DATA_ROLES = (Role.STAFF, Role.ADMINISTRATOR)


# --- the window as the public sees it -------------------------------------------------------------


@dataclass(frozen=True)
class WindowStatus:
    """Where a notice's window stands at a moment: upcoming, open or ended, and working days left."""

    status: str  # "upcoming" | "open" | "ended"
    first_day: datetime.date
    last_day: datetime.date
    days_left: int | None  # working days after today up to and including the last day; None once ended

    @property
    def label(self) -> str:
        return {"upcoming": "即将开始", "open": "公示中", "ended": "已结束"}[self.status]

    @property
    def badge(self) -> str:
        return {"upcoming": "info", "open": "warning", "ended": "secondary"}[self.status]

    @property
    def accepts_comments(self) -> bool:
        return self.status == "open"


def window_status(publicity: Publicity, now=None, snapshot=None) -> WindowStatus:
    """The window of a notice at `now`; a snapshot of the calendar saves queries on lists."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    first_day = timezone.localtime(publicity.starts_at).date()
    last_day = timezone.localtime(publicity.ends_at).date()
    if publicity.state != PublicityState.OPEN or now > publicity.ends_at:
        return WindowStatus("ended", first_day, last_day, None)
    if snapshot is not None and snapshot.covers(today) and snapshot.covers(last_day):
        left = snapshot.between(today, last_day)[0]
    else:
        left = workdays.working_days_between(today, last_day)[0]
    status = "upcoming" if now < publicity.starts_at else "open"
    return WindowStatus(status, first_day, last_day, max(left, 0))


def windows_for(notices, now=None) -> dict[int, WindowStatus]:
    """Window status of many notices from one calendar snapshot (two queries, not two per notice)."""
    notices = list(notices)
    if not notices:
        return {}
    now = now or timezone.now()
    last_days = [timezone.localtime(p.ends_at).date() for p in notices]
    snapshot = workdays.snapshot_for(last_days, timezone.localtime(now).date())
    return {p.pk: window_status(p, now, snapshot) for p in notices}


def public_response(comment: PublicComment) -> str:
    """The staff's answer as shown publicly: masked like the comment, in case it quotes the commenter."""
    return redact(comment.response, extra_terms=(comment.name, comment.contact)) if comment.response else ""


def public_comments(publicity: Publicity) -> list[dict]:
    """What the public may read of each comment — never the name, contact or fingerprint."""
    return [
        {
            "pk": comment.pk,
            "kind": comment.kind,
            "kind_label": comment.get_kind_display(),
            "text": services.public_text(comment),
            "submitted_at": comment.submitted_at,
            "response": public_response(comment),
            "responded_at": comment.responded_at,
        }
        for comment in publicity.comments.all()
    ]


def public_notices():
    return (
        Publicity.objects.public()
        .select_related(
            "plan__project__district",
            "plan__project__category",
            "plan__project__sub_type",
            "plan__project__implementing_entity",
            "plan__project__coordinating_entity",
        )
        .order_by("-published_on", "-pk")
    )


def public_notice_or_404(pk) -> Publicity:
    """A published notice; a withdrawn one is as absent as one that never existed."""
    try:
        return public_notices().get(pk=pk)
    except Publicity.DoesNotExist as exc:
        raise Http404("未找到该公示。") from exc


# --- forms ----------------------------------------------------------------------------------------


class PublicCommentForm(forms.Form):
    """The public's opinion on a notice; name and contact reach the staff only."""

    kind = forms.ChoiceField(
        label="意见类型",
        choices=CommentKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择意见类型。", "invalid_choice": "请选择意见类型。"},
    )
    text = forms.CharField(
        label="意见内容",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "请填写意见内容。", "max_length": "意见内容不能超过5000字。"},
    )
    contact = forms.CharField(
        label="联系方式",
        max_length=120,
        help_text="仅用于工作人员联系，不公开",
        error_messages={"required": "请填写联系方式（不会公开）。", "max_length": "联系方式不能超过120字。"},
    )
    name = forms.CharField(
        label="姓名",
        max_length=60,
        required=False,
        help_text="选填，不公开",
        error_messages={"max_length": "姓名不能超过60字。"},
    )


class CommentResponseForm(forms.Form):
    response = forms.CharField(
        label="答复内容",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写答复内容。"},
    )
    accept = forms.BooleanField(label="采纳异议并退回修改", required=False)


# --- public pages ---------------------------------------------------------------------------------


class PublicNoticeListView(View):
    """公示公告: every published notice, newest first, with its window and working days left."""

    def get(self, request):
        notices = public_notices()
        districts = District.objects.all()
        district_code = request.GET.get("district", "").strip()
        selected = next((d for d in districts if d.code == district_code), None)
        if selected is not None:
            notices = notices.filter(plan__project__district=selected)
        page = Paginator(notices, PUBLIC_PAGE_SIZE).get_page(request.GET.get("page"))
        windows = windows_for(page.object_list)
        rows = [{"notice": p, "window": windows[p.pk]} for p in page.object_list]
        return render(
            request,
            "review/public_list.html",
            {"page": page, "rows": rows, "districts": districts, "selected_district": selected},
        )


def _render_detail(request, publicity: Publicity, form=None, *, refusal: str = "", status: int = 200):
    window = window_status(publicity)
    if form is None and window.accepts_comments:
        form = PublicCommentForm()
    context = {
        "publicity": publicity,
        "project": publicity.plan.project,
        "window": window,
        "comments": public_comments(publicity),
        "form": form,
        "refusal": refusal,
    }
    return render(request, "review/public_detail.html", context, status=status)


class PublicNoticeDetailView(View):
    def get(self, request, pk):
        return _render_detail(request, public_notice_or_404(pk))


class PublicCommentView(View):
    """POST an opinion; refusals come back on the notice with what was typed (CSRF stays on)."""

    def post(self, request, pk):
        publicity = public_notice_or_404(pk)
        form = PublicCommentForm(request.POST)
        if not form.is_valid():
            return _render_detail(request, publicity, form, status=400)
        data = form.cleaned_data
        client = services.fingerprint(
            request.META.get("REMOTE_ADDR"), request.META.get("HTTP_USER_AGENT", "")
        )
        try:
            services.submit_comment(
                publicity,
                kind=data["kind"],
                text=data["text"],
                contact=data["contact"],
                name=data["name"],
                client=client,
                request=request,
            )
        except TransitionRefused as refusal:
            status = 429 if isinstance(refusal, services.CommentRateLimited) else 400
            return _render_detail(request, publicity, form, refusal=refusal.message, status=status)
        messages.success(request, "感谢您的意见！我们已收到，工作人员将逐条研究并答复，答复将在本页公布。")
        return redirect("publicity:detail", pk=publicity.pk)


# --- staff ----------------------------------------------------------------------------------------


def _staff_publicity(user, pk) -> Publicity:
    return get_visible_or_404(
        Publicity.objects.select_related(
            "plan__project__district",
            "plan__project__category",
            "plan__project__sub_type",
            "plan__project__implementing_entity",
            "opinion",
            "published_by",
        ).prefetch_related(
            Prefetch("comments", queryset=PublicComment.objects.select_related("responded_by")),
        ),
        user,
        pk=pk,
    )


def _render_comments(request, publicity: Publicity, *, failed=None, status=200):
    """Every comment with its full details for the district's staff; read-only for other roles."""
    user = request.user
    can_respond = services.is_plan_staff(user, publicity.plan)
    role = Role.ADMINISTRATOR if user.is_superuser else user.role
    personal = role in PERSONAL_DATA_ROLES
    failed_pk, failed_form = failed or (None, None)
    rows = []
    for comment in publicity.comments.all():
        form = None
        if can_respond and comment.outcome == CommentOutcome.PENDING:
            form = (
                failed_form if comment.pk == failed_pk else CommentResponseForm(auto_id=f"id_%s_{comment.pk}")
            )
        rows.append(
            {
                "comment": comment,
                "text": comment.text if personal else services.public_text(comment),
                "form": form,
                # Only an objection to the notice now in force can send the plan back.
                "may_accept": comment.kind == CommentKind.OBJECTION
                and publicity.state != PublicityState.WITHDRAWN
                and publicity.plan.state == PlanState.PUBLICITY,
            }
        )
    context = {
        "publicity": publicity,
        "project": publicity.plan.project,
        "window": window_status(publicity),
        "rows": rows,
        "personal": personal,
        "can_respond": can_respond,
        "pending": sum(1 for c in publicity.comments.all() if c.outcome == CommentOutcome.PENDING),
        "is_public": publicity.state in (PublicityState.OPEN, PublicityState.CLOSED),
        "error": _unplaced_error(failed_form, rows),
    }
    return render(request, "review/publicity_comments.html", context, status=status)


def _unplaced_error(failed_form, rows) -> str:
    """A refusal for a comment that no longer has its form (answered meanwhile) is shown on top."""
    if failed_form is None or any(row["form"] is failed_form for row in rows):
        return ""
    return "；".join(error for errors in failed_form.errors.values() for error in errors)


class PublicityCommentsView(RoleRequiredMixin, View):
    """Staff of the district answer here; the project's entity, reviewers and leaders may read."""

    allowed_roles = tuple(Role)

    def get(self, request, pk):
        return _render_comments(request, _staff_publicity(request.user, pk))


class CommentRespondView(RoleRequiredMixin, View):
    """Staff answer one comment; accepting an objection sends the plan back (services decide)."""

    allowed_roles = (Role.STAFF, Role.ADMINISTRATOR)

    def post(self, request, pk):
        comment = get_visible_or_404(PublicComment.objects.all(), request.user, pk=pk)
        form = CommentResponseForm(request.POST, auto_id=f"id_%s_{comment.pk}")
        if form.is_valid():
            accept = form.cleaned_data["accept"]
            try:
                services.respond_to_comment(
                    comment,
                    actor=request.user,
                    response=form.cleaned_data["response"],
                    accept=accept,
                    request=request,
                )
            except TransitionRefused as refusal:
                form.add_error(None, refusal.message)
            else:
                if accept:
                    messages.success(request, "已采纳异议：实施方案退回修改，本次公示终止。")
                else:
                    messages.success(request, "答复已保存。")
                return redirect("review:publicity_comments", pk=comment.publicity_id)
        publicity = _staff_publicity(request.user, comment.publicity_id)
        return _render_comments(request, publicity, failed=(comment.pk, form), status=400)
