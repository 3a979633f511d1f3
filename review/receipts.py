"""Receipt numbers for public comments: "GS" + the day + 6 random characters (issue 9).

The number is what a commenter uses to look up the status of the comment without signing in, so it must
not be guessable: the 6 characters come from `secrets` over an alphabet without look-alikes (no 0/O, 1/I/L),
about 10⁹ numbers a day.
"""

from __future__ import annotations

import datetime
import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PREFIX = "GS"
RANDOM_LENGTH = 6
PATTERN = re.compile(rf"^{PREFIX}\d{{8}}[{ALPHABET}]{{{RANDOM_LENGTH}}}$")


def new_receipt(day: datetime.date) -> str:
    return f"{PREFIX}{day:%Y%m%d}" + "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))


def normalise(text: str) -> str:
    """What a person typed, as stored: capitals, no spaces or dashes; "" when it cannot be a receipt."""
    value = re.sub(r"[\s\-—]", "", (text or "")).upper()[:32]
    return value if PATTERN.match(value) else ""
