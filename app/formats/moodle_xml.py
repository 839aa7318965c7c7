"""Moodle XML: import (read with expat, line numbers kept, no DTDs or entities) and export."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat
from xml.sax.saxutils import escape as xml_escape

from app.formats.common import DIFFICULTY_TAG, Choice, Item, Mapper, feedback_block

KINDS = {"multichoice": "MC", "truefalse": "TF", "shortanswer": "Short", "numerical": "Numerical", "essay": "Essay",
         "matching": "Matching", "description": "Description", "category": "Category"}
TEXT_FORMATS = {"html": "html", "moodle_auto_format": "moodle", "plain_text": "plain", "markdown": "markdown"}


@dataclass
class Node:
    """An XML element with the line it starts on."""

    tag: str
    attrs: dict[str, str]
    line: int
    children: list[Node] = field(default_factory=list)
    text: str = ""

    def find(self, tag: str) -> Node | None:
        """The first child with this tag."""
        return next((c for c in self.children if c.tag == tag), None)

    def all(self, tag: str) -> list[Node]:
        """Every child with this tag."""
        return [c for c in self.children if c.tag == tag]

    def child_text(self, tag: str, default: str = "") -> str:
        """The text of a child element."""
        node = self.find(tag)
        return node.text if node is not None else default


class XmlRefused(ValueError):
    """XML that is not read: malformed, or with a DTD (which could define entity bombs)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def read_tree(content: str) -> Node:
    """Parse XML into Nodes; refuses DTDs and entity declarations."""
    parser = expat.ParserCreate()
    root = Node("#document", {}, 1)
    stack = [root]

    def start(tag: str, attrs: dict[str, str]) -> None:
        node = Node(tag, attrs, parser.CurrentLineNumber)
        stack[-1].children.append(node)
        stack.append(node)

    def end(tag: str) -> None:
        stack.pop()

    def data(text: str) -> None:
        stack[-1].text += text

    def doctype(*_args: Any) -> None:
        raise XmlRefused(parser.CurrentLineNumber, "a DOCTYPE is not accepted in an import")

    def entity(*_args: Any) -> None:
        raise XmlRefused(parser.CurrentLineNumber, "entity declarations are not accepted in an import")

    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, data
    parser.StartDoctypeDeclHandler, parser.EntityDeclHandler = doctype, entity
    parser.buffer_text = True
    try:
        parser.Parse(content.encode("utf-8"), True)
    except expat.ExpatError as exc:
        raise XmlRefused(exc.lineno, f"not well-formed XML: {expat.ErrorString(exc.code)}") from None
    return root


def _text(node: Node | None) -> tuple[str, str]:
    """(text, our format name) of an element holding <text> with a format attribute."""
    if node is None:
        return "", "html"
    fmt = TEXT_FORMATS.get(node.attrs.get("format", "html"), "html")
    return node.child_text("text").strip(), fmt


def _fraction(node: Node) -> float | None:
    try:
        return float(node.attrs.get("fraction", "0"))
    except ValueError:
        return None


def _item(q: Node) -> Item:
    qtype = q.attrs.get("type", "")
    kind = KINDS.get(qtype, qtype or "unknown")
    stem, fmt = _text(q.find("questiontext"))
    title = q.find("name").child_text("text").strip() if q.find("name") is not None else None
    general, _gfmt = _text(q.find("generalfeedback"))
    item = Item(kind=kind, line=q.line, title=title or None, stem=stem, fmt=fmt, general_feedback=general or None)
    tags = q.find("tags")
    if tags is not None:
        item.tags = [t.child_text("text").strip() for t in tags.all("tag") if t.child_text("text").strip()]
    answers = q.all("answer")
    if kind == "TF":
        for a in answers:
            text = a.child_text("text").strip().lower()
            feedback = _text(a.find("feedback"))[0] or None
            if text == "true":
                item.true_feedback = feedback
                if (_fraction(a) or 0) >= 100:
                    item.is_true = True
            elif text == "false":
                item.false_feedback = feedback
                if (_fraction(a) or 0) >= 100:
                    item.is_true = False
    elif kind == "Numerical":
        for a in answers:
            raw = a.child_text("text").strip()
            fraction = _fraction(a)
            if raw in ("", "*"):
                continue
            try:
                value = float(raw)
                tol = float(a.child_text("tolerance", "0") or 0)
            except ValueError:
                raise XmlRefused(a.line, f"'{raw}' is not a number") from None
            item.numbers.append({"value": value, "tolerance": tol, "weight": fraction, "correct": (fraction or 0) > 0})
    elif kind in ("MC", "Short"):
        single = q.child_text("single", "true").strip().lower()
        if kind == "MC":
            item.multiple = single in ("false", "0")
        for a in answers:
            text, afmt = _text(a)
            fraction = _fraction(a)
            if fraction is None:
                raise XmlRefused(a.line, "an answer's fraction is not a number")
            if afmt != item.fmt and afmt == "html":
                from app.formats.common import html_to_text

                text = html_to_text(text)
            feedback = _text(a.find("feedback"))[0] or None
            item.choices.append(Choice(text=text, correct=fraction >= 100 or (item.multiple is True and fraction > 0),
                                       weight=None if fraction >= 100 else fraction, feedback=feedback))
    return item


