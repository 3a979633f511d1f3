"""The catalogue: five categories (北京市城市更新条例 第二条) with sub-types and lead departments
(《海淀区城市更新实施指引（2025年版）》二). Loaded by data migration; editable in admin afterwards."""

CATALOGUE = [
    (
        "residential",
        "居住类",
        [
            ("危旧楼房改建", "housing"),
            ("老旧小区综合整治", "housing"),
            ("既有居住建筑节能绿色化改造", "housing"),
            ("完整社区", "housing"),
            ("老楼加装电梯", "housing"),
            ("老旧电梯更新", "housing"),
            ("保障性租赁住房", "housing"),
            ("小区周边环境整治", "urban_management"),
            ("老旧小区管线改造", "urban_management"),
            ("一刻钟便民生活圈", "commerce"),
            ("社区嵌入式服务设施", "development_reform"),
        ],
    ),
    (
        "industrial",
        "产业类",
        [
            ("老旧厂房（厂区）更新改造", "zgc"),
            ("产业园区“腾笼换鸟”", "zgc"),
            ("低效楼宇更新改造", "housing"),
            ("老旧楼宇更新改造", "housing"),
            ("传统商业设施升级", "commerce"),
            ("消费基础设施升级", "commerce"),
        ],
    ),
    (
        "facility",
        "设施类",
        [
            ("医院病房改造提升", "health"),
            ("普惠性托育", "health"),
            ("优质教育空间", "education"),
            ("地下管线老化更新", "urban_management"),
            ("地下综合管廊改造", "urban_management"),
            ("生活垃圾处理设施改造", "urban_management"),
            ("城市交通基础设施", "urban_management"),
            ("停车设施建设改造", "urban_management"),
            ("绿色慢行交通改造", "urban_management"),  # Haidian guidance 二 (issue 10 item 19)
            ("养老服务设施", "civil_affairs"),
            ("适老化、适儿化无障碍环境改造", "civil_affairs"),
            ("体育设施", "sports"),
            ("供排水设施及管网改造", "water"),
            ("消防站更新改造", "fire"),
            ("“平急两用”公共基础设施", "development_reform"),
        ],
    ),
    (
        "public_space",
        "公共空间类",
        [
            ("背街小巷环境精细化治理", "urban_management"),
            ("城市涉绿空间", "landscaping"),
            ("湿地保护修复", "landscaping"),
            ("滨水空间品质提升", "water"),
            ("海绵城市建设", "water"),
            ("黑臭水体治理", "water"),
            ("生态清洁小流域建设", "water"),
            ("土壤污染状况调查", "ecology"),
            ("新型公共文化空间", "culture_tourism"),
            ("不可移动文物保护利用", "culture_tourism"),
            ("历史建筑保护和使用", "planning"),
            ("稳妥清理不规范地名", "planning"),
            ("城市文化遗产资源调查", "culture_tourism"),
        ],
    ),
    (
        "regional",
        "区域综合性",
        [
            ("老旧街区改造", "housing"),
            ("棚户区改造收尾", "housing"),
            ("城中村改造", "housing"),
            ("活力片区", "planning"),
            ("文化街区修复和修缮", "planning"),
            ("商业街区改造", "commerce"),
            ("轨道交通换乘站及周边", "urban_management"),
            ("老旧火车站及周边街区统筹改造", "urban_management"),
        ],
    ),
]


def ensure_catalogue(category_model, sub_type_model) -> None:
    for order, (code, name, sub_types) in enumerate(CATALOGUE, start=1):
        category, _ = category_model.objects.get_or_create(code=code, defaults={"name": name, "order": order})
        for sub_order, (sub_name, department) in enumerate(sub_types, start=1):
            sub_type_model.objects.get_or_create(
                category=category, name=sub_name, defaults={"lead_department": department, "order": sub_order}
            )


def ensure_reference_data(apps) -> None:
    ensure_catalogue(apps.get_model("projects", "Category"), apps.get_model("projects", "SubType"))
