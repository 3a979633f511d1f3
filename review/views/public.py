"""Public notices (公示, no login) and the staff's page for answering the public's opinions.

联合审查办法 第十一条: a plan that passed joint review is published for at least 15 working days. The
public reads only what the district's staff published (review.redaction.public_text) — never names or
contacts; a commenter follows the comment by its receipt number (issue 9).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from renewal import calendar as workdays
from renewal.choices import Role
from renewal.models import District
from renewal.permissions import get_visible_or_404
from renewal.views import RoleRequiredMixin
from renewal.workflow import TransitionRefused
from review import public_cache, services
from review.choices import CommentKind, CommentOutcome, PublicityState
from review.models import PublicComment, Publicity
from review.redaction import internal_response, internal_text, public_response, public_text
from review.selectors import public_comments, public_notices, window_status, windows_for
from review.views.plans import refuse_unless_permitted
from review.workflows import PUBLIC_COMMENT, is_plan_staff, offered

PUBLIC_PAGE_SIZE = 20
# Who may read the commenters' names and contact details: the officers who answer them.


# --- the window as the public sees it -------------------------------------------------------------


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
    notify_email = forms.EmailField(
        label="答复通知邮箱",
        required=False,
        help_text="选填，不公开；答复公开后将发送通知",
        error_messages={"invalid": "请填写有效的电子邮箱地址。", "max_length": "电子邮箱地址过长。"},
    )


class ReceiptLookupForm(forms.Form):
    number = forms.CharField(
        label="回执号",
        max_length=40,
        error_messages={"required": "请填写回执号。", "max_length": "回执号格式不正确。"},
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
        if not public_cache.cacheable(request):
            return self._page(request)
        key = public_cache.key_for(request, workdays.today())
        content = cache.get(key)
        if content is None:
            response = self._page(request)
            cache.set(key, response.content, public_cache.seconds())
            return response
        return HttpResponse(content)

    def _page(self, request):
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
        client = services.fingerprint(services.client_ip(request), request.META.get("HTTP_USER_AGENT", ""))
        try:
            comment = services.submit_comment(
                publicity,
                kind=data["kind"],
                text=data["text"],
                contact=data["contact"],
                name=data["name"],
                notify_email=data["notify_email"],
                client=client,
                request=request,
            )
        except TransitionRefused as refusal:
            status = 429 if isinstance(refusal, services.CommentRateLimited) else 400
            return _render_detail(request, publicity, form, refusal=refusal.message, status=status)
        # The receipt is shown once more after the redirect, from this visitor's own session.
        request.session[RECEIPT_SESSION_KEY] = {"publicity": publicity.pk, "receipt": comment.receipt}
        return redirect("publicity:received", pk=publicity.pk)


RECEIPT_SESSION_KEY = "publicity_comment_receipt"


class PublicCommentReceivedView(View):
    """The confirmation page: the receipt number of the comment just sent (only in the sender's session)."""

    def get(self, request, pk):
        publicity = public_notice_or_404(pk)
        sent = request.session.get(RECEIPT_SESSION_KEY) or {}
        if sent.get("publicity") != publicity.pk or not sent.get("receipt"):
            return redirect("publicity:detail", pk=publicity.pk)
        context = {"publicity": publicity, "project": publicity.plan.project, "receipt": sent["receipt"]}
        return render(request, "review/public_received.html", context)


class ReceiptLookupView(View):
    """查询意见处理情况: by receipt number, no login; limited per visitor like the comment form."""

    def get(self, request):
        if "number" not in request.GET:
            return render(request, "review/public_receipt.html", {"form": ReceiptLookupForm()})
        form = ReceiptLookupForm(request.GET)
        if not form.is_valid():
            return render(request, "review/public_receipt.html", {"form": form}, status=400)
        client = services.fingerprint(services.client_ip(request), request.META.get("HTTP_USER_AGENT", ""))
        try:
            services.count_receipt_lookup(client)
        except services.ReceiptLookupLimited as refusal:
            context = {"form": form, "refusal": refusal.message}
            return render(request, "review/public_receipt.html", context, status=429)
        comment = services.find_by_receipt(form.cleaned_data["number"])
        if comment is None:
            context = {"form": form, "not_found": True}
            return render(request, "review/public_receipt.html", context, status=404)
        context = {
            "form": form,
            "comment": comment,
            "project": comment.publicity.plan.project,
            "notice_public": public_notices().filter(pk=comment.publicity_id).exists(),
            "public_text": public_text(comment),
            "public_response": public_response(comment),
        }
        return render(request, "review/public_receipt.html", context)


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
    # Personal data is for those who answer: the district's staff (and administrators), not every staff.
    personal = is_plan_staff(user, publicity.plan) or user.effective_role == Role.ADMINISTRATOR
    failed_pk, failed_form = failed or (None, None)
    rows = []
    for comment in publicity.comments.all():
        comment.publicity = publicity
        steps = offered(PUBLIC_COMMENT, user, comment)
        form = None
        if any(step.allowed for step in steps.values()):
            form = (
                failed_form if comment.pk == failed_pk else CommentResponseForm(auto_id=f"id_%s_{comment.pk}")
            )
        rows.append(
            {
                "comment": comment,
                "text": comment.text if personal else internal_text(comment),
                "response": comment.response if personal else internal_response(comment),
                "form": form,
                "steps": steps,
            }
        )
    context = {
        "publicity": publicity,
        "project": publicity.plan.project,
        "window": window_status(publicity),
        "rows": rows,
        "personal": personal,
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
        comment = get_visible_or_404(
            PublicComment.objects.select_related("publicity__plan__project"), request.user, pk=pk
        )
        form = CommentResponseForm(request.POST, auto_id=f"id_%s_{comment.pk}")
        refuse_unless_permitted(
            PUBLIC_COMMENT, "accept" if form.data.get("accept") else "answer", request.user, comment
        )
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
