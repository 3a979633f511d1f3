"""The audit trail is append-only (ARCHITECTURE/DOMAIN §3: who, when, from, to, why)."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from renewal.choices import OrganizationKind, Role
from renewal.models import AuditEvent, Organization
from renewal.models.audit import AuditIsAppendOnly
from renewal.services import record_event
from tests import factories
from tests.services import need_postgresql

FIELDS = ["created_at", "actor_id", "actor_name", "action", "from_state", "to_state", "reason", "data", "ip"]


@pytest.fixture
def subject(db):
    return factories.OrganizationFactory(kind=OrganizationKind.ENTITY, district=factories.district("110108"))


@pytest.fixture
def event(make_user, subject):
    actor = make_user(Role.STAFF, district_code="110108")
    return record_event(
        actor=actor,
        action="test.submit",
        action_label="提交",
        obj=subject,
        from_state="draft",
        to_state="submitted",
        reason="材料齐全",
        data={"n": 1},
    )


def snapshot(event):
    return AuditEvent.objects.filter(pk=event.pk).values(*FIELDS).get()


# --- record_event ----------------------------------------------------------------------------------


def test_record_event_stores_who_what_when_from_to_why_and_where(make_user, subject):
    actor = make_user(Role.STAFF, district_code="110108", last_name="王", first_name="五")
    request = RequestFactory().post("/somewhere/", REMOTE_ADDR="203.0.113.9")
    created = record_event(
        actor=actor,
        action="test.admit",
        action_label="入库",
        obj=subject,
        from_state="submitted",
        to_state="admitted",
        reason="符合入库条件",
        data={"notice": "海更新〔2025〕1号"},
        request=request,
    )
    row = AuditEvent.objects.get(pk=created.pk)
    assert row.actor == actor
    assert row.actor_name == "王五"
    assert row.action == "test.admit"
    assert row.action_label == "入库"
    assert row.content_type == ContentType.objects.get_for_model(Organization)
    assert row.object_id == str(subject.pk)
    assert row.object_repr == str(subject)
    assert row.district == subject.district
    assert (row.from_state, row.to_state) == ("submitted", "admitted")
    assert row.reason == "符合入库条件"
    assert row.data == {"notice": "海更新〔2025〕1号"}
    assert row.ip == "203.0.113.9"
    assert row.created_at is not None
    assert list(AuditEvent.objects.for_object(subject)) == [row]


def test_record_event_without_actor_or_request_is_the_system(db):
    row = record_event(actor=None, action="test.sweep", reason="每日巡检")
    assert row.actor is None
    assert row.actor_name == "系统"
    assert row.ip is None
    assert row.content_type is None
    assert row.object_id == ""


def test_record_event_with_anonymous_actor_is_the_system(db):
    from django.contrib.auth.models import AnonymousUser

    row = record_event(actor=AnonymousUser(), action="test.public")
    assert row.actor is None
    assert row.actor_name == "系统"


def test_actor_name_falls_back_to_username(make_user):
    actor = make_user(Role.STAFF, last_name="", first_name="")
    row = record_event(actor=actor, action="test.x")
    assert row.actor_name == actor.username


# --- append-only through the ORM ------------------------------------------------------------------


def test_save_of_an_existing_row_is_refused(event):
    before = snapshot(event)
    event.reason = "篡改"
    with pytest.raises(AuditIsAppendOnly):
        event.save()
    assert snapshot(event) == before


def test_save_of_a_refetched_row_is_refused(event):
    before = snapshot(event)
    row = AuditEvent.objects.get(pk=event.pk)
    row.to_state = "rejected"
    with pytest.raises(AuditIsAppendOnly):
        row.save(update_fields=["to_state"])
    assert snapshot(event) == before


def test_save_of_a_new_instance_carrying_an_existing_pk_is_refused(event):
    """A fresh instance with an existing primary key must not overwrite the stored row."""
    before = snapshot(event)
    forged = AuditEvent(pk=event.pk, action="test.forged", to_state="forged", reason="篡改")
    with pytest.raises((AuditIsAppendOnly, DatabaseError)):
        with transaction.atomic():
            forged.save()
    assert snapshot(event) == before


def test_instance_delete_is_refused(event):
    before = snapshot(event)
    with pytest.raises(AuditIsAppendOnly):
        event.delete()
    assert snapshot(event) == before


def test_queryset_update_is_refused(event):
    before = snapshot(event)
    with pytest.raises(AuditIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(reason="篡改")
    with pytest.raises(AuditIsAppendOnly):
        AuditEvent.objects.all().update(to_state="x")
    assert snapshot(event) == before


def test_queryset_delete_is_refused(event):
    before = snapshot(event)
    with pytest.raises(AuditIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AuditIsAppendOnly):
        AuditEvent.objects.all().delete()
    assert snapshot(event) == before


def test_bulk_update_is_refused(event):
    before = snapshot(event)
    event.reason = "篡改"
    with pytest.raises(AuditIsAppendOnly):
        AuditEvent.objects.bulk_update([event], ["reason"])
    assert snapshot(event) == before


def test_update_or_create_is_refused(event):
    before = snapshot(event)
    with pytest.raises(AuditIsAppendOnly):
        AuditEvent.objects.update_or_create(pk=event.pk, defaults={"reason": "篡改"})
    assert snapshot(event) == before


def test_bulk_create_upsert_is_refused(event):
    """bulk_create(update_conflicts=True) is an UPDATE in disguise."""
    before = snapshot(event)
    forged = AuditEvent(pk=event.pk, action="test.forged", reason="篡改")
    with pytest.raises((AuditIsAppendOnly, DatabaseError)):
        with transaction.atomic():
            AuditEvent.objects.bulk_create(
                [forged], update_conflicts=True, unique_fields=["id"], update_fields=["action", "reason"]
            )
    assert snapshot(event) == before


def test_deleting_the_actor_is_refused_while_events_name_them(event):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        event.actor.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_appending_is_allowed(event):
    record_event(actor=None, action="test.second")
    assert AuditEvent.objects.count() >= 2


# --- append-only in the database (PostgreSQL trigger) -----------------------------------------------


def test_raw_sql_update_is_refused_by_the_database(event):
    need_postgresql()
    before = snapshot(event)
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE renewal_auditevent SET reason = %s WHERE id = %s", ["篡改", event.pk])
    assert snapshot(event) == before


def test_raw_sql_delete_is_refused_by_the_database(event):
    need_postgresql()
    before = snapshot(event)
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM renewal_auditevent WHERE id = %s", [event.pk])
    assert snapshot(event) == before


def test_raw_sql_insert_is_allowed_by_the_database(event):
    need_postgresql()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO renewal_auditevent (created_at, actor_name, action, action_label, object_id,"
            " object_repr, from_state, to_state, reason, data) VALUES (now(), '系统', 'test.raw', '', '', '',"
            " '', '', '', '{}')"
        )
    assert AuditEvent.objects.filter(action="test.raw").count() == 1
