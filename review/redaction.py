"""Redaction of what the public sees: no names, phone numbers, ID numbers, e-mail addresses, chat ids or
flat-level addresses.

Pattern-based: `find_personal` lists every detected item (with its place in the text and its kind) so a
page can highlight it, and `redact` masks them. A detected name is masked character by character
("业主刘备反对" → "业主＊＊反对"); everything else becomes "＊＊＊". Place names that are the subject of an
objection ("住在学院路", "3号楼加装电梯") are kept: only an address down to the building's unit or flat is
masked. Detection errs towards masking, and it only proposes: nothing a member of the public wrote is
public before the district's staff have read, edited and published it (`public_text`, issue 9).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from review.choices import CommentModeration

MASK = "＊＊＊"
NAME_MASK = "＊"
# Full-width digits and signs are matched as their ASCII forms (one character for one, so places found in
# the normalised text are places in the original); Chinese punctuation is left alone.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ＠．－（）＋／", "0123456789Xx@.-()+/")
_SEP = r"[- .]?"

# --- numbers: ID cards, phones, QQ numbers -------------------------------------------------------------
PATTERNS = [
    # 18-digit ID (groups may be spaced) and the old 15-digit one.
    re.compile(
        r"(?<!\d)[1-9]\d{5}[ ]?(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])[ ]?\d{3}[\dXx](?!\d)"
    ),
    re.compile(r"(?<!\d)[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?!\d)"),
    re.compile(rf"(?<!\d)(?:\+?86{_SEP})?1[3-9]\d{_SEP}\d{{4}}{_SEP}\d{{4}}(?!\d)"),  # mobile
    re.compile(
        rf"(?<!\d)(?:\(0\d{{2,3}}\)|0\d{{2,3}}){_SEP}\d{{3,4}}{_SEP}\d{{4}}(?!\d)"
    ),  # landline, area code
    re.compile(r"(?<!\d)\d{7,8}(?!\d)"),  # local landline
]
# Any run of seven or more digits however it is written: "138—1234—5673", "138/1234/5674",
# "1 3 8 1 2 3 4 5 6 7 5", "一三八一二三四五六七八", "110108-19900307-123X". A date (2025-10-23) is not one.
_DIGIT = "0-9〇零一二三四五六七八九幺"
_NUMBER_RUN = re.compile(
    rf"(?<![{_DIGIT}])\+?[{_DIGIT}](?:[ \-—–―~/._·]{{0,2}}[{_DIGIT}])+(?:[ \-—–/]?[Xx](?![A-Za-z]))?"
)
_DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}")
_DIGITS_IN = re.compile(rf"[{_DIGIT}]")
MIN_NUMBER_DIGITS = 7

# --- e-mail, also spelled out: "zhangsan at example dot com" -------------------------------------------
_AT = r"(?:@|\s*(?:\bat\b|\[at\]|\(at\)|艾特)\s*)"
_DOT = r"(?:\.|\s*(?:\bdot\b|\[dot\]|\(dot\)|点)\s*)"
EMAIL = re.compile(rf"[A-Za-z0-9_.+-]+{_AT}[A-Za-z0-9-]+(?:{_DOT}[A-Za-z0-9-]+)*{_DOT}[A-Za-z]{{2,}}\b")

# --- chat ids after their cue: "微信：zhangsan_88", "QQ号 123456" -----------------------------------------
CHAT_ID = re.compile(
    r"(?:微信号?|weixin|wechat|wx|vx|v信|威信|QQ号?|qq号?|扣扣)\s*(?:号码|号|id|ID)?\s*(?:是|为|[:：])?\s*"
    r"(?P<id>[A-Za-z][A-Za-z0-9_-]{4,19}|\d{5,12})(?![A-Za-z0-9_-])",
    re.IGNORECASE,
)

# --- address down to the unit or flat: "30号院5号楼2单元301室" (the road before it stays) ---------------
_PART = r"[0-9A-Za-z一二三四五六七八九十〇零百]+\s*(?:号院|号楼|号|栋|幢|座|单元|层|楼|室|户|门)"
ADDRESS = re.compile(
    rf"{_PART}(?:\s*{_PART})+|[0-9一二三四五六七八九十〇零百]+\s*(?:室|户)(?![\u4e00-\u9fa5]*[口型])"
)

# --- names ---------------------------------------------------------------------------------------------
# Common surnames (百家姓 as used today, covering most of the population) and compound ones.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
    "向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌"
    "毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦"
    "麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩"
    "明佘池乐匡钮鞠丰揭"
)
COMPOUND_SURNAMES = (
    "欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|长孙|宇文|司徒|令狐|夏侯|轩辕|端木|独孤|南宫|西门|呼延"
)
# What may follow a name when nothing before it says it is one ("张三丰认为…", "王五一家也反对").
_AFTER_NAME = (
    r"认为|觉得|是我|、|反对|支持|同意|赞成|表示|指出|提出|建议|要求|希望|担心|反映|投诉|说|称|也|还|都|一家|家|夫妇|"
    r"夫妻|老人|先生|女士|小姐|老师|阿姨|大爷|大妈|大姐|师傅|奶奶|爷爷|等人|等|签字|签名|代表"
)
# What may come before a name (a cue: "本人王小明", "邻居李四", "和赵六").
_BEFORE_NAME = (
    r"本人|我是|我叫|我们是|联系人|姓名|签名|签字|代表人|业主|居民|住户|租户|邻居|楼上|楼下|对门|隔壁|"
    r"爱人|丈夫|妻子|老伴|儿子|女儿|父亲|母亲|和|与|同|及|跟|找|问|致|、"
)
_HAN = r"[\u4e00-\u9fa5]"
_SURNAME = rf"(?:{COMPOUND_SURNAMES}|[{SURNAMES}])"
_PUNCT = r"\s，。；：！？、,.;:!?（）()“”\"'"
_NAME_END = rf"(?=$|[{_PUNCT}]|{_AFTER_NAME})"
# A cue that always introduces a name, whatever the name looks like ("签名 阿依古丽", "联系人：王小明").
NAME_AFTER = re.compile(
    r"(?:我叫|联系人|姓名|签名|签字人|代表人)[:： ]?(?!业主|居民|住户|本|这|附近|一名|一位|一个|小区)"
    rf"(?P<name>{_HAN}{{2,4}}?){_NAME_END}"
)
# A surname and one or two characters after a cue ("本人王小明反对", "我是欧阳娜娜", "邻居李四也反对").
NAME_AFTER_CUE = re.compile(rf"(?:{_BEFORE_NAME})[:： ]?(?P<name>{_SURNAME}{_HAN}{{1,2}}?){_NAME_END}")
# A name opening a clause, followed by a word that names usually precede ("张三丰认为噪音太大").
NAME_BEFORE_VERB = re.compile(rf"(?:^|(?<=[{_PUNCT}]))(?P<name>{_SURNAME}{_HAN}{{1,2}}?)(?={_AFTER_NAME})")
# Two-character words that start with a surname character but are not names ("方案认为", "高度").
NOT_NAMES = frozenset(
    "方案 方面 方式 方向 方法 高度 高层 周边 周围 安全 安静 文物 文化 江边 金额 时间 时候 时期 明显 明年 "
    "全部 全体 全面 成本 成为 和谐 关于 关注 单位 应该 常年 常住 万元 路面 路灯 马路 车辆 车位 华北 党员 "
    "景观 宁可 曲线 管理 管线 师生 司机 商户 商业 项目 连续 齐全 易于 乐意 丰富 应当 沙发 边界 简直 古树 "
    "宫殿 米宽 柏油 吉祥 明确 包括 符合 任何 于是 于此 石头 白天 黄昏 房屋 房子 房间 房龄 门口 程度 苏醒 "
    "向来 司法 季节 华人 雷声 龙头 史上 毛坯 温度 康复 施工 文件 安装 齐心 庞大 章程 尚未 舒适 纪律 梅雨 "
    "毕竟 单元 谷底 盛夏 车库 项目部 连日 管道 费用 冷暖 卫生 宗旨 全市 应急 边上 和平 商量 沙尘 池塘 乐园".split()
)


@dataclass(frozen=True)
class Found:
    """One detected personal item: text[start:end] is of this kind (name, phone_or_id, email, chat_id,
    address, submitter)."""

    start: int
    end: int
    kind: str


KIND_LABELS = {
    "submitter": "提交人姓名或联系方式",
    "name": "姓名",
    "number": "电话、身份证或其他号码",
    "email": "电子邮箱",
    "chat_id": "微信号或QQ号",
    "address": "门牌、楼号、单元或房号",
}


def _number_runs(text: str):
    for match in _NUMBER_RUN.finditer(text):
        run = match.group()
        if len(_DIGITS_IN.findall(run)) < MIN_NUMBER_DIGITS or _DATE.fullmatch(run.strip()):
            continue
        yield match.start(), match.end() - (len(run) - len(run.rstrip(" ._·~/-—–―")))


def _names(text: str):
    for pattern in (NAME_AFTER, NAME_AFTER_CUE, NAME_BEFORE_VERB):
        for match in pattern.finditer(text):
            name = match.group("name")
            if name in NOT_NAMES or name[:2] in NOT_NAMES:
                continue
            yield match.start("name"), match.end("name")


def find_personal(text: str, *, extra_terms=()) -> list[Found]:
    """Every personal item detected in text, in order, none overlapping; extra_terms (the submitter's own
    name and contact) come first, then the longer of two overlapping finds."""
    normal = (text or "").translate(_FULL_WIDTH)
    candidates: list[tuple[int, Found]] = []
    for term in sorted((t.strip() for t in extra_terms if t and len(t.strip()) >= 2), key=len, reverse=True):
        term = term.translate(_FULL_WIDTH)
        for match in re.finditer(re.escape(term), normal):
            candidates.append((0, Found(match.start(), match.end(), "submitter")))
    for pattern in PATTERNS:
        candidates += [(1, Found(m.start(), m.end(), "number")) for m in pattern.finditer(normal)]
    candidates += [(1, Found(m.start(), m.end(), "email")) for m in EMAIL.finditer(normal)]
    candidates += [(1, Found(m.start("id"), m.end("id"), "chat_id")) for m in CHAT_ID.finditer(normal)]
    candidates += [(1, Found(start, end, "number")) for start, end in _number_runs(normal)]
    candidates += [(2, Found(m.start(), m.end(), "address")) for m in ADDRESS.finditer(normal)]
    candidates += [(3, Found(start, end, "name")) for start, end in _names(normal)]
    chosen: list[Found] = []
    for _, found in sorted(candidates, key=lambda c: (c[0], -(c[1].end - c[1].start), c[1].start)):
        if found.end > found.start and all(found.end <= f.start or found.start >= f.end for f in chosen):
            chosen.append(found)
    return sorted(chosen, key=lambda f: f.start)


def redact(text: str, *, extra_terms=()) -> str:
    """Mask personal data in public text; extra_terms are the submitter's own name and contact."""
    # Places found in the normalised text are places in the original (one character for one), so the
    # original is masked: the commenter's own full-width punctuation stays as it was written.
    result = text or ""
    for found in reversed(find_personal(text, extra_terms=extra_terms)):
        mask = NAME_MASK * (found.end - found.start) if found.kind == "name" else MASK
        result = result[: found.start] + mask + result[found.end :]
    return result


