"""factory_boy factories for the kernel; apps add theirs in tests/<app>/factories.py."""

import factory
from factory.django import DjangoModelFactory

from renewal.choices import ROLE_ORGANIZATION_KINDS, DepartmentCode, OrganizationKind, Role
from renewal.models import District, Organization, User

PASSWORD = "test-password-123"


def district(code="110108") -> District:
    """Districts are reference data loaded by migration: 110108 海淀区, 110102 西城区, …"""
    return District.objects.get(code=code)


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试机构{n}")
    kind = OrganizationKind.ENTITY
    district = factory.LazyFunction(district)
    department_code = factory.LazyAttribute(
        lambda o: DepartmentCode.PLANNING if o.kind == OrganizationKind.DEPARTMENT else ""
    )


ROLE_ORGANIZATION_KIND = {
    Role.STAFF: OrganizationKind.HOUSING_COMMISSION,
    Role.REVIEWER: OrganizationKind.DEPARTMENT,
    Role.ENTITY: OrganizationKind.ENTITY,
    Role.LEADERSHIP: OrganizationKind.LEADERSHIP,
    Role.AUDITOR: OrganizationKind.AUDIT,
    Role.ADMINISTRATOR: OrganizationKind.CITY,
    Role.SUPERVISION: OrganizationKind.SUPERVISION_OFFICE,
}


def organization_for(role: Role, place: District | None) -> Organization:
    """An organisation a user of `role` may belong to; city level when place is None."""
    kind = ROLE_ORGANIZATION_KIND[Role(role)]
    if place is None and OrganizationKind.CITY in ROLE_ORGANIZATION_KINDS[Role(role)]:
        kind = OrganizationKind.CITY
    return OrganizationFactory(kind=kind, district=None if kind == OrganizationKind.CITY else place)


class UserFactory(DjangoModelFactory):
    """A user of the given role; its organisation is made to fit the role unless given."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = "测"
    first_name = factory.Sequence(lambda n: f"试{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.gov.cn")
    role = Role.STAFF
    organization = factory.LazyAttribute(lambda u: organization_for(u.role, district()))
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_after(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def user(role: Role, *, district_code: str | None = "110108", organization=None, **kwargs) -> User:
    """Shortcut: a user of `role` in the district with the given code (None: city level)."""
    if organization is None:
        organization = organization_for(role, district(district_code) if district_code else None)
    return UserFactory(role=role, organization=organization, **kwargs)
