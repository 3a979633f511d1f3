"""Audit actions of the supervision app written outside its workflow table (renewal.audit_actions)."""

from renewal.audit_actions import AuditAction, register

register(
    AuditAction("supervision_list.create", "建立督查清单"),
    AuditAction("supervision_list.import", "导入督查表"),
    AuditAction("supervision_list.export", "导出督查表"),
    AuditAction("supervision_unit.create", "导入时建立主责单位"),
)
