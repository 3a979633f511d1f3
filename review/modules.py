"""The 11 plan modules of 《海淀区城市更新实施指引（2025年版）》三(三), with the structured fields the
guidance names. Each module also has free text. The entity fills only the modules it needs."""

import datetime
import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

# What a number in a plan may look like: plain ASCII digits, at most 12 before and 4 after the point (no
# NaN, Infinity, exponents, superscripts or full-width digits); counts are whole numbers of at most 9 digits.
DECIMAL_INPUT = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,4})?")
INT_INPUT = re.compile(r"[0-9]{1,9}")
EARLIEST_DATE, LATEST_DATE = datetime.date(1949, 1, 1), datetime.date(2100, 12, 31)
# 海淀指引 三(三) 附件: performance-based or special fire design needs the fire experts' opinion.
FIRE_DESIGN_METHODS = ("常规消防设计", "消防性能化设计", "特殊消防设计")
EXPERT_FIRE_DESIGN = FIRE_DESIGN_METHODS[1:]


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text | decimal | int | bool | choice | date
    unit: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Module:
    code: str
    title: str
    fields: tuple[Field, ...]
    number: int = 0  # its place in the guidance's list (1–11), shown wherever the module is named

    @property
    def numbered_title(self) -> str:
        return f"{self.number}. {self.title}"


