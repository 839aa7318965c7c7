"""The mock interview JSON API: creating, saving against the deadline, finishing once, reports and access."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from app import interviews as iv
from app.models import Attempt, Interview, InterviewItem, ReviewCard, utcnow
from tests.helpers import page_form, parse_html


def start(client, **overrides):  # noqa: ANN001, ANN201
    body = {"topics": [], "count": 4, "time_limit_seconds": 600, "difficulty": "mixed", **overrides}
    response = client.post("/api/interviews", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def move_deadline(db, public_id: str, seconds_from_now: float) -> None:  # noqa: ANN001
    """Put an interview's deadline this many seconds from now (negative: in the past)."""
    with db.writing() as s:
        s.execute(update(Interview).where(Interview.public_id == public_id)
                  .values(deadline=utcnow() + timedelta(seconds=seconds_from_now)))


def answer_for(question: dict, right: bool = True):  # noqa: ANN201
    """A plausible answer for a question of the fixture bank."""
    if "choices" in question:
        texts = {c["text"]: c["id"] for c in question["choices"]}
        if question["type"] == "single_choice":
            return [texts["Pooling layer"]] if right else [texts["Softmax layer"]]
        return [texts["Convolutional networks"], texts["Recurrent networks"]] if right else [texts["Fully connected networks"]]
    if question["type"] == "free_text":
        return "Dropout randomly drops units during training, which reduces overfitting; all units at inference."
    return "10x10"


def test_create_draws_balanced_unique_questions(client):
    body = start(client, count=4)
    assert len(body["id"]) >= 20
    assert body["deadline"].endswith("+00:00")
    questions = body["questions"]
    assert [q["position"] for q in questions] == [1, 2, 3, 4]
    assert len({q["id"] for q in questions}) == 4, "never the same question twice"
    # Foundations has one question and cnn four: a balanced draw takes the foundations one.
    assert {q["topic"] for q in questions} == {"cnn", "foundations"}
    for q in questions:
        assert q["prompt"] and q["type"]
        assert ("choices" in q) == (q["type"] in ("single_choice", "multiple_choice"))
        assert "answer" not in q and "model_answer" not in q


def test_create_refuses_bad_setups(client, db):
    cases = [
        {"count": 2, "time_limit_seconds": 600},
        {"count": 31, "time_limit_seconds": 600},
        {"count": 3, "time_limit_seconds": 9},
        {"count": 3, "time_limit_seconds": 14401},
        {"count": "3", "time_limit_seconds": 600},
        {"count": True, "time_limit_seconds": 600},
        {"count": 3.5, "time_limit_seconds": 600},
        {"count": 3},
        {"count": 3, "time_limit_seconds": 600, "difficulty": "hard"},
        {"count": 3, "time_limit_seconds": 600, "topics": ["no-such-topic"]},
        {"count": 3, "time_limit_seconds": 600, "topics": "cnn"},
        {"count": 3, "time_limit_seconds": 600, "topics": ["foundations"]},
        {"count": 3, "time_limit_seconds": 600, "difficulty": "advanced"},
        {"count": 3, "time_limit_seconds": 600, "colour": "blue"},
        {"preset": "cnn-20", "count": 3},
        {"preset": "no-such-preset"},
        {"preset": "fundamentals-15"},  # the fixture bank has too few questions for it
    ]
    for body in cases:
        response = client.post("/api/interviews", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["detail"], body
    assert "only 1 question" in client.post("/api/interviews", json={"count": 3, "time_limit_seconds": 600,
                                                                    "topics": ["foundations"]}).json()["detail"]
    assert client.post("/api/interviews", content="count=3", headers={"content-type": "text/plain"}).status_code == 415
    assert client.post("/api/interviews", content="{", headers={"content-type": "application/json"}).status_code == 422
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Interview)) == 0


def test_preset_and_presets_list(client):
    presets = {p["slug"]: p for p in client.get("/api/interviews/presets").json()}
    assert presets["cnn-20"]["available"] and presets["cnn-20"]["count"] == 4
    assert not presets["fundamentals-15"]["available"]
    body = client.post("/api/interviews", json={"preset": "cnn-20"}).json()
    assert {q["topic"] for q in body["questions"]} == {"cnn"} and len(body["questions"]) == 4
    assert body["time_limit_seconds"] == 1200


