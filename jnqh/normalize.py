"""Turning what counties type into clean values (the conventions of forms.md).

Every parser takes the raw cell value and returns a :class:`Parsed`: the value, or the
issue code and its parameters when the text cannot be read. Nothing here raises on bad
input and nothing here knows about sheets or cells; the reader adds those.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass, field

from jnqh import forms

from jnqh.check import rules
from jnqh.cellformat import Percent


@dataclass(frozen=True)
class Parsed:
    value: object = None
    code: str | None = None  # an issue code of the catalogue when the input is wrong
    params: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.code is None


BLANK = Parsed()

# Whitespace of every width, and the invisible characters pasted from Word.
_SPACES = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
_INLINE_SPACES = re.compile(r"[ \t\u3000\u00a0]+")  # what clean_text turns into one space
_QUOTES = str.maketrans("", "", "\"'“”‘’「」『』")
# C0 controls but tab and newline (Excel stores them as _x0008_ and calamine decodes them),
# and the two non-characters: no XML writer (python-docx, openpyxl) accepts them.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]")


def drop_controls(text: str) -> str:
    """Text without the control characters that no xlsx or docx may hold (tab, newline kept)."""
    # isprintable() is one C pass and true for nearly every cell: the regex runs on the rest.
    return text if text.isprintable() else _CONTROLS.sub("", text)


# Characters that show nothing: zero-width space, non-joiner and joiner, word joiner, BOM,
# soft hyphen, Mongolian vowel separator. Word and web pages paste them inside labels and
# values, where they would split '四至范围' or hide a label's end; NFKC keeps them.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
_DROP_INVISIBLE = str.maketrans("", "", INVISIBLE)
# What folding does to characters besides NFKC: invisible ones go, symbol-font ticks become
# the marks they show (forms.SYMBOL_FONT_MARKS).
_FOLD_TABLE = str.maketrans(dict(forms.SYMBOL_FONT_MARKS, **dict.fromkeys(INVISIBLE)))


def visible(text: str) -> str:
    """The text without its invisible characters (INVISIBLE)."""
    return text.translate(_DROP_INVISIBLE)


def fold(value: object) -> str:
    """Text with full-width digits, letters and punctuation folded to half-width."""
    if value is None:
        return ""
    if type(value) is str:
        return _fold_text(value)
    return unicodedata.normalize("NFKC", drop_controls(str(value))).strip()


@functools.lru_cache(maxsize=16384)
def _fold_text(text: str) -> str:
    # NFKC is slow on Chinese text (thousands of instructions a character), and the same
    # option boxes and labels are folded for every circle of every file: fold each once.
    return unicodedata.normalize("NFKC", drop_controls(text).translate(_FOLD_TABLE)).strip()


def unknown_symbol(value: object) -> str | None:
    """The first private-use character folding left in a text: a symbol-font mark of a font or
    letter we do not know (see forms.SYMBOL_FONT_MARKS), as 'U+F0xx'."""
    low, high = forms.PRIVATE_USE
    found = next((ord(ch) for ch in fold(value) if low <= ch <= high), None)
    if found is None:
        return None
    if forms.UNKNOWN_LETTER_SHIFT <= found < forms.UNKNOWN_LETTER_SHIFT + 0x100:  # named as its font's code point
        found -= forms.UNKNOWN_LETTER_SHIFT - 0xF000
    return f"U+{found:04X}"


def with_symbol_warning(parsed: Parsed, value: object) -> Parsed:
    """`parsed`, with a V-SYMBOL warning when `value` holds a symbol we cannot read."""
    symbol = unknown_symbol(value) if parsed.ok else None
    if symbol is None:
        return parsed
    return Parsed(parsed.value, code="V-SYMBOL", params={"symbol": symbol})


def label_key(value: object) -> str:
    """The form of a label that labels are compared in: no spaces, half-width, no quotes."""
    if isinstance(value, str):
        return _label_key(value)
    return _label_key(fold(value))


@functools.lru_cache(maxsize=65536)
def _label_key(text: str) -> str:
    # Labels recur in every sheet of every file: the cache makes indexing a sheet cheap.
    return _SPACES.sub("", fold(text)).translate(_QUOTES).lower().rstrip(":：")


def is_blank(value: object) -> bool:
    """Nothing typed: None, spaces, or only the dashes and slashes that say "nothing to
    report here" (`——`, `/`: forms.PLACEHOLDER_DASHES), whatever the field's kind."""
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    # str.strip() removes exactly what \s matches. A text that shows nothing or only dashes
    # ends in a dash or an invisible character: one set lookup decides for nearly every text
    # (called for nearly every cell read).
    stripped = value.strip()
    if not stripped:
        return True
    return stripped[-1] in _DASHES_OR_INVISIBLE and _shows_only_dashes(stripped)


