import pytest

from renewal.choices import Role
from tests import factories


@pytest.fixture
def make_user(db):
    """make_user(Role.STAFF, district_code="110102") → a user with a fitting organisation."""
    return factories.user


@pytest.fixture
def staff(make_user):
    return make_user(Role.STAFF)


@pytest.fixture
def entity_user(make_user):
    return make_user(Role.ENTITY)


@pytest.fixture
def administrator(make_user):
    return make_user(Role.ADMINISTRATOR, district_code=None)


@pytest.fixture
def users_by_role(make_user):
    """One user of every role in 海淀区 (administrator at city level)."""
    return {
        role: make_user(role, district_code=None if role == Role.ADMINISTRATOR else "110108") for role in Role
    }


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request):
    """Transactional tests flush the database; put the migration-made reference data back first.

    (serialized_rollback cannot be relied on: once Playwright's event loop runs, Django hands out a
    different connection object that lacks the serialized snapshot.)
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        from renewal.reference import ensure_reference_data

        ensure_reference_data()


def _register_test_deadline_kinds():
    """Kinds for tests that open deadlines of arbitrary lengths (the registry allows longer ones only for
    kinds registered as a minimum)."""
    from renewal import deadline_kinds
    from renewal.choices import DeadlineRule

    for code in (
        "test",
        "test.a",
        "test.b",
        "test.c",
        "test.closed",
        "test.old",
        "test.review",
        "test.short",
    ):
        deadline_kinds.register(
            deadline_kinds.DeadlineKind(
                code=code, label="测试期限", rule=DeadlineRule.WORKING_DAYS, length=0, minimum=True
            )
        )
    deadline_kinds.register(
        deadline_kinds.DeadlineKind(
            code="test.ledger", label="入库联合审查", rule=DeadlineRule.WORKING_DAYS, length=0, minimum=True
        ),
        deadline_kinds.DeadlineKind(
            code="test.land", label="测试年限", rule=DeadlineRule.CALENDAR_YEARS, length=1, minimum=True
        ),
    )


_register_test_deadline_kinds()


def _register_test_audit_actions():
    """Codes the kernel's own tests write (apps register theirs in <app>/audit.py)."""
    from renewal import audit_actions

    codes = "calendar.test publicity.extend test.admit test.deleted test.forged test.gone test.new test.old"
    codes += " test.org test.own test.public test.raw test.second test.submit test.sweep test.x"
    audit_actions.register(*(audit_actions.AuditAction(code, f"测试操作 {code}") for code in codes.split()))


_register_test_audit_actions()


def _allow_truncate_in_tests(sender, connection, **kwargs):
    """The audit table refuses TRUNCATE (renewal migration 0007) unless the session says
    `renewal.allow_truncate` = 'on'. Transactional and live-server tests flush the database with TRUNCATE
    between tests, so every test connection says so. Only here: the application never sets it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('renewal.allow_truncate', 'on', false)")


def _connect_allow_truncate():
    from django.db.backends.signals import connection_created

    connection_created.connect(_allow_truncate_in_tests, dispatch_uid="tests.allow_truncate")


_connect_allow_truncate()
