"""Print the README's settings table from app.config.Settings (a test keeps the two in step)."""

from __future__ import annotations

from app.config import ROOT, Settings


def settings_table() -> str:
    """The Markdown table of every DEEPPREP_ setting with its default and help."""
    rows = ["| Variable | Default | What it does |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default
        if hasattr(default, "relative_to"):
            default = f"./{default.relative_to(ROOT)}"
        shown = "(empty)" if default in ("", None) else str(default).lower() if isinstance(default, bool) else default
        rows.append(f"| `DEEPPREP_{name.upper()}` | `{shown}` | {field.description or ''} |")
    return "\n".join(rows)


def write_readme() -> None:
    """Replace the table between the README's settings markers."""
    readme = ROOT / "README.md"
    text = readme.read_text()
    head, rest = text.split("<!-- settings:start -->\n", 1)
    _old, tail = rest.split("<!-- settings:end -->", 1)
    readme.write_text(f"{head}<!-- settings:start -->\n{settings_table()}\n<!-- settings:end -->{tail}")


if __name__ == "__main__":
    import sys

    if "--write" in sys.argv:
        write_readme()
    else:
        print(settings_table())
