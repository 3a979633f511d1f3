"""Account protection: login lock-out (portal, admin and token endpoint) and expiring API tokens.

A run of LOGIN_FAILURE_LIMIT wrong passwords for one username from one address locks that pair for
LOGIN_COOLOFF_MINUTES. The counters live in the default cache (Redis in production, a file cache shared
by the processes of `make run`), so every worker process sees the same count.
"""

import datetime
import hashlib

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

LOCKED_OUT_ACTION = "account.locked_out"


def _client_ip(request) -> str:
    from renewal.services import client_ip

    return client_ip(request) or ""


def _key(kind: str, username: str, ip: str) -> str:
    digest = hashlib.sha256(f"{username.strip().lower()}|{ip}".encode()).hexdigest()
    return f"login-{kind}:{digest}"


def cooloff_seconds() -> int:
    return settings.LOGIN_COOLOFF_MINUTES * 60


def lockout_message() -> str:
    return f"登录失败次数过多，该账号在此地址已被暂时锁定，请在 {settings.LOGIN_COOLOFF_MINUTES} 分钟后再试。"


def is_locked(username: str, request) -> bool:
    if not username or request is None:
        return False
    return bool(cache.get(_key("locked", username, _client_ip(request))))


def register_failure(username: str, request) -> bool:
    """Count one wrong password; lock the pair (and audit it) when the count reaches the limit."""
    if not username or request is None or is_locked(username, request):
        return False
    ip = _client_ip(request)
    counter = _key("failures", username, ip)
    cache.add(counter, 0, cooloff_seconds())
    try:
        failures = cache.incr(counter)
    except ValueError:  # expired between add and incr
        cache.set(counter, 1, cooloff_seconds())
        failures = 1
    if failures < settings.LOGIN_FAILURE_LIMIT:
        return False
    cache.set(_key("locked", username, ip), True, cooloff_seconds())
    cache.delete(counter)
    _record_lockout(username, ip, failures, request)
    return True


def clear_failures(username: str, request) -> None:
    if username and request is not None:
        cache.delete(_key("failures", username, _client_ip(request)))


def _record_lockout(username: str, ip: str, failures: int, request) -> None:
    from renewal.models import User
    from renewal.services import record_event

    user = User.objects.filter(username__iexact=username.strip()).first()
    record_event(
        actor=user,
        action=LOCKED_OUT_ACTION,
        action_label="登录锁定",
        data={
            "username": username[:150],
            "ip": ip,
            "failures": failures,
            "minutes": settings.LOGIN_COOLOFF_MINUTES,
        },
        request=request,
        district=getattr(user, "district", None),
        organization=getattr(user, "organization", None),
    )


@receiver(user_login_failed, dispatch_uid="renewal.accounts.login_failed")
def _on_login_failed(sender, credentials, request=None, **kwargs):
    register_failure(str(credentials.get("username") or ""), request)


@receiver(user_logged_in, dispatch_uid="renewal.accounts.logged_in")
def _on_logged_in(sender, request, user, **kwargs):
    clear_failures(user.get_username(), request)


class LoginLockoutBackend(ModelBackend):
    """Django's model backend that first refuses a locked username/address pair, before any password check."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if is_locked(username or "", request):
            raise PermissionDenied(lockout_message())
        return super().authenticate(request, username=username, password=password, **kwargs)


class LockoutFormMixin:
    """The login form says in Chinese that the pair is locked, instead of "wrong password"."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if is_locked(username, self.request):
            raise forms.ValidationError(lockout_message(), code="locked")
        try:
            return super().clean()
        except forms.ValidationError:
            if is_locked(username, self.request):
                raise forms.ValidationError(lockout_message(), code="locked") from None
            raise


class PortalAuthenticationForm(LockoutFormMixin, AuthenticationForm):
    pass


class PortalAdminAuthenticationForm(LockoutFormMixin, AdminAuthenticationForm):
    pass


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's rule with the Chinese message (Django 5.2's zh-hans catalogue lacks the new "%d" wording)."""

    def get_error_message(self):
        return f"密码长度太短。密码必须包含至少 {self.min_length} 个字符。"


def token_expired(token) -> bool:
    return token.created < timezone.now() - datetime.timedelta(days=settings.API_TOKEN_DAYS)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF token authentication whose tokens expire API_TOKEN_DAYS after they were issued."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise exceptions.AuthenticationFailed(
                "接口令牌已过期，请重新获取令牌（POST /api/v1/auth/token/）。"
            )
        return user, token
