"""Demo plans: one in joint review (some departments still to answer), one under public notice."""

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from projects import services as intake
from projects.models import Category, Project, SubType
from renewal.attachments import attach
from renewal.choices import Role
from renewal.models import User
from review import services
from review.choices import Decision, DeliverableKind
from review.models import DepartmentReview

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

MODULES = {
    "basic_info": {
        "renewal_type": "区域综合性",
        "scope": "西苑片区",
        "method": "综合整治与功能提升",
        "land_area": "68000",
    },
    "assessment": {"status_survey": "现状建筑 86 栋，其中老旧住宅 52 栋", "heritage_survey": "1"},
    "positioning": {"positioning": "历史文化与科技创新融合的宜居活力街区"},
    "planning": {
        "land_use": "居住、商业混合",
        "land_area": "68000",
        "building_scale_before": "152000",
        "building_scale": "158000",
        "building_height_before": "18",
        "building_height": "18",
        "traffic": "打通两条微循环道路，新增慢行系统",
    },
    "funding": {"total": "86000", "fiscal": "20000", "social": "46000", "self_raised": "20000"},
    "phasing": {"phases": "2027—2029 年分三期实施", "start": "2027年3月", "completion": "2029年12月"},
    "consultation": {
        "common_decision": "1",
        "holders_count": "1260",
        "agree_count": "1108",
        "vote_date": "2026-09-20",
        "vote_summary": "业主大会表决通过",
    },
}


def _plan_for(project, entity):
    plan = services.start_plan(project, actor=entity)
    plan = services.save_plan(plan, actor=entity, modules=MODULES, facts=["operation"])
    attach(plan, SimpleUploadedFile("实施方案文本.pdf", PDF), kind=DeliverableKind.TEXT, actor=entity)
    attach(plan, SimpleUploadedFile("协商表决情况.pdf", PDF), kind=DeliverableKind.ANNEX_VOTE, actor=entity)
    return services.submit(plan, actor=entity, note="首次报送")


def load(stdout, context=None) -> dict:
    users = context["users"]
    entity, staff = users["hd_entity"], users["hd_staff"]
    demo_project = Project.objects.get(name="【演示】海淀老街区（西苑片区）更新")
    if hasattr(demo_project, "plan"):
        stdout.write("演示实施方案已存在，未重复创建。")
        return {}
    reviewing = services.start_joint_review(_plan_for(demo_project, entity), actor=staff)
    waiting = {users["hd_fgw"].organization_id, users["hd_planning"].organization_id}
    for review in DepartmentReview.objects.filter(review_round__plan=reviewing).select_related("department"):
        if review.department_id not in waiting:
            reviewer = User.objects.get(organization=review.department, role=Role.REVIEWER)
            services.record_decision(review, actor=reviewer, decision=Decision.AGREE, text="同意。")

    regional = Category.objects.get(code="regional")
    project = intake.create_draft(
        actor=entity,
        data={
            "name": "【演示】学院路街道城市更新片区（公示中）",
            "category": regional,
            "sub_type": SubType.objects.get(category=regional, name="活力片区"),
            "location": "海淀区学院路街道",
            "renewal_goal": "片区综合更新，补齐公共服务设施",
            "total_investment": Decimal("54000"),
        },
    )
    intake.submit(project, actor=entity)
    intake.admit(project, actor=staff, note="区政府专题会议纪要〔2026〕11号")
    intake.move_to_implementation(project, actor=staff, reason="统筹主体已确认，规划及监管要求基本明确")
    plan = services.start_joint_review(_plan_for(project, entity), actor=staff)
    for review in DepartmentReview.objects.filter(review_round__plan=plan).select_related("department"):
        reviewer = User.objects.get(organization=review.department, role=Role.REVIEWER)
        services.record_decision(review, actor=reviewer, decision=Decision.AGREE, text="同意。")
    plan = services.issue_opinion(plan, actor=staff)
    plan = services.publish(plan, actor=staff)
    stdout.write(
        "演示实施方案：1 个联合审查中（待发展改革委、规划分局答复），1 个公示中（公众可在 /publicity/ 查阅）"
    )
    return {}
