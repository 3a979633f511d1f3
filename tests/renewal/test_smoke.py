from renewal import calendar as workdays
from renewal.choices import Role


def test_calendar_example_from_domain(db):
    import datetime

    assert workdays.add_working_days(datetime.date(2025, 9, 26), 15).due == datetime.date(2025, 10, 23)


def test_every_role_has_a_home(client, users_by_role):
    for role, user in users_by_role.items():
        client.force_login(user)
        response = client.get("/")
        assert response.status_code == 200, role
        assert Role(role).label in response.content.decode() or role == Role.ADMINISTRATOR
