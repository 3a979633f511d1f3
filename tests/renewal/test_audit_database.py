"""The audit trail is append-only in PostgreSQL itself: TRUNCATE is refused too, and the application's
database role (docs/DATABASE.md, scripts/db_app_role.sql) can neither change, delete nor truncate audit
rows, nor switch the triggers off. Only INSERT works."""

import io
import os
import re
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from renewal.choices import Role
from renewal.models import AuditEvent
from renewal.services import record_event
from tests.services import need_postgresql

GRANTS = Path(settings.BASE_DIR) / "scripts" / "db_app_role.sql"
APP_PASSWORD = "renewal-app-test"  # a throw-away role that lives for one test


def truncate_refused(sql):
    """Run `sql` as the owner with the harness's TRUNCATE allowance switched off; assert PostgreSQL refuses."""
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            # Rows written earlier in the test's transaction leave deferred FK checks pending, and
            # PostgreSQL refuses TRUNCATE before them: run them first, so the trigger is what answers.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL renewal.allow_truncate = 'off'")
            cursor.execute(sql)


@pytest.fixture
def event(make_user):
    return record_event(actor=make_user(Role.STAFF, district_code="110108"), action="test.submit")


def test_truncate_of_the_audit_table_is_refused(event):
    need_postgresql()
    truncate_refused("TRUNCATE renewal_auditevent")
    truncate_refused("TRUNCATE renewal_auditevent RESTART IDENTITY CASCADE")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_truncate_cascading_into_the_audit_table_is_refused(event):
    need_postgresql()
    users = AuditEvent._meta.get_field("actor").related_model._meta.db_table
    truncate_refused(f'TRUNCATE "{users}" CASCADE')
    assert AuditEvent.objects.filter(pk=event.pk, actor__isnull=False).exists()


def test_the_session_setting_other_than_on_does_not_open_the_guard(event):
    need_postgresql()
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL renewal.allow_truncate = 'yes'")
            cursor.execute("TRUNCATE renewal_auditevent")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_load_demo_reset_still_empties_the_database(make_user):
    """`make demo-reset` flushes with TRUNCATE: the command opens the guard for its own flush only."""
    need_postgresql()
    record_event(actor=make_user(Role.STAFF, district_code="110108"), action="test.old")
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('renewal.allow_truncate', 'off', false)")
    try:
        call_command("load_demo", "--reset", stdout=io.StringIO())
        assert not AuditEvent.objects.filter(action="test.old").exists()
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('renewal.allow_truncate', true)")
            assert cursor.fetchone()[0] == "off"  # the setting is put back as it was
        truncate_refused("TRUNCATE renewal_auditevent")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('renewal.allow_truncate', 'on', false)")


def grants_sql(role: str, database: str) -> list[str]:
    """scripts/db_app_role.sql with psql's :"variables" filled in, one statement each."""
    text = GRANTS.read_text()
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    text = text.replace(':"app_role"', f'"{role}"').replace(':"DBNAME"', f'"{database}"')
    assert not re.search(r":[\"']", text), "unfilled psql variable in scripts/db_app_role.sql"
    return [statement.strip() for statement in text.split(";") if statement.strip()]


@pytest.fixture
def app_role(transactional_db):
    """A login role set up exactly as docs/DATABASE.md says, for this test only."""
    need_postgresql()
    role = f"renewal_app_test_{os.getpid()}"
    database = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute(f'DROP ROLE IF EXISTS "{role}"')
        cursor.execute(
            f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD %s',
            [APP_PASSWORD],
        )
        for statement in grants_sql(role, database):
            cursor.execute(statement)
    yield role
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{role}"')
        cursor.execute(f'DROP ROLE "{role}"')


@pytest.fixture
def as_app(app_role):
    """A psycopg connection as the application role (same host and database as the tests)."""
    params = connection.settings_dict
    with psycopg.connect(
        host=params["HOST"] or "127.0.0.1",
        port=params["PORT"] or 5432,
        dbname=params["NAME"],
        user=app_role,
        password=APP_PASSWORD,
        autocommit=True,
    ) as conn:
        yield conn


def refused(conn, sql, match, params=()):
    with pytest.raises(psycopg.Error, match=match):
        conn.execute(sql, params)


def test_the_application_role_cannot_touch_or_unguard_the_audit_trail(make_user, as_app):
    actor = make_user(Role.STAFF, district_code="110108")
    event = record_event(actor=actor, action="test.submit", reason="原始理由")

    # Reading and appending work: that is all the application needs.
    as_app.execute(
        "INSERT INTO renewal_auditevent (created_at, actor_name, action, action_label, object_id,"
        " object_repr, from_state, to_state, reason, data) VALUES (now(), '系统', 'test.raw', '', '', '',"
        " '', '', '', '{}')"
    )
    assert as_app.execute("SELECT count(*) FROM renewal_auditevent").fetchone()[0] == 2

    # Changing or removing rows is refused by the triggers.
    refused(as_app, "UPDATE renewal_auditevent SET reason = '篡改' WHERE id = %s", "append-only", [event.pk])
    refused(as_app, "DELETE FROM renewal_auditevent WHERE id = %s", "append-only", [event.pk])
    # TRUNCATE is not granted, even when the session claims the harness's allowance.
    refused(as_app, "TRUNCATE renewal_auditevent", "permission denied")
    as_app.execute("SET renewal.allow_truncate = 'on'")
    refused(as_app, "TRUNCATE renewal_auditevent", "permission denied")
    refused(as_app, "TRUNCATE renewal_auditevent CASCADE", "permission denied")
    # The triggers cannot be switched off or dropped: the role does not own the table and is no superuser.
    refused(as_app, "ALTER TABLE renewal_auditevent DISABLE TRIGGER ALL", "must be owner")
    refused(as_app, "ALTER TABLE renewal_auditevent DISABLE TRIGGER renewal_auditevent_no_truncate", "owner")
    refused(as_app, "DROP TRIGGER renewal_auditevent_no_update_delete ON renewal_auditevent", "owner")
    refused(
        as_app,
        "CREATE OR REPLACE FUNCTION renewal_auditevent_append_only() RETURNS trigger AS "
        "$$ BEGIN RETURN NULL; END; $$ LANGUAGE plpgsql",
        "owner|permission denied",
    )
    refused(as_app, "SET session_replication_role = replica", "permission denied")

    assert AuditEvent.objects.filter(pk=event.pk, reason="原始理由").exists()
    assert AuditEvent.objects.count() == 2
