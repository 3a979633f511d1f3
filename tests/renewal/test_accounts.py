"""Account protection (issue 9 "Accounts"): login lock-out, password rules, password change, idle sessions,
expiring and revocable API tokens, the production SECRET_KEY check, the deploy check and the CSP header."""

import datetime
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from renewal.choices import Role
from renewal.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)
DEMO_PASSWORD = "Renewal#2026"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _fail_login(client, username, times, url=None, **extra):
    url = url or reverse("login")
    response = None
    for _ in range(times):
        response = client.post(url, {"username": username, "password": "wrong-password-1"}, **extra)
    return response


# --- lock-out ----------------------------------------------------------------------------------


def test_portal_login_locks_the_account_and_address_after_five_wrong_passwords(client, staff):
    response = _fail_login(client, staff.username, 4)
    assert "请输入一个正确的" in response.content.decode()  # still the ordinary message
    response = _fail_login(client, staff.username, 1)
    page = response.content.decode()
    assert "登录失败次数过多" in page and "15 分钟" in page
    # Now even the right password is refused, with the Chinese lock-out message.
    response = client.post(reverse("login"), {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 200
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # The lock-out is in the audit trail, once.
    events = AuditEvent.objects.filter(action="account.locked_out")
    assert events.count() == 1
    assert events.get().actor == staff and events.get().data["username"] == staff.username


def test_the_lock_holds_for_the_address_only_and_ends_after_the_cooloff(client, staff):
    _fail_login(client, staff.username, 5)
    # Another address may still log in as the same user.
    response = client.post(
        reverse("login"), {"username": staff.username, "password": PASSWORD}, REMOTE_ADDR="10.9.9.9"
    )
    assert response.status_code == 302
    # The cool-off over (the lock key expired), the right password works again from the first address.
    cache.clear()
    client.logout()
    response = client.post(reverse("login"), {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 302


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_COOLOFF_MINUTES=7)
def test_limit_and_cooloff_are_settings(client, staff):
    response = _fail_login(client, staff.username, 3)
    assert "7 分钟" in response.content.decode()


def test_a_successful_login_resets_the_count(client, staff):
    _fail_login(client, staff.username, 4)
    assert (
        client.post(reverse("login"), {"username": staff.username, "password": PASSWORD}).status_code == 302
    )
    client.logout()
    response = _fail_login(client, staff.username, 4)
    assert "登录失败次数过多" not in response.content.decode()


def test_admin_login_locks_too(client, make_user):
    admin_user = make_user(Role.ADMINISTRATOR, district_code=None, is_superuser=True, is_staff=True)
    url = reverse("admin:login")
    _fail_login(client, admin_user.username, 5, url=url)
    response = client.post(url, {"username": admin_user.username, "password": PASSWORD})
    assert response.status_code == 200
    assert "登录失败次数过多" in response.content.decode()
    assert AuditEvent.objects.filter(action="account.locked_out").count() == 1


def test_token_endpoint_counts_towards_the_lock(client, staff):
    for _ in range(5):
        client.post("/api/v1/auth/token/", {"username": staff.username, "password": "wrong-password-1"})
    response = client.post("/api/v1/auth/token/", {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 400
    assert AuditEvent.objects.filter(action="account.locked_out").count() == 1


def test_the_cache_is_shared_redis_or_a_file_cache():
    """The token throttle and the lock-out counters must not be per process."""
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "renewal.settings"}
    env.pop("REDIS_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "FileBasedCache" in out
    env["REDIS_URL"] = "redis://redis.example:6379/0"
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "RedisCache" in out


# --- passwords and sessions --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("zhangwei2026", "太相似"),  # the username
        ("8457362910", "只包含数字"),
        ("password123", "太常见"),
        ("Ab#45678", "至少 10 个字符"),
    ],
)
def test_password_rules_refuse_with_chinese_messages(make_user, password, message):
    user = make_user(Role.STAFF, username="zhangwei2026")
    with pytest.raises(ValidationError) as refused:
        password_validation.validate_password(password, user)
    assert any(message in text for text in refused.value.messages), refused.value.messages


def test_the_demo_password_is_valid_under_the_rules(make_user):
    for username in ("haidian_staff", "entity_admin", "admin"):
        password_validation.validate_password(DEMO_PASSWORD, make_user(Role.STAFF, username=username))


def test_every_user_can_change_the_password_from_the_navbar(client, users_by_role):
    for role, user in users_by_role.items():
        client.force_login(user)
        home = client.get(reverse("home")).content.decode()
        assert f'href="{reverse("password_change")}"' in home, role
        page = client.get(reverse("password_change"))
        assert page.status_code == 200 and "修改密码" in page.content.decode()
    user = users_by_role[Role.STAFF]
    client.force_login(user)
    refused = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "1234567890", "new_password2": "1234567890"},
    )
    assert refused.status_code == 200 and "只包含数字" in refused.content.decode()
    done = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Lang#Qiao-2027", "new_password2": "Lang#Qiao-2027"},
    )
    assert done.status_code == 302 and done["Location"] == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password("Lang#Qiao-2027")
    assert client.get(reverse("password_change_done")).status_code == 200


