"""Personal data on display: one place for masks, redaction and what may be public.

Residents' names, phones, openids and exact addresses never reach a public page or a log;
party members on duty appear by masked name (张*). Public text is redacted of ID numbers,
phone numbers, e-mail addresses and door numbers. Content held by content security (WeChat's
``review``, or not yet checked) stays private until it passes.
"""

from __future__ import annotations

import logging
import re
import traceback
import unicodedata

_DIGIT = "0-9０-９"
_ID_NUMBER = re.compile(rf"(?<![{_DIGIT}A-Za-z])[{_DIGIT}]{{17}}[{_DIGIT}Xx](?![{_DIGIT}A-Za-z])")
_MOBILE = re.compile(
    rf"(?<![{_DIGIT}])(?:\+?86[\s-]?)?1[3-9][{_DIGIT}](?:[\s-]?[{_DIGIT}]){{8}}(?![{_DIGIT}])"
)
_LANDLINE = re.compile(rf"(?<![{_DIGIT}])0[{_DIGIT}]{{2,3}}[\s-]?[{_DIGIT}]{{7,8}}(?![{_DIGIT}])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DOOR = re.compile(
    rf"(?:[{_DIGIT}一二三四五六七八九十百零甲乙丙丁A-Za-z]+\s*"
    r"(?:号楼|号院|栋|幢|座|单元|层|楼|室|号|户|门)\s*)+"
    rf"(?:[{_DIGIT}]+\s*(?:室|号|户)?)?"
)
_LONG_NUMBER = re.compile(rf"[{_DIGIT}]{{5,}}")
MASK = "***"
PASS = "pass"  # the content-security verdict that makes content publishable


def redact(text: str | None) -> str | None:
    """Text fit for a public page: ID numbers, phones, e-mail and door numbers masked.

    Numbers are found however they are written (``find_numbers``); any other run of five or
    more digits is masked too: a public page can live without it.
    """
    if not text:
        return text
    for _ in range(3):  # masking can bring the rest of a longer number together: again
        spans = find_numbers(text)
        if not spans:
            break
        text = _mask_spans(text, spans)
    for pattern in (_ID_NUMBER, _EMAIL, _MOBILE, _LANDLINE, _DOOR, _LONG_NUMBER):
        text = pattern.sub(MASK, text)
    return text


# --- numbers however they are written --------------------------------------------------------
# A phone or an ID number hides behind full-width or other separators (139－1234－5678,
# 139.8765.4321, (137)1111-2222), spaced digits, zero-width characters, digits of other
# scripts (full-width, Arabic-Indic, circled, mathematical) and Chinese numerals. The scanner
# reads digits through all of them and reports the spans of the original text to mask.

_CHINESE_DIGITS = dict(zip("〇零一幺二两三四五六七八九", "0011223456789", strict=True))
_SEPARATORS = set(" .-_/()·,+~:") | {"\t", "\u3000", "\u00a0"}
MAX_GAP = 3  # separator characters allowed between two digits of one number
_NUMBER = re.compile(r"(?:0?86)?1[3-9]\d{9}|\d{17}[\dX]|\d{15}|0\d{9,11}")


def _digit(ch: str) -> str | None:
    """The decimal digit ``ch`` writes (any script, Chinese numerals), or None."""
    if "0" <= ch <= "9":
        return ch
    value = unicodedata.decimal(ch, None)
    if value is None:
        folded = unicodedata.normalize("NFKC", ch)
        value = unicodedata.decimal(folded, None) if len(folded) == 1 else None
    if value is not None:
        return str(value)
    return _CHINESE_DIGITS.get(ch)


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cf", "Mn", "Me", "Cc") and ch not in "\n\r"


def _separator(ch: str) -> bool:
    if ch in _SEPARATORS or _invisible(ch):
        return True
    folded = unicodedata.normalize("NFKC", ch)
    return (folded in _SEPARATORS or unicodedata.category(ch) in ("Pd", "Zs")
            or (len(folded) == 1 and unicodedata.category(folded) == "Pd") or ch == "\u2212")