_DASHES = forms.PLACEHOLDER_DASHES
_DASHES_OR_INVISIBLE = _DASHES | frozenset(INVISIBLE)


def _shows_only_dashes(text: str) -> bool:
    """Nothing but dashes, spaces and invisible characters (or nothing at all) is shown."""
    return all(ch in _DASHES for ch in _SPACES.sub("", visible(text)))


def says_none(value: object) -> bool:
    """Whether a cell is a none word: `无`, `没有`, `暂无` (forms.NONE_WORDS)."""
    return type(value) is str and _says_none(value)


@functools.lru_cache(maxsize=4096)
def _says_none(text: str) -> bool:
    return _SPACES.sub("", fold(text)).rstrip("。.;；") in forms.NONE_WORDS


# What a none word is read as, by what forms.NONE_MEANS says it means for the kind.
_NONE_READ = {forms.ZERO: Parsed(0.0), forms.FALSE: Parsed(False), forms.NOTHING: BLANK}


def _none_read(kind: str, value: object) -> Parsed | None:
    """The reading of a none word in a field of `kind`, or None when `value` is not one."""
    return _NONE_READ[forms.NONE_MEANS[kind]] if says_none(value) else None


def parse_text(value: object) -> Parsed:
    """A text field: clean_text, with a none word (`无`: no platform, no notes) read as blank."""
    return BLANK if says_none(value) else Parsed(clean_text(value))


