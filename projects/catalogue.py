"""Staff cataloguing of library projects (issue 10 follow-ups): an imported project's category and sub-type,
and the districts a 跨区 project lists.

- An imported project (old-building measures 京建法〔2024〕14号 第二十条, or a migrated library record) comes
  without the catalogue; its sub-type decides the lead department (Haidian guidance 二, 三(二)), so until
  staff catalogue it no department can act on it. Staff set category and sub-type with a reason.
- A 跨区 project lists several districts (issue 10 item 2); its lead district (`district`) is always among
  them. Staff of the lead district correct the list with a reason.

One workflow table, `CATALOGUE`, on the project's stage; neither step changes the stage; each writes its
audit event (catalogue.set_category, catalogue.set_districts) with the values before and after.
"""

from __future__ import annotations

from projects.choices import Source, Stage
from projects.models import Category, Project, SubType
from projects.readonly import project_exited
from projects.services import STAFF_ONLY, is_district_staff
from renewal.models import District
from renewal.workflow import Transition, Workflow

# Stages in which a project is in the library (as projects.library.IN_LIBRARY) plus completion: the
# catalogue and the listed districts are still read by ledgers and reports until the project exits.
CATALOGUE_STAGES = (
    Stage.RESERVE,
    Stage.IMPLEMENTATION,
    Stage.PLAN_DRAFTING,
    Stage.PLAN_PRE_REVIEW,
    Stage.JOINT_REVIEW,
    Stage.PUBLICITY,
    Stage.PERMITS,
)


def imported(project: Project, **context) -> str | None:
    if project.source != Source.IMPORT:
        return "只有信息导入的项目在此编目，申报项目的类别和子类随入库申请确定"
    return None


def catalogue_consistent(
    project: Project, category: Category | None = None, sub_type: SubType | None = None, **context
) -> str | None:
    """The sub-type belongs to the category and something changes (category=None: still to be chosen)."""
    if category is None:
        return None
    if sub_type is None:
        return "请选择子类（牵头部门按子类确定）"
    if sub_type.category_id != category.pk:
        return f"子类“{sub_type.name}”不属于类别“{category.name}”"
    if project.category_id == category.pk and project.sub_type_id == sub_type.pk:
        return "类别和子类与现在相同"
    return None


def listed_districts(project: Project) -> list[District]:
    """The districts the project lists, the lead district first (a project without the list: the lead)."""
    others = [d for d in project.districts.all() if d.pk != project.district_id]
    return [project.district, *sorted(others, key=lambda d: d.code)]


def districts_consistent(project: Project, districts: list[District] | None = None, **context) -> str | None:
    """The lead district stays listed and the list changes (districts=None: still to be chosen)."""
    if districts is None:
        return None
    chosen = {district.pk for district in districts}
    if project.district_id not in chosen:
        return f"涉及区域须包含牵头区“{project.district.name}”"
    if chosen == {district.pk for district in listed_districts(project)}:
        return "涉及区域与现在相同"
    return None


CATALOGUE = Workflow(
    name="catalogue",
    state_field="stage",
    state_labels=dict(Stage.choices),
    read_only=project_exited,
    transitions=[
        Transition(
            "set_category",
            "项目编目（类别/子类）",
            CATALOGUE_STAGES,
            None,
            guards=(imported, catalogue_consistent),
            reason_required=True,
            actor=is_district_staff,
            actor_refusal=STAFF_ONLY + "为导入项目编目。",
        ),
        Transition(
            "set_districts",
            "调整跨区项目涉及区域",
            CATALOGUE_STAGES,
            None,
            guards=(districts_consistent,),
            reason_required=True,
            actor=is_district_staff,
            actor_refusal=STAFF_ONLY + "调整项目涉及的区域。",
        ),
    ],
)


def set_category(
    project: Project, *, actor, category: Category, sub_type: SubType, reason: str, request=None
) -> Project:
    """Staff catalogue an imported project; from now on its sub-type's lead department can act on it."""
    before = (
        project.category.name if project.category else "",
        project.sub_type.name if project.sub_type else "",
    )

    def effects(locked: Project):
        locked.category, locked.sub_type = category, sub_type

    return CATALOGUE.apply(
        project,
        "set_category",
        actor=actor,
        reason=reason,
        request=request,
        effects=effects,
        data={
            "before": {"category": before[0], "sub_type": before[1]},
            "after": {"category": category.name, "sub_type": sub_type.name},
            "lead_department": sub_type.lead_department,
        },
        category=category,
        sub_type=sub_type,
    )


def set_districts(
    project: Project, *, actor, districts: list[District], reason: str, request=None
) -> Project:
    """Staff correct the districts a 跨区 project lists; each listed district sees it in its ledger."""
    before = [district.name for district in listed_districts(project)]
    after = [
        project.district,
        *sorted((d for d in districts if d.pk != project.district_id), key=lambda d: d.code),
    ]

    def effects(locked: Project):
        locked.districts.set(districts)

    return CATALOGUE.apply(
        project,
        "set_districts",
        actor=actor,
        reason=reason,
        request=request,
        effects=effects,
        data={"before": before, "after": [district.name for district in after]},
        districts=districts,
    )