def test_save_and_resume_from_another_device(app, client):
    body = start(client)
    pid = body["id"]
    questions = {q["position"]: q for q in body["questions"]}
    for pos, q in questions.items():
        saved = client.put(f"/api/interviews/{pid}/answers/{pos}", json={"answer": answer_for(q), "elapsed_ms": 1500})
        assert saved.status_code == 200, saved.text
        assert saved.json()["saved_at"].endswith("+00:00")
    state = client.get(f"/api/interviews/{pid}").json()
    assert state["status"] == "in_progress" and "report" not in state
    assert 590 < state["remaining_seconds"] <= 600
    assert state["answers"]["1"] == answer_for(questions[1]) or isinstance(state["answers"]["1"], list)
    assert all(state["answers"][str(p)] for p in questions)
    # Computed questions keep their numbers: the interview's seed froze them.
    assert [q["prompt"] for q in state["questions"]] == [q["prompt"] for q in body["questions"]]
    # "Another device": the same guest cookie in a second client sees the same clock and answers.
    other = TestClient(app)
    other.cookies.update(client.cookies)
    assert other.get(f"/api/interviews/{pid}").json()["answers"] == state["answers"]


def test_bad_saves_are_refused_with_a_reason(client, db):
    body = start(client)
    pid = body["id"]
    by_type = {q["type"]: q["position"] for q in body["questions"]}
    text_pos = next(q["position"] for q in body["questions"] if q["type"] not in ("single_choice", "multiple_choice"))
    choice_pos = by_type.get("single_choice") or by_type.get("multiple_choice")
    client.put(f"/api/interviews/{pid}/answers/{text_pos}", json={"answer": "kept"})
    bad = [
        (text_pos, {"answer": ["a", "b"]}),
        (text_pos, {"answer": {"x": 1}}),
        (text_pos, {"answer": "x" * 10_001}),
        (text_pos, {"answer": True}),
        (text_pos, {"answer": "ok", "elapsed_ms": -5}),
        (text_pos, {"answer": "ok", "extra": 1}),
        (text_pos, {}),
        (choice_pos, {"answer": [99]}),
        (choice_pos, {"answer": ["Pooling"]}),
        (choice_pos, {"answer": [True]}),
    ]
    for pos, payload in bad:
        response = client.put(f"/api/interviews/{pid}/answers/{pos}", json=payload)
        assert response.status_code == 422, (payload, response.text)
        assert response.json()["detail"]
    assert client.put(f"/api/interviews/{pid}/answers/0", json={"answer": "x"}).status_code == 422
    assert client.put(f"/api/interviews/{pid}/answers/{10**20}", json={"answer": "x"}).status_code == 422
    assert client.put(f"/api/interviews/{pid}/answers/99", json={"answer": "x"}).status_code == 404
    assert client.put(f"/api/interviews/{pid}/answers/one", json={"answer": "x"}).status_code == 422
    assert client.get(f"/api/interviews/{pid}").json()["answers"][str(text_pos)] == "kept"


def test_someone_elses_interview_is_not_found(app, client):
    pid = start(client)["id"]
    with TestClient(app) as stranger:
        assert stranger.get(f"/api/interviews/{pid}").status_code == 404
        assert stranger.put(f"/api/interviews/{pid}/answers/1", json={"answer": "x"}).status_code == 404
        assert stranger.put(f"/api/interviews/{pid}/flags/1", json={"flagged": True}).status_code == 404
        assert stranger.post(f"/api/interviews/{pid}/submit").status_code == 404
        stranger_own = start(stranger)["id"]
        assert client.get(f"/api/interviews/{stranger_own}").status_code == 404
    assert client.get("/api/interviews/not-a-real-id").status_code == 404
    assert client.get(f"/api/interviews/{'x' * 200}").status_code == 404
    assert client.get(f"/api/interviews/{pid}").status_code == 200


def test_deadline_grace_then_409_and_nothing_stored(client, db):
    body = start(client)
    pid = body["id"]
    pos = next(q["position"] for q in body["questions"] if q["type"] == "free_text")
    client.put(f"/api/interviews/{pid}/answers/{pos}", json={"answer": "first"})
    move_deadline(db, pid, -10)  # within the 30 s grace: a request already in flight still counts
    assert client.put(f"/api/interviews/{pid}/answers/{pos}", json={"answer": "in flight"}).status_code == 200
    move_deadline(db, pid, -31)
    late = client.put(f"/api/interviews/{pid}/answers/{pos}", json={"answer": "too late"})
    assert late.status_code == 409
    assert "Time is up" in late.json()["detail"]
    assert client.put(f"/api/interviews/{pid}/flags/{pos}", json={"flagged": True}).status_code == 409
    state = client.get(f"/api/interviews/{pid}").json()
    assert state["status"] == "finished" and state["remaining_seconds"] == 0
    assert state["answers"][str(pos)] == "in flight"
    report_q = next(q for q in state["report"]["questions"] if q["position"] == pos)
    assert report_q["answer"] == "in flight"
    assert state["report"]["finished_by"] == "deadline"
    with db.reading() as s:
        assert s.scalar(select(InterviewItem.answer).where(InterviewItem.position == pos)) == "in flight"


