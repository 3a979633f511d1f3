"""Audit actions of the dashboard app (renewal.audit_actions): staff entering investment targets."""

from renewal.audit_actions import AuditAction, register

register(
    AuditAction("dashboard.target_save", "录入固定资产投资目标"),
    AuditAction("dashboard.target_delete", "删除固定资产投资目标"),
)