def clean_text(value: object) -> str | None:
    """Stripped text; Chinese characters kept as typed, whole floats shown as integers."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return _as_date(value).isoformat()
    return _INLINE_SPACES.sub(" ", visible(drop_controls(str(value)))).strip() or None


# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------

_UNIT_WORDS = ("平方米", "平米", "万元", "万人", "个", "座", "家", "户", "人", "份", "台", "处", "类", "种",
               "元", "㎡", "m2", "m²", "次", "项")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
# Words that make a number approximate: '约3.3万', '大约1.2万人', '3万左右', '1.2万余'.
_APPROX_BEFORE = ("大约", "约为", "约", "近", "将近")
_APPROX_AFTER = ("左右", "以上", "余", "多")


def parse_number(value: object, *, unit: str = "") -> Parsed:
    """A number from a cell: 12, '12个', '１２', '1,200', '0.3万' (万 scales unless the unit is 万…)."""
    if is_blank(value):
        return BLANK
    if isinstance(value, bool):
        return Parsed(code="V-NUMBER", params={"value": value})
    if isinstance(value, (int, float)):
        return Parsed(float(value))
    nothing = _none_read(forms.DECIMAL, value)  # '无' 个: none, so 0
    if nothing is not None:
        return nothing
    text = fold(value).replace(",", "").replace(" ", "")
    text, approximate = _without_approximation(text)
    scale = 1.0
    for word in _UNIT_WORDS:
        if text.endswith(word):
            text = text[: -len(word)]
            break
    text, more = _without_approximation(text)  # '3万人左右' and '3万余人' alike
    if text.endswith("万"):
        text = text[:-1]
        # "0.3万" in a 万人 field is 0.3 万人; in a plain count it is 3,000.
        scale = 1.0 if unit.startswith("万") else 10000.0
    text, most = _without_approximation(text)
    if not _NUMBER.match(text):
        return Parsed(code="V-NUMBER", params={"value": fold(value)})
    number = float(text) * scale
    if approximate or more or most:  # read, and the county is told it was read as exact
        return Parsed(number, code="V-APPROXIMATE", params={"value": fold(value), "number": plain_number(number)})
    return Parsed(number)


def _without_approximation(text: str) -> tuple[str, bool]:
    """The text without '约' before or '左右' after it, and whether it had either."""
    for word in _APPROX_BEFORE:
        if text.startswith(word):
            return text[len(word):], True
    for word in _APPROX_AFTER:
        if text.endswith(word) and len(text) > len(word):
            return text[: -len(word)], True
    return text, False


def parse_count(value: object, *, unit: str = "") -> Parsed:
    parsed = parse_number(value, unit=unit)
    if parsed.code == "V-APPROXIMATE":  # shops and people are counted, not estimated
        return Parsed(code="V-NUMBER", params={"value": parsed.params["value"]})
    if not parsed.ok or parsed.value is None:
        return parsed
    number = parsed.value
    code = rules.number_problem(forms.COUNT, number)
    if code is not None:
        return Parsed(code=code, params={"value": plain_number(number)})
    return Parsed(int(number))


def parse_decimal(value: object, *, unit: str = "") -> Parsed:
    parsed = parse_number(value, unit=unit)
    code = rules.number_problem(forms.DECIMAL, parsed.value) if parsed.ok and parsed.value is not None else None
    if code is not None:
        return Parsed(code=code, params={"value": plain_number(parsed.value)})
    return parsed


def parse_percent(value: object) -> Parsed:
    """A percentage as 0–100: '95%', '９５％', 95 and 0.95 (with a warning) all give 95."""
    if is_blank(value) or says_none(value):  # forms.NONE_MEANS: no percentage to report
        return BLANK
    if isinstance(value, Percent):  # a cell formatted 0%: it shows 96% for 0.96
        return _percent_in_range(value.shown)
    text = fold(value).replace(" ", "") if isinstance(value, str) else value
    had_sign = isinstance(text, str) and text.endswith("%")
    parsed = parse_number(text.rstrip("%") if had_sign else text)
    if parsed.value is None:
        return parsed
    number = parsed.value
    if not had_sign and 0 < number <= 1:
        percent = round(number * 100, 6)
        return Parsed(percent, code="V-PERCENT-FRACTION",
                      params={"value": plain_number(number), "percent": plain_number(percent)})
    checked = _percent_in_range(number)
    return Parsed(number, parsed.code, parsed.params) if checked.ok else checked  # '约95%': warned


def _percent_in_range(number: float) -> Parsed:
    code = rules.number_problem(forms.PERCENT, number)
    if code is not None:
        return Parsed(code=code, params={"value": plain_number(number)})
    return Parsed(number)


def plain_number(number: float) -> str:
    """12.0 → '12', 0.30000000000000004 → '0.3'."""
    return f"{number:.10g}"


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL_DAYS = (20000, 80000)  # 1954–2119: a number of days, not some other number
_SERIAL_TEXT = re.compile(r"^\d{5}(\.0*)?$")  # an Excel serial that became text (pasted, CSV)
# A date in Chinese numerals: '二〇二四年四月三十日' (the year digit by digit, 〇 or 零 for 0).
_CN_DIGITS = {ch: i for i, ch in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "O": 0, "o": 0}
_CN_DATE = re.compile(r"^([〇零○Oo一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})[日号]?$")


def parse_date(value: object) -> Parsed:
    """A date from an Excel date, '2024-04-30', '2024/4/30', '2024.4.30' or '2024年4月30日'."""
    if is_blank(value) or says_none(value):  # forms.NONE_MEANS: no date to report
        return BLANK
    if isinstance(value, (dt.datetime, dt.date)):
        return Parsed(_as_date(value))
    if isinstance(value, (int, float)) and _SERIAL_DAYS[0] < value < _SERIAL_DAYS[1]:
        # An Excel serial number the reader saw without a date format.
        return Parsed(_EXCEL_EPOCH + dt.timedelta(days=int(value)))
    text = (fold(value).split(" ")[0] if isinstance(value, str) else str(value)).strip()
    if _SERIAL_TEXT.match(text) and _SERIAL_DAYS[0] < float(text) < _SERIAL_DAYS[1]:
        return Parsed(_EXCEL_EPOCH + dt.timedelta(days=int(float(text))))
    match = _DATE.match(text) or _CN_DATE.match(text)
    if match:
        try:
            return Parsed(dt.date(*map(_date_number, match.groups())))
        except ValueError:
            pass
    return Parsed(code="V-DATE", params={"value": fold(value)})


def _date_number(part: str) -> int:
    """'2024', '04' → int; Chinese numerals: '二〇二四' → 2024, '三十' → 30, '十二' → 12."""
    if part.isascii():
        return int(part)
    if "十" not in part:
        return int("".join(str(_CN_DIGITS[ch]) for ch in part))
    tens, _, ones = part.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        raise ValueError(part)
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


# ---------------------------------------------------------------------------
# Ticks, choices, lists
# ---------------------------------------------------------------------------


def parse_tick(value: object) -> bool | None:
    """True for a tick, False for an explicit no, None for blank or unreadable."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    return _tick_of_text(value if isinstance(value, str) else str(value))


