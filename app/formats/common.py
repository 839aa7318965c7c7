"""What the GIFT and Moodle XML formats share: text conversion, slugs, and mapping Moodle items to our schema."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from pydantic import ValidationError

from app.bank_schema import SLUG_RE, QuestionSpec, TopicFile

DEFAULT_TOPIC = "imported"
NO_EXPLANATION = "No explanation came with the imported question."
MODEL_MARK = "**Model answer:**"
POINTS_MARK = "**Key points:**"
DIFFICULTY_TAG = "difficulty-"
_POINT_LINE = re.compile(
    r"^- (?P<point>.+?) \(weight (?P<weight>[0-9.]+)\): (?P<phrasings>.+?)(?: \(not: (?P<contradicts>.+)\))?$"
)


@dataclass
class Choice:
    """One answer of a Moodle item: text, whether it earns credit, its weight in percent, feedback."""

    text: str
    correct: bool
    weight: float | None = None
    feedback: str | None = None


@dataclass
class Item:
    """A question as GIFT and Moodle XML describe it, before it becomes one of ours."""

    kind: str  # MC, TF, Short, Numerical, Essay, Matching, Description, Category (or a Moodle type name)
    line: int
    title: str | None = None
    stem: str = ""
    fmt: str = "moodle"  # moodle, html, markdown, plain
    choices: list[Choice] = field(default_factory=list)
    numbers: list[dict[str, Any]] = field(default_factory=list)  # [{"value", "tolerance", "weight"}]
    is_true: bool | None = None
    true_feedback: str | None = None
    false_feedback: str | None = None
    general_feedback: str | None = None
    tags: list[str] = field(default_factory=list)
    multiple: bool | None = None  # Moodle XML's <single>false</single>


class _TextOnly(HTMLParser):
    """HTML to plain text: paragraphs and line breaks become new lines, everything else is dropped."""

    BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(text: str) -> str:
    """The text of an HTML fragment, paragraphs kept as blank lines."""
    parser = _TextOnly()
    parser.feed(text)
    parser.close()
    raw = "".join(parser.parts).replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in raw.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


_TEX = re.compile(r"\$\$(.+?)\$\$|\\\((.+?)\\\)", re.S)


def to_markdown(text: str, fmt: str) -> str:
    """Text in a Moodle format as our Markdown: HTML reduced to text, Moodle's TeX kept as $math$."""
    if fmt == "markdown":
        return text.strip()
    if fmt == "html":
        text = html_to_text(text)
    elif fmt in ("moodle", "plain"):
        text = " ".join(text.split()) if fmt == "moodle" else text.strip()
    # A lone $ is money or a symbol in Moodle text, not math: keep it as a literal dollar sign.
    pieces, last = [], 0
    for m in _TEX.finditer(text):
        pieces.append(text[last:m.start()].replace("$", "&#36;"))
        pieces.append("$" + (m.group(1) or m.group(2)).strip() + "$")
        last = m.end()
    pieces.append(text[last:].replace("$", "&#36;"))
    return "".join(pieces).strip()


