"""Redaction of what the public sees: no names, phone numbers, ID numbers or e-mail addresses.

Pattern-based, so it errs towards masking: staff still read every comment before answering it.
"""

import re

MASK = "＊＊＊"
# Full-width digits and signs are matched as their ASCII forms; Chinese punctuation is left alone.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ＠．－（）＋", "0123456789Xx@.-()+")
_SEP = r"[- .]?"
PATTERNS = [
    # 18-digit ID (groups may be spaced) and the old 15-digit one.
    re.compile(
        r"(?<!\d)[1-9]\d{5}[ ]?(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])[ ]?\d{3}[\dXx](?!\d)"
    ),
    re.compile(r"(?<!\d)[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?!\d)"),
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # e-mail
    re.compile(rf"(?<!\d)(?:\+?86{_SEP})?1[3-9]\d{_SEP}\d{{4}}{_SEP}\d{{4}}(?!\d)"),  # mobile
    re.compile(
        rf"(?<!\d)(?:\(0\d{{2,3}}\)|0\d{{2,3}}){_SEP}\d{{3,4}}{_SEP}\d{{4}}(?!\d)"
    ),  # landline, area code
    re.compile(r"(?<!\d)\d{7,8}(?!\d)"),  # local landline
]
# "我是张三", "联系人：李四", "签名 欧阳娜娜" — a name after a self-introduction, not "我是业主".
NAME_AFTER = re.compile(
    r"(我是|我叫|联系人|姓名|签名|代表人)([:： ]?)(?!业主|居民|住户|本|这|附近|一名|一位|一个|小区)([\u4e00-\u9fa5]{2,4})"
    r"|(业主)()(?!大会|委员会|们|代表|表决|同意|反对|意见|共同|自治|群|的|和|及|与|都|均)([\u4e00-\u9fa5]{2,3})"
)


def redact(text: str, *, extra_terms=()) -> str:
    """Mask personal data in public text; extra_terms are the submitter's own name and contact."""
    result = (text or "").translate(_FULL_WIDTH)
    for term in sorted((t.strip() for t in extra_terms if t and len(t.strip()) >= 2), key=len, reverse=True):
        result = result.replace(term.translate(_FULL_WIDTH), MASK)
    for pattern in PATTERNS:
        result = pattern.sub(MASK, result)
    return NAME_AFTER.sub(lambda m: f"{m.group(1) or m.group(4)}{m.group(2) or ''}{MASK}", result)


def public_text(comment) -> str:
    """A public comment as anyone but the answering staff read it."""
    return redact(comment.text, extra_terms=(comment.name, comment.contact))


def public_response(comment) -> str:
    """Staff's answer as anyone but the answering staff see it: an answer may quote the commenter."""
    return redact(comment.response, extra_terms=(comment.name, comment.contact)) if comment.response else ""
