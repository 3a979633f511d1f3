"""The navigation each role sees (DOMAIN.md §1). Items name URLs; ones not yet installed are skipped.

A menu item is shown only to users who may open its page: the roles its view declares
(`allowed_roles`, the same list that lets them in), further narrowed where the item says so, so a menu
link never ends in a 403. The admin site is shown to users the admin site admits (active staff).
"""

from functools import lru_cache

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

from renewal.choices import Role
from renewal.links import page_allows

ALL_SIGNED_IN = tuple(Role)

# (label, url name, roles that see the item; None: every role the page admits, menu group or None)
# Items of one group are kept together: the navbar shows a group with one visible item as a plain link and
# a group with several as a drop-down, so the bar fits a 1366-pixel screen whatever the role.
PROJECTS, REVIEW, SUPERVISION, REPORTS, SYSTEM = "项目库", "审查与公示", "督查督办", "统计报表", "系统"
NAVIGATION = [
    ("工作台", "home", None, None),
    ("驾驶舱", "dashboard:index", (Role.STAFF, Role.AUDITOR), REPORTS),  # leaders: it is their 工作台
    ("报表与下载", "reports:workspace", None, REPORTS),
    ("审计记录", "audit_list", None, REPORTS),
    ("后台任务", "job_list", (Role.STAFF, Role.AUDITOR, Role.LEADERSHIP, Role.ADMINISTRATOR), REPORTS),
    ("项目库台账", "projects:project_list", None, PROJECTS),
    ("入库申请", "projects:intake_inbox", None, PROJECTS),
    ("项目导入", "projects:import_upload", None, PROJECTS),
    ("城市更新计划", "projects:city_plan", None, PROJECTS),
    ("许可与建设", "permits:list", None, PROJECTS),
    ("方案审查", "review:review_inbox", None, REVIEW),
    ("公示公告", "publicity:list", ALL_SIGNED_IN, REVIEW),
    ("公示意见审核", "review:moderation", (Role.STAFF, Role.ADMINISTRATOR), REVIEW),
    ("督查事项", "supervision:board", None, SUPERVISION),
    # A responsible unit's own tasks (the office and administrators have the board above).
    ("督查事项", "supervision:my_tasks", (Role.STAFF, Role.REVIEWER, Role.ENTITY), SUPERVISION),
    ("督查统计", "supervision:leaders", None, SUPERVISION),
    ("办理期限", "deadline_list", None, SUPERVISION),
    ("工作日历", "calendar", None, SUPERVISION),
    ("接口文档", "swagger-ui", (Role.STAFF, Role.AUDITOR, Role.ADMINISTRATOR), SYSTEM),
    ("系统管理", "admin:index", (Role.ADMINISTRATOR,), SYSTEM),
]


def _may_open(role, is_admin_user: bool, name: str, url: str, roles) -> bool:
    if roles is not None and role not in roles:
        return False
    if name.startswith("admin:"):
        return is_admin_user
    return page_allows(_RoleOnly(role), url)


class _RoleOnly:
    """What `page_allows` reads of a user: the role the pages let in."""

    def __init__(self, role):
        self.effective_role = role


@lru_cache(maxsize=256)
def _items(role, is_admin_user: bool, urlconf, prefix) -> tuple[tuple, ...]:
    # The menu depends on the role and the URL configuration only: worked out once per process and role
    # instead of reversing and resolving twenty URLs on every page (about a millisecond a page; issue 16).
    items = []
    for label, name, roles, group in NAVIGATION:
        try:
            url = reverse(name, urlconf=urlconf)
        except NoReverseMatch:
            continue
        if _may_open(role, is_admin_user, name, url, roles):
            items.append((label, url, name, group))
    return tuple(items)


def items_for(user) -> list[dict]:
    if user is None or not user.is_authenticated:
        return []
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    key = (user.effective_role, bool(user.is_active and user.is_staff), urlconf, get_script_prefix())
    return [
        {"label": label, "url": url, "name": name, "group": group} for label, url, name, group in _items(*key)
    ]


def menu_for(user, items=None) -> list[dict]:
    """The navbar: the visible items in menu order, a group with several items folded into a drop-down."""
    entries: list[dict] = []
    for item in items if items is not None else items_for(user):
        last = entries[-1] if entries else None
        if item["group"] and last is not None and last["group"] == item["group"]:
            last["items"].append(item)
        else:
            entries.append({"group": item["group"], "label": item["group"] or item["label"], "items": [item]})
    return entries