def test_submit_scores_once_and_returns_the_same_report(client, db):
    body = start(client)
    pid = body["id"]
    qs = body["questions"]
    right = next(q for q in qs if q["type"] == "numeric") if any(q["type"] == "numeric" for q in qs) else qs[0]
    client.put(f"/api/interviews/{pid}/answers/{right['position']}", json={"answer": answer_for(right), "elapsed_ms": 2000})
    unreadable = next((q for q in qs if q["type"] == "computed"), None)
    if unreadable:
        client.put(f"/api/interviews/{pid}/answers/{unreadable['position']}", json={"answer": "ten-ish"})
    client.put(f"/api/interviews/{pid}/flags/{qs[-1]['position']}", json={"flagged": True})
    first = client.post(f"/api/interviews/{pid}/submit")
    assert first.status_code == 200
    report = first.json()
    again = client.post(f"/api/interviews/{pid}/submit").json()
    assert again == report
    assert report["status"] == "finished" and report["finished_by"] == "submit"
    assert report["total"]["count"] == 4 and 0 <= report["total"]["score"] <= 1
    assert {t["slug"] for t in report["topics"]} == {q["topic"] for q in qs}
    by_pos = {q["position"]: q for q in report["questions"]}
    if right["type"] == "numeric":
        assert by_pos[right["position"]]["score"] == 1.0
    for q in report["questions"]:
        assert {"score", "time_spent_ms", "answer", "model_answer", "key_points_missed", "feedback", "prompt"} <= set(q)
        if not q["answer"]:
            assert q["score"] == 0 and q["feedback"]["message"] == "No answer was given."
        if q["type"] == "free_text" and not q["answer"]:
            assert q["key_points_missed"], "an empty free-text answer misses every key point"
    if unreadable:
        item = by_pos[unreadable["position"]]
        assert item["score"] == 0 and "could not be read" in item["feedback"]["message"]
        assert item["worked"], "computed questions come with the engine's worked answer"
    assert by_pos[qs[-1]["position"]]["flagged"] is True
    with db.reading() as s:
        sources = s.scalars(select(Attempt.source)).all()
    assert sources == ["interview"] * 4, "one attempt per question, scored once"
    saved = client.put(f"/api/interviews/{pid}/answers/1", json={"answer": "after"})
    assert saved.status_code == 409 and "finished" in saved.json()["detail"]


def test_finishing_is_claimed_once_under_a_race(client, db):
    pid = start(client)["id"]
    with db.reading() as s:
        interview_id = s.scalar(select(Interview.id).where(Interview.public_id == pid))
    results: list[bool] = []
    barrier = threading.Barrier(6)

    def finish() -> None:
        barrier.wait()
        results.append(iv.finish(db, interview_id=interview_id, submitted=False))

    threads = [threading.Thread(target=finish) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == [False] * 5 + [True]
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Attempt)) == 4


def test_sweep_finishes_only_expired_interviews(client, db):
    old, fresh, within_grace = start(client)["id"], start(client)["id"], start(client)["id"]
    move_deadline(db, old, -120)
    move_deadline(db, within_grace, -5)
    assert iv.sweep(db, grace_seconds=30) == 1
    assert iv.sweep(db, grace_seconds=30) == 0
    with db.reading() as s:
        status = dict(s.execute(select(Interview.public_id, Interview.status)).all())
        assert s.scalar(select(Interview.report).where(Interview.public_id == old))["finished_by"] == "deadline"
    assert status == {old: "finished", fresh: "in_progress", within_grace: "in_progress"}


def test_report_only_when_finished_and_history(client):
    pid = start(client)["id"]
    assert client.get(f"/api/interviews/{pid}/report").status_code == 409
    client.post(f"/api/interviews/{pid}/submit")
    assert client.get(f"/api/interviews/{pid}/report").json()["id"] == pid
    second = start(client)["id"]
    rows = client.get("/api/interviews").json()
    assert [r["id"] for r in rows] == [second, pid]
    assert rows[1]["status"] == "finished" and rows[0]["status"] == "in_progress"


def test_comparison_with_earlier_interviews(client):
    first = start(client)
    for q in first["questions"]:
        client.put(f"/api/interviews/{first['id']}/answers/{q['position']}", json={"answer": answer_for(q)})
    good = client.post(f"/api/interviews/{first['id']}/submit").json()
    assert good["comparison"]["count"] == 0
    second = start(client)
    worse = client.post(f"/api/interviews/{second['id']}/submit").json()
    assert worse["comparison"]["count"] == 1
    assert worse["comparison"]["mean"] == pytest.approx(good["total"]["score"])
    assert worse["comparison"]["delta"] == pytest.approx(worse["total"]["score"] - good["total"]["score"])


