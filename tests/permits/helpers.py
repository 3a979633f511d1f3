"""Builders for permits tests: a project at 行政许可办理 with its entity and staff."""

import datetime
from decimal import Decimal

from permits import services
from permits.models import PermitLine
from projects.choices import Library, Path, Stage
from renewal.choices import Role
from tests.factories import user
from tests.projects.factories import ProjectFactory

EXEMPT_FACTS = {
    "changes_use_scale_outline": False,
    "facade_works_in_designated_area": True,
    "land_mode": "paid_use",
}


class Site:
    """Staff and an entity of 海淀区, and a project of that entity at 行政许可办理 (joint-review path)."""

    def __init__(self, **project_fields):
        self.staff = user(Role.STAFF)
        self.entity = user(Role.ENTITY)
        fields = {
            "stage": Stage.PERMITS,
            "library": Library.IMPLEMENTATION,
            "path": Path.JOINT_REVIEW,
            "implementing_entity": self.entity.organization,
            "total_investment": Decimal("1000.00"),
        }
        fields.update(project_fields)
        self.project = ProjectFactory(**fields)

    def line(self, procedure) -> PermitLine:
        return PermitLine.objects.get(project=self.project, procedure=procedure)

    def propose(self, **facts):
        return services.propose_checklist(self.project, actor=self.entity, facts=facts or dict(EXEMPT_FACTS))

    def clear_all(self, day=datetime.date(2026, 3, 2)):
        """Confirm every line and record each required one."""
        for line in PermitLine.objects.filter(project=self.project):
            if line.state == "proposed":
                line = services.confirm_line(line, actor=self.staff)
            if line.requirement == "required" and line.state != "granted":
                services.grant_line(
                    line,
                    actor=self.entity,
                    record={
                        "document_number": f"{line.procedure}-001",
                        "issued_on": day,
                        "issuing_body": "海淀区某部门",
                        "land_scope": "all",
                    },
                )

    def started(self, day=datetime.date(2026, 3, 2)):
        self.propose()
        self.clear_all(day)
        services.start_works(self.project, actor=self.entity, started_on=day)
        self.project.refresh_from_db()
        return self.project


def sample_permits(world):
    """For the URL permission test: a World project moved to 行政许可办理, its checklist, one month."""
    from permits.choices import Procedure as P
    from permits.models import InvestmentMonth
    from projects.models import Project

    project = world.implementation_project(name="许可项目")
    Project.objects.filter(pk=project.pk).update(stage=Stage.PERMITS)
    project.refresh_from_db()
    services.propose_checklist(project, actor=world.entity, facts=dict(EXEMPT_FACTS))
    line = PermitLine.objects.get(project=project, procedure=P.CONSTRUCTION_PERMIT)
    month = InvestmentMonth.objects.create(project=project, month=datetime.date(2026, 3, 1))
    return project, line, month
