"""Read a number, a shape, a vector or a matrix out of what a learner typed.

The rules, in the order they apply:

- Numbers: ``10``, ``-3.5e-4``, ``.5``, ``1/3``, ``2^10``, ``1.5 × 10^-4``, ``1.5×10⁻⁴``,
  ``sqrt(2/512)``, ``√2``; the unicode minus ``−`` is a minus. Other formulas written as a
  function call (``exp(1)``, ``max(0, 3)``) are refused rather than misread. ``≈``, ``~`` and words such as "about" are ignored.
- Percent: ``45%`` reads as 0.45. (The scorer also accepts the bare number, 45, when that is
  what is expected; see ``numeric.py``.)
- Thousands separators: outside brackets, a comma followed by exactly three digits and no space,
  in a run that starts with one to three digits (not starting with 0), is a thousands separator:
  ``1,792`` is 1792, ``12,345.6`` is 12345.6. ``1, 792``, ``1,79`` and ``1,2,345`` are lists, and
  inside brackets a comma always separates values (``[100,200]`` is two values). A thin space
  between digit groups (``1 792`` with U+2009/U+202F) and ``1_792`` are thousands separators too.
- Decimal commas are refused, never misread: outside brackets, a run whose first group starts
  with 0 and that has a single comma (``0,25``, ``0,149; 0,331``) or only three-digit groups
  after it (``0,000,001``, ``05,000``) raises, asking for a decimal point. ``0,1,0`` is a list.
- Non-finite values: ``nan``, ``inf``, ``infinity`` and ``∞`` (with a sign or not) standing as a
  value (``[1, nan]``, ``-inf``) are refused; as a word in a sentence they are ignored.
- Lists: values separated by commas, spaces, ``x``, ``×`` or ``by`` (``10x10``, ``10 by 10``,
  ``(10, 10)``, ``[10, 10]``); ``name = value`` labels between comma-separated values are allowed.
- Matrices: nested brackets ``[[1,2],[3,4]]``, several bracketed rows ``[1,2] [3,4]``, or rows
  separated by ``;`` or new lines (``1 2; 3 4``). Lines without numbers are ignored, and rows
  of one value each make a vector.
- Working: if an ``=``, ``≈`` or arrow follows a number or a closing bracket, only what follows
  the last such sign is read (``3 × 47 = 141`` reads 141).
- Surrounding words and units are ignored ("the output is 10 x 10 pixels"), and so is a
  bracketed remark with words in it when numbers stand outside it ("0.73 (rounded)").

Anything else raises AnswerFormatError with a reason: no number, several numbers among words,
a calculation (``12 - 3``), unbalanced brackets, ragged rows, non-finite values, decimal commas.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from app.scoring.types import MAX_ANSWER_CHARS, AnswerFormatError

MAX_VALUES = 10_000
_MAX_DEPTH = 8  # deeper nesting is refused before anything recurses over it

# Characters folded to one spelling before scanning.
_CHAR_MAP = str.maketrans(
    {
        "\u2212": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\ufe63": "-",
        "\uff0d": "-",
        "\u2715": "×",
        "\u2716": "×",
        "\u2a2f": "×",
        "\uff0c": ",",
        "\uff1b": ";",
        "\uff05": "%",
        "\ufe6a": "%",
        "\u2248": "≈",
        "\u223c": "≈",
        "\u2243": "≈",
        "\u2245": "≈",
        "~": "≈",
        "\u2192": "→",
        "\u27f6": "→",
        "\u21d2": "→",
        "\u00f7": "/",
        "\u2044": "/",
        "\u2215": "/",
        "\r": "\n",
        "\u2028": "\n",
        "\u2029": "\n",
    }
)
_LATEX = [
    (re.compile(r"\\times\b"), "×"),
    (re.compile(r"\\cdot\b"), "·"),
    (re.compile(r"\\approx\b"), "≈"),
    (re.compile(r"\\%"), "%"),
    (re.compile(r"\\[,;!: ]"), ""),
]
_THIN_THOUSANDS = re.compile(r"(?<=\d)[\u2009\u202f](?=\d{3}(?!\d))")
_SPACES = re.compile(r"[^\S\n]+")
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")

_S = r"[ \t]*"
_PLAIN = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_CORE_THOUSANDS = re.compile(r"[1-9]\d{0,2}(?:,\d{3})+(?!\d|,\d)(?:\.\d+)?(?:[eE][-+]?\d+)?")
# A run starting with a 0 group cannot be thousands grouping: with one comma ("0,25") or only
# three-digit groups after it ("0,000,001") it is a decimal comma (or a misplaced one).
_DECIMAL_COMMA = re.compile(r"0\d*(?:,\d+|(?:,\d{3})+)(?!\d|,\d)")
_NONFINITE = re.compile(r"(?:nan|inf(?:inity)?)\b|∞", re.IGNORECASE)
_CORE = re.compile(r"(?:\d+(?:_\d+)*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_SUP = r"[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+"
_EXPONENT = r"\(?" + _S + r"([-+]?\d+(?:\.\d+)?)" + _S + r"\)?"
_SCI = re.compile(
    _S + r"[x×X*·]" + _S + r"10(?:" + _S + r"(?:\^|\*\*)" + _S + _EXPONENT + r"|(" + _SUP + r"))"
)
_POW = re.compile(r"(?:" + _S + r"(?:\^|\*\*)" + _S + _EXPONENT + r"|(" + _SUP + r"))")
_FRAC = re.compile(_S + r"/" + _S + r"(" + _PLAIN + r")")
_PCT = re.compile(_S + r"%")
_WORD = re.compile(r"[^\W\d_]\w*")
_ROOT = re.compile(r"(?:√|sqrt\b|sqrt(?=\())" + _S + r"(\()?" + _S, re.IGNORECASE)
_TIMES_X = re.compile(r"[xX](?=" + _S + r"[-+]?\.?\d)")

_OPEN, _CLOSE = "([{", ")]}"
_EQ_CHARS = "=≈→"
# Tokens around a value in a list: a nan/inf between two of these is a value, not a word.
_BEFORE_VALUE = ("open", "comma", "semi", "nl", "eq", "colon", "times")
_AFTER_VALUE = ("close", "comma", "semi", "nl", "times", "punct")
_OP_CHARS = "+-*/^·"
_TIMES_WORDS = {"x", "by"}


@dataclass
class _Tok:
    kind: str  # num open close comma semi nl times word op eq colon punct
    start: int
    end: int
    text: str = ""
    value: float = 0.0
    pct: bool = False
    refused: str = ""  # why this value cannot be read (decimal comma); raised if it is kept


@dataclass
class _Group:
    open: _Tok
    items: list  # of _Tok | _Group
    close: _Tok

    def has_num(self) -> bool:
        return any(i.has_num() if isinstance(i, _Group) else i.kind == "num" for i in self.items)

    def has_word(self) -> bool:
        return any(isinstance(i, _Tok) and i.kind == "word" for i in self.items)


@dataclass(frozen=True)
class ParsedNumbers:
    """Values read from an answer, which of them were written with %, and their raw text."""

    values: np.ndarray  # float64; shape () for a number, (n,) for a list, (r, c) for a matrix
    percent: np.ndarray  # bool, same shape: written with a % sign
    texts: tuple[str, ...]  # each value as typed, in row-major order


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return "'" + (text if len(text) <= limit else text[: limit - 1] + "…") + "'"


def _prepare(text: str) -> str:
    text = text.translate(_CHAR_MAP)
    for pattern, repl in _LATEX:
        text = pattern.sub(repl, text)
    text = _THIN_THOUSANDS.sub("", text)
    return _SPACES.sub(" ", text)


def _exponent(match: re.Match, plain: int, sup: int) -> float:
    raw = (
        match.group(plain)
        if match.group(plain) is not None
        else match.group(sup).translate(_SUPERSCRIPT)
    )
    return float(raw)


def _power(base: float, exp: float, raw: str) -> float:
    if abs(exp) > 1000:
        raise AnswerFormatError(f"{_quote(raw)} is too large or too small to read")
    try:
        return float(base**exp)
    except (OverflowError, ZeroDivisionError):
        raise AnswerFormatError(f"{_quote(raw)} is not a finite number") from None
    except TypeError:  # a complex result, e.g. (-8) ** 0.5
        raise AnswerFormatError(f"{_quote(raw)} is not a real number") from None


def _read_number(text: str, pos: int, negative: bool, sign_start: int, depth: int) -> _Tok:
    """Read one number starting at pos (a digit or '.'), with its suffixes."""
    thousands_ok = depth == 0 and (pos == 0 or text[pos - 1] != ",")
    refused = ""
    m = _DECIMAL_COMMA.match(text, pos) if thousands_ok else None
    if m:
        core = m.group(0)
        head, _, tail = core.partition(",")
        value = float(head + "." + tail.replace(",", ""))
        own = head == "0" and "," not in tail  # "0,25": show the learner's own number
        example, shown = (f"0.{tail}", core) if own else ("0.149", "0,149")
        refused = (
            f"{_quote(core)} looks like a decimal comma; "
            f"write decimals with a point ({example}, not {shown})"
        )
    else:
        m = _CORE_THOUSANDS.match(text, pos) if thousands_ok else None
        m = m or _CORE.match(text, pos)
        assert m is not None  # the caller saw a digit
        value = float(m.group(0).replace(",", "").replace("_", ""))
    end = m.end()
    sci = _SCI.match(text, end)
    if sci:
        exp = _exponent(sci, 1, 2)
        scale = _power(10.0, exp, text[sign_start : sci.end()])
        # Decimal keeps 1.5 × 10^-4 exactly equal to 1.5e-4.
        value = float(Decimal(repr(value)).scaleb(int(exp))) if exp.is_integer() else value * scale
        end = sci.end()
    else:
        pw = _POW.match(text, end)
        if pw:
            value = _power(value, _exponent(pw, 1, 2), text[sign_start : pw.end()])
            end = pw.end()
    frac = _FRAC.match(text, end)
    if frac:
        denominator = float(frac.group(1))
        if denominator == 0:
            raise AnswerFormatError(f"{_quote(text[sign_start : frac.end()])} divides by zero")
        value = value / denominator
        end = frac.end()
    pct = _PCT.match(text, end)
    if pct:
        value = value / 100.0
        end = pct.end()
    if negative:
        value = -value
    raw = text[sign_start:end]
    if not math.isfinite(value):
        raise AnswerFormatError(f"{_quote(raw)} is too large to read as a number")
    return _Tok("num", sign_start, end, raw, value, bool(pct), refused)


def _starts_number(text: str, pos: int) -> bool:
    c = text[pos] if pos < len(text) else ""
    return c.isdecimal() or (c == "." and pos + 1 < len(text) and text[pos + 1].isdecimal())


def _read_root(text: str, pos: int, depth: int) -> _Tok | None:
    """Read "sqrt(2/512)", "√(2/512)" or "√2" as one number; None if it is not one."""
    m = _ROOT.match(text, pos)
    if not m:
        return None
    inner = m.end()
    if not _starts_number(text, inner):
        return None
    tok = _read_number(text, inner, False, inner, depth + 1)
    end = tok.end
    if m.group(1):  # an opening bracket needs its closing one
        close = re.compile(_S + r"\)").match(text, end)
        if not close:
            return None
        end = close.end()
    if tok.value < 0:
        raise AnswerFormatError(f"{_quote(text[pos:end])} is the root of a negative number")
    return _Tok("num", pos, end, text[pos:end], math.sqrt(tok.value), tok.pct)


def _scan(text: str) -> list[_Tok]:
    """Split prepared text into tokens."""
    toks: list[_Tok] = []
    pos, n, depth = 0, len(text), 0
    while pos < n:
        c = text[pos]
        prev = toks[-1] if toks else None
        if c == " " or c == "\t":
            pos += 1
        elif c == "\n":
            toks.append(_Tok("nl", pos, pos + 1, c))
            pos += 1
        elif (c == "√" or c in "sS") and (root := _read_root(text, pos, depth)):
            toks.append(root)
            pos = root.end
        elif text.startswith(("->", "=>"), pos):
            toks.append(_Tok("eq", pos, pos + 2, text[pos : pos + 2]))
            pos += 2
        elif c in "+-":
            j = pos + 1
            while j < n and text[j] in " \t":
                j += 1
            if _starts_number(text, j):
                after_value = prev is not None and prev.kind in ("num", "close")
                # "1 -2" is a list, "12 - 3" and "12-3" are calculations, "x = - 3" is -3
                spaced_sign = pos > 0 and text[pos - 1] in " \t" and j == pos + 1
                if not after_value or spaced_sign:
                    tok = _read_number(text, j, c == "-", pos, depth)
                    toks.append(tok)
                    pos = tok.end
                    continue
            elif (m := _NONFINITE.match(text, j)) and (prev is None or prev.kind in _BEFORE_VALUE):
                toks.append(_Tok("word", pos, m.end(), text[pos : m.end()]))  # "-inf"
                pos = m.end()
                continue
            toks.append(_Tok("op", pos, pos + 1, c))
            pos += 1
        elif _starts_number(text, pos):
            tok = _read_number(text, pos, False, pos, depth)
            toks.append(tok)
            pos = tok.end
        elif c in _OPEN:
            depth += 1
            toks.append(_Tok("open", pos, pos + 1, c))
            pos += 1
        elif c in _CLOSE:
            depth = max(0, depth - 1)
            toks.append(_Tok("close", pos, pos + 1, c))
            pos += 1
        elif c == ",":
            toks.append(_Tok("comma", pos, pos + 1, c))
            pos += 1
        elif c == ";":
            toks.append(_Tok("semi", pos, pos + 1, c))
            pos += 1
        elif c == "×":
            toks.append(_Tok("times", pos, pos + 1, c))
            pos += 1
        elif c in _EQ_CHARS:
            toks.append(_Tok("eq", pos, pos + 1, c))
            pos += 1
        elif c == ":":
            toks.append(_Tok("colon", pos, pos + 1, c))
            pos += 1
        elif c in _OP_CHARS:
            toks.append(_Tok("op", pos, pos + 1, c))
            pos += 1
        elif prev is not None and prev.kind == "num" and (m := _TIMES_X.match(text, pos)):
            toks.append(_Tok("times", pos, m.end(), c))
            pos = m.end()
        elif m := _WORD.match(text, pos):
            toks.append(_Tok("word", pos, m.end(), m.group(0)))
            pos = m.end()
        elif c == "∞":
            toks.append(_Tok("word", pos, pos + 1, c))
            pos += 1
        else:
            toks.append(_Tok("punct", pos, pos + 1, c))
            pos += 1
    return _mark_nonfinite(toks)


def _mark_nonfinite(toks: list[_Tok]) -> list[_Tok]:
    """Turn "nan", "inf", "infinity" or "∞" standing as a value ("[1, nan]", "-inf") into a value.

    As a word in a sentence ("as n goes to infinity, 0.5") they stay words and are ignored.
    """
    for k, t in enumerate(toks):
        if t.kind != "word" or not _NONFINITE.fullmatch(t.text.lstrip("+-").strip()):
            continue
        prev = toks[k - 1] if k > 0 else None
        nxt = toks[k + 1] if k + 1 < len(toks) else None
        if (prev is None or prev.kind in _BEFORE_VALUE) and (
            nxt is None or nxt.kind in _AFTER_VALUE
        ):
            toks[k] = _Tok(
                "num",
                t.start,
                t.end,
                t.text,
                math.nan,
                refused=(
                    f"the answer holds a value that is not a finite number ({_quote(t.text)}); "
                    "write a finite number"
                ),
            )
    return toks


def _check_refused(toks: list[_Tok]) -> None:
    """Raise for a kept value that cannot be read: a decimal comma first, then a non-finite value."""
    refused = [t for t in toks if t.kind == "num" and t.refused]
    if refused:
        decimal = [t for t in refused if not math.isnan(t.value)]
        raise AnswerFormatError((decimal or refused)[0].refused)


def _drop_working(toks: list[_Tok]) -> list[_Tok]:
    """Keep only what follows the last '=' that comes after a value ("3 × 47 = 141")."""
    for k in range(len(toks) - 1, 0, -1):
        if toks[k].kind == "eq" and toks[k - 1].kind in ("num", "close"):
            return toks[k + 1 :]
    return toks


def _nest(toks: list[_Tok], text: str) -> list:
    """Turn the token list into nested groups; unbalanced brackets raise."""
    has_open = any(t.kind == "open" for t in toks)
    stack: list[tuple[_Tok, list]] = []
    items: list = []
    for t in toks:
        if t.kind == "open":
            if len(stack) >= _MAX_DEPTH:
                raise AnswerFormatError(f"the brackets in {_quote(text)} are nested too deeply")
            stack.append((t, items))
            items = []
        elif t.kind == "close":
            if not stack:
                if has_open:
                    raise AnswerFormatError(
                        f"the '{t.text}' in {_quote(text)} has no opening bracket"
                    )
                continue  # a stray ')' as in "a) 10" is harmless when there are no brackets
            opener, outer = stack.pop()
            group = _Group(opener, items, t)
            before = outer[-1] if outer else None
            if (
                isinstance(before, _Tok)
                and before.kind == "word"
                and before.end == opener.start
                and group.has_num()
            ):
                # "exp(1)", "max(0, 3)": a formula we do not evaluate, so never misread it
                formula = _quote(text[before.start : t.end])
                raise AnswerFormatError(f"{formula} is a formula; write its value as a number")
            outer.append(group)
            items = outer
        else:
            items.append(t)
    if stack:
        opener = stack[-1][0]
        raise AnswerFormatError(f"the '{opener.text}' in {_quote(text)} is never closed")
    return items


def _span(text: str, items: list) -> str:
    first, last = items[0], items[-1]
    start = first.open.start if isinstance(first, _Group) else first.start
    end = last.close.end if isinstance(last, _Group) else last.end
    return text[start:end]


# A parsed element: (value, pct, raw) for a number, or a list of elements.
def _parse_group(group: _Group, text: str, depth: int = 1) -> list:
    """Read a bracketed group as a list (of numbers, or of lists)."""
    if depth > 2:
        raise AnswerFormatError(
            f"{_quote(text)} is nested more than two levels deep; answers are numbers, lists or matrices"
        )
    rows: list[list] = [[]]
    subgroups = numbers = False
    for item in group.items:
        if isinstance(item, _Group):
            if item.has_num():
                rows[-1].append(_parse_group(item, text, depth + 1))
                subgroups = True
        elif item.kind == "num":
            rows[-1].append((item.value, item.pct, item.text))
            numbers = True
        elif item.kind == "op":
            raise AnswerFormatError(
                f"{_quote(_span(text, [group]))} looks like a calculation; write only the result"
            )
        elif item.kind in ("semi", "nl") and rows[-1]:
            rows.append([])
    if subgroups and numbers:
        raise AnswerFormatError(f"{_quote(_span(text, [group]))} mixes single numbers and lists")
    rows = [r for r in rows if r]
    if subgroups:
        return [element for row in rows for element in row]
    if len(rows) > 1:  # MATLAB style: [1 2; 3 4]
        if depth > 1:
            raise AnswerFormatError(
                f"{_quote(text)} is nested more than two levels deep; answers are numbers, lists or matrices"
            )
        return rows if any(len(r) > 1 for r in rows) else [r[0] for r in rows]
    return rows[0] if rows else []


def _is_label_gap(gap: list[_Tok]) -> bool:
    """A gap like ", d = " between values: separators plus 'name =' labels."""
    i = 0
    while i < len(gap):
        kind = gap[i].kind
        if kind in ("comma", "times", "punct", "colon"):
            i += 1
        elif kind == "word":
            j = i
            while j < len(gap) and gap[j].kind == "word":
                j += 1
            if j < len(gap) and gap[j].kind in ("eq", "colon"):
                i = j + 1
            else:
                return False
        else:
            return False
    return True


def _check_gap(gap: list[_Tok], left: _Tok, right: _Tok, text: str) -> None:
    """Raise unless the tokens between two values on a row just separate them."""
    if any(t.kind == "op" for t in gap):
        raise AnswerFormatError(
            f"{_quote(text[left.start : right.end])} looks like a calculation; write only the result"
        )
    words = [t for t in gap if t.kind == "word"]
    if (
        len(words) == 1
        and words[0].text.lower() in _TIMES_WORDS
        and all(t.kind in ("word", "comma", "punct") for t in gap)
    ):
        return
    if not words and all(t.kind in ("comma", "times", "punct", "colon") for t in gap):
        return
    if any(t.kind == "comma" for t in gap) and _is_label_gap(gap):
        return
    raise AnswerFormatError(
        f"found more than one number in {_quote(text)} ({left.text} and {right.text}); "
        "write only the answer, with commas between the values of a list"
    )


def _parse_flat(items: list, text: str) -> list:
    """Read values from tokens outside brackets: rows split by ';' or new lines."""
    rows: list[list[_Tok]] = [[]]
    for item in items:
        if isinstance(item, _Group):
            continue  # groups without numbers are words, e.g. "(a)"
        if item.kind in ("semi", "nl"):
            rows.append([])
        else:
            rows[-1].append(item)
    parsed: list[list] = []
    for row in rows:
        nums = [i for i, t in enumerate(row) if t.kind == "num"]
        for a, b in zip(nums, nums[1:], strict=False):
            _check_gap(row[a + 1 : b], row[a], row[b], text)
        if nums:
            parsed.append([(row[i].value, row[i].pct, row[i].text) for i in nums])
    if not parsed:
        return []
    if len(parsed) == 1:
        return parsed[0]
    if all(len(r) == 1 for r in parsed):
        return [r[0] for r in parsed]
    return parsed


def _structure(items: list, text: str) -> tuple[list, bool]:
    """Read the answer by brackets or as flat text; also say whether brackets were used."""
    groups = [i for i in items if isinstance(i, _Group) and i.has_num()]
    loose = any(isinstance(i, _Tok) and i.kind == "num" for i in items)
    if groups and loose:
        # Bracketed remarks with words ("0.73 (rounded)") are dropped when numbers stand outside.
        items = [i for i in items if not (isinstance(i, _Group) and i.has_word())]
        groups = [i for i in items if isinstance(i, _Group) and i.has_num()]
        if groups:
            raise AnswerFormatError(
                f"found numbers both inside and outside brackets in {_quote(text)}; write only the answer"
            )
    if not groups:
        return _parse_flat(items, text), False
    if len(groups) == 1:
        return _parse_group(groups[0], text), True
    first, last = items.index(groups[0]), items.index(groups[-1])
    between = [i for i in items[first:last] if isinstance(i, _Tok) and i.kind in ("word", "op")]
    if between:
        raise AnswerFormatError(
            f"found several bracketed groups separated by words in {_quote(text)}; write only the answer"
        )
    rows = [_parse_group(g, text) for g in groups]
    if any(isinstance(r, list) and r and isinstance(r[0], list) for r in rows):
        raise AnswerFormatError(f"{_quote(text)} is nested more than two levels deep")
    return rows, True


def _to_arrays(nested: list, text: str) -> ParsedNumbers:
    """Turn nested (value, pct, raw) elements into arrays, checking the rows line up."""
    if not nested:
        raise AnswerFormatError(f"could not find a number in {_quote(text)}")
    if all(isinstance(e, tuple) for e in nested):
        flat = list(nested)
        shape: tuple[int, ...] = (len(flat),)
    else:
        rows = [r if isinstance(r, list) else [r] for r in nested]
        lengths = [len(r) for r in rows]
        if len(set(lengths)) != 1:
            shown = ", ".join(str(n) for n in lengths[:8]) + (", …" if len(lengths) > 8 else "")
            raise AnswerFormatError(f"the matrix rows have different lengths ({shown})")
        flat = [e for r in rows for e in r]
        shape = (len(rows), lengths[0])
    if len(flat) > MAX_VALUES:
        raise AnswerFormatError(f"the answer has more than {MAX_VALUES:,} values")
    values = np.array([e[0] for e in flat], dtype=np.float64).reshape(shape)
    percent = np.array([e[1] for e in flat], dtype=bool).reshape(shape)
    return ParsedNumbers(values, percent, tuple(e[2] for e in flat))


def parse_numbers(text: str) -> ParsedNumbers:
    """Read an answer into values, % marks and raw texts; raises AnswerFormatError(reason)."""
    if not isinstance(text, str):
        raise AnswerFormatError("the answer must be text")
    if len(text) > MAX_ANSWER_CHARS:
        raise AnswerFormatError(f"the answer is longer than {MAX_ANSWER_CHARS:,} characters")
    if not text.strip():
        raise AnswerFormatError("the answer is empty")
    prepared = _prepare(text)
    toks = _drop_working(_scan(prepared))
    _check_refused(toks)
    nested, bracketed = _structure(_nest(toks, prepared), prepared)
    parsed = _to_arrays(nested, text)
    if parsed.values.shape == (1,) and not bracketed:
        # A lone number is a scalar; "[5]" stays a one-element list.
        return ParsedNumbers(parsed.values.reshape(()), parsed.percent.reshape(()), parsed.texts)
    return parsed


def parse_numeric(text: str) -> np.ndarray:
    """Read a number, list or matrix from an answer as float64; raises AnswerFormatError(reason)."""
    return parse_numbers(text).values