@functools.lru_cache(maxsize=4096)  # the same few marks and words fill every checklist
def _tick_of_text(value: str) -> bool | None:
    text = fold(value).lower().replace(" ", "")
    if text in forms.TICK_WORDS or (text and all(ch in forms.TICK_MARKS for ch in text)):
        return True
    if text in forms.UNTICK_WORDS or (text and all(ch in forms.UNTICK_MARKS for ch in text)):
        return False
    return None


def parse_yesno(value: object) -> Parsed:
    if is_blank(value):
        return BLANK
    tick = parse_tick(value)
    if tick is None:
        return Parsed(code="V-CHOICE", params={"value": fold(value), "options": "是、否"})
    return Parsed(tick)


def split_list(value: object) -> list[str]:
    """Items of a list cell, split on Chinese and Western separators and newlines."""
    if is_blank(value) or says_none(value):  # '无': no items
        return []
    text = visible(drop_controls(str(value)))
    for sep in forms.LIST_SEPARATORS:
        text = text.replace(sep, "\n")
    return [item.strip() for item in text.split("\n") if item.strip()]


def match_option(text: str, options: tuple[forms.Option, ...]) -> forms.Option | None:
    """The option whose label, variant or id the text names."""
    key = label_key(text)
    for option, spellings in _option_spellings(options):
        if key in spellings:
            return option
    return None


def _per_options(build):
    """Memoise `build(options)` by the identity of the options tuple.

    Option tuples are the form definitions' constants. An lru_cache would hash the tuple,
    calling every Option's dataclass __hash__ on each lookup, which cost more than the
    work it saved. Each entry keeps its tuple alive, so its id cannot be reused meanwhile.
    """
    cache: dict[int, tuple] = {}

    @functools.wraps(build)
    def cached(options):
        entry = cache.get(id(options))
        if entry is None or entry[0] is not options:
            if len(cache) >= 256:  # only a caller making new tuples on every call gets here
                cache.clear()
            entry = cache[id(options)] = (options, build(options))
        return entry[1]
    return cached


@_per_options
def _option_spellings(options: tuple[forms.Option, ...]) -> tuple[tuple[forms.Option, frozenset[str]], ...]:
    """Each option with the keys that name it (label, id, variants), folded once."""
    return tuple((o, frozenset((label_key(o.label), o.id.lower(), *map(label_key, o.variants))))
                 for o in options)


def parse_choice(value: object, options: tuple[forms.Option, ...]) -> Parsed:
    if is_blank(value):
        return BLANK
    option = match_option(str(value), options)
    if option is None:
        if says_none(value):  # no option of its own for 无: nothing chosen
            return BLANK
        return Parsed(code="V-CHOICE", params={"value": fold(value), "options": _option_list(options)})
    return Parsed(option.id)


def _option_list(options: tuple[forms.Option, ...]) -> str:
    return "、".join(o.label for o in options)


def ticked_options(text: object, options: tuple[forms.Option, ...]) -> list[str] | None:
    """Options ticked inside one text, like '街道（社区）√ 国企□' or '☑便利店 □综合超市'.

    Returns the ids ticked, or None when the text names no option at all. The side the
    box stands on (after the label in 附件5, before it in 附件2) is taken from the text.
    """
    folded = fold(text)
    found = _find_labels(folded, options)
    if not found:
        return None
    marks = forms.TICK_MARKS | forms.UNTICK_MARKS
    first_start = found[0][0]
    boxes_before = any(ch in marks for ch in folded[:first_start])
    ticked = []
    for index, (start, end, option) in enumerate(found):
        if boxes_before:
            limit = found[index - 1][1] if index else 0
            mark = _mark_before(folded, start, limit)
        else:
            limit = found[index + 1][0] if index + 1 < len(found) else len(folded)
            mark = _mark_after(folded, end, limit)
        if mark is not None and mark in forms.TICK_MARKS:
            ticked.append(option.id)
    return ticked


def _find_labels(text: str, options: tuple[forms.Option, ...]) -> list[tuple[int, int, forms.Option]]:
    """The first occurrence of each option's label in the text, longest spelling first."""
    pattern, by_spelling = _label_matcher(options)
    taken, seen = [], set()
    for match in pattern.finditer(text):
        option = by_spelling[match.group()]
        if option.id not in seen:
            seen.add(option.id)
            taken.append((match.start(), match.end(), option))
    return taken