def _groups(text: str):
    """Runs of digits joined by short separator gaps: lists of (digits, start, end) groups."""
    run: list[tuple[str, int, int]] = []
    i, n = 0, len(text)
    while i < n:
        digit = _digit(text[i])
        if digit is None:
            i += 1
            continue
        start, digits = i, []
        while i < n:
            d = _digit(text[i])
            if d is not None:
                digits.append(d)
                i += 1
            elif _invisible(text[i]):
                i += 1  # inside a group: a zero-width character joins, it does not separate
            else:
                break
        if i < n and text[i] in "Xx" and sum(len(g[0]) for g in run) + len(digits) == 17:
            digits.append("X")  # the check character of an ID number
            i += 1
        run.append(("".join(digits), start, i))
        gap = i
        while gap < n and gap - i < MAX_GAP and _separator(text[gap]):
            gap += 1
        if gap < n and _digit(text[gap]) is not None:
            i = gap  # a short gap of separators: the number goes on
            continue
        if gap < n and text[gap] in "Xx" and sum(len(g[0]) for g in run) == 17:
            run.append(("X", gap, gap + 1))  # an ID number's check character, set apart
            i = gap + 1
        yield run
        run = []
    if run:
        yield run


def find_numbers(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` that write a mainland mobile, an ID number or a landline, however
    separated, spaced or spelled (see above)."""
    spans = []
    for run in _groups(text):
        digits = [g[0] for g in run]
        for i in range(len(run)):
            joined = ""
            for j in range(i, len(run)):
                joined += digits[j]
                if len(joined) > 20:
                    break
                if _NUMBER.fullmatch(joined):
                    start = run[i][1]
                    if start and text[start - 1] in "+＋":  # +86 …: the plus goes too
                        start -= 1
                    spans.append((start, run[j][2]))
    return spans


def _mask_spans(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    out, last = [], 0
    for start, end in sorted(spans):
        if start < last:
            if end > last:
                last = end
            continue
        out += [text[last:start], MASK]
        last = end
    out.append(text[last:])
    return "".join(out)


_MAINLAND_MOBILE = re.compile(r"1[3-9]\d{9}")


def normalize_phone(raw) -> str | None:
    """A mainland mobile number as 11 digits (spaces, dashes and +86 dropped), or None."""
    if raw is None:
        return None
    digits = re.sub(r"[\s\-()]", "", str(raw))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits if _MAINLAND_MOBILE.fullmatch(digits) else None


def mask_name(name: str | None) -> str:
    """张三丰 → 张*: the family name only (and never the length of the given name)."""
    name = (name or "").strip()
    return f"{name[0]}*" if name else "党员"


def mask_phone(phone: str | None) -> str | None:
    """``138****1234``; short or foreign numbers keep only their last four digits."""
    if not phone:
        return None
    if len(phone) == 11 and phone.isdigit():
        return f"{phone[:3]}****{phone[-4:]}"
    return "****" + phone[-4:] if len(phone) > 4 else "****"


def text_is_public(request) -> bool:
    """The resident chose ``public`` and content security passed the text."""
    return bool(request.public) and getattr(request, "moderation", PASS) == PASS


def public_photos(request, photos=None) -> list:
    """Photos of a public request that content security passed."""
    if not request.public:
        return []
    return [p for p in (request.photos if photos is None else photos)
            if getattr(p, "moderation", PASS) == PASS]


def log_unexpected(logger: logging.Logger, what: str, error: BaseException) -> None:
    """Log an unexpected error by its type and where it happened, never by its message.

    Messages carry data: a database error quotes the statement's values, a ``KeyError`` the
    key, a ``ValueError`` the text it could not parse, a name or a phone. The traceback's
    frames (file, line, function, source line) say where; the request id that the logging
    set-up stamps on the record says which request.
    """
    frames = "".join(traceback.format_tb(error.__traceback__)).rstrip()
    logger.error("%s: %s\n%s", what, type(error).__name__, frames)


_QUERY = re.compile(r"\?[^\s\"']*")
# Loggers that print URLs: WeChat's query strings carry the app secret, login codes and
# access tokens (urllib3 at DEBUG), ours could carry anything a client puts there (werkzeug).
URL_LOGGERS = ("urllib3.connectionpool", "werkzeug")


class QueryStringFilter(logging.Filter):
    """Drops the query string of every URL in a log record (``/path?…``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _QUERY.sub("?…", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_QUERY.sub("?…", a) if isinstance(a, str) else a for a in record.args)
        return True


def init_logging() -> None:
    """Install the query-string filter on the loggers that print URLs (idempotent)."""
    for name in URL_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, QueryStringFilter) for f in logger.filters):
            logger.addFilter(QueryStringFilter())
