"""Redaction of what the public sees: no names, phone numbers, ID numbers or e-mail addresses."""

import re

MASK = "＊＊＊"
PATTERNS = [
    re.compile(
        r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
    ),  # ID number
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # e-mail
    re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)"),  # mobile
    re.compile(r"(?<!\d)(?:\(0\d{2,3}\)|0\d{2,3})[- ]?\d{3,4}[- ]?\d{4}(?!\d)"),  # landline with area code
    re.compile(r"(?<!\d)\d{7,8}(?!\d)"),  # local landline
]
# "我是张三", "联系人：李四", "本人欧阳娜娜" — up to four characters after a self-introduction.
NAME_AFTER = re.compile(r"(我是|我叫|本人|联系人[:：]?|姓名[:：]?|业主)([\u4e00-\u9fa5]{2,4})")


def redact(text: str, *, extra_terms=()) -> str:
    """Mask personal data in public text; extra_terms are the submitter's own name and contact."""
    result = text or ""
    for term in sorted((t.strip() for t in extra_terms if t and len(t.strip()) >= 2), key=len, reverse=True):
        result = result.replace(term, MASK)
    for pattern in PATTERNS:
        result = pattern.sub(MASK, result)
    return NAME_AFTER.sub(lambda m: f"{m.group(1)}{MASK}", result)
