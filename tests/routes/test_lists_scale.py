"""Question lists on a grown bank: deep pages, filters, search and statuses agree with plain SQL,
and the per-process list cache follows every change to the bank (triggers bump its generation)."""

from __future__ import annotations

from sqlalchemy import func, select, text

from app.admin.questions import set_archived
from app.bank import update_search_index
from app.catalog import Filters, bank_generation, fts_match, list_questions
from app.models import Question, Topic

VOCAB = ("alpha", "bravo", "charlie", "delta", "echo", "zephyr")


def _grow(db, copies: int) -> None:
    """Copies of the fixture questions, spread over the topics plus a third topic tied with cnn's position."""
    with db.writing() as s:
        cnn = s.scalar(select(Topic).where(Topic.slug == "cnn"))
        extra = Topic(slug="extra", name="Extra", description="", position=cnn.position)
        s.add(extra)
        s.flush()
        topics = list(s.scalars(select(Topic)))
        templates = list(s.scalars(select(Question).where(Question.archived.is_(False)).order_by(Question.id)))
        for i in range(copies):
            t = templates[i % len(templates)]
            q = Question(slug=f"{t.slug}-x{i}", topic_id=topics[i % len(topics)].id, difficulty=t.difficulty, type=t.type,
                         origin="admin", current_version_id=t.current_version_id,
                         search_text=f"{t.search_text} {VOCAB[i % len(VOCAB)]}", summary=t.summary,
                         summary_html=t.summary_html)
            s.add(q)
            s.flush()
            update_search_index(s, q)


def _reference(db, **where) -> list[int]:
    """The ids a list shows, by the plain ORDER BY the catalog must reproduce."""
    with db.reading() as s:
        stmt = (select(Question.id).join(Topic, Topic.id == Question.topic_id).where(Question.archived.is_(False))
                .order_by(Topic.position, Question.id))
        if "topic" in where:
            stmt = stmt.where(Topic.slug == where["topic"])
        if "difficulty" in where:
            stmt = stmt.where(Question.difficulty == where["difficulty"])
        if "type" in where:
            stmt = stmt.where(Question.type == where["type"])
        if "q" in where:
            stmt = stmt.where(fts_match(s, where["q"]))
        return list(s.scalars(stmt))


def _all_pages(client, query: str, limit: int) -> tuple[list[int], int]:
    ids, offset, total = [], 0, None
    while True:
        body = client.get(f"/api/questions?{query}&limit={limit}&offset={offset}").json()
        total = body["total"] if total is None else total
        assert body["total"] == total
        if not body["items"]:
            return ids, total
        ids += [item["id"] for item in body["items"]]
        offset += limit


def test_every_page_follows_the_plain_ordering(client, db):
    _grow(db, 300)
    expected = _reference(db)
    assert len(expected) == 305
    ids, total = _all_pages(client, "x=1", 50)
    assert ids == expected and total == 305
    # a page past the end is empty but keeps the total
    assert client.get("/api/questions?limit=50&offset=100000").json() == {"items": [], "total": 305}
    # the HTML pager (30 a page): the last page holds the last five
    from tests.helpers import parse_html

    page = parse_html(client.get("/questions?page=11").text)
    with db.reading() as s:
        slugs = dict(s.execute(select(Question.id, Question.slug)).all())
    assert [a["href"] for a in page.select(".question-list a")] == [f"/questions/{slugs[i]}" for i in expected[300:]]
    assert page.select_one("#result-count").get_text(strip=True).startswith("305 questions")


def test_filters_and_search_match_plain_sql(client, db):
    _grow(db, 200)
    cases = [
        ("topic=cnn", {"topic": "cnn"}),
        ("topic=extra&difficulty=beginner", {"topic": "extra", "difficulty": "beginner"}),
        ("difficulty=intermediate&type=free_text", {"difficulty": "intermediate", "type": "free_text"}),
        ("q=zephyr", {"q": "zephyr"}),
        ("q=zephyr%20pool&topic=cnn", {"q": "zephyr pool", "topic": "cnn"}),
        ("q=nosuchwordanywhere", {"q": "nosuchwordanywhere"}),
        ("topic=nosuchtopic", {"topic": "nosuchtopic"}),
    ]
    for query, where in cases:
        ids, total = _all_pages(client, query, 30)
        assert ids == _reference(db, **where), query
        assert total == len(ids), query


