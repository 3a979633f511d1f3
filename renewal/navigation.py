"""The navigation each role sees (DOMAIN.md §1). Items name URLs; ones not yet installed are skipped."""

from django.urls import NoReverseMatch, reverse

from renewal.choices import Role

ALL_SIGNED_IN = tuple(Role)

# (label, url name, roles that may use it)
NAVIGATION = [
    ("工作台", "home", ALL_SIGNED_IN),
    (
        "项目库台账",
        "projects:project_list",
        (Role.STAFF, Role.REVIEWER, Role.ENTITY, Role.LEADERSHIP, Role.AUDITOR, Role.ADMINISTRATOR),
    ),
    ("入库申请", "projects:intake_inbox", (Role.STAFF, Role.REVIEWER, Role.ENTITY, Role.ADMINISTRATOR)),
    ("项目导入", "projects:import_upload", (Role.STAFF, Role.ADMINISTRATOR)),
    ("方案审查", "review:review_inbox", (Role.STAFF, Role.REVIEWER, Role.ENTITY, Role.ADMINISTRATOR)),
    ("公示公告", "publicity:list", ALL_SIGNED_IN),
    (
        "办理期限",
        "deadline_list",
        (Role.STAFF, Role.REVIEWER, Role.ENTITY, Role.LEADERSHIP, Role.AUDITOR, Role.ADMINISTRATOR),
    ),
    ("工作日历", "calendar", ALL_SIGNED_IN),
    ("审计记录", "audit_list", (Role.STAFF, Role.AUDITOR, Role.ADMINISTRATOR)),
    ("接口文档", "swagger-ui", (Role.STAFF, Role.AUDITOR, Role.ADMINISTRATOR)),
    ("系统管理", "admin:index", (Role.ADMINISTRATOR,)),
]


def items_for(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    role = user.effective_role
    items = []
    for label, name, roles in NAVIGATION:
        if role not in roles:
            continue
        try:
            items.append({"label": label, "url": reverse(name), "name": name})
        except NoReverseMatch:
            continue
    return items
