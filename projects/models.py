from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.urls import reverse

from projects import scope_cache
from projects.choices import (
    CoordinationState,
    GenerationMode,
    ImportBasis,
    ImportStatus,
    Library,
    Opinion,
    Path,
    Source,
    Stage,
)
from renewal.choices import DepartmentCode
from renewal.models import Attachment, Deadline
from renewal.permissions import ADMINISTRATOR_ROLE, ENTITY_ROLE, ScopedQuerySet


class Category(models.Model):
    """One of the five categories of 北京市城市更新条例 第二条."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=40, unique=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = verbose_name_plural = "项目类别"

    def __str__(self):
        return self.name


class SubType(models.Model):
    """A sub-type of a category with its lead department (Haidian guidance 二)."""

    category = models.ForeignKey(
        Category, verbose_name="类别", on_delete=models.PROTECT, related_name="sub_types"
    )
    name = models.CharField("名称", max_length=60)
    lead_department = models.CharField("牵头部门", max_length=32, choices=DepartmentCode.choices)
    order = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["category__order", "order", "pk"]
        verbose_name = verbose_name_plural = "项目子类"
        constraints = [
            models.UniqueConstraint(fields=["category", "name"], name="subtype_unique_per_category")
        ]

    def __str__(self):
        return self.name


class CityPlanBatch(models.Model):
    """A batch of the city's 城市更新计划 (joint review measures 第二条、第五条: a project is in the plan
    before its implementation plan is jointly reviewed); the city admits district projects in batches."""

    name = models.CharField("批次名称", max_length=60, unique=True, help_text="如：2025年第一批")
    document_number = models.CharField("文号", max_length=120)
    approved_on = models.DateField("批准日期")
    approving_body = models.CharField("批准机关", max_length=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["-approved_on", "-pk"]
        verbose_name = verbose_name_plural = "城市更新计划批次"

    def __str__(self):
        return self.name


def _bound_to_district(user) -> bool:
    """A signed-in user whom ScopedQuerySet limits to their own district (not city-level, not admin)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and not user.is_superuser
        and user.role
        and user.role != ADMINISTRATOR_ROLE
        and user.organization_id is not None
        and not user.is_city_level
    )


def _listed_in(district_id):
    """Projects of other lead districts that list this district (跨区). As a subquery PostgreSQL plans the
    OR with it as a scan of the whole projects table (23 ms at 50,000 projects for every ledger count);
    as the few ids themselves, kept in projects/scope_cache.py, it is a BitmapOr of two indexes (9 ms)."""
    listed = Project.districts.through.objects.filter(district_id=district_id)
    if not scope_cache.enabled():
        return listed.values("project_id")
    return scope_cache.remembered(
        f"listed:{district_id}",
        lambda: list(listed.exclude(project__district_id=district_id).values_list("project_id", flat=True)),
    )


class ProjectQuerySet(ScopedQuerySet):
    scope_district = "district"
    scope_organizations = ("implementing_entity", "coordinating_entity")

    def visible_to(self, user):
        """A draft is its entity's business only: every other role (administrators included) never sees
        it — not in the ledger, the export, the API, an inbox or an attachment download.

        A cross-district project (跨区, issue 10 item 2) is seen by the users of every district it lists as
        well as its lead district; entity and reviewer narrowing is unchanged."""
        if _bound_to_district(user):
            queryset = self.filter(Q(district_id=user.district_id) | Q(pk__in=_listed_in(user.district_id)))
            if user.role == ENTITY_ROLE:
                queryset = queryset.filter(
                    Q(implementing_entity_id=user.organization_id)
                    | Q(coordinating_entity_id=user.organization_id)
                )
        else:
            queryset = super().visible_to(user)
        if user is not None and user.is_authenticated and not user.is_superuser and user.role == ENTITY_ROLE:
            return queryset  # already narrowed to the entity's own organisation's projects
        return queryset.exclude(stage=Stage.DRAFT)

    def in_library(self):
        return self.exclude(library=Library.NONE)


