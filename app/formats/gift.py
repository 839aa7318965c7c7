"""Moodle GIFT: a parser that reads the format as Moodle documents it, and an exporter for our bank."""

from __future__ import annotations

import re
from typing import Any

from app.formats.common import DIFFICULTY_TAG, Choice, Item, Mapper, feedback_block

FORMATS = ("moodle", "html", "markdown", "plain")
SPECIAL = "~=#{}:"
_UNESCAPE = re.compile(r"\\([\\~=#{}:n])")
_FORMAT = re.compile(r"^\s*\[(moodle|html|markdown|plain)\]", re.I)
_META = re.compile(r"\[(id|tag):([^\]]*)\]")
_RANGE = re.compile(r"^\s*(-?[0-9.eE+-]+)\s*\.\.\s*(-?[0-9.eE+-]+)\s*$")


class GiftError(ValueError):
    """A GIFT question that cannot be read; carries its line."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def unescape(text: str) -> str:
    """Resolve GIFT's backslash escapes (\\~ \\= \\# \\{ \\} \\: \\\\ and \\n)."""
    return _UNESCAPE.sub(lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def _find(text: str, token: str, start: int = 0) -> int:
    """The index of the first unescaped token at or after start, or -1."""
    i = start
    while i <= len(text) - len(token):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(token, i):
            return i
        i += 1
    return -1


def _split_unescaped(text: str, markers: str) -> list[tuple[str, str]]:
    """Split at every unescaped marker character; returns (marker, text after it) pairs."""
    parts: list[tuple[str, str]] = []
    i, start, marker = 0, 0, ""
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch in markers:
            if marker or text[start:i].strip():
                parts.append((marker, text[start:i]))
            marker, start = ch, i + 1
        i += 1
    parts.append((marker, text[start:]))
    return [p for p in parts if p[0] or p[1].strip()]


def _clean(text: str, fmt: str) -> str:
    text = unescape(text)
    return " ".join(text.split()) if fmt == "moodle" else text.strip()


def _feedback(text: str | None, fmt: str) -> str | None:
    if text is None:
        return None
    fmt, text = _format_of(text, fmt)
    cleaned = _clean(text, fmt)
    return cleaned or None


def _format_of(text: str, default: str) -> tuple[str, str]:
    m = _FORMAT.match(text)
    return (m.group(1).lower(), text[m.end():]) if m else (default, text)


def _blocks(content: str) -> list[tuple[int, str, list[str]]]:
    """Questions as (first line, text, comment lines before it); blank lines outside braces separate them."""
    blocks: list[tuple[int, str, list[str]]] = []
    current: list[str] = []
    comments: list[str] = []
    meta: list[str] = []
    start, depth = 0, 0
    for number, line in enumerate(content.split("\n"), 1):
        stripped = line.strip()
        if stripped.startswith("//"):
            comments.append(stripped)
            continue
        if not stripped and depth == 0:
            if current:
                blocks.append((start, "\n".join(current), meta))
                current = []
            continue
        if not current:
            start, meta, comments = number, comments, []
        current.append(line)
        i = 0
        while i < len(line):
            if line[i] == "\\":
                i += 2
                continue
            depth += {"{": 1, "}": -1}.get(line[i], 0)
            i += 1
        depth = max(depth, 0)
    if current:
        blocks.append((start, "\n".join(current), meta))
    return blocks


def _weight(text: str) -> tuple[float | None, str]:
    m = re.match(r"^\s*%(-?[0-9.]+)%", text)
    return (float(m.group(1)), text[m.end():]) if m else (None, text)


def _number(text: str, line: int) -> dict[str, Any]:
    body = unescape(text).strip()
    m = _RANGE.match(body)
    try:
        if m:
            low, high = float(m.group(1)), float(m.group(2))
            # Rounded to 12 significant figures: 3.141..3.142 is 3.1415 ± 0.0005, not 3.1414999999999997.
            mid, half = float(f"{(low + high) / 2:.12g}"), float(f"{abs(high - low) / 2:.12g}")
            return {"value": mid, "tolerance": half, "low": low, "high": high}
        value, _, tol = body.partition(":")
        return {"value": float(value), "tolerance": float(tol) if tol.strip() else None}
    except ValueError:
        raise GiftError(line, f"'{body}' is not a number, a number:tolerance, or a low..high range") from None


def _numeric(body: str, item: Item) -> None:
    body = body.strip()
    if body[:1] in ("=", "~") or _find(body, "=") > 0:
        for marker, chunk in _split_unescaped(body, "=~"):
            weight, chunk = _weight(chunk)
            hash_at = _find(chunk, "#")
            value_text, fb = (chunk[:hash_at], chunk[hash_at + 1:]) if hash_at >= 0 else (chunk, None)
            if marker == "~" and not value_text.strip():
                # "~#feedback": Moodle's "any other answer", with the feedback it gets.
                item.numbers.append({"value": None, "tolerance": None, "weight": 0.0, "correct": False,
                                     "feedback": _feedback(fb, item.fmt)})
                continue
            number = _number(value_text, item.line)
            item.numbers.append({**number, "weight": weight, "correct": marker == "=",
                                 "feedback": _feedback(fb, item.fmt)})
        return
    hash_at = _find(body, "#")
    value_text = body[:hash_at] if hash_at >= 0 else body
    item.numbers.append({**_number(value_text, item.line), "weight": None, "correct": True,
                         "feedback": _feedback(body[hash_at + 1:], item.fmt) if hash_at >= 0 else None})


def parse_block(start: int, text: str, comments: list[str]) -> list[Item]:
    """Read one question (or a $CATEGORY line and the question after it)."""
    items: list[Item] = []
    meta = {"id": None, "tags": []}
    for comment in comments:
        for key, value in _META.findall(comment):
            if key == "id":
                meta["id"] = value.strip()
            else:
                meta["tags"].append(value.strip())
    body = text
    if body.lstrip().startswith("$CATEGORY:"):
        first, _, body = body.lstrip().partition("\n")
        items.append(Item(kind="Category", line=start, title=first.split(":", 1)[1].strip()))
        start += 1
        if not body.strip():
            return items
    item = Item(kind="", line=start, tags=meta["tags"])
    body = body.strip()
    if body.startswith("::"):
        end = _find(body, "::", 2)
        if end < 0:
            raise GiftError(start, "the title opened with :: is not closed with ::")
        item.title = unescape(body[2:end]).strip() or None
        body = body[end + 2:]
    item.fmt, body = _format_of(body, "moodle")
    open_at = _find(body, "{")
    if open_at < 0:
        item.kind, item.stem = "Description", _clean(body, item.fmt)
        return items + [item]
    close_at = _find(body, "}", open_at + 1)
    if close_at < 0:
        raise GiftError(start, "the answers opened with { are not closed with }")
    before, answers, after = body[:open_at], body[open_at + 1:close_at], body[close_at + 1:]
    if _find(answers, "{") >= 0:
        raise GiftError(start, "the answers opened with { are not closed with }")
    if after.strip() and _find(after, "{") >= 0:
        raise GiftError(start, "more than one answer block in one question")
    stem = _clean(before, item.fmt)
    if after.strip():
        tail = _clean(after, item.fmt)
        stem = f"{stem} _____ {tail}" if stem else f"_____ {tail}"
    item.stem = stem
    general_at = _find(answers, "####")
    if general_at >= 0:
        item.general_feedback = _feedback(answers[general_at + 4:], item.fmt)
        answers = answers[:general_at]
    stripped = answers.strip()
    if not stripped:
        item.kind = "Essay"
    elif stripped.startswith("#"):
        item.kind = "Numerical"
        _numeric(stripped[1:], item)
    elif re.match(r"^(T|F|TRUE|FALSE)\s*(#|$)", stripped, re.I):
        chunks = re.split(r"(?<!\\)#", stripped)
        item.kind = "TF"
        item.is_true = chunks[0].strip().upper() in ("T", "TRUE")
        item.true_feedback = _feedback(chunks[1], item.fmt) if len(chunks) > 1 else None
        item.false_feedback = _feedback(chunks[2], item.fmt) if len(chunks) > 2 else None
    else:
        pieces = _split_unescaped(stripped, "=~")
        if len(pieces) == 1 and not pieces[0][0]:
            pieces = [("=", pieces[0][1])]  # one right short answer may leave out its "="
        if any(not marker for marker, _ in pieces):
            raise GiftError(start, "an answer must start with = (right) or ~ (wrong)")
        for marker, chunk in pieces:
            weight, chunk = _weight(chunk)
            fmt, chunk = _format_of(chunk, item.fmt)
            hash_at = _find(chunk, "#")
            answer_text, fb = (chunk[:hash_at], chunk[hash_at + 1:]) if hash_at >= 0 else (chunk, None)
            item.choices.append(Choice(text=_clean(answer_text, fmt), correct=marker == "=", weight=weight,
                                       feedback=_feedback(fb, fmt)))
        if any(marker == "~" for marker, _ in pieces):
            item.kind = "MC"
        elif all("->" in c.text for c in item.choices):
            item.kind = "Matching"
        else:
            item.kind = "Short"
    return items + [item]


def parse_items(content: str) -> tuple[list[Item], list[dict[str, Any]]]:
    """Every item in a GIFT text, and line-numbered errors for the ones that cannot be read."""
    content = content.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    items: list[Item] = []
    errors: list[dict[str, Any]] = []
    for start, text, comments in _blocks(content):
        try:
            items.extend(parse_block(start, text, comments))
        except GiftError as exc:
            errors.append({"line": exc.line, "message": str(exc)})
    return items, errors


def parse(content: str, *, default_topic: str | None = None) -> tuple[list, list[dict], list[dict]]:
    """GIFT text as our topic files; returns (topics, errors, skipped)."""
    items, errors = parse_items(content)
    mapper = Mapper(default_topic=default_topic or "", source="GIFT")
    mapper.errors.extend(errors)
    for item in items:
        if item.kind == "Category":
            mapper.category(item.title or "")
        else:
            mapper.add(item)
    return mapper.result()


# ---------------------------------------------------------------- export


def escape(text: str) -> str:
    """Escape GIFT's special characters and new lines so the text stays one value."""
    out = text.replace("\\", "\\\\")
    for ch in SPECIAL:
        out = out.replace(ch, "\\" + ch)
    return out.replace("\r\n", "\n").replace("\n", "\\n")


def _num_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))


