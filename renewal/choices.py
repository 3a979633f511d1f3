"""Status and type constants of the kernel, with Chinese labels and badge colours."""

from django.db import models


class OrganizationKind(models.TextChoices):
    HOUSING_COMMISSION = "housing_commission", "区城市更新主管部门"
    DEPARTMENT = "department", "行业主管部门"
    ENTITY = "entity", "实施主体/统筹主体"
    LEADERSHIP = "leadership", "领导机构"
    AUDIT = "audit", "审计/监督机构"
    CITY = "city", "市级机构"
    TOWN = "town", "镇政府/街道办事处"
    PARK_COMMITTEE = "park_committee", "管委会"
    PUBLIC_INSTITUTION = "public_institution", "事业单位"
    CITY_BRANCH = "city_branch", "市级部门派出机构"
    SUPERVISION_OFFICE = "supervision_office", "督查室"


class Role(models.TextChoices):
    STAFF = "staff", "区城市更新主管部门工作人员"
    REVIEWER = "reviewer", "行业主管部门审查人员"
    ENTITY = "entity", "实施主体/统筹主体"
    LEADERSHIP = "leadership", "领导"
    AUDITOR = "auditor", "审计人员"
    ADMINISTRATOR = "administrator", "系统管理员"
    SUPERVISION = "supervision", "督查人员"


# Which organisation kinds a role may belong to (DOMAIN.md §1).
ROLE_ORGANIZATION_KINDS = {
    Role.STAFF: {OrganizationKind.HOUSING_COMMISSION},
    # A city commission's district branch and a 管委会 review and answer 督查 tasks like a department.
    Role.REVIEWER: {
        OrganizationKind.DEPARTMENT,
        OrganizationKind.CITY_BRANCH,
        OrganizationKind.PARK_COMMITTEE,
    },
    # Towns/sub-districts file projects in their own area (DOMAIN.md §1); 事业单位 may implement.
    Role.ENTITY: {
        OrganizationKind.ENTITY,
        OrganizationKind.TOWN,
        OrganizationKind.PARK_COMMITTEE,
        OrganizationKind.PUBLIC_INSTITUTION,
    },
    Role.LEADERSHIP: {OrganizationKind.LEADERSHIP, OrganizationKind.CITY},
    Role.AUDITOR: {OrganizationKind.AUDIT, OrganizationKind.CITY},
    Role.ADMINISTRATOR: {OrganizationKind.CITY, OrganizationKind.HOUSING_COMMISSION},
    # The district government's 督查室 (DOMAIN.md §1: supervision tasks of their district).
    Role.SUPERVISION: {OrganizationKind.SUPERVISION_OFFICE},
}


class DepartmentCode(models.TextChoices):
    """Departments that review matters of their own (joint review measures 第十二条)."""

    DISTRICT_GOVERNMENT = "district_government", "区政府"
    HOUSING = "housing", "区住房城乡建设委"
    DEVELOPMENT_REFORM = "development_reform", "区发展改革委"
    FINANCE = "finance", "区财政局"
    PLANNING = "planning", "市规划自然资源委分局"
    ECONOMY_IT = "economy_it", "区经济和信息化局"
    FIRE = "fire", "区消防救援局"
    LANDSCAPING = "landscaping", "区园林绿化局"
    ECOLOGY = "ecology", "区生态环境局"
    MARKET_REGULATION = "market_regulation", "区市场监督管理局"
    URBAN_MANAGEMENT = "urban_management", "区城市管理委"
    COMMERCE = "commerce", "区商务局"
    CULTURE_TOURISM = "culture_tourism", "区文化和旅游局"
    HEALTH = "health", "区卫生健康委"
    EDUCATION = "education", "区教委"
    CIVIL_AFFAIRS = "civil_affairs", "区民政局"
    WATER = "water", "区水务局"
    SPORTS = "sports", "区体育局"
    ZGC = "zgc", "中关村科学城管委会"
    DISABLED_FEDERATION = "disabled_federation", "区残联"  # accessibility works (issue 10 item 11)


class CalendarDayKind(models.TextChoices):
    WORKDAY = "workday", "工作日"
    WEEKEND = "weekend", "休息日"
    HOLIDAY = "holiday", "法定节假日"
    MAKEUP_WORKDAY = "makeup_workday", "调休上班"


class CalendarYearStatus(models.TextChoices):
    CONFIRMED = "confirmed", "已确认（官方安排）"
    PROVISIONAL = "provisional", "暂定（按规则推算）"


class DeadlineRule(models.TextChoices):
    WORKING_DAYS = "working_days", "工作日"
    CALENDAR_YEARS = "calendar_years", "自然年"
    # Same month and day N years on, never moved to a working day: a change of status nobody has to act
    # on (the library exit, Haidian guidance 五(七); issue 11).
    ANNIVERSARY = "anniversary", "周年（不顺延）"
    # A date set by the document itself (a 督查事项's 完成时限): due on exactly that date.
    FIXED_DATE = "fixed_date", "指定日期"


class DeadlineState(models.TextChoices):
    OPEN = "open", "进行中"
    MET = "met", "已完成"
    SUSPENDED = "suspended", "已中止（重新计时）"
    CANCELLED = "cancelled", "已撤销"


class DeadlineOutcome(models.TextChoices):
    """How a met deadline was met (DOMAIN.md §4: closed after its due date is 逾期完成, never on time)."""

    ON_TIME = "on_time", "按时完成"
    LATE = "late", "逾期完成"


class Light(models.TextChoices):
    """Traffic light of an open deadline (DOMAIN.md §5)."""

    GREEN = "green", "正常"
    YELLOW = "yellow", "临期"
    RED = "red", "逾期"

    @property
    def badge(self) -> str:
        return {"green": "success", "yellow": "warning", "red": "danger"}[self.value]


class JobStatus(models.TextChoices):
    """State of a background job (renewal/jobs.py)."""

    QUEUED = "queued", "排队中"
    RUNNING = "running", "运行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"

    @property
    def badge(self) -> str:
        return {"queued": "secondary", "running": "info", "done": "success", "failed": "danger"}[self.value]