def found_options(text: object, options: tuple[forms.Option, ...]) -> list[str]:
    """Ids of the options named anywhere in a text, in the order they stand."""
    return [option.id for _, _, option in _find_labels(fold(text), options)]


@_per_options
def _label_matcher(options: tuple[forms.Option, ...]) -> tuple[re.Pattern, dict[str, forms.Option]]:
    # One alternation, longest spelling first, so '菜市场（菜店）' wins over '菜市场'.
    by_spelling: dict[str, forms.Option] = {}
    for option in options:
        for spelling in (option.label, *option.variants):
            by_spelling.setdefault(fold(spelling), option)
    ordered = sorted(by_spelling, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered))), by_spelling


def _mark_after(text: str, end: int, limit: int) -> str | None:
    return _mark_of_run(text[end:limit], "()（）:：")


def _mark_before(text: str, start: int, limit: int) -> str | None:
    return _mark_of_run(reversed(text[limit:start]), "")


def _mark_of_run(chars, skipped: str) -> str | None:
    """The mark of the run of marks beside a label: a tick if the run holds one, so that
    '国企□√' (√ typed after the box, the box left in) is ticked; None when there is none."""
    found = None
    for ch in chars:
        if ch in forms.TICK_MARKS:
            return ch
        if ch in forms.UNTICK_MARKS:
            found = ch
        elif not ch.isspace() and ch not in skipped:
            break
    return found


# Text cell → its parse, per options tuple (keyed by identity, as in _per_options).
_MULTI_CACHE: dict[tuple[str, int], tuple[tuple, Parsed]] = {}


def parse_multi(value: object, options: tuple[forms.Option, ...]) -> Parsed:
    """A set of options: ticks inside the text, or a plain list like '打印复印、代扣代缴'."""
    if is_blank(value):
        return BLANK
    if says_none(value):  # '无': nothing ticked
        return Parsed([])
    if type(value) is not str:
        return _parse_multi(value, options)
    # The same option texts ('国企√ 民营企业□…') fill every circle's forms, and finding
    # labels and marks in them is slow: parse each text once.
    entry = _MULTI_CACHE.get((value, id(options)))
    if entry is None or entry[0] is not options:
        if len(_MULTI_CACHE) >= 8192:
            _MULTI_CACHE.clear()
        entry = _MULTI_CACHE[(value, id(options))] = (options, _parse_multi(value, options))
    parsed = entry[1]
    # A fresh list and dict each time: records keep the value and may be changed later.
    return Parsed(list(parsed.value), parsed.code, dict(parsed.params))


def _parse_multi(value: object, options: tuple[forms.Option, ...]) -> Parsed:
    ticked = ticked_options(value, options)
    text = fold(value)
    has_marks = any(ch in forms.TICK_MARKS or ch in forms.UNTICK_MARKS for ch in text)
    if ticked is not None and (has_marks or unknown_symbol(text)):
        return with_symbol_warning(Parsed(sorted(ticked)), text)
    ids, unknown = [], []
    for item in split_list(value):
        option = match_option(item, options)
        (ids.append(option.id) if option else unknown.append(item))
    if unknown:
        return Parsed(sorted(set(ids)), code="V-CHOICE",
                      params={"value": "、".join(unknown), "options": _option_list(options)})
    return Parsed(sorted(set(ids)))


# ---------------------------------------------------------------------------
# Circle and county names
# ---------------------------------------------------------------------------

_CIRCLE_SUFFIXES = ("一刻钟便民生活圈", "便民生活圈", "生活圈")


def circle_key(name: object) -> str:
    """The comparable form of a circle name: no spaces, half-width, no 生活圈 suffix."""
    key = label_key(name)
    for suffix in _CIRCLE_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


# ---------------------------------------------------------------------------
# County names
# ---------------------------------------------------------------------------


def normalise_county(value: object, known: tuple[str, ...] = forms.COUNTIES) -> str | None:
    """The full county name for '任城', '任城区', ' 任城区 '…; None when it is none of them."""
    key = label_key(value)
    if not key:
        return None
    for name in known:
        if label_key(name) == key:
            return name
    full = forms.COUNTY_ALIASES.get(key)
    if full in known:
        return full
    for name in known:
        if key.startswith(label_key(name)):
            return name
    return None