def _question(spec: dict[str, Any]) -> str | None:
    head = [f"// [tag:{DIFFICULTY_TAG}{spec['difficulty']}]"] + [f"// [tag:{t}]" for t in spec.get("tags", [])
                                                                 if re.fullmatch(r"[\w.-]+", t)]
    title = f"::{escape(spec['slug'])}::[markdown]{escape(spec['prompt'].strip())}"
    general = f"####{escape(feedback_block(spec))}"
    qtype = spec["type"]
    if qtype in ("single_choice", "multiple_choice"):
        right = [o for o in spec["options"] if o.get("correct")]
        lines = []
        for o in spec["options"]:
            why = f"#{escape(o['why'])}" if o.get("why") else ""
            if qtype == "single_choice":
                marker = "=" if o.get("correct") else "~"
            else:
                marker = f"~%{_weight_text(100 / len(right))}%" if o.get("correct") else "~%-100%"
            lines.append(f"    {marker}{escape(o['text'])}{why}")
        body = "\n".join(lines) + f"\n    {general}\n"
        return "\n".join(head + [title + "{\n" + body + "}"])
    if qtype == "numeric":
        answer = spec["answer"]
        if isinstance(answer["value"], list):
            return None
        value = float(answer["value"])
        tol = max(float(answer.get("atol", 0)), float(answer.get("rtol", 0)) * abs(value))
        return "\n".join(head + [title + "{#" + f"{_num_text(value)}:{_num_text(tol)}" + general + "}"])
    if qtype == "free_text":
        return "\n".join(head + [title + "{" + general + "}"])
    return None


def _weight_text(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")


def export(topics: list[dict[str, Any]]) -> str:
    """Our topics as GIFT; what GIFT cannot hold is named in comments."""
    out = ["// deepprep question bank, GIFT format (https://docs.moodle.org/en/GIFT_format)", ""]
    for topic in topics:
        out += [f"$CATEGORY: $course$/top/{topic['topic']}", ""]
        for spec in topic["questions"]:
            text = _question(spec)
            if text is None:
                reason = ("computed questions need deepprep's generators" if spec["type"] == "computed"
                          else "GIFT numeric answers are single numbers")
                out += [f"// not exported: {spec['slug']} ({reason}; export YAML to keep it)", ""]
            else:
                out += [text, ""]
    return "\n".join(out)
