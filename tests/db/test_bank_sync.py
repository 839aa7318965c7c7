"""Loading questions/ into the database: idempotent, versioned, archiving what was removed."""

from __future__ import annotations

import yaml
from sqlalchemy import func, select

from app.bank import load_bank, sync_bank
from app.models import Attempt, Question, QuestionVersion
from tests.conftest import FIXTURE_BANK


def _topics(tmp_path, mutate=None):
    folder = tmp_path / "bank"
    folder.mkdir(exist_ok=True)
    for path in FIXTURE_BANK.glob("*.yaml"):
        data = yaml.safe_load(path.read_text())
        if mutate:
            mutate(data)
        (folder / path.name).write_text(yaml.safe_dump(data, sort_keys=False))
    topics, errors = load_bank(folder)
    assert errors == []
    return topics


def test_sync_twice_changes_nothing(db, tmp_path):
    with db.writing() as s:
        report = sync_bank(s, _topics(tmp_path))
    assert report.added == [] and report.changed == [] and report.unchanged == 5


def test_edit_makes_a_new_version_and_attempts_keep_theirs(client, db, tmp_path):
    client.post("/api/questions/conv-size-fixed/answers", json={"answer": "10x10"})

    def edit(data):
        for q in data["questions"]:
            if q["slug"] == "conv-size-fixed":
                q["explanation"] = "A clearer explanation."

    with db.writing() as s:
        report = sync_bank(s, _topics(tmp_path, edit))
    assert report.changed == ["conv-size-fixed"]
    with db.reading() as s:
        q = s.scalar(select(Question).where(Question.slug == "conv-size-fixed"))
        assert q.current_version.number == 2
        attempt = s.scalar(select(Attempt))
        assert s.get(QuestionVersion, attempt.version_id).number == 1


def test_removed_questions_are_archived_not_deleted(db, tmp_path):
    def drop(data):
        data["questions"] = [q for q in data["questions"] if q["slug"] != "pooling-purpose"]

    with db.writing() as s:
        report = sync_bank(s, _topics(tmp_path, drop))
    assert report.archived == ["pooling-purpose"]
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Question)) == 5
        assert s.scalar(select(Question.archived).where(Question.slug == "pooling-purpose")) is True


def test_archived_question_leaves_lists_and_search(client, db, tmp_path):
    def drop(data):
        data["questions"] = [q for q in data["questions"] if q["slug"] != "pooling-purpose"]

    with db.writing() as s:
        sync_bank(s, _topics(tmp_path, drop))
    assert client.get("/api/questions?q=pooling").json()["total"] == 0
    assert client.get("/questions/pooling-purpose").status_code == 404


def test_admin_edit_survives_a_resync_until_the_file_changes(db, tmp_path):
    from app.bank import save_version
    from app.bank_schema import QuestionSpec

    with db.writing() as s:
        q = s.scalar(select(Question).where(Question.slug == "conv-size-fixed"))
        spec = QuestionSpec.model_validate({**q.current_version.spec, "explanation": "Edited in the admin."})
        save_version(s, question=q, spec=spec, author="teacher")
    with db.writing() as s:
        report = sync_bank(s, _topics(tmp_path))
    assert report.changed == []
    with db.reading() as s:
        q = s.scalar(select(Question).where(Question.slug == "conv-size-fixed"))
        assert q.current_version.spec["explanation"] == "Edited in the admin."

    def edit(data):
        for item in data["questions"]:
            if item["slug"] == "conv-size-fixed":
                item["explanation"] = "Changed in the file."

    with db.writing() as s:
        assert sync_bank(s, _topics(tmp_path, edit)).changed == ["conv-size-fixed"]
    with db.reading() as s:
        q = s.scalar(select(Question).where(Question.slug == "conv-size-fixed"))
        assert q.current_version.spec["explanation"] == "Changed in the file."
        assert q.current_version.number == 3


def test_removed_then_restored_file_question_comes_back(db, tmp_path):
    def drop(data):
        data["questions"] = [q for q in data["questions"] if q["slug"] != "pooling-purpose"]

    with db.writing() as s:
        sync_bank(s, _topics(tmp_path, drop))
    with db.writing() as s:
        report = sync_bank(s, _topics(tmp_path))
    assert report.changed == ["pooling-purpose"]
    with db.reading() as s:
        assert s.scalar(select(Question.archived).where(Question.slug == "pooling-purpose")) is False
