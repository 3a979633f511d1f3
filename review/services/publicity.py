"""公示 (联合审查办法 第十一条): the notice and its window of at least 15 working days, the public's
comments, the staff's answers (an accepted objection sends the plan back), and the window's end."""

from __future__ import annotations

import datetime
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from projects.choices import Stage
from projects.models import Project
from projects.services import housing_commission
from renewal import calendar as workdays
from renewal.choices import DeadlineState
from renewal.services import (
    close_deadlines,
    close_deadlines_of,
    on_deadline_recomputed,
    open_deadline,
    record_event,
    record_events,
)
from renewal.workflow import TransitionRefused
from review import public_cache
from review.choices import (
    DEADLINE_LAND_ALL,
    DEADLINE_LAND_FIRST_PHASE,
    DEADLINE_PUBLICITY_WINDOW,
    PUBLICITY_MIN_WORKDAYS,
    CommentKind,
    CommentOutcome,
    PlanState,
    PublicityState,
)
from review.models import ImplementationPlan, PublicComment, Publicity, RevisionRequest
from review.modules import BY_CODE
from review.receipts import new_receipt, normalise
from review.redaction import internal_text, redact
from review.services.common import PROJECT_STAGE_FOR, apply_plan, recorded_date
from review.workflows import PLAN, PUBLIC_COMMENT, PUBLIC_COMMENT_MODERATION, PUBLICITY

COMMENTS_PER_HOUR = 5  # per visitor and notice; keeps the public form usable and unspammable
RECEIPT_LOOKUPS_PER_HOUR = 20  # per visitor: enough for a family's comments, too few to try numbers


class CommentRateLimited(TransitionRefused):
    """Too many comments from one visitor within an hour (answered with HTTP 429)."""


def publicity_window(published_on: datetime.date, days: int = PUBLICITY_MIN_WORKDAYS):
    """From the first working day after publication to the end of the days-th working day after it, so
    the window always holds `days` whole working days (第十一条: not less than 15)."""
    first = workdays.add_working_days(published_on, 1)
    last = workdays.add_working_days(published_on, days)
    zone = timezone.get_default_timezone()
    starts = datetime.datetime.combine(first.due, datetime.time.min, tzinfo=zone)
    ends = datetime.datetime.combine(last.due, datetime.time(23, 59, 59), tzinfo=zone)
    return starts, ends, first.provisional or last.provisional


def key_indicators(plan: ImplementationPlan) -> list[dict]:
    """The figures shown on the public notice."""
    rows = []
    for module_code, names in (
        ("planning", ("land_area", "land_use", "building_scale_before", "building_scale", "building_height")),
        ("funding", ("total",)),
        ("phasing", ("start", "completion")),
    ):
        module = BY_CODE[module_code]
        values = plan.content.get(module_code) or {}
        for field in module.fields:
            if field.name in names and values.get(field.name) not in (None, ""):
                rows.append({"label": field.label, "value": str(values[field.name]), "unit": field.unit})
    return rows


def publish(
    plan,
    *,
    actor,
    workdays_count: int = PUBLICITY_MIN_WORKDAYS,
    summary: str = "",
    published_on: datetime.date | None = None,
    request=None,
):
    """公示 (第十一条): the window runs from the first working day after publication for `workdays_count`
    working days. Published today unless a notice published earlier is being recorded (published_on)."""
    today = recorded_date(published_on, "发布日期")

    def effects(locked):
        if workdays_count < PUBLICITY_MIN_WORKDAYS:
            raise TransitionRefused(
                f"公示时间不得少于{PUBLICITY_MIN_WORKDAYS}个工作日（联合审查办法 第十一条）。",
                ["公示工作日数"],
            )
        opinion = locked.opinions.order_by("-pk").first()
        if opinion is not None and today < opinion.issued_on:
            raise TransitionRefused(
                f"公示不能早于联合审查意见的出具日期（{workdays.chinese_date(opinion.issued_on)}）。",
                ["发布日期"],
            )
        starts, ends, provisional = publicity_window(today, workdays_count)
        positioning = (locked.content.get("positioning") or {}).get("positioning", "")
        publicity = Publicity.objects.create(
            plan=locked,
            opinion=opinion,
            published_on=today,
            workdays=workdays_count,
            starts_at=starts,
            ends_at=ends,
            provisional=provisional,
            summary=(summary.strip() or positioning or locked.project.renewal_goal)[:2000],
            indicators=key_indicators(locked),
            published_by=actor,
        )
        # The window's last working day is a Deadline row too: a confirmed calendar year recomputes it.
        open_deadline(
            publicity,
            kind=DEADLINE_PUBLICITY_WINDOW,
            start=today,
            responsible_organization=housing_commission(locked.project.district),
            actor=actor,
            amount=workdays_count,
        )
        project = Project.objects.select_for_update().get(pk=locked.project_id)
        project.publicity_start, project.publicity_end = starts, ends
        project.save(update_fields=["publicity_start", "publicity_end", "updated_at"])
        record_event(
            actor=actor,
            action="publicity.publish",
            action_label="发布公示",
            obj=project,
            to_state=f"{timezone.localtime(starts):%Y-%m-%d}—{timezone.localtime(ends):%Y-%m-%d}",
            data={"publicity": publicity.pk, "workdays": workdays_count, "published_on": today.isoformat()},
        )

    return apply_plan(plan, "publish", actor=actor, effects=effects, request=request)