_MODULES = (
    Module(
        "basic_info",
        "项目基本信息",
        (
            Field("renewal_type", "城市更新项目类型"),
            Field("scope", "改造范围"),
            Field("method", "改造方式"),
            Field("mode", "改造模式"),
            Field("land_area", "用地面积", "decimal", "平方米"),
            # 联合审查办法 第六条（四） and 海淀指引 三(三) 附件: they decide which annexes are required.
            Field("encumbrance", "涉及抵押登记等他项权益", "bool"),
            Field("entity_not_rights_holder", "统筹主体或实施主体不是权属主体", "bool"),
        ),
    ),
    Module(
        "assessment",
        "前期评估调查",
        (
            Field("status_survey", "现状情况调查"),
            Field("demand_consultation", "更新需求征询"),
            Field("industrial_land_efficiency", "产业用地利用效率评价", "bool"),
            Field("building_performance", "房屋建筑性能检测评估", "bool"),
            Field("fire_safety_assessment", "消防安全评估", "bool"),
            Field("heritage_survey", "历史文化资源调查评估", "bool"),
        ),
    ),
    Module("positioning", "更新功能定位", (Field("positioning", "功能定位"),)),
    Module(
        "planning",
        "规划方案",
        (
            Field("land_use", "用地性质"),
            Field("land_area", "用地面积", "decimal", "平方米"),
            Field("building_scale_before", "现状建筑规模", "decimal", "平方米"),
            Field("building_scale", "规划建筑规模", "decimal", "平方米"),
            Field("scale_by_function", "分功能建筑规模（各功能面积）"),
            Field("building_height_before", "现状建筑高度", "decimal", "米"),
            Field("building_height", "规划建筑高度", "decimal", "米"),
            Field("setback", "退线要求"),
            Field("facilities", "公共服务及市政交通设施配置"),
            Field("traffic", "交通组织方案"),
            Field("underground", "地下空间利用"),
            Field("heritage_protection", "历史文化遗产保护"),
            Field("water_facilities", "水务设施（供排水、防洪排涝等）"),
        ),
    ),
    Module(
        "architecture",
        "建筑设计方案",
        (
            Field("renovation", "建筑改造方式"),
            Field("facade", "立面方案"),
            Field("structure", "建筑结构"),
            Field("fire_engineering", "消防工程"),
            Field("fire_design_method", "消防设计方法", "choice", choices=FIRE_DESIGN_METHODS),
            Field("green_building", "绿色建筑与智能化"),
            Field("layout", "平面布局及内部装修"),
            Field("accessibility", "涉及无障碍设施建设或改造（适老化、适儿化）", "bool"),
        ),
    ),
    Module(
        "land",
        "土地利用方式",
        (
            Field(
                "method",
                "土地利用方式",
                "choice",
                choices=("不涉及", "协议方式配置", "有偿方式配置", "划拨", "五年过渡期"),
            ),
            Field("land_price_estimate", "土地价款估算", "decimal", "万元"),
            Field("land_price_payment", "土地价款缴纳方式"),
            Field("scattered_land", "插花地、边角地、夹心地处理"),
            Field("transition_conditions", "过渡期政策适用条件及期限"),
            Field("extend_term", "延长土地使用年限", "bool"),
        ),
    ),
    Module(
        "unregistered",
        "未登记建筑处理",
        (
            Field("involved", "涉及未登记建筑", "bool"),
            Field("area", "未登记建筑面积", "decimal", "平方米"),
            Field("path", "手续办理路径"),
        ),
    ),
    Module(
        "funding",
        "资金方案",
        (
            Field("total", "总投资", "decimal", "万元"),
            Field("fiscal", "财政资金", "decimal", "万元"),
            Field("social", "社会资本", "decimal", "万元"),
            Field("self_raised", "实施主体自筹", "decimal", "万元"),
            Field("loans", "银行贷款", "decimal", "万元"),
            Field("returns", "收益平衡分析"),
            Field("government_support", "政府资金支持及税费减免政策"),
            Field("benefit_analysis", "综合效益分析（政府投资项目）"),
        ),
    ),
    Module(
        "operation",
        "产业业态及运营管理",
        (
            Field("functions", "项目功能与产业策划"),
            Field("operation", "运营维护管理"),
            Field("self_holding", "自持要求"),
            Field("supervision_agreement", "签订履约监管协议", "bool"),
            Field("business_change", "经营业态或运营方式发生重大调整", "bool"),
        ),
    ),
    Module(
        "phasing",
        "建设时序",
        (
            Field("phases", "分期实施安排"),
            Field("start", "计划开工"),
            Field("completion", "计划竣工"),
            Field("organisation", "组织管理机制"),
        ),
    ),
    Module(
        "consultation",
        "协商表决情况",
        (
            Field("common_decision", "涉及业主共同决定事项", "bool"),
            # 民法典 第二百七十八条 第一款（六）至（八）: the matters that need three quarters of participants.
            Field("rebuild", "改建、重建建筑物及其附属设施", "bool"),
            Field("common_parts_use", "改变共有部分的用途或者利用共有部分从事经营活动", "bool"),
            Field("raise_fund", "筹集建筑物及其附属设施的维修资金", "bool"),
            Field("use_fund", "使用建筑物及其附属设施的维修资金", "bool"),
            Field("total_area", "专有部分总面积", "decimal", "平方米"),
            Field("holders_count", "物业权利人（业主）总数", "int", "人"),
            Field("participant_area", "参与表决业主专有部分面积", "decimal", "平方米"),
            Field("participant_count", "参与表决人数", "int", "人"),
            Field("agree_area", "同意业主专有部分面积", "decimal", "平方米"),
            Field("agree_count", "同意人数", "int", "人"),
            Field("vote_date", "表决日期", "date"),
            Field("vote_summary", "协商表决情况说明"),
        ),
    ),
)

# Numbered once, here, so the editor, the plan page and the version comparison always agree.
MODULES = tuple(replace(module, number=index) for index, module in enumerate(_MODULES, start=1))
BY_CODE = {module.code: module for module in MODULES}


def field_label(module_code: str, field_name: str) -> str:
    module = BY_CODE.get(module_code)
    if module is None:
        return field_name
    if field_name == "text":
        return "说明"
    return next((f.label for f in module.fields if f.name == field_name), field_name)


def diff(before: dict, after: dict) -> list[dict]:
    """What changed between two frozen plan contents: one row per changed field, in module order."""
    changes = []
    for module in MODULES:
        old = before.get(module.code) or {}
        new = after.get(module.code) or {}
        for name in [f.name for f in module.fields] + ["text"]:
            if (old.get(name) or "") != (new.get(name) or ""):
                changes.append(
                    {
                        "module": module.numbered_title,
                        "module_code": module.code,
                        "field": field_label(module.code, name),
                        "before": old.get(name, ""),
                        "after": new.get(name, ""),
                    }
                )
    return changes


