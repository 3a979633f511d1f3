from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from renewal.dates import chinese_date
from renewal.permissions import ScopedQuerySet


class AuditIsAppendOnly(Exception):
    """Raised when code tries to change or delete an audit event."""


# Events that carry one department's opinion: other departments do not read them (DOMAIN.md §1 — a
# department sees the reviews routed to it, not its peers' opinions). The codes come from the audit-action
# vocabulary (exposes_opinion); these are the codes stored before it existed, kept for old rows.
STORED_OPINION_ACTIONS = ("intake.opinion", "plan.department_decision", "plan.pre_review_comment")


def department_opinion_actions() -> set[str]:
    from renewal import audit_actions

    return set(STORED_OPINION_ACTIONS) | set(audit_actions.opinion_actions())


def _reviewer_events(user):
    from django.db.models import Q

    return ~Q(action__in=department_opinion_actions()) | Q(actor__organization_id=user.organization_id)


class AuditEventQuerySet(ScopedQuerySet):
    scope_district = "district"
    scope_organizations = ("organization", "co_organization")
    scope_reviewer = staticmethod(_reviewer_events)

    def update(self, **kwargs):
        raise AuditIsAppendOnly("审计记录只能追加，不能修改。")

    def delete(self):
        raise AuditIsAppendOnly("审计记录只能追加，不能删除。")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditIsAppendOnly("审计记录只能追加，不能修改。")

    def bulk_create(self, objs, *args, **kwargs):
        if kwargs.get("update_conflicts") or kwargs.get("update_fields"):
            raise AuditIsAppendOnly("审计记录只能追加，不能以覆盖方式写入。")
        return super().bulk_create(objs, *args, **kwargs)

    def update_or_create(self, *args, **kwargs):
        raise AuditIsAppendOnly("审计记录只能追加，不能修改。")

    def for_object(self, obj):
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            object_id=str(obj.pk),
        )


class AuditEvent(models.Model):
    """Who did what to which object, from which state to which, why, when and from where.

    Append-only: the ORM refuses updates and deletes, and on PostgreSQL a trigger refuses them too.
    """

    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField("操作人姓名", max_length=150, blank=True)
    action = models.CharField("操作", max_length=64, db_index=True)
    action_label = models.CharField("操作名称", max_length=120, blank=True)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    district = models.ForeignKey(
        "renewal.District",
        verbose_name="区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organization = models.ForeignKey(
        "renewal.Organization",
        verbose_name="对象所属单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    co_organization = models.ForeignKey(
        "renewal.Organization",
        verbose_name="对象所属单位（统筹主体）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_state = models.CharField("原状态", max_length=64, blank=True)
    to_state = models.CharField("新状态", max_length=64, blank=True)
    reason = models.TextField("原因/说明", blank=True)
    data = models.JSONField("详情", default=dict, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "审计记录"
        indexes = [models.Index(fields=["content_type", "object_id"], name="audit_object")]

    def __str__(self):
        when = timezone.localtime(self.created_at)
        return f"{chinese_date(when)} {when:%H:%M} {self.actor_name} {self.action_label or self.action}"

    def save(self, *args, force_update=False, update_fields=None, **kwargs):
        if not self._state.adding or force_update or update_fields:
            raise AuditIsAppendOnly("审计记录只能追加，不能修改。")
        # Always an INSERT: an instance carrying an existing primary key fails instead of overwriting.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditIsAppendOnly("审计记录只能追加，不能删除。")
