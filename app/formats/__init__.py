"""Moodle formats: GIFT and Moodle XML, read into and written from the schema of questions/."""

from __future__ import annotations

from typing import Any

from app.bank_schema import TopicFile

FORMATS = ("gift", "moodle-xml")


def parse(content: str, *, fmt: str, default_topic: str | None = None) -> tuple[list[TopicFile], list[dict], list[dict]]:
    """Read GIFT or Moodle XML: (topics, errors [{"line", "message"}], skipped [{"line", "message"}])."""
    if fmt == "gift":
        from app.formats import gift

        return gift.parse(content, default_topic=default_topic)
    if fmt == "moodle-xml":
        from app.formats import moodle_xml

        return moodle_xml.parse(content, default_topic=default_topic)
    return [], [{"line": 1, "message": f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}"}], []


def export(topics: list[dict[str, Any]], *, fmt: str) -> str:
    """Write topics (dicts in the schema of questions/) as GIFT or Moodle XML."""
    if fmt == "gift":
        from app.formats import gift

        return gift.export(topics)
    if fmt == "moodle-xml":
        from app.formats import moodle_xml

        return moodle_xml.export(topics)
    raise ValueError(f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}")
