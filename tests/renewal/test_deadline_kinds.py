"""The deadline-kind registry, `manage.py workdays due|kinds` and `/api/v1/workdays/due/` (issue 8)."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from renewal import deadline_kinds
from renewal.choices import DeadlineRule, Role

KINDS = {
    "intake_review",
    "admission_notice",
    "department_review",
    "publicity_window",
    "land_first_phase",
    "land_all",
}


def run(*args):
    out = StringIO()
    call_command("workdays", *args, stdout=out)
    return out.getvalue().strip()


def test_every_kind_the_issue_names_is_registered():
    assert KINDS <= set(deadline_kinds.registered_codes())
    for code in KINDS:
        kind = deadline_kinds.get(code)
        assert kind.label and kind.basis and kind.responsible
        assert kind.rule in DeadlineRule.values


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind,start,due",
    [
        # DOMAIN.md §4: receipt 2026-02-12 + 10 working days → 2026-03-04 (Spring Festival, make-up days).
        ("intake_review", "2026-02-12", "2026-03-04"),
        # National Day 2025: published on 26 September, 15 whole working days end on 23 October.
        ("publicity_window", "2025-09-26", "2025-10-23"),
        # Two calendar years end on Sunday 1 March 2026 → the next working day (民法典 第二百零三条).
        ("land_first_phase", "2024-03-01", "2026-03-02"),
        # Five years from 2021-10-01 end in National Day 2026 (1–7 October) → 8 October.
        ("land_all", "2021-10-01", "2026-10-08"),
    ],
)
def test_workdays_due(kind, start, due):
    assert run("due", kind, start) == due
    payload = json.loads(run("due", kind, start, "--json"))
    assert payload["due"] == due and payload["kind"] == kind and payload["provisional"] is False


@pytest.mark.django_db
def test_department_review_length_comes_from_the_setting(settings):
    settings.JOINT_REVIEW_WORKDAYS = 5
    assert run("due", "department_review", "2026-02-12") == "2026-02-26"
    settings.JOINT_REVIEW_WORKDAYS = 10
    assert run("due", "department_review", "2026-02-12") == "2026-03-04"


def test_unknown_kind_exits_2_and_lists_the_known_ones():
    with pytest.raises(CommandError) as caught:
        run("due", "no_such_kind", "2026-02-12")
    assert caught.value.returncode == 2
    assert "未知的期限类型" in str(caught.value)
    for code in KINDS:
        assert code in str(caught.value)


def test_bad_start_exits_2():
    with pytest.raises(CommandError) as caught:
        run("due", "intake_review", "2026-02-30")
    assert caught.value.returncode == 2


def test_kinds_lists_every_kind():
    lines = run("kinds").splitlines()
    assert {line.split("\t")[0] for line in lines} >= KINDS
    payload = json.loads(run("kinds", "--json"))
    assert {row["code"] for row in payload["kinds"]} >= KINDS


def test_publicity_window_is_a_minimum():
    kind = deadline_kinds.get("publicity_window")
    assert kind.resolve_amount(20) == 20
    with pytest.raises(ValueError, match="不得少于"):
        kind.resolve_amount(10)
    with pytest.raises(ValueError, match="固定"):
        deadline_kinds.get("intake_review").resolve_amount(12)


@pytest.mark.django_db
def test_api_due(client, make_user):
    client.force_login(make_user(Role.STAFF))
    response = client.get("/api/v1/workdays/due/", {"kind": "intake_review", "start": "2026-02-12"})
    assert response.status_code == 200
    assert response.json()["due"] == "2026-03-04"
    refused = client.get("/api/v1/workdays/due/", {"kind": "nope", "start": "2026-02-12"})
    assert refused.status_code == 400
    assert "未知的期限类型" in json.dumps(refused.json(), ensure_ascii=False)
    kinds = client.get("/api/v1/workdays/kinds/")
    assert {row["code"] for row in kinds.json()} >= KINDS


@pytest.mark.django_db
def test_api_due_needs_login(client):
    assert client.get(
        "/api/v1/workdays/due/", {"kind": "intake_review", "start": "2026-02-12"}
    ).status_code in (
        401,
        403,
    )


def test_due_matches_compute_due_for_every_kind(db):
    from renewal.services import compute_due

    start = datetime.date(2026, 2, 12)
    for kind in deadline_kinds.all_kinds():
        assert kind.due(start) == compute_due(kind.rule, start, kind.amount)
