"""Redaction reads a phone or an ID number however it is written (property-based).

Generated spellings: every digit in a script of its own (ASCII, full-width, Arabic-Indic,
Devanagari, mathematical, circled, Chinese numerals), separated or not by up to three
separators (full-width dashes, dots, spaces, ideographic spaces, brackets, zero-width
characters), inside Chinese text. What comes out must not give the number back.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from server.privacy import _digit, find_numbers, redact

SCRIPTS = [
    lambda d: d,
    lambda d: chr(0xFF10 + int(d)),   # full-width
    lambda d: chr(0x0660 + int(d)),   # Arabic-Indic
    lambda d: chr(0x0966 + int(d)),   # Devanagari
    lambda d: chr(0x1D7CE + int(d)),  # mathematical bold
    lambda d: "〇一二三四五六七八九"[int(d)],
    lambda d: "⓪①②③④⑤⑥⑦⑧⑨"[int(d)],
]
SEPARATORS = [" ", "-", "－", ".", "．", "·", "/", "(", ")", "（", "）", "\u3000", "\u00a0",
              "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "—", "–", "‐", "_", "\u00ad"]
FILLER = st.text(alphabet="楼道灯坏了请尽快处理电话联系我谢谢，。！", max_size=12)

mobiles = st.builds(lambda second, rest: "1" + second + rest,
                    st.sampled_from("3456789"), st.text(alphabet="0123456789", min_size=9, max_size=9))
id_numbers = st.builds(lambda body, check: body + check,
                       st.text(alphabet="0123456789", min_size=17, max_size=17),
                       st.sampled_from("0123456789X"))


@st.composite
def spelled(draw, numbers):
    number = draw(numbers)
    out = []
    for index, digit in enumerate(number):
        if index:
            out.append("".join(draw(st.lists(st.sampled_from(SEPARATORS), max_size=3))))
        out.append("X" if digit == "X" else draw(st.sampled_from(SCRIPTS))(digit))
    return number, draw(FILLER) + "".join(out) + draw(FILLER)


def _digits(text: str) -> str:
    return "".join(d for d in map(_digit, text) if d is not None)


@given(spelled(mobiles | id_numbers))
@settings(max_examples=400, deadline=None)
def test_a_number_however_written_is_masked(case):
    number, text = case
    out = redact(text)
    assert find_numbers(out) == []
    assert number.rstrip("X") not in _digits(out), (text, out)


@given(st.text(alphabet="楼道灯坏了请，。 0123456789-:年月日点号", max_size=40))
@settings(max_examples=300, deadline=None)
def test_redaction_is_stable(text):
    once = redact(text)
    assert redact(once) == once and find_numbers(once) == []


def test_the_spellings_the_attack_used():
    for text in ["139－1234－5678", "139.8765.4321", "(137)1111-2222", "136 - 3333 - 4444",
                 "2208.2119.9001.0112.34", "1 3 9 1 2 3 4 5 6 7 8", "139\u200b1234\u200b5678",
                 "１３９１２３４５６７８", "一三九一二三四五六七八", "١٣٩١٢٣٤٥٦٧٨"]:
        out = redact(f"电话{text}谢谢")
        assert out.startswith("电话") and out.endswith("***谢谢") and _digits(out) == "", (text, out)


def test_dates_times_and_small_numbers_stay():
    for text in ["2026-11-23 下午3点", "10:30 到 11:00", "共3人", "第2次反映"]:
        assert redact(text) == text
