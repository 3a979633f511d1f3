"""Builders for review tests: an implementation-library project on the joint-review path, its plan."""

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from projects import services as intake
from projects.choices import REQUIRED_INTAKE_MATERIALS
from projects.models import Category, CityPlanBatch, Project, SubType
from renewal.attachments import attach
from renewal.choices import DepartmentCode, OrganizationKind, Role
from review import services
from review.choices import Decision, DeliverableKind, PlanFact
from review.models import DepartmentReview, RoutingRule
from tests.factories import OrganizationFactory, district, user

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def move_to_implementation(project, actor):
    """实施条件认定 (Haidian guidance 三(二)): the confirmation document and the three requirements."""
    return intake.move_to_implementation(
        project,
        actor=actor,
        reason="实施条件具备",
        requirements={
            "planning_requirements": "符合街区控规",
            "function_requirements": "居住及配套",
            "supervision_requirements": "区住建委监管",
        },
        confirmation=SimpleUploadedFile("主体确认文件.pdf", PDF),
    )


def in_city_plan(project):
    """Joint review measures 第二条、第五条: the project is in a batch of the city's renewal plan."""
    batch, _ = CityPlanBatch.objects.get_or_create(
        name="2026年第一批",
        defaults={
            "document_number": "京城更计〔2026〕1号",
            "approved_on": datetime.date(2026, 3, 1),
            "approving_body": "北京市城市更新专项小组",
        },
    )
    Project.objects.filter(pk=project.pk).update(
        reported_to_city_on=datetime.date(2026, 2, 1), city_plan_batch=batch
    )
    project.refresh_from_db()
    return project


def attach_submission(plan, entity, kinds=None):
    """The materials 联合审查办法 第六条 asks for: the plan text, the application and the licences."""
    for kind in kinds or (DeliverableKind.TEXT, DeliverableKind.APPLICATION, DeliverableKind.LICENCE):
        attach(plan, SimpleUploadedFile(f"{kind}.pdf", PDF), kind=kind, actor=entity)