def client_ip(request) -> str | None:
    """The commenter's address for the rate limit. Behind a reverse proxy in front of the web service every
    visitor arrives from the proxy's address, so when settings.TRUSTED_PROXY_HEADER names the META key the
    proxy writes (e.g. "HTTP_X_FORWARDED_FOR"), the right-most address in it is taken: the one the trusted
    proxy appended itself, which a visitor cannot forge (addresses to its left are whatever the client sent).
    Set it only when such a proxy really is in front: without one, a visitor writes the header himself.
    Without the setting, or when the header is missing or empty, REMOTE_ADDR is used."""
    header = getattr(settings, "TRUSTED_PROXY_HEADER", "") or ""
    if header:
        addresses = [part.strip() for part in request.META.get(header, "").split(",") if part.strip()]
        if addresses:
            return addresses[-1][:64]
    return request.META.get("REMOTE_ADDR") or None


def fingerprint(ip: str | None, user_agent: str = "") -> str:
    """A salted hash of who is commenting, for rate limiting without storing the address itself."""
    return hashlib.sha256(f"{settings.SECRET_KEY}|{ip or ''}".encode()).hexdigest()


@transaction.atomic
def submit_comment(
    publicity: Publicity,
    *,
    kind: str,
    text: str,
    contact: str,
    name: str = "",
    notify_email: str = "",
    client: str = "",
    now=None,
    request=None,
) -> PublicComment:
    """Anyone may comment during the window; contact details are required and never shown. The comment is
    received, not public: the commenter gets a receipt number, and staff publish or decline it (issue 9)."""
    now = now or timezone.now()
    publicity = Publicity.objects.select_for_update().get(pk=publicity.pk)
    if publicity.state != PublicityState.OPEN or now > publicity.ends_at:
        end = timezone.localtime(publicity.ends_at)
        raise TransitionRefused(f"公示期已于{workdays.chinese_date(end)}结束，不再受理意见。")
    if now < publicity.starts_at:
        start = timezone.localtime(publicity.starts_at)
        raise TransitionRefused(f"公示期自{workdays.chinese_date(start)}开始，届时可提交意见。")
    if kind not in CommentKind.values:
        raise TransitionRefused("请选择意见类型。", ["类型"])
    if not text.strip():
        raise TransitionRefused("请填写意见内容。", ["意见内容"])
    if not contact.strip():
        raise TransitionRefused("请填写联系方式（不会公开）。", ["联系方式"])
    recent = publicity.comments.filter(
        client_fingerprint=client, submitted_at__gte=now - datetime.timedelta(hours=1)
    )
    if client and recent.count() >= COMMENTS_PER_HOUR:
        raise CommentRateLimited("提交过于频繁，请一小时后再试。")
    receipt = new_receipt(timezone.localtime(now).date())
    while PublicComment.objects.filter(receipt=receipt).exists():
        receipt = new_receipt(timezone.localtime(now).date())
    comment = PublicComment.objects.create(
        publicity=publicity,
        kind=kind,
        text=text.strip()[:5000],
        name=name.strip()[:60],
        contact=contact.strip()[:120],
        notify_email=notify_email.strip()[:254],
        client_fingerprint=client,
        submitted_at=now,
        receipt=receipt,
    )
    # No request: a member of the public's IP address is not kept, only the salted fingerprint.
    record_event(
        actor=None,
        action="publicity.comment",
        action_label=f"收到公示意见（{CommentKind(kind).label}）",
        obj=publicity.plan.project,
        to_state=kind,
        data={"comment": comment.pk},
    )
    return comment


