"""Issue 9: the cases of personal data that reached the public verbatim, and the over-masking.

Each case is one way residents actually write: a name with no cue before it, a third party's name, an
address down to the flat, phones with dashes, slashes, spaces or Chinese numerals, ID numbers with hyphens,
WeChat/QQ ids and a spelled-out e-mail. Place names that are the subject of the objection stay.
"""

import pytest

from review.redaction import MASK, find_personal, redact


@pytest.mark.parametrize(
    "text, secret",
    [
        ("张三丰认为噪音太大。", "张三丰"),
        ("本人王小明反对。", "王小明"),
        ("邻居李四也反对加建。", "李四"),
        ("我和王五一家都住这里。", "王五"),
        ("王建国是我爱人，我们反对。", "王建国"),
        ("张三、李四反对", "张三"),
        ("住在学院路30号院5号楼2单元301室", "30号院5号楼2单元301室"),
        ("住在学院路30号院5号楼2单元301室", "301室"),
        ("电话138—1234—5673", "1234—5673"),
        ("电话138/1234/5674", "1234/5674"),
        ("电话1 3 8 1 2 3 4 5 6 7 5", "5 6 7 5"),
        ("电话一三八一二三四五六七八", "四五六七八"),
        ("电话：幺三八零零一三八零零零", "零一三八零零零"),
        ("身份证110108-19900307-123X", "19900307"),
        ("身份证110108-19900307-123X", "123X"),
        ("微信：zhangsan_88", "zhangsan_88"),
        ("加我微信号wxid_a1b2c3", "wxid_a1b2c3"),
        ("QQ号 123456", "123456"),
        ("邮箱zhangsan at example dot com", "zhangsan"),
        ("邮箱zhangsan at example dot com", "example"),
        ("邮箱 zhangsan[at]example[dot]com", "zhangsan"),
    ],
)
def test_each_way_of_writing_personal_data_is_masked(text, secret):
    masked = redact(text)
    assert secret not in masked, masked
    assert "＊" in masked


@pytest.mark.parametrize(
    "text",
    [
        "住在学院路",
        "反对在学院路拓宽道路",
        "3号楼加装电梯",
        "方案认为高度太高",
        "周边居民反对，高度影响采光",
        "居民和商户都反对",
        "我是退休教师，反对",
        "2025-10-23开会讨论",
        "建筑面积1.2万平方米，投资3.5亿元",
        "本人坚决反对加建",
        "我是业主，支持改造",
        "业主大会表决通过",
        "安全、卫生问题",
    ],
)
def test_place_names_and_ordinary_words_are_not_masked(text):
    assert redact(text) == text


def test_a_name_is_masked_character_by_character_and_nothing_else():
    assert redact("业主刘备反对") == "业主＊＊反对"
    assert redact("张三丰认为噪音太大。") == "＊＊＊认为噪音太大。"
    assert redact("本人王小明反对。") == "本人＊＊＊反对。"
    assert redact("住在学院路30号院5号楼2单元301室") == f"住在学院路{MASK}"


def test_find_personal_lists_each_item_with_its_place_and_kind():
    text = "本人王小明反对，电话138—1234—5673，微信zhangsan_88，住学院路30号院5号楼2单元301室"
    found = find_personal(text)
    assert [(text[f.start : f.end], f.kind) for f in found] == [
        ("王小明", "name"),
        ("138—1234—5673", "number"),
        ("zhangsan_88", "chat_id"),
        ("30号院5号楼2单元301室", "address"),
    ]


def test_the_submitters_own_name_and_contact_come_first():
    found = find_personal("我是刘洋，电话13812345678", extra_terms=("刘洋", "13812345678"))
    assert [f.kind for f in found] == ["submitter", "submitter"]
    assert (
        redact("我是刘洋，电话13812345678", extra_terms=("刘洋", "13812345678")) == f"我是{MASK}，电话{MASK}"
    )