# The ledger's sort columns (projects/filtersets.py SORT_FIELDS, stage apart), indexed both ways.
LEDGER_SORTS = ("code", "name", "total_investment", "received_on", "admitted_on")


class Project(models.Model):
    """An urban-renewal project from its intake application to leaving the library (DOMAIN.md §3)."""

    # Indexed with the key in Meta (project_district_id): a district's projects as an index-only scan.
    district = models.ForeignKey(
        "renewal.District", verbose_name="区", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    code = models.CharField("项目编号", max_length=40, blank=True, help_text="受理时生成；导入项目沿用原编号")
    name = models.CharField("项目名称", max_length=200)
    category = models.ForeignKey(
        Category, verbose_name="类别", null=True, blank=True, on_delete=models.PROTECT
    )
    sub_type = models.ForeignKey(
        SubType, verbose_name="子类", null=True, blank=True, on_delete=models.PROTECT
    )
    generation_mode = models.CharField(
        "生成方式", max_length=32, choices=GenerationMode.choices, default=GenerationMode.MARKET_APPLICATION
    )
    path = models.CharField("实施路径", max_length=20, choices=Path.choices, default=Path.OTHER)
    # Joint review measures 第二条 (2)–(4): any of these puts the project on the joint-review path.
    changes_land_or_building = models.BooleanField(
        "涉及用地功能、建筑规模或高度调整，土地用途转换、土地利用方式改变、使用五年过渡期政策或业态和经营方式重大变化",
        default=False,
    )
    involves_public_interest = models.BooleanField("涉及公共利益、公共安全", default=False)
    designated_by_government = models.BooleanField("区政府确定需编制实施方案", default=False)
    coordinating_entity = models.ForeignKey(
        "renewal.Organization",
        verbose_name="统筹主体",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="coordinated_projects",
    )
    implementing_entity = models.ForeignKey(
        "renewal.Organization",
        verbose_name="实施主体",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="implemented_projects",
    )
    # The named 统筹主体's answer to being named (workflow intake_coordination in projects/services.py).
    coordination_state = models.CharField(
        "统筹主体确认", max_length=12, choices=CoordinationState.choices, default="", blank=True
    )
    coordination_reason = models.TextField("统筹主体拒绝理由", blank=True)
    coordination_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="统筹主体确认人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    coordination_decided_at = models.DateTimeField("统筹主体确认时间", null=True, blank=True)
    property_right_holders = models.TextField("物业权利人", blank=True, help_text="每行一个")
    location = models.CharField("项目位置", max_length=200, blank=True)
    land_area = models.DecimalField(
        "用地面积（平方米）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    building_area = models.DecimalField(
        "建筑面积（平方米）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    renewal_goal = models.TextField("更新目标", blank=True)
    total_investment = models.DecimalField(
        "总投资（万元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    funding_sources = models.TextField("资金来源", blank=True)
    stage = models.CharField("阶段", max_length=32, choices=Stage.choices, default=Stage.DRAFT)
    library = models.CharField("项目库", max_length=20, choices=Library.choices, default=Library.NONE)
    source = models.CharField("来源", max_length=20, choices=Source.choices, default=Source.APPLICATION)
    intake_round = models.PositiveSmallIntegerField("受理轮次", default=0)
    received_on = models.DateField("受理日", null=True, blank=True)
    first_received_on = models.DateField("首次收件日", null=True, blank=True)
    admitted_on = models.DateField("入库日", null=True, blank=True)
    implementation_on = models.DateField("转入实施库日", null=True, blank=True)
    rejected_on = models.DateField("不予入库日", null=True, blank=True)
    review_opinion_on = models.DateField("联合审查意见日", null=True, blank=True)
    publicity_start = models.DateTimeField("公示开始", null=True, blank=True)
    publicity_end = models.DateTimeField("公示结束", null=True, blank=True)
    rejection_reason = models.TextField("不予入库理由", blank=True)
    withdrawn_on = models.DateField("撤回日", null=True, blank=True)
    withdrawal_reason = models.TextField("撤回理由", blank=True)
    # Issue 10 (project library): fields below.
    locality = models.CharField("属地（街镇/园区）", max_length=60, blank=True)
    # 跨区: every district the project lists (the lead district `district` among them); each sees it.
    districts = models.ManyToManyField(
        "renewal.District", verbose_name="涉及区域", blank=True, related_name="+"
    )
    # Path and 区政府确定 are set by staff with a reason (joint review measures 第二条(4)); empty = derived.
    path_reason = models.TextField("实施路径确定理由", blank=True)
    admission_document = models.CharField("入库依据文号", max_length=120, blank=True)
    # 实施条件认定 (Haidian guidance 三(二)): requirements recorded by the lead department.
    planning_requirements = models.TextField("规划要求", blank=True)
    function_requirements = models.TextField("功能要求", blank=True)
    supervision_requirements = models.TextField("监管要求", blank=True)
    # Two library levels (joint review measures 第二条、第五条): 上报市级, then 纳入城市更新计划 by batch.
    reported_to_city_on = models.DateField("上报市级日期", null=True, blank=True)
    city_plan_batch = models.ForeignKey(
        CityPlanBatch,
        verbose_name="城市更新计划批次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    # 动态调整 (Haidian guidance 一(四)5): removed by staff, distinct from the automatic exit.
    removed_on = models.DateField("调出项目库日期", null=True, blank=True)
    removal_reason = models.TextField("调出理由", blank=True)
    removal_document = models.CharField("调出依据文号", max_length=120, blank=True)
    # City approval (old-building measures 第十八条): national/city key, cross-district and classified
    # projects need the city government's approval before implementation; checked at works start.
    city_approval_required = models.BooleanField("须经市政府批准", default=False)
    city_approval_document = models.CharField("市政府批准文件", max_length=120, blank=True)
    city_approval_on = models.DateField("市政府批准日期", null=True, blank=True)
    # Permits app (issue 11): start of works, completion accepted (the date the exit counts from), exit.
    works_started_on = models.DateField("开工日期", null=True, blank=True)
    completion_accepted_on = models.DateField("竣工验收日期", null=True, blank=True)
    library_exit_on = models.DateField("出库日期", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    deadlines = GenericRelation(Deadline)
    attachments = GenericRelation(Attachment)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "城市更新项目"
        constraints = [
            models.UniqueConstraint(
                fields=["district", "code"], condition=~Q(code=""), name="project_code_unique_per_district"
            ),
        ]
        indexes = [
            # The district's projects with their keys, read off the index alone when joined to what hangs
            # from them (the staff's review inbox counted its plans through the table's pages: 10 → 4.5 ms
            # at 12,000 projects a district; issue 16). It also serves the foreign key's own lookups.
            models.Index(fields=["district", "id"], name="project_district_id"),
            models.Index(fields=["district", "stage"], name="project_district_stage"),
            # Issue 16: the ledger's default order and each sort it offers (ascending, and descending with
            # empty values last as ProjectOrderingFilter sorts), so a page reads 50 rows off an index.
            models.Index(fields=["created_at", "id"], name="project_created"),
            models.Index(fields=["stage"], name="project_stage"),
            *(models.Index(fields=[field], name=f"project_{field}"[:30]) for field in LEDGER_SORTS),
            # The descending "NULLS LAST" twins are PostgreSQL-only (SQLite refuses NULLS LAST in an
            # index): migration 0018_ledger_desc_indexes_pg creates them there.
        ]

    def __str__(self):
        return f"{self.code} {self.name}".strip()

    def get_absolute_url(self):
        return reverse("projects:project_detail", args=[self.pk])

    def scope_owners(self):
        """The organisations whose users see this project (scoping of its events, deadlines, files)."""
        return (self.implementing_entity, self.coordinating_entity)

    @property
    def needs_city_approval(self) -> bool:
        """《老旧低效楼宇更新实施办法（试行）》第十八条: a key, cross-district or classified project, or every
        project where the district's setting says so, needs the city government's approval before works."""
        if self.city_approval_required:
            return True
        settings_row = DistrictLibrarySettings.objects.filter(district_id=self.district_id).first()
        return bool(settings_row and settings_row.city_approval_for_all)

    def city_approval_missing(self) -> str | None:
        """The refusal the works-start step shows while the city approval is needed and not recorded."""
        if self.needs_city_approval and not (self.city_approval_document and self.city_approval_on):
            return "本项目须经市政府批准后方可组织实施，尚未登记市政府批准文件（《老旧低效楼宇更新实施办法（试行）》第十八条）"
        return None

    @property
    def is_regional(self) -> bool:
        from projects.choices import REGIONAL_CATEGORY_CODE

        return self.category is not None and self.category.code == REGIONAL_CATEGORY_CODE

    @property
    def stage_badge(self) -> str:
        return Stage(self.stage).badge

    @property
    def total_investment_yi(self):
        """Total investment in 亿元 (stored in 万元)."""
        return None if self.total_investment is None else self.total_investment / 10000


class IntakeOpinionQuerySet(ScopedQuerySet):
    scope_district = "project__district"
    scope_organizations = ("project__implementing_entity", "project__coordinating_entity")
    scope_reviewer = staticmethod(lambda user: Q(department_id=user.organization_id))


class IntakeOpinion(models.Model):
    """A department's opinion on an intake application routed to it (intake joint review)."""

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="intake_opinions"
    )
    round = models.PositiveSmallIntegerField("受理轮次")
    department = models.ForeignKey(
        "renewal.Organization", verbose_name="部门", on_delete=models.PROTECT, related_name="+"
    )
    routed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="分送人", on_delete=models.PROTECT, related_name="+"
    )
    routed_at = models.DateTimeField("分送时间", auto_now_add=True)
    opinion = models.CharField("意见", max_length=16, choices=Opinion.choices, default=Opinion.PENDING)
    text = models.TextField("意见说明", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="答复人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("答复时间", null=True, blank=True)

    objects = IntakeOpinionQuerySet.as_manager()

    class Meta:
        ordering = ["round", "pk"]
        verbose_name = verbose_name_plural = "入库审查意见"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "round", "department"], name="intake_opinion_once_per_round"
            ),
        ]

    def __str__(self):
        """Names the project too: the audit trail lists an opinion's events among every other object's."""
        return f"{self.project} · {self.department}：{self.get_opinion_display()}"

    def get_absolute_url(self):
        """An opinion is read on its project's page (the audit trail links its events there)."""
        return reverse("projects:project_detail", args=[self.project_id])

    @property
    def district(self):
        return self.project.district

    def scope_owners(self):
        return self.project.scope_owners()


class SupplementRequest(models.Model):
    """A 补正 round: what staff asked for, and when the complete materials came back."""

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="supplement_requests"
    )
    round = models.PositiveSmallIntegerField("受理轮次")
    items = models.TextField("需补正内容")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="通知人", on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("补正通知时间", auto_now_add=True)
    response = models.TextField("补正说明", blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="补正人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responded_on = models.DateField("材料补齐日", null=True, blank=True)

    class Meta:
        ordering = ["round", "pk"]
        verbose_name = verbose_name_plural = "补正记录"

    def __str__(self):
        return f"第{self.round}轮补正"


class AdmissionNoticeQuerySet(ScopedQuerySet):
    scope_district = "district"
    scope_organizations = ("project__implementing_entity", "project__coordinating_entity")


class AdmissionNotice(models.Model):
    """《北京市城市更新项目纳入储备项目库通知书》, numbered per district and year."""

    project = models.OneToOneField(
        Project, verbose_name="项目", on_delete=models.PROTECT, related_name="admission_notice"
    )
    district = models.ForeignKey(
        "renewal.District", verbose_name="区", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度")
    sequence = models.PositiveIntegerField("序号")
    number = models.CharField("文号", max_length=60, unique=True)
    issued_on = models.DateField("发文日期")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="签发人", on_delete=models.PROTECT, related_name="+"
    )
    issuer_name = models.CharField("发文单位", max_length=120)
    basis = models.CharField("入库依据", max_length=200, blank=True, help_text="制发时本区配置的依据")

    objects = AdmissionNoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-sequence"]
        verbose_name = verbose_name_plural = "入库通知书"
        constraints = [
            models.UniqueConstraint(
                fields=["district", "year", "sequence"], name="notice_sequence_per_district_year"
            ),
        ]

    def __str__(self):
        return self.number


class ImportBatchQuerySet(ScopedQuerySet):
    scope_district = "uploaded_by__organization__district"
    scope_organizations = ()


class ImportBatch(models.Model):
    """An uploaded 入库项目清单 workbook: previewed first, imported only when staff confirm."""

    file = models.FileField("文件", upload_to="imports/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=255)
    library = models.CharField("入库类型", max_length=20, choices=Library.choices, default=Library.RESERVE)
    status = models.CharField(
        "状态", max_length=16, choices=ImportStatus.choices, default=ImportStatus.PREVIEW
    )
    row_count = models.PositiveIntegerField("行数", default=0)
    total_investment_yi = models.DecimalField("总投资（亿元）", max_digits=16, decimal_places=4, default=0)
    errors = models.JSONField("错误", default=list, blank=True)
    # The document the list was published with (e.g. an 入库项目清单 notice): admission date comes from it.
    basis_number = models.CharField("入库依据文号", max_length=120, blank=True)
    basis_date = models.DateField("入库依据日期", null=True, blank=True)
    # Old-building measures 第二十条 (direct entry of confirmed old-building projects), or else a migration
    # of library records that exist already (issue 10 item 3).
    legal_basis = models.CharField(
        "导入性质", max_length=20, choices=ImportBasis.choices, default=ImportBasis.MIGRATION
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    committed_at = models.DateTimeField("导入时间", null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = verbose_name_plural = "项目清单导入"

    def __str__(self):
        return self.original_name


DEFAULT_ADMISSION_BASIS = "《北京市城市更新条例》及本区城市更新项目库管理有关规定"
DEFAULT_NOTICE_FORMAT = "{district}城更入库〔{year}〕{sequence}号"
DEFAULT_OPINION_FORMAT = "{district}城更联审〔{year}〕{sequence}号"
NUMBER_PLACEHOLDERS = ("district", "year", "sequence")


def _check_number_format(value: str):
    from django.core.exceptions import ValidationError

    try:
        value.format(district="区", year=2025, sequence=1)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValidationError("编号格式只能使用 {district}、{year}、{sequence} 三个占位符。") from exc
    if "{sequence" not in value or "{year" not in value:
        # Numbers restart each year: without the year, next year's first number would repeat this year's.
        raise ValidationError("编号格式须包含年度 {year} 和序号 {sequence}。")


class DistrictLibrarySettings(models.Model):
    """Per-district wording of the library's documents (issue 10 item 8): which text an admission notice
    cites, and how notice and opinion numbers are written. Edited by the administrator."""

    district = models.OneToOneField(
        "renewal.District", verbose_name="区", on_delete=models.CASCADE, related_name="library_settings"
    )
    admission_basis = models.CharField(
        "入库通知书依据",
        max_length=200,
        default=DEFAULT_ADMISSION_BASIS,
        help_text="通知书中“该项目符合……的入库条件”所引文件及条款",
    )
    notice_number_format = models.CharField(
        "入库通知书编号格式",
        max_length=80,
        default=DEFAULT_NOTICE_FORMAT,
        validators=[_check_number_format],
        help_text="占位符：{district} 区简称，{year} 年度，{sequence} 序号（可写 {sequence:03d}）",
    )
    opinion_number_format = models.CharField(
        "联合审查意见编号格式",
        max_length=80,
        default=DEFAULT_OPINION_FORMAT,
        validators=[_check_number_format],
        help_text="占位符同上",
    )
    city_approval_for_all = models.BooleanField(
        "所有项目均须经市政府批准后实施",
        default=False,
        help_text="本区要求所有城市更新项目实施前报市政府批准时勾选（《老旧低效楼宇更新实施办法（试行）》第十八条）",
    )

    class Meta:
        verbose_name = verbose_name_plural = "区项目库设置"

    def __str__(self):
        return f"{self.district}项目库设置"
