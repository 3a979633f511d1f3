"""Builders for review tests: an implementation-library project on the joint-review path, its plan."""

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from projects import services as intake
from projects.choices import REQUIRED_INTAKE_MATERIALS
from projects.models import Category, SubType
from renewal.attachments import attach
from renewal.choices import DepartmentCode, OrganizationKind, Role
from review import services
from review.choices import Decision, DeliverableKind
from review.models import DepartmentReview
from tests.factories import OrganizationFactory, district, user

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


class World:
    """Staff, an entity, and one reviewer per department of 海淀区 (all departments the routing may ask)."""

    def __init__(self, district_code="110108"):
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
        return intake.move_to_implementation(project, actor=self.staff, reason="实施条件具备")

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
        attach(plan, SimpleUploadedFile("方案文本.pdf", PDF), kind=DeliverableKind.TEXT, actor=self.entity)
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
        attach(plan, SimpleUploadedFile("方案文本.pdf", PDF), kind=DeliverableKind.TEXT, actor=self.entity)
        plan = services.submit(plan, actor=self.entity, note="首次报送")
        plan = services.start_joint_review(plan, actor=self.staff)
        for review in DepartmentReview.objects.filter(review_round__plan=plan, decision=Decision.PENDING):
            services.record_decision(review, actor=self.reviewer_of(review), decision=Decision.AGREE, text="")
        plan.refresh_from_db()
        return plan