def test_draw_prefers_unseen_then_missed():
    pool = iv.setup.Pool(by_topic={
        "a": [{"id": 1, "version_id": 1, "priority": 2}, {"id": 2, "version_id": 2, "priority": 0},
              {"id": 3, "version_id": 3, "priority": 1}],
        "b": [{"id": 4, "version_id": 4, "priority": 2}, {"id": 5, "version_id": 5, "priority": 0}],
    })
    for seed in range(20):
        picked = iv.setup.draw(pool, count=3, seed=seed)
        ids = [p["id"] for p in picked]
        assert len(set(ids)) == 3
        assert set(ids) == {2, 5, 3}, "unseen ones first, then the missed one, before any already right"
        assert {p["topic"] for p in picked[:2]} == {"a", "b"}, "one per topic per round"
    assert [p["id"] for p in iv.setup.draw(pool, count=5, seed=1)] == [p["id"] for p in iv.setup.draw(pool, count=5, seed=1)]


def test_new_interview_prefers_questions_not_yet_answered_right(client):
    # Answer three cnn questions right in practice; a 3-question cnn interview must then put the
    # unseen fourth one in, and the rest drawn from the others.
    for slug, answer in (("conv-size-fixed", "10x10"), ("pooling-purpose", "Pooling layer"),
                         ("weight-sharing-where", ["Convolutional networks", "Recurrent networks"])):
        assert client.post(f"/api/questions/{slug}/answers", json={"answer": answer}).json()["correct"]
    for _ in range(3):
        body = start(client, count=3, topics=["cnn"])
        types = [q["type"] for q in body["questions"]]
        assert "computed" in types


def test_practise_again_queues_the_missed_questions(client, db):
    body = start(client)
    pid = body["id"]
    client.post(f"/api/interviews/{pid}/submit")
    assert client.get(f"/interviews/{pid}/report").status_code == 200
    page = client.get(f"/interviews/{pid}/report").text
    from tests.helpers import parse_html

    form = parse_html(page).select_one("#practise-form")
    token = form.select_one("input[name=csrf_token]")["value"]
    done = client.post(form["action"], data={"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    with db.reading() as s:
        cards = s.scalars(select(ReviewCard)).all()
        assert len(cards) == 4 and all(c.last_rating == 1 for c in cards)
        assert all(c.due <= utcnow() + timedelta(minutes=15) for c in cards)
    client.post(form["action"], data={"csrf_token": token})
    with db.reading() as s:
        assert s.scalar(select(func.sum(ReviewCard.reps))) == 4, "a second click does not review them again"


def test_history_finishes_expired_interviews(client, app):
    from datetime import timedelta

    from sqlalchemy import update

    from app.models import Interview, utcnow

    created = client.post("/api/interviews", json={"topics": [], "count": 3, "time_limit_seconds": 60, "difficulty": "mixed"})
    assert created.status_code == 201
    with app.state.db.writing() as s:
        s.execute(update(Interview).values(deadline=utcnow() - timedelta(hours=1)))
    rows = client.get("/api/interviews").json()
    assert rows[0]["status"] == "finished"


def test_unreadable_number_is_saved_with_a_warning_in_time_to_fix_it(client):
    body = start(client, count=5)
    pid = body["id"]
    numeric = [q for q in body["questions"] if q["type"] in ("numeric", "computed")]
    free = [q for q in body["questions"] if q["type"] == "free_text"]
    if not numeric:
        pytest.skip("no numeric question drawn")
    pos = numeric[0]["position"]
    saved = client.put(f"/api/interviews/{pid}/answers/{pos}", json={"answer": "about one half, I think"}).json()
    assert saved["warning"] and "number" in saved["warning"]
    assert client.get(f"/api/interviews/{pid}").json()["answers"][str(pos)] == "about one half, I think", "kept"
    assert client.put(f"/api/interviews/{pid}/answers/{pos}", json={"answer": "0.5"}).json()["warning"] is None
    if free:
        words = client.put(f"/api/interviews/{pid}/answers/{free[0]['position']}", json={"answer": "words only"})
        assert words.json()["warning"] is None
    _page, _form, fields = page_form(client, f"/interviews/{pid}/q/{pos}", "form#iv-form")
    page = client.post(f"/interviews/{pid}/q/{pos}", data={**fields, "answer": "about one half", "go": "next"})
    assert page.status_code == 200 and "cannot be read as a number yet" in parse_html(page.text).select_one("#answer-error").get_text()
