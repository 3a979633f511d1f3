"""Audit actions the projects app writes outside its workflow tables (renewal.audit_actions).

The transitions of `projects.services.INTAKE` ("intake.<step>") and `INTAKE_OPINION`
("intake_opinion.decide") register themselves with their own state labels; everything else projects
writes through `renewal.services.record_event` is listed here.
"""

from projects.choices import Library, Opinion, Stage
from renewal.audit_actions import AuditAction, register

STAGES = dict(Stage.choices)

register(
    AuditAction("project.create", "创建入库申请草稿", states=STAGES),
    AuditAction("project.stage", "项目阶段变更", states=STAGES),
    AuditAction("project.import", "信息导入入库", states=STAGES),
    AuditAction("intake.notice", "制发入库通知书"),
    AuditAction("ledger.import", "导入入库项目清单", states=dict(Library.choices)),
    AuditAction("ledger.export", "导出项目库台账"),
    # Written before the workflow tables took these steps over (now intake.edit, intake.delete and
    # intake_opinion.decide); kept so that events already in the trail keep their labels, and an
    # earlier department opinion stays hidden from the other departments.
    AuditAction("project.update", "修改申请内容", states=STAGES),
    AuditAction("project.delete", "删除入库申请草稿", states=STAGES),
    AuditAction("intake.opinion", "答复入库审查意见", exposes_opinion=True, states=dict(Opinion.choices)),
)
