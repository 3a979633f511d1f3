"""Telling people things (issue 12, DOMAIN.md §5): a row in each recipient's inbox and, unless they turned it
off, an e-mail in Chinese with a link to the page.

Apps decide *who* is told *what* in their own `notifications.py`, as reactions to audit codes
(renewal/reactions.py), so every notification follows a committed step. This module only writes and sends.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import get_connection
from django.core.mail.message import EmailMessage
from django.db import connection, transaction
from django.utils import timezone

from renewal.choices import Role
from renewal.models import Notification, NotificationPreference, User

logger = logging.getLogger(__name__)

SUBJECT_PREFIX = "【城市更新项目管理平台】"
EMAIL_DIGEST_LINES = 50  # notifications listed in one e-mail; the rest are in the inbox


def absolute(link: str) -> str:
    if not link or link.startswith(("http://", "https://")):
        return link
    return f"{settings.PORTAL_BASE_URL}{link}"


def users_of(*, organizations=(), roles=None, district=None):
    """Active users of these organisations (optionally of these roles)."""
    ids = [getattr(o, "pk", o) for o in organizations if o is not None]
    if not ids:
        return User.objects.none()
    queryset = User.objects.filter(is_active=True, organization_id__in=ids)
    if roles is not None:
        queryset = queryset.filter(role__in=list(roles))
    return queryset


def district_staff(district, roles=(Role.STAFF,)):
    """Active users of a district's housing commission (区城市更新主管部门) with these roles."""
    if district is None:
        return User.objects.none()
    district_id = getattr(district, "pk", district)
    return User.objects.filter(is_active=True, role__in=list(roles), organization__district_id=district_id)


def _distinct(users) -> list:
    seen, result = set(), []
    for user in users:
        if user is not None and user.pk not in seen and user.is_active:
            seen.add(user.pk)
            result.append(user)
    return result


def notify(
    users, *, verb: str, text: str, link: str = "", obj=None, email: bool = True
) -> list[Notification]:
    """One inbox row per distinct active user; e-mails after commit to those who want them."""
    recipients = _distinct(users)
    if not recipients:
        return []
    content_type = (
        ContentType.objects.get_for_model(obj, for_concrete_model=False) if obj is not None else None
    )
    rows = Notification.objects.bulk_create(
        [
            Notification(
                user=user,
                verb=verb[:64],
                text=text[:300],
                link=link[:300],
                content_type=content_type,
                object_id=str(obj.pk) if obj is not None else "",
            )
            for user in recipients
        ]
    )
    if email:
        transaction.on_commit(lambda: send_emails(rows))
    return rows


def wants_email(users) -> set[int]:
    """Ids of these users who have an address and did not turn e-mail off."""
    off = set(
        NotificationPreference.objects.filter(user__in=[u.pk for u in users], email=False).values_list(
            "user_id", flat=True
        )
    )
    return {u.pk for u in users if u.email and u.pk not in off}


def send_emails(rows) -> int:
    """E-mail these notifications to recipients who want them: one message per person (a digest when
    several arrive at once, as from the morning sweep); marks them e-mailed. Returns messages sent."""
    users = {row.user_id: row.user for row in rows}
    wanted = wants_email(list(users.values()))
    grouped: dict[int, list] = {}
    for row in rows:
        if row.user_id in wanted:
            grouped.setdefault(row.user_id, []).append(row)
    messages, sent = [], []
    footer = "\n（本邮件由城市更新项目管理平台自动发送，请勿直接回复。如不需要邮件提醒，可在平台“消息通知”页关闭。）\n"
    for user_id, items in grouped.items():
        user = users[user_id]
        if len(items) == 1:
            subject = items[0].text[:60]
        else:
            subject = f"您有{len(items)}条新通知"
        lines = [f"{user}，您好：", ""]
        for row in items[:EMAIL_DIGEST_LINES]:
            lines.append(row.text)
            if row.link:
                lines.append(f"请登录平台查看：{absolute(row.link)}")
            lines.append("")
        if len(items) > EMAIL_DIGEST_LINES:
            lines.append(f"另有{len(items) - EMAIL_DIGEST_LINES}条，请登录平台查看：{absolute('/inbox/')}")
        messages.append(EmailMessage(SUBJECT_PREFIX + subject, "\n".join(lines) + footer, to=[user.email]))
        sent.extend(row.pk for row in items)
    if not messages:
        return 0
    try:
        get_connection().send_messages(messages)
    except Exception:
        logger.exception("sending %s notification e-mails failed", len(messages))
        return 0
    now = timezone.now()
    # SQLite takes at most 32,766 parameters per statement; PostgreSQL takes the whole list at once.
    size = len(sent) if connection.vendor == "postgresql" else 5000
    for start in range(0, len(sent), size):
        Notification.objects.filter(pk__in=sent[start : start + size]).update(emailed_at=now)
    return len(messages)


def send_plain_email(address: str, subject: str, body: str) -> bool:
    """An e-mail to someone without an account (a public commenter who left an address)."""
    if not address:
        return False
    try:
        EmailMessage(SUBJECT_PREFIX + subject, body, to=[address]).send()
    except Exception:
        logger.exception("sending an e-mail to a commenter failed")
        return False
    return True


def mark_read(user, *, pk=None) -> int:
    """Mark one (pk) or all of the user's unread notifications read; returns how many changed."""
    queryset = Notification.objects.visible_to(user).unread()
    if pk is not None:
        queryset = queryset.filter(pk=pk)
    return queryset.update(read_at=timezone.now())


def set_email_preference(user, enabled: bool) -> None:
    NotificationPreference.objects.update_or_create(user=user, defaults={"email": enabled})


def email_enabled(user) -> bool:
    pref = NotificationPreference.objects.filter(user=user).first()
    return True if pref is None else pref.email


# --- helpers for the apps' reaction rules ---------------------------------------------------------


def subject_of(event):
    """The object an audit event is about, or None if it no longer exists (a deleted draft)."""
    if event.content_type_id is None or not event.object_id:
        return None
    model = event.content_type.model_class()
    if model is None:
        return None
    return model._default_manager.filter(pk=event.object_id).first()


def link_of(obj) -> str:
    url = getattr(obj, "get_absolute_url", None)
    return url() if callable(url) else ""


def owners_of(project):
    """The users of the project's implementing and coordinating entities."""
    return users_of(
        organizations=(project.implementing_entity_id, project.coordinating_entity_id), roles=(Role.ENTITY,)
    )


def reviewers_of(organizations):
    return users_of(organizations=organizations, roles=(Role.REVIEWER,))


def except_actor(users, event):
    """Nobody is told of their own step."""
    return [u for u in users if u.pk != event.actor_id]