def test_lists_follow_bank_changes_at_once(client, db):
    _grow(db, 40)
    first = client.get("/api/questions?limit=200").json()
    assert first["total"] == 45
    victim = first["items"][3]["id"]
    with db.writing() as s:
        set_archived(s, question=s.get(Question, victim), archived=True, actor_id=None)
    after = client.get("/api/questions?limit=200").json()
    assert after["total"] == 44 and victim not in [i["id"] for i in after["items"]]
    assert client.get("/api/topics").json()[0]["count"] + client.get("/api/topics").json()[1]["count"] < 45
    # a topic moved first: its questions lead the list
    with db.writing() as s:
        s.scalar(select(Topic).where(Topic.slug == "extra")).position = -5
    moved = client.get("/api/questions?limit=200").json()["items"]
    assert moved[0]["topic"] == "extra"
    assert [i["id"] for i in moved] == _reference(db)
    # a change made with plain SQL (another process, a script) is seen too
    with db.writing() as s:
        s.execute(text("UPDATE questions SET difficulty = 'advanced' WHERE id = :id"), {"id": moved[0]["id"]})
    advanced = client.get("/api/questions?difficulty=advanced&limit=200").json()
    assert moved[0]["id"] in [i["id"] for i in advanced["items"]]


def test_generation_counts_changes_to_questions_and_topics(db):
    with db.reading() as s:
        start = bank_generation(s)
    with db.writing() as s:
        s.execute(text("UPDATE topics SET name = name || '!' WHERE slug = 'cnn'"))
    with db.reading() as s:
        after_topic = bank_generation(s)
    with db.writing() as s:
        s.execute(text("UPDATE questions SET summary = summary WHERE id = (SELECT min(id) FROM questions)"))
    with db.reading() as s:
        after_question = bank_generation(s)
    assert start < after_topic < after_question


def test_status_lists_follow_each_answer(client, db):
    _grow(db, 60)
    total = client.get("/api/questions").json()["total"]
    assert client.get("/api/questions?status=new").json()["total"] == total  # a new visitor: everything is new
    assert client.get("/api/questions?status=missed").json() == {"items": [], "total": 0}
    wrong = client.post("/api/questions/conv-size-fixed/answers", json={"answer": "3x3"}).json()
    assert wrong["correct"] is False
    new = client.get(f"/api/questions?status=new&limit={total}").json()
    assert new["total"] == total - 1 and "conv-size-fixed" not in [i["slug"] for i in new["items"]]
    missed = client.get("/api/questions?status=missed").json()
    assert [i["slug"] for i in missed["items"]] == ["conv-size-fixed"] and missed["total"] == 1
    assert client.post("/api/questions/conv-size-fixed/answers", json={"answer": "10x10"}).json()["correct"] is True
    assert client.get("/api/questions?status=missed").json()["total"] == 0
    client.post("/api/questions/dropout-purpose/answers", json={"answer": "no idea"})
    assert client.get("/api/questions?status=new").json()["total"] == total - 2
    # the statuses agree with the unfiltered list's own status field, page by page
    with db.reading() as s:
        user_id = s.execute(text("SELECT max(user_id) FROM attempts")).scalar()
        items, _ = list_questions(s, filters=Filters(), user_id=user_id, limit=1000)
        missed_ids = [i["id"] for i in items if i["status"] == "missed"]
        listed, count = list_questions(s, filters=Filters(status="missed"), user_id=user_id, limit=1000)
        assert [i["id"] for i in listed] == missed_ids and count == len(missed_ids)
        deep, count = list_questions(s, filters=Filters(status="new"), user_id=user_id, limit=7, offset=total - 9)
        assert count == total - 2 and len(deep) == 7
        assert s.scalar(select(func.count()).select_from(Question).where(Question.archived.is_(False))) == total
