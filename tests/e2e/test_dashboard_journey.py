"""Issue 14's browser journey: a leader opens the dashboard, every chart has data from the demo, a click on a
bar opens the filtered ledger with the same count; a city leader compares two districts and drills into one."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from renewal.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The pixel of a bar's middle, from the chart itself (ECharts draws on a canvas).
BAR_MIDDLE = """([chartName, index]) => {
  const element = document.querySelector(`[data-chart=${chartName}]`);
  element.scrollIntoView({block: "center", behavior: "instant"});
  const chart = echarts.getInstanceByDom(element);
  const option = chart.getOption();
  const item = option.series[0].data[index];
  const horizontal = option.yAxis[0].type === "category";
  const point = chart.convertToPixel({seriesIndex: 0}, horizontal ? [item.value / 2, index] : [index, item.value / 2]);
  const box = element.getBoundingClientRect();
  return {x: box.left + point[0], y: box.top + point[1], count: item.value, url: item.url};
}"""


def charts_drawn(page) -> dict:
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('[data-chart]'))"
        ".every(e => e.dataset.points === '0' || e.hasAttribute('data-finished'))"
    )
    return page.evaluate(
        "() => Object.fromEntries(Array.from(document.querySelectorAll('[data-chart]'))"
        ".map(e => [e.dataset.chart, Number(e.dataset.points)]))"
    )


def ledger_count(page) -> int:
    text = page.locator("main").inner_text()
    return int(re.search(r"共 (\d+) 条", text).group(1))


def test_a_leader_sees_every_chart_and_a_bar_opens_the_ledger_with_its_count(page, login, live_server):
    call_command("load_demo", stdout=io.StringIO())
    login(page, "hd_leader", DEMO_PASSWORD)
    expect(page.locator("h1").first).to_have_text("领导驾驶舱")
    drawn = charts_drawn(page)
    assert {
        "stage",
        "category",
        "subtype",
        "library",
        "investment",
        "cumulative",
        "department",
        "locality",
    } <= set(drawn)
    assert {"overdue", "late", "trend"} <= set(drawn)
    assert all(points > 0 for points in drawn.values()), drawn
    expect(page.locator("[data-kpi=growth]")).to_contain_text("+28.99%")

    bar = page.evaluate(BAR_MIDDLE, ["category", 0])
    page.mouse.click(bar["x"], bar["y"])
    page.wait_for_url(re.compile(r"/projects/\?category="))
    assert page.url.endswith(bar["url"])
    assert ledger_count(page) == bar["count"] > 0

    page.go_back()
    charts_drawn(page)
    bar = page.evaluate(BAR_MIDDLE, ["overdue", 0])
    page.mouse.click(bar["x"], bar["y"])
    page.wait_for_url(re.compile(r"/deadlines/\?state=open"))
    # The list is filtered to that responsible organisation: the same count as the bar.
    assert "responsible_organization=" in page.url
    assert ledger_count(page) == bar["count"] > 0

    page.go_back()
    charts_drawn(page)
    bar = page.evaluate(BAR_MIDDLE, ["late", 0])
    page.mouse.click(bar["x"], bar["y"])
    page.wait_for_url(re.compile(r"/deadlines/\?state=late&late_year="))
    assert ledger_count(page) == bar["count"] > 0


def test_a_city_leader_compares_two_districts_and_drills_into_one(page, login, live_server):
    call_command("load_demo", stdout=io.StringIO())
    login(page, "city_leader", DEMO_PASSWORD)
    drawn = charts_drawn(page)
    assert drawn["map"] >= 2 and drawn["districts"] >= 2, drawn
    ranking = page.locator("[data-testid=district-ranking]")
    haidian = int(ranking.locator("tr[data-district='110108'] [data-count]").inner_text())
    xicheng = int(ranking.locator("tr[data-district='110102'] [data-count]").inner_text())
    assert haidian > 0 and xicheng > 0
    # The ranking chart: the first bar is the district with most projects; a click opens its dashboard.
    bar = page.evaluate(BAR_MIDDLE, ["districts", 1])
    page.mouse.click(bar["x"], bar["y"])
    page.wait_for_url(re.compile(r"/dashboard/\?district=\d+"))
    code = page.url.rsplit("=", 1)[1]
    expect(page.locator("[data-testid=dashboard-scope]")).to_contain_text(
        "西城区" if code == "110102" else "区"
    )
    expected = {"110108": haidian, "110102": xicheng}[code]
    total = page.locator("[data-kpi=total] .fs-3").inner_text()
    assert int(total) == expected
    # From the district's dashboard, its stage funnel drills into the ledger of that district only.
    page.locator("[data-kpi=total]").click()
    page.wait_for_url(re.compile(r"/projects/\?district="))
    assert ledger_count(page) == expected
