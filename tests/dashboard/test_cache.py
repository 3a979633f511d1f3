"""The dashboard's short per-scope cache (issue 14 follow-up: within 3× a bare view): computed at most once
a minute for users who see the same rows, with the time it was computed shown on the page."""

import pytest
from django.core.cache import cache

from dashboard.selectors import Scope, cache_key, cached_dashboard
from renewal.choices import Role
from tests import factories as kernel
from tests.projects.factories import ProjectFactory, ledger_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def caching(settings):
    settings.DASHBOARD_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def total(computed) -> int:
    figures, _ = computed
    return sum(r["count"] for r in figures["by_stage"])


def test_figures_are_kept_a_minute_per_scope(caching, django_assert_max_num_queries):
    world = ledger_world()
    leader = kernel.user(Role.LEADERSHIP)
    first = cached_dashboard(Scope(leader))
    ProjectFactory(district=world.haidian, stage=world.academy.stage)
    with django_assert_max_num_queries(0):
        again = cached_dashboard(Scope(leader))
    assert total(again) == total(first)
    # Another leader of the same district shares them; a city leader, another year or the cache off do not.
    colleague = kernel.user(Role.LEADERSHIP, organization=leader.organization)
    assert cache_key(Scope(colleague)) == cache_key(Scope(leader))
    city = kernel.user(Role.LEADERSHIP, district_code=None)
    assert cache_key(Scope(city)) != cache_key(Scope(leader))
    assert cache_key(Scope(leader, year=2020)) != cache_key(Scope(leader))
    assert cache_key(Scope(city, district=world.haidian)) != cache_key(Scope(city))
    staff = kernel.user(Role.STAFF)
    assert cache_key(Scope(staff)) != cache_key(Scope(leader))


def test_without_the_cache_figures_are_fresh(settings):
    settings.DASHBOARD_CACHE_SECONDS = 0
    world = ledger_world()
    leader = kernel.user(Role.LEADERSHIP)
    before = total(cached_dashboard(Scope(leader)))
    ProjectFactory(district=world.haidian, stage=world.academy.stage)
    assert total(cached_dashboard(Scope(leader))) == before + 1


def test_the_page_and_the_api_say_when_the_figures_were_computed(client, caching):
    ledger_world()
    leader = kernel.user(Role.LEADERSHIP)
    client.force_login(leader)
    page = client.get("/dashboard/").content.decode()
    assert "数据更新于 " in page
    response = client.get("/api/v1/dashboard/")
    assert response.status_code == 200
    assert response.headers["Last-Modified"].endswith(" GMT")


def test_a_target_entered_by_staff_shows_at_once(client, caching):
    ledger_world()
    staff = kernel.user(Role.STAFF)
    year = Scope(staff).year
    figures, _ = cached_dashboard(Scope(staff))
    assert figures["investment"]["target"] is None
    client.force_login(staff)
    response = client.post(
        "/dashboard/targets/", {"year": str(year), "amount": "69", "source_document": "区政府工作报告"}
    )
    assert response.status_code == 302
    figures, _ = cached_dashboard(Scope(staff))
    assert figures["investment"]["target"] == 69.0