def segments(text: str, *, extra_terms=()) -> list[tuple[str, str]]:
    """The text cut at every detected item, as (piece, kind label or "") pairs, so a page can highlight
    what the proposal masks without marking up the text itself (the template escapes each piece)."""
    text = text or ""
    pieces, at = [], 0
    for found in find_personal(text, extra_terms=extra_terms):
        if found.start > at:
            pieces.append((text[at : found.start], ""))
        pieces.append((text[found.start : found.end], KIND_LABELS.get(found.kind, found.kind)))
        at = found.end
    if at < len(text):
        pieces.append((text[at:], ""))
    return pieces


def _terms(comment) -> tuple[str, str]:
    return (comment.name, comment.contact)


def masked_text(comment) -> str:
    """The proposal staff start from: the comment with every detected personal item masked."""
    return redact(comment.text, extra_terms=_terms(comment))


def masked_response(comment) -> str:
    """The proposed public answer: an answer may quote the commenter, so it is masked the same way."""
    return redact(comment.response, extra_terms=_terms(comment)) if comment.response else ""


def _published(comment) -> bool:
    return comment.moderation == CommentModeration.PUBLISHED


def public_text(comment) -> str:
    """What the public reads of a comment: only the text staff published, "" before (issue 9)."""
    return comment.published_text if _published(comment) else ""


def public_response(comment) -> str:
    """What the public reads of the answer: only an answer staff published, on a published comment."""
    if _published(comment) and comment.response_published_at is not None:
        return comment.published_response
    return ""


def internal_text(comment) -> str:
    """A comment as signed-in users other than the answering staff read it: the published text, or the
    masked proposal while it is not published."""
    return public_text(comment) or masked_text(comment)


def internal_response(comment) -> str:
    return public_response(comment) or masked_response(comment)
