"""Audit actions the kernel writes (renewal.audit_actions is the vocabulary every app registers into)."""

from renewal.audit_actions import AuditAction, register
from renewal.choices import DeadlineState

register(
    AuditAction("deadline.open", "开启期限"),
    AuditAction("deadline.close", "关闭期限", states=dict(DeadlineState.choices)),
    AuditAction("deadline.recompute", "重算期限"),
    AuditAction("calendar.confirm", "确认年度工作日历"),
    AuditAction("calendar.day", "修改工作日历"),
    AuditAction("attachment.upload", "上传附件"),
    AuditAction("attachment.download", "下载附件"),
    AuditAction("audit.export", "导出审计记录"),
    AuditAction("api.token", "获取接口令牌"),
    AuditAction("api.token_revoke", "吊销接口令牌"),
    AuditAction("account.locked_out", "登录锁定"),
    AuditAction("system.heartbeat", "后台任务心跳"),
    AuditAction("job.start", "发起后台任务"),
    AuditAction("job.download", "下载任务结果"),
    AuditAction("deadline.sweep", "每日期限巡检"),
)
