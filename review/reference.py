"""Default routing of plan facts to departments (联合审查办法 第十二条); administrators edit it in admin."""

RULES = [
    (
        "always",
        "district_government",
        "国土空间规划和发展定位、历史文化保护和特色风貌管控、建筑规模（第十二条（一））",
    ),
    (
        "always",
        "housing",
        "项目类型和改造方式、更新需求征询和协商表决情况、更新改造空间利用（第十二条（二）（五）（七））",
    ),
    (
        "always",
        "development_reform",
        "建设必要性、技术经济可行性、社会效益和资金等建设条件（第十二条（六））",
    ),
    ("always", "planning", "主体结构、外立面改造、城市设计、风貌管控、建设工程消防设计（第十二条（三））"),
    ("changes_use", "planning", "用途调整、用地保障、土地利用方式、产权办理路径（第十二条（三））"),
    ("adds_scale", "planning", "建筑规模、主体结构、城市设计（第十二条（三））"),
    ("changes_height", "planning", "外立面改造、城市设计、风貌管控（第十二条（三））"),
    ("transition_policy", "planning", "过渡期政策（第十二条（三））"),
    ("heritage", "planning", "风貌管控（第十二条（三））"),
    ("heritage", "culture_tourism", "历史文化资源保护利用（第十二条（八））"),
    ("special_fire_design", "planning", "建设工程消防设计（第十二条（三））"),
    ("special_fire_design", "fire", "消防专业技术评价（第十二条（四））"),
    ("industrial_land", "economy_it", "产业用地利用效率评价（第十二条（四））"),
    ("industrial_land", "zgc", "产业用地利用效率评价（科技部门，第十二条（四））"),
    ("building_performance", "housing", "房屋建筑性能检测评估（第十二条（四））"),
    ("old_trees", "landscaping", "古树名木、花园城市建设（第十二条（四））"),
    ("environmental_impact", "ecology", "生态环境影响评价（第十二条（四））"),
    ("fiscal_funds", "finance", "财政资金支持（第十二条（六））"),
    ("operation", "market_regulation", "更新改造空间的运营管理（第十二条（七））"),
    ("water_facilities", "water", "水务设施（第十二条（八））"),
    ("accessibility", "disabled_federation", "无障碍设施建设和改造（第十二条（八））"),
    ("business_change", "commerce", "经营业态调整（第十二条（八））"),
    ("business_change", "market_regulation", "更新改造空间的运营管理（第十二条（七））"),
]
# 第十二条（七）: the department reviewing unregistered buildings is the one the district government
# designates; the administrator records it as a routing rule. There is no default (issue 10 item 11).
RETIRED = [("unregistered_buildings", "urban_management")]


def ensure_routing_rules(rule_model) -> None:
    for fact, department, matters in RULES:
        rule_model.objects.get_or_create(fact=fact, department_code=department, defaults={"matters": matters})
    for fact, department in RETIRED:
        rule_model.objects.filter(fact=fact, department_code=department).update(is_active=False)


def ensure_reference_data(apps) -> None:
    ensure_routing_rules(apps.get_model("review", "RoutingRule"))