@transaction.atomic
def respond_to_comment(comment: PublicComment, *, actor, response: str, accept: bool = False, request=None):
    """Staff answer each opinion; accepting an objection sends the plan back to revision and withdraws the
    notice. The answer is recorded as the public reads it (personal data masked)."""
    response = response.strip()
    answer = redact(response, extra_terms=(comment.name, comment.contact))

    def effects(locked):
        if not response:
            raise TransitionRefused("请填写答复内容。", ["答复"])
        locked.response, locked.responded_by, locked.responded_at = response, actor, timezone.now()

    comment = PUBLIC_COMMENT.apply(
        comment,
        "accept" if accept else "answer",
        actor=actor,
        effects=effects,
        reason=answer,
        request=request,
        data={"publicity": comment.publicity_id},
    )
    publicity = comment.publicity
    if accept:
        _accept_objection(comment, publicity, actor=actor, answer=answer, request=request)
    elif publicity.state == PublicityState.CLOSED:
        finish_if_possible(publicity.plan)
    return comment


def _accept_objection(comment, publicity, *, actor, answer: str, request=None) -> None:
    def withdraw(locked):
        close_deadlines(
            locked,
            kinds=(DEADLINE_PUBLICITY_WINDOW,),
            state=DeadlineState.CANCELLED,
            reason="异议采纳，公示终止",
            actor=actor,
        )
        locked.closed_at = timezone.now()
        locked.result = "异议经审查予以采纳，实施方案退回修改，修改后重新联合审查并公示。"

    PUBLICITY.apply(publicity, "withdraw", actor=actor, reason=answer, effects=withdraw, request=request)

    def effects(locked):
        RevisionRequest.objects.create(
            plan=locked,
            raised_on_version=locked.current_version,
            source="公示异议",
            text=f"{internal_text(comment)}（答复：{answer}）",
            raised_by=actor,
        )
        close_deadlines(
            locked.project,
            kinds=(DEADLINE_LAND_FIRST_PHASE, DEADLINE_LAND_ALL),
            state=DeadlineState.SUSPENDED,
            reason="异议采纳，实施方案退回修改；新的联合审查意见出具后重新起算",
            actor=actor,
        )

    apply_plan(
        publicity.plan, "accept_objection", actor=actor, effects=effects, reason=answer, request=request
    )


# --- moderation before publication (issue 9) ------------------------------------------------------


def _moderation_data(comment, proposal: str, published: str) -> dict:
    """What the audit event keeps of a moderation step: which comment, and whether staff changed the
    proposal (the texts stay on the comment, not in the trail)."""
    return {"publicity": comment.publicity_id, "edited": proposal.strip() != published}


def publish_comment(comment: PublicComment, *, actor, text: str, request=None) -> PublicComment:
    """Staff publish the public version they read and edited (pre-filled from review.redaction)."""
    text = (text or "").strip()

    def effects(locked):
        if not text:
            raise TransitionRefused("请填写公开文本。", ["公开文本"])
        locked.published_text = text[:5000]
        locked.moderated_by, locked.moderated_at = actor, timezone.now()

    proposal = redact(comment.text, extra_terms=(comment.name, comment.contact))
    return PUBLIC_COMMENT_MODERATION.apply(
        comment,
        "publish",
        actor=actor,
        effects=effects,
        request=request,
        data=_moderation_data(comment, proposal, text),
    )


def decline_comment(comment: PublicComment, *, actor, reason: str, request=None) -> PublicComment:
    """Staff decline to publish a comment, saying why; the commenter reads the reason by receipt number.
    The comment still counts as received and is still answered."""
    reason = (reason or "").strip()[:1000]

    def effects(locked):
        locked.decline_reason = reason
        locked.moderated_by, locked.moderated_at = actor, timezone.now()

    return PUBLIC_COMMENT_MODERATION.apply(
        comment,
        "decline",
        actor=actor,
        reason=reason,
        effects=effects,
        request=request,
        data={"publicity": comment.publicity_id},
    )


def publish_answer(comment: PublicComment, *, actor, text: str, request=None) -> PublicComment:
    """Staff publish the public version of their answer (the answer may quote the commenter)."""
    text = (text or "").strip()

    def effects(locked):
        if not text:
            raise TransitionRefused("请填写公开的答复文本。", ["公开答复"])
        locked.published_response = text[:5000]
        locked.response_published_by, locked.response_published_at = actor, timezone.now()

    proposal = redact(comment.response, extra_terms=(comment.name, comment.contact))
    return PUBLIC_COMMENT_MODERATION.apply(
        comment,
        "publish_answer",
        actor=actor,
        effects=effects,
        request=request,
        data=_moderation_data(comment, proposal, text),
    )


