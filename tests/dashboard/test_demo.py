"""The dashboard's demo: targets for this year and next with their source, two districts to compare, a
deadline met late this year and a project in the city plan; safe to re-run."""

import io

import pytest

from dashboard import demo
from dashboard.models import InvestmentTarget
from dashboard.selectors import Scope, dashboard
from renewal import calendar as workdays
from renewal import demo as kernel_demo
from renewal.models import User

pytestmark = pytest.mark.django_db


def test_demo_gives_every_dashboard_figure_data_and_can_be_run_again():
    context = kernel_demo.load(io.StringIO())
    demo.load(io.StringIO(), context=context)
    year = workdays.today().year
    haidian = InvestmentTarget.objects.filter(district__code="110108")
    assert haidian.get(year=year, lead_department="", locality="").amount == 69
    assert haidian.get(year=year + 1, lead_department="", locality="").amount == 89
    assert all(t.source_document for t in InvestmentTarget.objects.all())

    city = dashboard(Scope(User.objects.get(username="city_leader")))
    districts = {d["code"]: d["count"] for d in city["by_district"]}
    assert districts["110108"] >= 1 and districts["110102"] >= 1
    assert city["overdue"]["late_this_year"]["count"] >= 2
    assert city["library"]["reported_to_city"]["count"] >= 2
    assert [b["count"] for b in city["library"]["city_plan_batches"]] == [1]
    leader = dashboard(Scope(User.objects.get(username="hd_leader")))
    assert leader["investment"]["growth_label"] == "+28.99%"
    assert leader["investment"]["by_department"] and leader["investment"]["by_locality"]

    count = InvestmentTarget.objects.count()
    demo.load(io.StringIO(), context=context)
    assert InvestmentTarget.objects.count() == count
    assert dashboard(Scope(User.objects.get(username="city_leader")))["by_district"] == city["by_district"]
