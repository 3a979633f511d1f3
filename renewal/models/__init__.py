from .attachments import Attachment
from .audit import AuditEvent
from .calendar import CalendarYear, WorkCalendarDay
from .deadlines import Deadline
from .jobs import Job
from .notifications import Notification, NotificationPreference, Reminder, ReminderKind
from .organizations import District, Organization, User

__all__ = [
    "Attachment",
    "AuditEvent",
    "CalendarYear",
    "Deadline",
    "District",
    "Job",
    "Notification",
    "NotificationPreference",
    "Organization",
    "Reminder",
    "ReminderKind",
    "User",
    "WorkCalendarDay",
]