class ReceiptLookupLimited(TransitionRefused):
    """Too many receipt look-ups from one visitor within an hour (answered with HTTP 429)."""


def count_receipt_lookup(client: str) -> None:
    """Receipt numbers are unguessable, and the look-up is limited like the comment form so that nobody
    tries numbers: RECEIPT_LOOKUPS_PER_HOUR per visitor (salted fingerprint), counted in the shared cache."""
    if not client:
        return
    key = f"publicity:receipt-lookups:{client}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    if count > RECEIPT_LOOKUPS_PER_HOUR:
        raise ReceiptLookupLimited("查询过于频繁，请一小时后再试。")


def find_by_receipt(number: str) -> PublicComment | None:
    """The comment a receipt number names, or None (also for anything that cannot be a receipt)."""
    number = normalise(number)
    if not number:
        return None
    return PublicComment.objects.filter(receipt=number).select_related("publicity__plan__project").first()


def finish_if_possible(plan) -> bool:
    """The plan leaves publicity once its window has closed and every comment is answered (a step of the
    system, whoever's answer or whichever window end made it possible)."""
    if PLAN.refusal(plan, "finish_publicity") == "":
        apply_plan(plan, "finish_publicity", actor=None, reason="公示期满，意见均已答复")
        return True
    return False


def close_expired_publicities(now=None) -> int:
    """Celery beat: close every window whose end has passed; the project moves on once all are answered.

    Set-based (issue 16: 443 notices took 11,070 queries one by one), in a fixed number of queries: one
    locked read of the expired open notices with their plans and projects (a notice another transaction
    holds is left for the next run), one count of all their comments by kind and outcome, the notices,
    their window deadlines, the plans that leave publicity and their projects updated in bulk, and the
    audit events the per-notice steps wrote (publicity.close, deadline.close, plan.finish_publicity,
    project.stage) written in bulk, so that their reactions run after commit as before. Returns how many
    notices were closed."""
    now = now or timezone.now()
    with transaction.atomic():
        notices = list(
            Publicity.objects.filter(state=PublicityState.OPEN, ends_at__lt=now)
            # PUBLICITY.read_only: an exited project's records are not changed.
            .exclude(plan__project__stage=Stage.EXITED)
            .annotate(
                superseded=Exists(
                    Publicity.objects.filter(plan_id=OuterRef("plan_id"), pk__gt=OuterRef("pk"))
                )
            )
            .select_related(
                "plan__project__district",
                "plan__project__implementing_entity",
                "plan__project__coordinating_entity",
            )
            .select_for_update(of=("self", "plan", "plan__project"), skip_locked=True)
            .order_by("pk")
        )
        if not notices:
            return 0
        counts = {notice.pk: dict.fromkeys(CommentKind.values, 0) for notice in notices}
        pending = dict.fromkeys(counts, 0)
        for publicity_id, kind, outcome, n in (
            PublicComment.objects.filter(publicity_id__in=list(counts))
            .values_list("publicity_id", "kind", "outcome")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            counts[publicity_id][kind] = counts[publicity_id].get(kind, 0) + n
            pending[publicity_id] += n if outcome == CommentOutcome.PENDING else 0
        close_deadlines_of(
            notices, kinds=(DEADLINE_PUBLICITY_WINDOW,), state=DeadlineState.MET, reason="公示期满"
        )
        transition = PUBLICITY.get("close")
        events = []
        for notice in notices:
            result = (
                "公示期满。收到意见：支持 {support} 条，异议 {objection} 条，建议 {suggestion} 条。".format(
                    **counts[notice.pk]
                )
            )
            notice.state, notice.closed_at, notice.result = transition.target, now, result
            events.append(
                {
                    "actor": None,
                    "action": PUBLICITY.audit_code("close"),
                    "action_label": transition.label,
                    "obj": notice,
                    "from_state": PublicityState.OPEN,
                    "to_state": notice.state,
                    "reason": result,
                }
            )
        Publicity.objects.bulk_update(notices, ["state", "closed_at", "result"], batch_size=1000)
        transaction.on_commit(public_cache.notices_changed)  # bulk_update sends no post_save
        # finish_if_possible for the plans whose notice is their latest and fully answered: taken here in
        # bulk where the plan and project are where the step leaves from; anything unusual (a superseded
        # notice, a project at another stage) goes through the per-plan step, which refuses as before.
        finishing, one_by_one = [], []
        for notice in notices:
            plan = notice.plan
            if notice.superseded:
                one_by_one.append(plan)
            elif pending[notice.pk] == 0 and plan.state == PlanState.PUBLICITY:
                stage = plan.project.stage
                (finishing if stage in (Stage.PUBLICITY, Stage.PERMITS) else one_by_one).append(plan)
        events += _finish_publicities(finishing, now)
        record_events(events)
    for plan in one_by_one:
        finish_if_possible(ImplementationPlan.objects.get(pk=plan.pk))
    return len(notices)


def _finish_publicities(plans, now) -> list[dict]:
    """PLAN "finish_publicity" and the project's move to 行政许可 for plans already checked and locked
    (what apply_plan and move_stage do one plan at a time); returns the audit events to write."""
    finish = PLAN.get("finish_publicity")
    stage = PROJECT_STAGE_FOR[finish.target]
    events, moved = [], []
    for plan in plans:
        events.append(
            {
                "actor": None,
                "action": PLAN.audit_code("finish_publicity"),
                "action_label": finish.label,
                "obj": plan,
                "from_state": plan.state,
                "to_state": finish.target,
                "reason": "公示期满，意见均已答复",
            }
        )
        plan.state, plan.updated_at = finish.target, now
        project = plan.project
        if project.stage != stage:
            events.append(
                {
                    "actor": None,
                    "action": "project.stage",
                    "action_label": f"项目进入“{Stage(stage).label}”阶段",
                    "obj": project,
                    "from_state": project.stage,
                    "to_state": stage,
                }
            )
            project.stage, project.updated_at = stage, now
            moved.append(project)
    ImplementationPlan.objects.bulk_update(plans, ["state", "updated_at"], batch_size=1000)
    Project.objects.bulk_update(moved, ["stage", "updated_at"], batch_size=1000)
    return events


def _publicity_windows_recomputed(moved, actor) -> None:
    """A confirmed calendar moved windows' last working days. An announced window is never shortened
    (第十一条: not less than 15 working days); a later end is taken, and the notice says so. Set-based:
    one locked read of the notices, one of their projects, two bulk updates and the events in bulk."""
    by_notice = {deadline.object_id: deadline for deadline, _ in moved}
    notices = list(
        Publicity.objects.select_for_update(of=("self",))
        .select_related(
            "plan__project__district",
            "plan__project__implementing_entity",
            "plan__project__coordinating_entity",
        )
        .filter(pk__in=list(by_notice), state=PublicityState.OPEN)
        .order_by("pk")
    )
    later = {p.pk for p in notices if _window_end(by_notice[p.pk]) > p.ends_at}  # the project follows
    locked = {
        project.pk: project
        for project in Project.objects.select_for_update().filter(
            pk__in=[p.plan.project_id for p in notices if p.pk in later]
        )
    }
    now, events, projects = timezone.now(), [], []
    for publicity in notices:
        deadline = by_notice[publicity.pk]
        before, publicity.provisional = publicity.ends_at, deadline.provisional
        if publicity.pk in later:
            publicity.ends_at = _window_end(deadline)
            project = locked[publicity.plan.project_id]
            project.publicity_end, project.updated_at = publicity.ends_at, now
            projects.append(project)
            events.append(
                {
                    "actor": actor,
                    "action": "publicity.window_moved",
                    "action_label": "公示期随工作日历调整",
                    "obj": publicity.plan.project,
                    "from_state": workdays.chinese_date(before),
                    "to_state": workdays.chinese_date(publicity.ends_at),
                    "reason": "工作日历确认后重算，公示期不少于规定的工作日数",
                }
            )
    Publicity.objects.bulk_update(notices, ["ends_at", "provisional"], batch_size=1000)
    Project.objects.bulk_update(projects, ["publicity_end", "updated_at"], batch_size=1000)
    record_events(events)
    if notices:
        transaction.on_commit(public_cache.notices_changed)  # bulk_update sends no post_save


def _window_end(deadline) -> datetime.datetime:
    return datetime.datetime.combine(
        deadline.due_date, datetime.time(23, 59, 59), tzinfo=timezone.get_default_timezone()
    )


on_deadline_recomputed(DEADLINE_PUBLICITY_WINDOW, _publicity_windows_recomputed)
