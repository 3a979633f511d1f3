"""Reference data every installation has: districts and the working calendar.

Data migrations call these with historical models; tests that flush the database call them again.
"""

DISTRICTS = [
    ("110101", "东城区", "东城"),
    ("110102", "西城区", "西城"),
    ("110105", "朝阳区", "朝阳"),
    ("110106", "丰台区", "丰台"),
    ("110107", "石景山区", "石景山"),
    ("110108", "海淀区", "海淀"),
    ("110109", "门头沟区", "门头沟"),
    ("110111", "房山区", "房山"),
    ("110112", "通州区", "通州"),
    ("110113", "顺义区", "顺义"),
    ("110114", "昌平区", "昌平"),
    ("110115", "大兴区", "大兴"),
    ("110116", "怀柔区", "怀柔"),
    ("110117", "平谷区", "平谷"),
    ("110118", "密云区", "密云"),
    ("110119", "延庆区", "延庆"),
    ("BDA", "北京经济技术开发区", "经开区"),
]

# The calendar years seeded at install time; `manage.py seed_calendar` adds later ones.
SEED_YEARS = range(2020, 2028)


def ensure_districts(district_model) -> None:
    for code, name, short in DISTRICTS:
        district_model.objects.get_or_create(code=code, defaults={"name": name, "short_name": short})


def ensure_calendar(calendar_year_model, calendar_day_model) -> None:
    from renewal.calendar_seed import seed_years

    seed_years(calendar_year_model, calendar_day_model, SEED_YEARS)


def ensure_reference_data() -> None:
    """With the current models: districts, calendar, and each app's own reference data."""
    import importlib

    from django.apps import apps

    from renewal.models import CalendarYear, District, WorkCalendarDay

    ensure_districts(District)
    ensure_calendar(CalendarYear, WorkCalendarDay)
    for label in ("projects", "review", "permits", "supervision"):
        try:
            module = importlib.import_module(f"{label}.reference")
        except ModuleNotFoundError as exc:
            if exc.name != f"{label}.reference":
                raise
            continue
        module.ensure_reference_data(apps)