def test_the_password_change_page_needs_a_login(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_sessions_end_after_the_idle_time(client, staff):
    assert settings.SESSION_IDLE_MINUTES == 30
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    client.force_login(staff)
    response = client.get(reverse("home"))
    # Every request renews the cookie for the idle time (a sliding expiry).
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 30 * 60
    expiry = client.session.get_expiry_date()
    assert (
        timezone.now() + datetime.timedelta(minutes=29)
        < expiry
        <= timezone.now() + datetime.timedelta(minutes=30)
    )


# --- API tokens --------------------------------------------------------------------------------


def _token(client, user):
    response = client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200
    return response.json()["token"]


def test_post_token_works_as_before_and_returns_the_same_valid_token(client, staff):
    first = _token(client, staff)
    assert _token(client, staff) == first
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {first}")
    assert me.status_code == 200


def test_an_expired_token_answers_401_in_chinese_and_a_new_post_issues_a_fresh_one(client, staff):
    key = _token(client, staff)
    Token.objects.filter(key=key).update(
        created=timezone.now() - datetime.timedelta(days=settings.API_TOKEN_DAYS, minutes=1)
    )
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401
    assert "令牌已过期" in response.json()["detail"]
    fresh = _token(client, staff)
    assert fresh != key
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {fresh}").status_code == 200


@override_settings(API_TOKEN_DAYS=2)
def test_token_lifetime_is_a_setting(client, staff):
    key = _token(client, staff)
    Token.objects.filter(key=key).update(created=timezone.now() - datetime.timedelta(days=1))
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    Token.objects.filter(key=key).update(created=timezone.now() - datetime.timedelta(days=3))
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_the_user_revokes_the_token(client, staff):
    key = _token(client, staff)
    response = client.delete("/api/v1/auth/token/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 204
    assert not Token.objects.filter(key=key).exists()
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    assert AuditEvent.objects.filter(action="api.token_revoke", actor=staff).count() == 1


def test_revoking_needs_the_token(client, staff):
    response = client.delete("/api/v1/auth/token/")
    assert response.status_code == 401
    assert "令牌" in response.json()["detail"]


def test_the_administrator_revokes_a_token_in_admin(client, staff, make_user):
    key = _token(client, staff)
    admin_user = make_user(Role.ADMINISTRATOR, district_code=None, is_superuser=True, is_staff=True)
    client.force_login(admin_user)
    token = Token.objects.get(key=key)
    url = reverse("admin:authtoken_tokenproxy_delete", args=[token.user_id])
    assert client.get(url).status_code == 200
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Token.objects.filter(key=key).exists()
    client.logout()
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


# --- production SECRET_KEY and deploy check ----------------------------------------------------


def _manage(args, **env_extra):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "REDIS_URL", "DATABASE_URL"}}
    env.update({"DJANGO_SETTINGS_MODULE": "renewal.settings", "RENEWAL_ENV": "production", **env_extra})
    return subprocess.run(
        [sys.executable, "manage.py", *args], env=env, cwd=BASE_DIR, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "SECRET_KEY must be set"),
        ("short-key", "too short"),
        ("a" * 60, "too simple"),
        ("embedded-development-key-not-for-production", "known default"),
        ("django-insecure-" + "k" * 50, "known default"),
    ],
)
def test_production_refuses_a_short_or_default_secret_key(key, message):
    result = _manage(["check"], SECRET_KEY=key)
    assert result.returncode != 0
    assert message in result.stderr


def test_with_https_the_deploy_check_is_clean(tmp_path):
    result = _manage(
        ["check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY=secrets.token_hex(32),
        HTTPS="1",
        ALLOWED_HOSTS="portal.example.gov.cn",
        RENEWAL_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


# --- Content-Security-Policy -------------------------------------------------------------------

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'"
)


def test_pages_carry_the_content_security_policy(client, staff):
    assert client.get(reverse("login"))["Content-Security-Policy"] == POLICY
    client.force_login(staff)
    for url in (reverse("home"), reverse("password_change"), "/api/v1/me/", reverse("swagger-ui")):
        assert client.get(url)["Content-Security-Policy"] == POLICY, url


def test_portal_templates_have_no_inline_script():
    """script-src 'self': an inline <script>, an on…= handler or a javascript: link would be blocked."""
    offenders = []
    for path in (BASE_DIR / "templates").rglob("*.html"):
        text = path.read_text()
        for needle in ("<script>", "onclick=", "onchange=", "onsubmit=", "onload=", "javascript:"):
            if needle in text:
                offenders.append(f"{path.relative_to(BASE_DIR)}: {needle}")
    assert offenders == []


def test_swagger_ui_loads_its_start_up_script_from_a_url(client, staff):
    client.force_login(staff)
    page = client.get(reverse("swagger-ui")).content.decode()
    assert "<script>" not in page
    script = client.get(reverse("swagger-ui") + "?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
