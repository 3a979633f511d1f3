"""The navigation each role sees (DOMAIN.md §1). Items name URLs; ones not yet installed are skipped.

A menu item is shown only to users who may open its page: the roles its view declares
(`allowed_roles`, the same list that lets them in), further narrowed where the item says so, so a menu
link never ends in a 403. The admin site is shown to users the admin site admits (active staff).
"""

from django.urls import NoReverseMatch, reverse

from renewal.choices import Role
from renewal.links import page_allows

ALL_SIGNED_IN = tuple(Role)

# (label, url name, roles that see the item; None: every role the page admits)
NAVIGATION = [
    ("工作台", "home", None),
    ("项目库台账", "projects:project_list", None),
    ("入库申请", "projects:intake_inbox", None),
    ("项目导入", "projects:import_upload", None),
    ("方案审查", "review:review_inbox", None),
    ("公示公告", "publicity:list", ALL_SIGNED_IN),
    ("办理期限", "deadline_list", None),
    ("工作日历", "calendar", None),
    ("审计记录", "audit_list", None),
    ("接口文档", "swagger-ui", (Role.STAFF, Role.AUDITOR, Role.ADMINISTRATOR)),
    ("系统管理", "admin:index", (Role.ADMINISTRATOR,)),
]


def _may_open(user, name: str, url: str, roles) -> bool:
    if roles is not None and user.effective_role not in roles:
        return False
    if name.startswith("admin:"):
        return user.is_active and user.is_staff
    return page_allows(user, url)


def items_for(user) -> list[dict]:
    if user is None or not user.is_authenticated:
        return []
    items = []
    for label, name, roles in NAVIGATION:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        if _may_open(user, name, url, roles):
            items.append({"label": label, "url": url, "name": name})
    return items