def parse(content: str, *, default_topic: str | None = None) -> tuple[list, list[dict], list[dict]]:
    """Moodle XML as our topic files; returns (topics, errors, skipped)."""
    mapper = Mapper(default_topic=default_topic or "", source="Moodle XML")
    try:
        root = read_tree(content.lstrip("\ufeff"))
    except XmlRefused as exc:
        return [], [{"line": exc.line, "message": str(exc)}], []
    quiz = root.find("quiz")
    if quiz is None:
        return [], [{"line": 1, "message": "a Moodle XML file has a <quiz> element around its questions"}], []
    for q in quiz.all("question"):
        if q.attrs.get("type") == "category":
            mapper.category(q.find("category").child_text("text") if q.find("category") is not None else "",
                            slug=q.child_text("idnumber").strip() or None)
            continue
        try:
            mapper.add(_item(q))
        except XmlRefused as exc:
            mapper.errors.append({"line": exc.line, "message": str(exc)})
    return mapper.result()


# ---------------------------------------------------------------- export


def _t(text: str) -> str:
    # CDATA would need "]]>" split; escaping is simpler and always right.
    return f"<text>{xml_escape(text)}</text>"


def _rich(tag: str, text: str, indent: str) -> str:
    return f'{indent}<{tag} format="markdown">{_t(text)}</{tag}>'


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))


def _question(spec: dict[str, Any]) -> list[str] | None:
    qtype = spec["type"]
    moodle = {"single_choice": "multichoice", "multiple_choice": "multichoice", "numeric": "numerical",
              "free_text": "essay"}.get(qtype)
    if moodle is None or (qtype == "numeric" and isinstance(spec["answer"]["value"], list)):
        return None
    i = "    "
    out = [f'  <question type="{moodle}">', f"{i}<name>{_t(spec['slug'])}</name>",
           _rich("questiontext", spec["prompt"].strip(), i), _rich("generalfeedback", feedback_block(spec), i),
           f"{i}<defaultgrade>1</defaultgrade>", f"{i}<penalty>0</penalty>", f"{i}<hidden>0</hidden>",
           f"{i}<idnumber>{xml_escape(spec['slug'])}</idnumber>"]
    if qtype in ("single_choice", "multiple_choice"):
        right = sum(1 for o in spec["options"] if o.get("correct"))
        out += [f"{i}<single>{'true' if qtype == 'single_choice' else 'false'}</single>",
                f"{i}<shuffleanswers>true</shuffleanswers>", f"{i}<answernumbering>abc</answernumbering>"]
        for o in spec["options"]:
            if qtype == "single_choice":
                fraction = "100" if o.get("correct") else "0"
            else:
                fraction = f"{100 / right:.5f}".rstrip("0").rstrip(".") if o.get("correct") else "-100"
            out += [f'{i}<answer fraction="{fraction}" format="markdown">', f"{i}  {_t(o['text'])}",
                    f'{i}  <feedback format="markdown">{_t(o.get("why", ""))}</feedback>', f"{i}</answer>"]
    elif qtype == "numeric":
        answer = spec["answer"]
        value = float(answer["value"])
        tol = max(float(answer.get("atol", 0)), float(answer.get("rtol", 0)) * abs(value))
        out += [f'{i}<answer fraction="100">', f"{i}  {_t(_number(value))}", f"{i}  <tolerance>{_number(tol)}</tolerance>",
                f'{i}  <feedback format="markdown"><text></text></feedback>', f"{i}</answer>"]
    else:
        out += [f"{i}<responseformat>editor</responseformat>", f"{i}<responsefieldlines>10</responsefieldlines>",
                _rich("graderinfo", feedback_block(spec), i)]
    tags = [f"{DIFFICULTY_TAG}{spec['difficulty']}", *spec.get("tags", [])]
    out += [f"{i}<tags>"] + [f"{i}  <tag>{_t(t)}</tag>" for t in tags] + [f"{i}</tags>", "  </question>"]
    return out


def export(topics: list[dict[str, Any]]) -> str:
    """Our topics as Moodle XML; what it cannot hold is named in comments."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    for topic in topics:
        out += ['  <question type="category">', f"    <category>{_t('$course$/top/' + topic['name'])}</category>",
                f'    <info format="markdown">{_t(topic.get("description", ""))}</info>',
                f"    <idnumber>{xml_escape(topic['topic'])}</idnumber>", "  </question>"]
        for spec in topic["questions"]:
            lines = _question(spec)
            if lines is None:
                reason = ("computed questions need deepprep's generators" if spec["type"] == "computed"
                          else "Moodle numeric answers are single numbers")
                out.append(f"  <!-- not exported: {xml_escape(spec['slug'])} ({reason}; export YAML to keep it) -->")
            else:
                out += lines
    out.append("</quiz>")
    return "\n".join(out) + "\n"