def slugify(text: str, limit: int = 60) -> str:
    """Lowercase words joined by hyphens, ASCII only."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > limit:
            break
        slug = f"{slug}-{word}" if slug else word
    return slug


def feedback_block(spec: dict[str, Any]) -> str:
    """The explanation, model answer and key points as one feedback text (what Moodle can carry)."""
    parts = [spec.get("explanation", "").strip(), f"{MODEL_MARK} {spec.get('model_answer', '').strip()}"]
    if spec.get("rubric"):
        lines = [POINTS_MARK]
        for k in spec["rubric"]:
            weight = k.get("weight", 1.0)
            line = f"- {k['point']} (weight {weight:g}): " + " | ".join(k["phrasings"])
            if k.get("contradicts"):
                line += " (not: " + " | ".join(k["contradicts"]) + ")"
            lines.append(line)
        parts.append("\n".join(lines))
    return "\n\n".join(p for p in parts if p)


def split_feedback(text: str | None) -> tuple[str, str | None, list[dict[str, Any]]]:
    """Explanation, model answer and key points from a feedback text made by feedback_block (or any text)."""
    text = (text or "").strip()
    rubric: list[dict[str, Any]] = []
    if POINTS_MARK in text:
        text, points = text.split(POINTS_MARK, 1)
        for line in points.strip().splitlines():
            m = _POINT_LINE.match(line.strip())
            if m:
                phrasings = [p.strip() for p in m["phrasings"].split(" | ") if p.strip()]
                point = {"point": m["point"].strip(), "weight": float(m["weight"]), "phrasings": phrasings}
                if m["contradicts"]:
                    point["contradicts"] = [c.strip() for c in m["contradicts"].split(" | ") if c.strip()]
                rubric.append(point)
    model = None
    if MODEL_MARK in text:
        text, model = text.split(MODEL_MARK, 1)
        model = model.strip() or None
    return text.strip(), model, rubric


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@dataclass
class Mapper:
    """Turns Moodle items into our topic files, naming plainly what it cannot import."""

    default_topic: str
    source: str  # "GIFT" or "Moodle XML"
    topics: dict[str, dict[str, Any]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    slugs: set[str] = field(default_factory=set)
    current: str = ""
    current_name: str = ""

    def __post_init__(self) -> None:
        topic = slugify(self.default_topic or DEFAULT_TOPIC) or DEFAULT_TOPIC
        self.current, self.current_name = topic, topic.replace("-", " ").capitalize()

    def category(self, path: str, slug: str | None = None) -> None:
        """Switch the topic for the items that follow ($CATEGORY or a category question)."""
        last = [p for p in re.split(r"/", path.strip()) if p and p not in ("$course$", "$cat1$", "$module$", "top")]
        name = last[-1].strip() if last else ""
        topic = slugify(slug or name)
        if len(topic) >= 2:
            self.current, self.current_name = topic, name if len(name) >= 2 else topic.replace("-", " ").capitalize()

    def skip(self, item: Item, reason: str) -> None:
        """Record an item that is not imported, and why."""
        label = f"'{item.title}'" if item.title else f"the {item.kind} question"
        self.skipped.append({"line": item.line, "message": f"{label} is not imported: {reason}"})

    def _slug(self, item: Item, prompt: str) -> str:
        base = item.title if item.title and SLUG_RE.match(item.title) and len(item.title) >= 3 else ""
        base = base or slugify(item.title or "") or slugify(prompt, limit=50) or "imported-question"
        if len(base) < 3:
            base = f"{base}-question"
        slug, n = base[:80], 2
        while slug in self.slugs:
            suffix = f"-{n}"
            slug, n = base[: 80 - len(suffix)] + suffix, n + 1
        return slug

    def add(self, item: Item) -> None:
        """Map one item to a question of ours, or record why it is skipped."""
        kind = item.kind
        if kind == "Description":
            return self.skip(item, "a description is text between questions, not a question")
        if kind == "Matching":
            return self.skip(item, "matching questions have no counterpart in deepprep (it has single and multiple "
                                   "choice, numeric and free-text questions)")
        builder = {"MC": self._choice, "TF": self._true_false, "Numerical": self._numeric, "Short": self._short,
                   "Essay": self._essay}.get(kind)
        if builder is None:
            return self.skip(item, f"the {kind} type has no counterpart in deepprep")
        prompt = to_markdown(item.stem, item.fmt)
        explanation, model, rubric = split_feedback(to_markdown(item.general_feedback or "", item.fmt)
                                                    if item.fmt != "markdown" else item.general_feedback)
        tags = [t for t in item.tags if not t.startswith(DIFFICULTY_TAG)]
        difficulty = next((t[len(DIFFICULTY_TAG):] for t in item.tags if t.startswith(DIFFICULTY_TAG)), "intermediate")
        spec: dict[str, Any] = {"difficulty": difficulty if difficulty in ("beginner", "intermediate", "advanced")
                                else "intermediate", "prompt": prompt, "explanation": explanation or NO_EXPLANATION,
                                "tags": tags}
        try:
            reason = builder(item, spec, model, rubric)
        except (ValueError, TypeError) as exc:
            reason = str(exc)
        if reason:
            return self.skip(item, reason)
        if len(prompt) < 10:
            return self.skip(item, "its text is shorter than the 10 characters a deepprep prompt needs")
        spec["slug"] = self._slug(item, prompt)
        try:
            QuestionSpec.model_validate(spec)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'question'}: "
                                 f"{e['msg'].removeprefix('Value error, ')}" for e in exc.errors())
            return self.skip(item, f"it does not fit deepprep's schema ({problems})")
        self.slugs.add(spec["slug"])
        if self.current not in self.topics:
            self.topics[self.current] = {"topic": self.current, "name": self.current_name, "questions": []}
            self.order.append(self.current)
        self.topics[self.current]["questions"].append(spec)

    def _text(self, text: str, item: Item) -> str:
        return to_markdown(text, item.fmt)

    def _choice(self, item: Item, spec: dict, model: str | None, rubric: list) -> str | None:
        if len(item.choices) < 2:
            return "a choice question needs at least two answers"
        any_full = any(c.correct and (c.weight is None or c.weight >= 100) for c in item.choices)
        multiple = item.multiple if item.multiple is not None else not any_full
        options = []
        for c in item.choices:
            if multiple:
                right = (c.weight or 0) > 0 or (c.correct and c.weight is None)
            else:
                right = c.correct and (c.weight is None or c.weight >= 100)
            why = self._text(c.feedback, item) if c.feedback else ""
            if not right and c.weight and c.weight > 0:
                # Partial credit has no counterpart; say so where the learner will read it.
                why = (why + " " if why else "") + f"(Worth {c.weight:g}% of the marks in the original.)"
            options.append({"text": self._text(c.text, item), "correct": right, **({"why": why} if why else {})})
        right = [o for o in options if o["correct"]]
        if not right:
            return "no answer earns full credit"
        spec["type"] = "multiple_choice" if multiple or len(right) > 1 else "single_choice"
        spec["options"] = options
        spec["model_answer"] = model or "; ".join(o["text"] for o in right)
        return None

    def _true_false(self, item: Item, spec: dict, model: str | None, rubric: list) -> str | None:
        if item.is_true is None:
            return "it does not say whether the statement is true"
        true = {"text": "True", "correct": item.is_true}
        false = {"text": "False", "correct": not item.is_true}
        if item.true_feedback:
            true["why"] = self._text(item.true_feedback, item)
        if item.false_feedback:
            false["why"] = self._text(item.false_feedback, item)
        spec["type"], spec["options"] = "single_choice", [true, false]
        spec["model_answer"] = model or ("True." if item.is_true else "False.")
        return None

    def _numeric(self, item: Item, spec: dict, model: str | None, rubric: list) -> str | None:
        full = [n for n in item.numbers if n.get("value") is not None and (n.get("weight") is None or n["weight"] >= 100)]
        if not full:
            return "no numeric answer earns full credit"
        best = full[0]
        value, tol = float(best["value"]), abs(float(best.get("tolerance") or 0.0))
        spec["type"] = "numeric"
        spec["answer"] = {"value": value, "atol": tol if tol > 0 else 1e-9, "rtol": 0}
        spec["model_answer"] = model or (_number_text(value) + (f" (± {_number_text(tol)})" if tol else ""))
        return None

    def _short(self, item: Item, spec: dict, model: str | None, rubric: list) -> str | None:
        accepted = [self._text(c.text, item) for c in item.choices if c.correct and (c.weight is None or c.weight >= 100)]
        phrasings = [a for a in accepted if len(a) >= 2]
        if not phrasings:
            return "no accepted answer of two or more characters (a free-text rubric needs phrasings that long)"
        point = f"Gives the accepted answer: {phrasings[0]}"[:300]
        spec["type"] = "free_text"
        spec["rubric"] = rubric or [{"point": point, "weight": 1.0, "phrasings": phrasings}]
        spec["model_answer"] = model or phrasings[0]
        return None

    def _essay(self, item: Item, spec: dict, model: str | None, rubric: list) -> str | None:
        if not rubric:
            return ("an essay has no key points to score against; add it in the admin as a free-text question "
                    "with a rubric (essays exported by deepprep carry theirs and do import)")
        spec["type"], spec["rubric"] = "free_text", rubric
        spec["model_answer"] = model or rubric[0]["point"]
        return None

    def result(self) -> tuple[list[TopicFile], list[dict], list[dict]]:
        """The topic files, the errors and the skipped items."""
        topics = []
        for key in self.order:
            try:
                topics.append(TopicFile.model_validate(self.topics[key]))
            except ValidationError as exc:
                self.errors.append({"line": 1, "message": f"topic {key}: {exc.errors()[0]['msg']}"})
        return topics, self.errors, self.skipped


def unescape_html(text: str) -> str:
    """Undo HTML entities (for plain-text formats that carry them)."""
    return html.unescape(text)