def clean_module(module_code: str, values: dict) -> tuple[dict, dict]:
    """Typed module data and Chinese errors per field, from raw form values."""
    module = BY_CODE[module_code]
    data, errors = {}, {}
    for field in module.fields:
        raw = values.get(field.name)
        if field.kind == "bool":
            data[field.name] = bool(raw) and raw not in ("0", "false", "off")
            continue
        raw = "" if raw is None else str(raw).strip()
        if raw == "":
            continue
        if "\x00" in raw:
            errors[field.name] = f"“{field.label}”含有不可识别的字符，请重新填写。"
            continue
        if field.kind == "decimal":
            plain = raw.replace(",", "")
            if plain.startswith("-") and DECIMAL_INPUT.fullmatch(plain[1:]):
                errors[field.name] = f"“{field.label}”不能为负数。"
                continue
            if not DECIMAL_INPUT.fullmatch(plain):
                errors[field.name] = (
                    f"“{field.label}”应为数字（{field.unit}）。整数部分不超过12位、小数不超过4位，如 1234.5。"
                )
                continue
            try:
                number = Decimal(plain)
            except InvalidOperation:  # pragma: no cover - the pattern admits only plain decimals
                errors[field.name] = f"“{field.label}”应为数字（{field.unit}）。"
                continue
            data[field.name] = str(number)
        elif field.kind == "int":
            if not INT_INPUT.fullmatch(raw):
                errors[field.name] = f"“{field.label}”应为非负整数（不超过9位数字）。"
                continue
            data[field.name] = int(raw)
        elif field.kind == "date":
            try:
                day = datetime.date.fromisoformat(raw)
            except ValueError:
                errors[field.name] = f"“{field.label}”日期格式应为 YYYY-MM-DD。"
                continue
            if not EARLIEST_DATE <= day <= LATEST_DATE:
                errors[field.name] = f"“{field.label}”应在1949年至2100年之间。"
                continue
            data[field.name] = day.isoformat()
        elif field.kind == "choice":
            if raw not in field.choices:
                errors[field.name] = f"请从列表中选择“{field.label}”。"
                continue
            data[field.name] = raw
        else:
            data[field.name] = raw
    text = str(values.get("text") or "").strip()
    if "\x00" in text:
        errors["text"] = "说明文字含有不可识别的字符，请重新填写。"
        text = ""
    if text:
        data["text"] = text
    if module_code == "consultation":
        errors.update(_vote_figure_errors(data))
    # Only booleans set to False and nothing else: the module was not used.
    if not any(v for v in data.values()):
        data = {}
    return data, errors


def _vote_figure_errors(data: dict) -> dict:
    """The owners' figures nest: agreeing ≤ participating ≤ all owners, by heads and by area."""
    errors = {}
    pairs = (
        ("participant_count", "holders_count", "参与表决人数不能多于物业权利人总数。"),
        ("agree_count", "participant_count", "同意人数不能多于参与表决人数。"),
        ("agree_count", "holders_count", "同意人数不能多于物业权利人总数。"),
        ("participant_area", "total_area", "参与表决面积不能大于专有部分总面积。"),
        ("agree_area", "participant_area", "同意面积不能大于参与表决面积。"),
        ("agree_area", "total_area", "同意面积不能大于专有部分总面积。"),
    )
    for part, whole, message in pairs:
        if part in errors or data.get(part) in (None, "") or data.get(whole) in (None, ""):
            continue
        if Decimal(str(data[part])) > Decimal(str(data[whole])):
            errors[part] = message
    return errors


def clean_modules(modules: dict) -> tuple[dict, dict]:
    """The whole plan content from raw values per module, and errors keyed "<module>.<field>"."""
    content, all_errors = {}, {}
    for module in MODULES:
        data, errors = clean_module(module.code, modules.get(module.code) or {})
        all_errors.update({f"{module.code}.{name}": message for name, message in errors.items()})
        if data:
            content[module.code] = data
    return content, all_errors
