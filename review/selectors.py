"""Reads of the review app that are more than a filter: the opinion history (签核历程) of a project.

The history is one sorted list of plain entries, so the printable page and a spreadsheet export show the
same thing. Public comments and the answers to them only ever appear redacted (联合审查办法 第十一条;
DOMAIN.md §3 step 8).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Prefetch, Q
from django.db.models.functions import Cast
from django.utils import timezone

from projects.models import Project
from renewal import audit_actions
from renewal import calendar as workdays
from renewal.choices import Role
from renewal.models import AuditEvent, Organization
from review.choices import (
    CommentModeration,
    CommentOutcome,
    Decision,
    PlanFact,
    PublicityState,
    RequestStatus,
    RoundOutcome,
)
from review.models import (
    DepartmentReview,
    ExpertReview,
    ImplementationPlan,
    JointReviewOpinion,
    PlanVersion,
    PreReviewComment,
    PublicComment,
    Publicity,
    ReviewRound,
    RevisionRequest,
)
from review.redaction import internal_response, internal_text, public_response, public_text, redact
from review.workflows import WORKFLOWS

ROUND_OUTCOMES = {RoundOutcome.PASSED: "通过", RoundOutcome.RETURNED: "未通过，退回修改"}

# Audit actions whose reason is the staff's answer to a public comment: redacted like the comment itself.
ANSWER_ACTIONS = {
    "public_comment.answer",
    "public_comment.accept",
    "plan.accept_objection",
    "publicity.respond",
    "public_comment_moderation.decline",
}

# What the review app writes about a plan's parts (reviews, rounds, comments, requests, notices): its own
# workflow steps and the events it records outside them (review/audit.py). Kernel events on the parts
# (their deadlines, a department's files) stay on those parts' own pages.
REVIEW_ACTIONS = {workflow.audit_code(t.action) for workflow in WORKFLOWS for t in workflow.transitions} | {
    "plan.start",
    "plan.opinion",
    "publicity.publish",
    "publicity.comment",
    "publicity.window_moved",
}


def reads_opinion_of(viewer, department_id) -> bool:
    """Whether the viewer may read a department's opinion text: everyone who may see the plan, except the
    officers of another department (DOMAIN.md §1: a department sees the reviews routed to it, not its
    peers' opinions)."""
    return viewer.effective_role != Role.REVIEWER or viewer.organization_id == department_id


ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def chinese_dates(text: str) -> str:
    """Dates stored ISO in an audit event's states (e.g. a publicity window "2026-03-04—2026-03-24") as a
    person reads them: 2026年3月4日—2026年3月24日. Anything that is not a real date is left as it is."""

    def readable(match):
        try:
            day = datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            return match.group(0)
        return workdays.chinese_date(day)

    return ISO_DATE.sub(readable, text)


def _state(action: str, code: str) -> str:
    if not code:
        return "—"
    return chinese_dates(audit_actions.state_label(action, code))


def state_change(event) -> str:
    """An audit event's "from → to" in its own workflow's words and Chinese dates; empty when it changed
    no state."""
    if not (event.from_state or event.to_state) or event.from_state == event.to_state:
        return ""
    return f"{_state(event.action, event.from_state)} → {_state(event.action, event.to_state)}"


def _object_keys(model, queryset) -> Q:
    keys = queryset.annotate(key=Cast("pk", output_field=CharField())).values("key")
    return Q(content_type=ContentType.objects.get_for_model(model), object_id__in=keys)


def plan_events(viewer, plan: ImplementationPlan):
    """The audit events of a plan and of its parts (department reviews, rounds, pre-review comments,
    revision requests, notices, public comments) the viewer may read, oldest first."""
    parts = (
        _object_keys(DepartmentReview, DepartmentReview.objects.filter(review_round__plan=plan))
        | _object_keys(ReviewRound, ReviewRound.objects.filter(plan=plan))
        | _object_keys(PreReviewComment, PreReviewComment.objects.filter(plan=plan))
        | _object_keys(RevisionRequest, RevisionRequest.objects.filter(plan=plan))
        | _object_keys(Publicity, Publicity.objects.filter(plan=plan))
        | _object_keys(PublicComment, PublicComment.objects.filter(publicity__plan=plan))
    )
    own = Q(content_type=ContentType.objects.get_for_model(plan), object_id=str(plan.pk))
    return (
        AuditEvent.objects.visible_to(viewer)
        .filter(own | (parts & Q(action__in=REVIEW_ACTIONS)))
        .order_by("created_at", "pk")
    )


@dataclass
class HistoryEntry:
    at: datetime.datetime
    kind: str  # version | pre_review | revision_request | expert_review | review_round | department_opinion
    # | city_approval | opinion | publicity | public_comment | audit
    kind_label: str
    title: str
    text: str = ""
    actor: str = ""
    details: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_audit(self) -> bool:
        return self.kind == "audit"


def _name(user) -> str:
    if user is None:
        return "系统"
    return user.get_full_name() or user.username


def _at_day(day: datetime.date) -> datetime.datetime:
    """A date-only fact placed at the start of its day, when no recorded time says better."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_default_timezone())


def carried_over_origins(rounds) -> dict[int, int]:
    """DepartmentReview pk → number of the round its opinion was given in (carried-over rows point back).

    `rounds` must be in ascending order with `department_reviews` loaded.
    """
    origin: dict[int, int] = {}
    previous: dict[int, DepartmentReview] = {}
    for review_round in rounds:
        current = {}
        for review in review_round.department_reviews.all():
            earlier = previous.get(review.department_id)
            if review.carried_over and earlier is not None:
                origin[review.pk] = origin[earlier.pk]
            else:
                origin[review.pk] = review_round.number
            current[review.department_id] = review
        previous = current
    return origin


def round_start_changes(rounds, events) -> dict[int, dict]:
    """Round number → departments staff added to or removed from the routed set when it started, from the
    audit events of start_joint_review; events in time order, rounds with `department_reviews` loaded."""
    starts = [e for e in events if e.action == "plan.start_joint_review"]
    removed_ids = {int(k) for e in starts for k in (e.data.get("removed") or {})}
    names = (
        dict(Organization.objects.filter(pk__in=removed_ids).values_list("pk", "name")) if removed_ids else {}
    )
    changes = {}
    for review_round, event in zip(rounds, starts, strict=False):
        # A department that has its own (inactive) row in the round shows its reason there already.
        present = {r.department_id for r in review_round.department_reviews.all()}
        removed = [
            (names.get(int(k), k), reason)
            for k, reason in (event.data.get("removed") or {}).items()
            if int(k) not in present
        ]
        changes[review_round.number] = {"added": event.data.get("added") or [], "removed": removed}
    return changes


def _load_plan(viewer, project: Project) -> ImplementationPlan | None:
    return (
        ImplementationPlan.objects.filter(project=project)
        .prefetch_related(
            Prefetch("versions", queryset=PlanVersion.objects.select_related("submitted_by")),
            Prefetch(
                "pre_review_comments",
                queryset=PreReviewComment.objects.visible_to(viewer).select_related(
                    "department", "answered_by"
                ),
            ),
            Prefetch(
                "revision_requests",
                queryset=RevisionRequest.objects.visible_to(viewer).select_related(
                    "raised_by", "resolved_by"
                ),
            ),
            Prefetch("expert_reviews", queryset=ExpertReview.objects.select_related("recorded_by")),
            Prefetch(
                "review_rounds",
                queryset=ReviewRound.objects.order_by("number")
                .select_related("started_by")
                .prefetch_related(
                    Prefetch(
                        "department_reviews",
                        queryset=DepartmentReview.objects.select_related(
                            "department", "decided_by", "change_confirmed_by"
                        ),
                    )
                ),
            ),
            Prefetch("opinions", queryset=JointReviewOpinion.objects.select_related("issued_by")),
            Prefetch(
                "publicities",
                queryset=Publicity.objects.select_related("published_by").prefetch_related(
                    Prefetch("comments", queryset=PublicComment.objects.select_related("responded_by"))
                ),
            ),
        )
        .first()
    )


def project_history(project: Project, viewer) -> list[HistoryEntry]:
    """Every plan version, pre-review comment, revision request, expert review, review round with every
    department's opinion, city approval, opinion, publicity, redacted public comment and audit event of the
    project, in time order, as the viewer may read them (another department's opinion text never)."""
    plan = _load_plan(viewer, project)
    events = list(AuditEvent.objects.visible_to(viewer).for_object(project))
    if plan is not None:
        events += list(plan_events(viewer, plan))
    events.sort(key=lambda e: (e.created_at, e.pk))
    entries: list[HistoryEntry] = []

    def first_event(actions, match=lambda e: True, latest=False):
        actions = {actions} if isinstance(actions, str) else set(actions)
        candidates = reversed(events) if latest else events
        return next((e for e in candidates if e.action in actions and match(e)), None)

    comment_terms = []
    if plan is not None:
        for publicity in plan.publicities.all():
            for comment in publicity.comments.all():
                comment_terms += [comment.name, comment.contact]
        _plan_entries(viewer, plan, entries, events, first_event, comment_terms)
    for event in events:
        reason = event.reason
        if event.action in ANSWER_ACTIONS:
            reason = redact(reason, extra_terms=comment_terms)
        change = state_change(event)
        entries.append(
            HistoryEntry(
                at=event.created_at,
                kind="audit",
                kind_label="办理记录",
                title=event.action_label or event.action,
                text=reason,
                actor=event.actor_name,
                details=[("状态", change)] if change else [],
            )
        )
    # Stable: entries made at the same moment keep the order they were listed in.
    return sorted(entries, key=lambda entry: entry.at)


def _plan_entries(
    viewer, plan: ImplementationPlan, entries: list[HistoryEntry], events, first_event, comment_terms
) -> None:
    fact_labels = dict(PlanFact.choices)
    versions = {v.number: v for v in plan.versions.all()}
    for version in versions.values():
        entries.append(
            HistoryEntry(
                at=version.submitted_at,
                kind="version",
                kind_label="方案报送",
                title=f"报送实施方案第{version.number}版",
                text=version.note,
                actor=_name(version.submitted_by),
                details=[("方案事项", "、".join(fact_labels.get(f, f) for f in version.facts) or "—")],
            )
        )
    for comment in plan.pre_review_comments.all():
        entries.append(
            HistoryEntry(
                at=comment.requested_at,
                kind="pre_review",
                kind_label="方案预审",
                title=f"征求{comment.department.name}预审意见（第{comment.version}版）",
            )
        )
        if comment.answered_at:
            entries.append(
                HistoryEntry(
                    at=comment.answered_at,
                    kind="pre_review",
                    kind_label="方案预审",
                    title=f"{comment.department.name}提出预审意见（第{comment.version}版）",
                    text=comment.text,
                    actor=_name(comment.answered_by),
                )
            )
    for item in plan.revision_requests.all():
        # A request made from an accepted objection quotes the comment and the answer: keep it redacted.
        text = redact(item.text, extra_terms=comment_terms) if item.source == "公示异议" else item.text
        entries.append(
            HistoryEntry(
                at=item.raised_at,
                kind="revision_request",
                kind_label="修改要求",
                title=f"提出修改要求（{item.source}，第{item.raised_on_version}版）",
                text=text,
                actor=_name(item.raised_by),
                details=[("实施主体说明", item.response)] if item.response else [],
            )
        )
        if item.status == RequestStatus.RESOLVED:
            marked = first_event(
                ("revision_request.resolve", "plan.request_mark"),
                lambda e, item=item: (
                    (e.action == "revision_request.resolve" and e.object_id == str(item.pk))
                    or (
                        (e.data or {}).get("request") == item.pk
                        and (e.data or {}).get("status") == RequestStatus.RESOLVED
                    )
                ),
            )
            resolved_version = versions.get(item.resolved_on_version)
            at = (
                marked.created_at if marked else (resolved_version.submitted_at if resolved_version else None)
            )
            entries.append(
                HistoryEntry(
                    at=at or item.raised_at,
                    kind="revision_request",
                    kind_label="修改要求",
                    title=f"修改要求已解决（第{item.resolved_on_version}版）",
                    text=text,
                    actor=_name(item.resolved_by),
                )
            )
    for review in plan.expert_reviews.all():
        details = [("评审日期", f"{review.held_on.year}年{review.held_on.month}月{review.held_on.day}日")]
        details.append(("评审专家", review.experts))
        if review.adoption:
            details.append(("采信情况", review.adoption))
        entries.append(
            HistoryEntry(
                at=review.recorded_at,
                kind="expert_review",
                kind_label="专家评审",
                title="专家评审",
                text=review.opinions,
                actor=_name(review.recorded_by),
                details=details,
            )
        )
    rounds = list(plan.review_rounds.all())
    origins = carried_over_origins(rounds)
    start_changes = round_start_changes(rounds, events)
    for review_round in rounds:
        reviews = list(review_round.department_reviews.all())
        changes = start_changes.get(review_round.number, {})
        details = [("会签部门", "、".join(r.department.name for r in reviews) or "—")]
        if changes.get("removed"):
            details.append(
                ("移出部门", "；".join(f"{name}（{reason}）" for name, reason in changes["removed"]))
            )
        entries.append(
            HistoryEntry(
                at=review_round.started_at,
                kind="review_round",
                kind_label="联合审查",
                title=f"第{review_round.number}轮联合审查开始（审查第{review_round.version}版）",
                actor=_name(review_round.started_by),
                details=details,
            )
        )
        for review in reviews:
            opinion = review.text if reads_opinion_of(viewer, review.department_id) else ""
            if review.carried_over:
                entries.append(
                    HistoryEntry(
                        at=review_round.started_at,
                        kind="department_opinion",
                        kind_label="部门意见",
                        title=f"第{review_round.number}轮 · {review.department.name}：{review.get_decision_display()}"
                        f"（沿用第{origins[review.pk]}轮意见）",
                        text=opinion,
                        actor=_name(review.decided_by),
                    )
                )
            elif review.decided_at:
                entries.append(
                    HistoryEntry(
                        at=review.decided_at,
                        kind="department_opinion",
                        kind_label="部门意见",
                        title=f"第{review_round.number}轮 · {review.department.name}：{review.get_decision_display()}",
                        text=opinion,
                        actor=_name(review.decided_by),
                    )
                )
            if review.change_confirmed_at and not review.carried_over:
                entries.append(
                    HistoryEntry(
                        at=review.change_confirmed_at,
                        kind="department_opinion",
                        kind_label="部门意见",
                        title=f"第{review_round.number}轮 · 确认已按{review.department.name}意见修改",
                        actor=_name(review.change_confirmed_by),
                    )
                )
            if not review.is_active:
                removal = first_event(
                    ("department_review.remove", "plan.department_remove"),
                    lambda e, review=review, review_round=review_round: (
                        e.object_id == str(review.pk)
                        if e.action == "department_review.remove"
                        else e.created_at >= review_round.started_at
                        and e.action_label.endswith(review.department.name)
                    ),
                )
                entries.append(
                    HistoryEntry(
                        at=removal.created_at if removal else review_round.started_at,
                        kind="department_opinion",
                        kind_label="部门意见",
                        title=f"第{review_round.number}轮 · {review.department.name}移出会签",
                        text=review.removed_reason,
                    )
                )
        if review_round.completed_at:
            entries.append(
                HistoryEntry(
                    at=review_round.completed_at,
                    kind="review_round",
                    kind_label="联合审查",
                    title=f"第{review_round.number}轮联合审查结束："
                    f"{ROUND_OUTCOMES.get(review_round.outcome, review_round.outcome)}",
                    details=[
                        (
                            "部门意见",
                            "；".join(
                                f"{r.department.name}{Decision(r.decision).label}"
                                for r in reviews
                                if r.is_active
                            ),
                        )
                    ],
                )
            )
    if plan.city_approved_on:
        recorded = first_event("plan.record_city_approval", latest=True)
        day = plan.city_approved_on
        entries.append(
            HistoryEntry(
                at=recorded.created_at if recorded else _at_day(day),
                kind="city_approval",
                kind_label="市政府批准",
                title="登记市政府批准",
                text=plan.city_approval_reference,
                actor=recorded.actor_name if recorded else "",
                details=[("批准日期", f"{day.year}年{day.month}月{day.day}日")],
            )
        )
    for opinion in plan.opinions.all():
        issued = first_event("plan.opinion", lambda e, opinion=opinion: e.data.get("opinion") == opinion.pk)
        day = opinion.issued_on
        entries.append(
            HistoryEntry(
                at=issued.created_at if issued else _at_day(day),
                kind="opinion",
                kind_label="联合审查意见",
                title=f"出具联合审查意见 {opinion.number}",
                text=opinion.conclusion,
                actor=_name(opinion.issued_by),
                details=[("出具日期", f"{day.year}年{day.month}月{day.day}日")],
            )
        )
    for publicity in plan.publicities.all():
        published = first_event(
            "publicity.publish", lambda e, publicity=publicity: e.data.get("publicity") == publicity.pk
        )
        starts, ends = timezone.localtime(publicity.starts_at), timezone.localtime(publicity.ends_at)
        window = (
            f"{starts.year}年{starts.month}月{starts.day}日至{ends.year}年{ends.month}月{ends.day}日"
            f"（{publicity.workdays}个工作日{'，期限暂定' if publicity.provisional else ''}）"
        )
        entries.append(
            HistoryEntry(
                at=published.created_at if published else _at_day(publicity.published_on),
                kind="publicity",
                kind_label="公示",
                title="发布公示",
                text=publicity.summary,
                actor=_name(publicity.published_by),
                details=[("公示期", window)],
            )
        )
        for comment in publicity.comments.all():
            entries.append(
                HistoryEntry(
                    at=comment.submitted_at,
                    kind="public_comment",
                    kind_label="公示意见",
                    title=f"收到公示意见（{comment.get_kind_display()}）",
                    text=internal_text(comment),
                    details=[
                        ("处理结果", comment.get_outcome_display()),
                        ("公开审核", comment.get_moderation_display()),
                    ],
                )
            )
            if comment.outcome != CommentOutcome.PENDING and comment.responded_at:
                entries.append(
                    HistoryEntry(
                        at=comment.responded_at,
                        kind="public_comment",
                        kind_label="公示意见",
                        title=f"答复公示意见（{comment.get_outcome_display()}）",
                        text=internal_response(comment),
                        actor=_name(comment.responded_by),
                        details=[("原意见", internal_text(comment))],
                    )
                )
        if publicity.state != PublicityState.OPEN and publicity.closed_at:
            entries.append(
                HistoryEntry(
                    at=publicity.closed_at,
                    kind="publicity",
                    kind_label="公示",
                    title=f"公示结束（{publicity.get_state_display()}）",
                    text=publicity.result,
                )
            )


# --- public notices (shared by the public pages and the public API) ---------------------------------


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


def public_comments(publicity: Publicity) -> list[dict]:
    """What the public may read of each comment — only comments staff published, their published text and
    published answer; never the name, contact or fingerprint (issue 9)."""
    return [
        {
            "pk": comment.pk,
            "kind": comment.kind,
            "kind_label": comment.get_kind_display(),
            "text": public_text(comment),
            "submitted_at": comment.submitted_at,
            "response": public_response(comment),
            "responded_at": comment.response_published_at if public_response(comment) else None,
        }
        for comment in publicity.comments.filter(moderation=CommentModeration.PUBLISHED)
    ]


def public_notices():
    # Eight tables joined in one query took PostgreSQL 20–30 ms to plan for a page it then read in under
    # 1 ms (issue 16: the public list at a quarter of a bare view's throughput under load); the two
    # entities come in their own small queries, and the join plans in under 2 ms.
    return (
        Publicity.objects.public()
        .select_related("plan__project__district", "plan__project__category", "plan__project__sub_type")
        .prefetch_related("plan__project__implementing_entity", "plan__project__coordinating_entity")
        .order_by("-published_on", "-pk")
    )