class World:
    """Staff, an entity, and one reviewer per department of 海淀区 (all departments the routing may ask)."""

    def __init__(self, district_code="110108", planning_always=False):
        """planning_always=False: these tests' administrator has switched off the "planning reviews every
        plan" rule (第十二条（三）, seeded by review migration 0011), so a plain plan goes to three departments;
        the department for unregistered buildings is the one the district designated (区城市管理委)."""
        RoutingRule.objects.filter(fact=PlanFact.ALWAYS, department_code=DepartmentCode.PLANNING).update(
            is_active=planning_always
        )
        RoutingRule.objects.update_or_create(
            fact=PlanFact.UNREGISTERED_BUILDINGS,
            department_code=DepartmentCode.URBAN_MANAGEMENT,
            defaults={"is_active": True, "matters": "未登记建筑物处理（区政府指定部门，第十二条（七））"},
        )
        place = district(district_code)
        self.staff = user(Role.STAFF, district_code=district_code)
        self.entity = user(Role.ENTITY, district_code=district_code)
        self.departments = {}
        self.reviewers = {}
        for code in DepartmentCode:
            org = OrganizationFactory(
                kind=OrganizationKind.DEPARTMENT,
                department_code=code,
                district=place,
                name=f"{place.short_name}{code.label}",
            )
            self.departments[code] = org
            self.reviewers[code] = user(Role.REVIEWER, organization=org)

    def implementation_project(self, name="学院路街道城市更新片区"):
        regional = Category.objects.get(code="regional")
        project = intake.create_draft(
            actor=self.entity,
            data={
                "name": name,
                "category": regional,
                "sub_type": SubType.objects.get(category=regional, name="老旧街区改造"),
                "location": "海淀区学院路街道",
                "renewal_goal": "片区综合更新",
                "total_investment": Decimal("50000"),
            },
        )
        for kind in REQUIRED_INTAKE_MATERIALS:
            attach(project, SimpleUploadedFile(f"{kind}.pdf", PDF), kind=kind, actor=self.entity)
        intake.submit(project, actor=self.entity)
        intake.admit(project, actor=self.staff, note="区政府专题会议纪要〔2026〕1号")
        project = move_to_implementation(project, self.staff)
        return in_city_plan(project)

    def submitted_plan(self, project=None, modules=None, facts=()):
        project = project or self.implementation_project()
        plan = services.start_plan(project, actor=self.entity)
        modules = modules or {
            "basic_info": {"renewal_type": "区域综合性", "scope": "学院路街道片区", "land_area": "52000"},
            "positioning": {"positioning": "科技创新与宜居融合的活力街区"},
            "planning": {"land_area": "52000", "building_scale_before": "80000", "building_scale": "86000"},
            "funding": {"total": "50000", "fiscal": "12000"},
        }
        plan = services.save_plan(plan, actor=self.entity, modules=modules, facts=list(facts))
        attach_submission(plan, self.entity)
        return services.submit(plan, actor=self.entity, note="首次报送")

    def reviewer_of(self, review):
        return next(u for u in self.reviewers.values() if u.organization_id == review.department_id)

    def opinion_issued_plan(self, project=None):
        """A submitted plan taken through one round in which every routed department agrees, to the
        joint review opinion (renewal.calendar.today decides the opinion's date)."""
        from review.choices import Decision
        from review.models import DepartmentReview

        plan = services.start_joint_review(self.submitted_plan(project), actor=self.staff)
        for review in DepartmentReview.objects.filter(review_round__plan=plan, decision=Decision.PENDING):
            services.record_decision(review, actor=self.reviewer_of(review), decision=Decision.AGREE, text="")
        plan.refresh_from_db()
        return services.issue_opinion(plan, actor=self.staff)

    def publicity(self, project=None, *, workdays_count=15, summary=""):
        """The plan published for public comment today (monkeypatch renewal.calendar.today to choose)."""
        plan = services.publish(
            self.opinion_issued_plan(project),
            actor=self.staff,
            workdays_count=workdays_count,
            summary=summary,
        )
        return plan.publicities.get()

    def three_department_plan(self, project=None):
        """A submitted plan with no fact beyond ALWAYS, so the routing table sends it to exactly three
        departments: 区政府, 区住房城乡建设委 and 区发展改革委."""
        modules = {
            "basic_info": {"renewal_type": "区域综合性", "scope": "学院路街道片区", "land_area": "52000"},
            "positioning": {"positioning": "完整社区建设"},
            "funding": {"total": "50000"},
        }
        return self.submitted_plan(project, modules=modules)

    def draft_plan(self, project=None, modules=None, facts=(), major_project=False):
        """A started plan with some modules saved, nothing uploaded, not submitted."""
        project = project or self.implementation_project()
        plan = services.start_plan(project, actor=self.entity)
        modules = modules or {
            "basic_info": {"renewal_type": "区域综合性", "scope": "学院路街道片区", "land_area": "52000"},
            "positioning": {"positioning": "科技创新与宜居融合的活力街区"},
        }
        return services.save_plan(
            plan, actor=self.entity, modules=modules, facts=list(facts), major_project=major_project
        )

    def passed_plan(self, project=None, major_project=False):
        """A plan every routed department agreed to in the first round (state PASSED)."""
        plan = self.draft_plan(project, major_project=major_project)
        attach_submission(plan, self.entity)
        plan = services.submit(plan, actor=self.entity, note="首次报送")
        plan = services.start_joint_review(plan, actor=self.staff)
        for review in DepartmentReview.objects.filter(review_round__plan=plan, decision=Decision.PENDING):
            services.record_decision(review, actor=self.reviewer_of(review), decision=Decision.AGREE, text="")
        plan.refresh_from_db()
        return plan


def submit_correction(world, plan, change="按部门意见修改"):
    """修改后同意 (issue 10 item 13): the entity edits the plan and submits the corrected version (报批稿)
    during the round, so staff can confirm the change against it."""
    from review.models import ImplementationPlan

    plan = ImplementationPlan.objects.get(pk=plan.pk)
    content = dict(plan.content)
    content["phasing"] = {**(content.get("phasing") or {}), "organisation": change}
    plan = services.save_plan(plan, actor=world.entity, modules=content, facts=list(plan.declared_facts))
    return services.submit_correction(plan, actor=world.entity, note=change)
