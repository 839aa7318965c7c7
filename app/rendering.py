"""Markdown with $math$ to sanitised HTML: MathML rendered on the server, then cleaned by nh3."""

from __future__ import annotations

import html
from functools import lru_cache

import latex2mathml.converter
import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

MATHML_TAGS = {
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msup", "msub", "msubsup", "mfrac",
    "msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd", "mstyle", "mpadded",
    "mphantom", "menclose", "semantics", "annotation", "merror", "mfenced",
}
HTML_TAGS = {
    "p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h3", "h4",
    "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "span", "div", "del", "sup", "sub",
}
MATHML_ATTRS = {
    "xmlns", "display", "mathvariant", "stretchy", "fence", "separator", "accent", "accentunder",
    "columnalign", "rowspacing", "columnspacing", "width", "height", "depth", "lspace", "rspace",
    "linethickness", "notation", "minsize", "maxsize", "symmetric", "movablelimits", "form",
    "displaystyle", "scriptlevel", "encoding", "open", "close", "separators",
}
ATTRIBUTES = {
    **{tag: MATHML_ATTRS for tag in MATHML_TAGS},
    "a": {"href", "title"},
    "span": {"class"},
    "div": {"class"},
    "code": {"class"},
    "th": {"align"},
    "td": {"align"},
}


class MathError(ValueError):
    """A $...$ formula that latex2mathml cannot convert; .latex is the formula."""

    def __init__(self, message: str, latex: str = "") -> None:
        super().__init__(message)
        self.latex = latex


def _math(latex: str, display: str) -> str:
    try:
        return latex2mathml.converter.convert(latex.strip(), display=display)
    except Exception as exc:  # latex2mathml raises many kinds; all mean "bad formula"
        # Some of latex2mathml's errors carry no text: the class name is then the reason.
        reason = str(exc).strip() or type(exc).__name__
        raise MathError(f"cannot render the formula ${latex.strip()}$: {reason}", latex.strip()) from exc


def _math_inline(self, tokens, idx, options, env):  # noqa: ANN001
    return _math(tokens[idx].content, "inline")


def _math_block(self, tokens, idx, options, env):  # noqa: ANN001
    return "<div class=\"math-block\">" + _math(tokens[idx].content, "block") + "</div>\n"


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table").enable("strikethrough")
    md.use(dollarmath_plugin, allow_space=True, double_inline=True, allow_digits=False)
    for rule in ("math_inline", "math_inline_double"):
        md.add_render_rule(rule, _math_inline)
    for rule in ("math_block", "math_block_label"):
        md.add_render_rule(rule, _math_block)
    return md


_CLEAN_OPTIONS = {
    "tags": HTML_TAGS | MATHML_TAGS,
    "attributes": ATTRIBUTES,
    "url_schemes": {"http", "https", "mailto"},
    "link_rel": "noopener noreferrer nofollow",
    "strip_comments": True,
}
# Built once: nh3.clean(..., tags=..., attributes=...) rebuilds the sanitiser on every call (~5x slower).
# nh3 releases before Cleaner existed fall back to nh3.clean.
_CLEANER = nh3.Cleaner(**_CLEAN_OPTIONS) if hasattr(nh3, "Cleaner") else None


def sanitize(fragment: str) -> str:
    """Keep only safe HTML and MathML: no scripts, event handlers or javascript: links."""
    if _CLEANER is None:
        return nh3.clean(fragment, **_CLEAN_OPTIONS)
    return _CLEANER.clean(fragment)


def render_markdown(text: str) -> str:
    """Render Markdown with $math$ to sanitised HTML; raises MathError for a bad formula."""
    return sanitize(_parser().render(text or ""))


def render_inline(text: str) -> str:
    """Render a short Markdown text (an option, a key point) without the surrounding <p>."""
    rendered = render_markdown(text).strip()
    if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
        rendered = rendered[3:-4]
    return rendered


def render_latex(latex: str, *, display: bool = False) -> str:
    """Render one LaTeX formula (an engine step) to sanitised MathML."""
    try:
        return sanitize(_math(latex, "block" if display else "inline"))
    except MathError:
        return f"<code>{html.escape(latex)}</code>"
