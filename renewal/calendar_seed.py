"""Seeding the working calendar from maintained libraries.

Years that the `chinesecalendar` package covers follow the State Council's published schedules and are
marked confirmed; later years are a rule-based guess (weekends plus the statutory holidays computed by
the `holidays` package, no make-up days) and are marked provisional until the official notice is loaded
with `manage.py workdays confirm YEAR FILE`.
"""

import datetime

CHINESE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def confirmed_years() -> range:
    from chinese_calendar.constants import holidays as known_holidays

    last = max(day.year for day in known_holidays)
    return range(2004, last + 1)


def library_days(year: int) -> tuple[list[tuple], str, bool]:
    """Days of a year as (date, is_workday, kind, name), the source, and whether it is confirmed."""
    days = []
    day = datetime.date(year, 1, 1)
    if year in confirmed_years():
        import chinese_calendar

        source = f"chinesecalendar {chinese_calendar.__version__}（国务院办公厅放假安排）"
        while day.year == year:
            is_workday = chinese_calendar.is_workday(day)
            _, name = chinese_calendar.get_holiday_detail(day)
            weekend = day.weekday() >= 5
            if is_workday:
                kind = "makeup_workday" if weekend else "workday"
                label = (
                    f"{CHINESE_NAMES.get(name, name)}调休上班"
                    if weekend and name
                    else ("调休上班" if weekend else "")
                )
            elif name:
                kind, label = "holiday", CHINESE_NAMES.get(name, name)
            else:
                kind, label = "weekend", ""
            days.append((day, is_workday, kind, label))
            day += datetime.timedelta(days=1)
        return days, source, True

    import holidays

    statutory = holidays.China(years=year, language="zh_CN")
    source = f"holidays {holidays.__version__} 规则推算（未含调休，待官方通知确认）"
    while day.year == year:
        name = statutory.get(day)
        if name:
            days.append((day, False, "holiday", name))
        elif day.weekday() >= 5:
            days.append((day, False, "weekend", ""))
        else:
            days.append((day, True, "workday", ""))
        day += datetime.timedelta(days=1)
    return days, source, False


def seed_years(calendar_year_model, calendar_day_model, years, *, force: bool = False) -> list[int]:
    """Write the given years that are missing (all of them with force); returns the years written.

    Takes the model classes so that a data migration can call it with historical models.
    """
    written = []
    existing = dict(calendar_year_model.objects.filter(year__in=list(years)).values_list("year", "status"))
    for year in years:
        if year in existing and (not force or existing[year] == "confirmed"):
            continue  # a confirmed year (official schedule, admin edits) is never overwritten by a guess
        days, source, confirmed = library_days(year)
        calendar_day_model.objects.filter(date__year=year).delete()
        calendar_day_model.objects.bulk_create(
            calendar_day_model(date=d, is_workday=w, kind=k, name=n, source=source[:200])
            for d, w, k, n in days
        )
        calendar_year_model.objects.update_or_create(
            year=year,
            defaults={"status": "confirmed" if confirmed else "provisional", "source": source[:200]},
        )
        written.append(year)
    return written
