"""Demo organisations and one user per role, for `make run` (never used by production data)."""

from renewal.choices import DepartmentCode, OrganizationKind, Role
from renewal.models import District, Organization, User

DEMO_PASSWORD = "Renewal#2026"

DEPARTMENTS = [
    ("区发展改革委", DepartmentCode.DEVELOPMENT_REFORM),
    ("区财政局", DepartmentCode.FINANCE),
    ("市规划自然资源委{short}分局", DepartmentCode.PLANNING),
    ("区经济和信息化局", DepartmentCode.ECONOMY_IT),
    ("区消防救援局", DepartmentCode.FIRE),
    ("区园林绿化局", DepartmentCode.LANDSCAPING),
    ("区生态环境局", DepartmentCode.ECOLOGY),
    ("区市场监督管理局", DepartmentCode.MARKET_REGULATION),
    ("区城市管理委", DepartmentCode.URBAN_MANAGEMENT),
    ("区商务局", DepartmentCode.COMMERCE),
    ("区文化和旅游局", DepartmentCode.CULTURE_TOURISM),
    ("区卫生健康委", DepartmentCode.HEALTH),
    ("区教委", DepartmentCode.EDUCATION),
    ("区民政局", DepartmentCode.CIVIL_AFFAIRS),
    ("区水务局", DepartmentCode.WATER),
    ("区政府", DepartmentCode.DISTRICT_GOVERNMENT),
    ("区体育局", DepartmentCode.SPORTS),
    ("区残联", DepartmentCode.DISABLED_FEDERATION),  # accessibility works (第十二条; issue 10 item 11)
    # 区住房城乡建设委 also reviews its own matters (第十二条（二）（五）（七）) through a review division.
    ("区住房城乡建设委（行业审查）", DepartmentCode.HOUSING),
]

# username, display name, role, organisation key
USERS = [
    ("admin", "系统管理员", Role.ADMINISTRATOR, "city_ops"),
    ("hd_staff", "王住建", Role.STAFF, "hd_housing"),
    ("hd_fgw", "李发改", Role.REVIEWER, "hd_development_reform"),
    ("hd_planning", "赵规划", Role.REVIEWER, "hd_planning"),
    ("hd_fire", "孙消防", Role.REVIEWER, "hd_fire"),
    ("hd_gov", "刘区府", Role.REVIEWER, "hd_district_government"),
    ("hd_zjw", "何住建审查", Role.REVIEWER, "hd_housing_review"),
    ("hd_entity", "周实施", Role.ENTITY, "hd_entity"),
    ("hd_entity2", "吴街道", Role.ENTITY, "hd_entity2"),
    ("hd_leader", "郑区长", Role.LEADERSHIP, "hd_government"),
    ("city_leader", "钱主任", Role.LEADERSHIP, "city_commission"),
    ("hd_auditor", "冯审计", Role.AUDITOR, "hd_audit"),
    ("hd_duchashi", "蒋督查", Role.SUPERVISION, "hd_supervision"),
    ("xc_staff", "陈西城", Role.STAFF, "xc_housing"),
    ("xc_entity", "褚西城实施", Role.ENTITY, "xc_entity"),
]


def _department(name, district, code):
    """A district's department under the name the district uses (Haidian: 区消防救援局, 市规划自然资源委海淀分局),
    found by its code so that a demo loaded under older names is renamed rather than duplicated."""
    short = district.short_name or district.name.removesuffix("区")
    full = (
        name.format(short=short) if "{short}" in name else f"{short}{name}" if name.startswith("区") else name
    )
    org = Organization.objects.filter(
        district=district, kind=OrganizationKind.DEPARTMENT, department_code=code
    ).first()
    if org is None:
        return _org(full, OrganizationKind.DEPARTMENT, district, code)
    if org.name != full:
        org.name = full
        org.save(update_fields=["name"])
    return org


def _org(name, kind, district=None, department_code=""):
    org, _ = Organization.objects.get_or_create(
        name=name, district=district, defaults={"kind": kind, "department_code": department_code}
    )
    return org


def load(stdout, context=None) -> dict:
    haidian = District.objects.get(code="110108")
    xicheng = District.objects.get(code="110102")
    orgs = {
        "city_ops": _org("北京市城市更新平台运维中心", OrganizationKind.CITY),
        "city_commission": _org("北京市住房和城乡建设委员会", OrganizationKind.CITY),
        "hd_housing": _org("海淀区住房和城乡建设委员会", OrganizationKind.HOUSING_COMMISSION, haidian),
        "hd_government": _org("海淀区人民政府", OrganizationKind.LEADERSHIP, haidian),
        "hd_audit": _org("海淀区审计局", OrganizationKind.AUDIT, haidian),
        "hd_supervision": _org("海淀区人民政府督查室", OrganizationKind.SUPERVISION_OFFICE, haidian),
        "hd_entity": _org("北京海淀城市更新建设有限公司", OrganizationKind.ENTITY, haidian),
        "hd_entity2": _org("海淀区学院路街道办事处", OrganizationKind.ENTITY, haidian),
        "xc_housing": _org("西城区住房和城乡建设委员会", OrganizationKind.HOUSING_COMMISSION, xicheng),
        "xc_entity": _org("北京西城金融街更新有限公司", OrganizationKind.ENTITY, xicheng),
    }
    for name, code in DEPARTMENTS:
        org = _department(name, haidian, code)
        orgs["hd_housing_review" if code == DepartmentCode.HOUSING else f"hd_{code}"] = org
        _department(name, xicheng, code)
    # Haidian's science department is the 中关村科学城管委会 (Haidian guidance; 第十二条（四）科技 with 经信).
    orgs["hd_zgc"] = _department("中关村科学城管委会", haidian, DepartmentCode.ZGC)
    users = {}
    for username, display, role, org_key in USERS:
        user, _ = User.objects.get_or_create(username=username)
        user.last_name, user.first_name = display[:1], display[1:]
        user.role, user.organization = role, orgs[org_key]
        user.is_staff = user.is_superuser = role == Role.ADMINISTRATOR
        user.email = f"{username}@demo.renewal.gov.cn"
        user.set_password(DEMO_PASSWORD)
        user.save()
        users[username] = user
    # Every other 海淀 department gets a reviewer too, so each joint-review opinion can be given.
    others = []
    for org in Organization.objects.filter(district=haidian, kind=OrganizationKind.DEPARTMENT):
        if User.objects.filter(organization=org, role=Role.REVIEWER).exists():
            continue
        username = f"hd_{org.department_code}"
        reviewer, _ = User.objects.get_or_create(username=username)
        reviewer.last_name, reviewer.first_name = org.name, "审查员"
        reviewer.role, reviewer.organization = Role.REVIEWER, org
        reviewer.set_password(DEMO_PASSWORD)
        reviewer.save()
        others.append(username)
    stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
    for username, _display, role, org_key in USERS:
        stdout.write(f"  {username:<12} {Role(role).label:<16} {orgs[org_key].name}")
    if others:
        stdout.write("  其他部门审查账号：" + "、".join(others))
    # After the whole demo has committed: the morning sweep and a welcome in every inbox (issue 12).
    from renewal import demo_notifications

    demo_notifications.schedule(stdout)
    return {"orgs": orgs, "users": users}
