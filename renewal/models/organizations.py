from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models

from renewal.choices import ROLE_ORGANIZATION_KINDS, DepartmentCode, OrganizationKind, Role
from renewal.permissions import ScopedQuerySet


class District(models.Model):
    """A Beijing district (16 districts + 北京经济技术开发区); more can be added in admin."""

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=40, unique=True)
    short_name = models.CharField("简称", max_length=20, blank=True, help_text="如“海淀”，用于导入时匹配区域")

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "行政区"

    def __str__(self):
        return self.name


class OrganizationQuerySet(ScopedQuerySet):
    scope_district = "district"
    scope_organizations = ("pk",)


class Organization(models.Model):
    name = models.CharField("名称", max_length=120)
    kind = models.CharField("类型", max_length=32, choices=OrganizationKind.choices)
    district = models.ForeignKey(
        District,
        verbose_name="所属区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
        help_text="市级机构不属于任何区",
    )
    department_code = models.CharField(
        "部门职能", max_length=32, choices=DepartmentCode.choices, blank=True, help_text="仅行业主管部门填写"
    )
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    contact_phone = models.CharField("联系电话", max_length=40, blank=True)
    is_active = models.BooleanField("启用", default=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["district__code", "kind", "name"]
        verbose_name = verbose_name_plural = "组织机构"
        constraints = [
            models.UniqueConstraint(
                fields=["district", "name"], name="organization_unique_name_per_district"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.kind == OrganizationKind.DEPARTMENT and not self.department_code:
            raise ValidationError({"department_code": "行业主管部门须选择部门职能。"})
        if self.kind == OrganizationKind.CITY and self.district_id:
            raise ValidationError({"district": "市级机构不属于任何区。"})
        if self.kind != OrganizationKind.CITY and not self.district_id:
            raise ValidationError({"district": "除市级机构外，组织须选择所属区。"})


class PortalUserManager(UserManager):
    def get_queryset(self):
        return super().get_queryset().select_related("organization__district")


class User(AbstractUser):
    """A portal user: one organisation in one district, one role (DOMAIN.md §1)."""

    organization = models.ForeignKey(
        Organization,
        verbose_name="所属机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    role = models.CharField("角色", max_length=32, choices=Role.choices, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)

    objects = PortalUserManager()

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    def __str__(self):
        return self.get_full_name() or self.username

    def get_full_name(self):
        return f"{self.last_name}{self.first_name}".strip()

    def get_short_name(self):
        """The whole name: a Chinese given name alone ("统管理员" of 系统管理员) is not how anyone is
        addressed, and the admin's header greets the user with it."""
        return self.get_full_name() or self.username

    @property
    def district(self):
        return self.organization.district if self.organization_id else None

    @property
    def district_id(self):
        return self.organization.district_id if self.organization_id else None

    @property
    def is_city_level(self) -> bool:
        """City-level users see every district; a district-less organisation of any other kind sees none."""
        return self.is_superuser or (
            self.organization_id is not None and self.organization.kind == OrganizationKind.CITY
        )

    @property
    def effective_role(self) -> str:
        """The role that decides access; a superuser acts as administrator."""
        return Role.ADMINISTRATOR if self.is_superuser else self.role

    @property
    def is_administrator(self) -> bool:
        return self.is_superuser or self.role == Role.ADMINISTRATOR

    def has_role(self, *roles) -> bool:
        return self.is_authenticated and (
            self.role in roles or (self.is_superuser and Role.ADMINISTRATOR in roles)
        )

    def clean(self):
        super().clean()
        if self.is_superuser and not self.role:
            return
        if not self.role:
            raise ValidationError({"role": "请选择角色。"})
        if not self.organization_id:
            raise ValidationError({"organization": "请选择所属机构。"})
        allowed = ROLE_ORGANIZATION_KINDS[Role(self.role)]
        if self.organization.kind not in allowed:
            labels = "、".join(OrganizationKind(k).label for k in allowed)
            raise ValidationError({"organization": f"“{Role(self.role).label}”只能属于：{labels}。"})
