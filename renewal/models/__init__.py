from .attachments import Attachment
from .audit import AuditEvent
from .calendar import CalendarYear, WorkCalendarDay
from .deadlines import Deadline
from .organizations import District, Organization, User

__all__ = [
    "Attachment",
    "AuditEvent",
    "CalendarYear",
    "Deadline",
    "District",
    "Organization",
    "User",
    "WorkCalendarDay",
]
