"""The practice JSON API: shapes, answers, and clear errors for bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.generators import get_generator
from app.models import Attempt
from app.security import GUEST_COOKIE


def test_topics(client):
    assert client.get("/api/topics").json() == [
        {"slug": "foundations", "name": "Foundations", "count": 1},
        {"slug": "cnn", "name": "Convolutional networks", "count": 4},
    ]


def test_question_list_shape_and_filters(client):
    body = client.get("/api/questions?topic=cnn&limit=2").json()
    assert body["total"] == 4 and len(body["items"]) == 2
    assert set(body["items"][0]) == {"id", "slug", "topic", "difficulty", "type", "prompt"}
    assert client.get("/api/questions?type=free_text").json()["items"][0]["slug"] == "dropout-purpose"


def test_question_by_slug_or_id_with_choices(client):
    by_slug = client.get("/api/questions/pooling-purpose?seed=5").json()
    by_id = client.get(f"/api/questions/{by_slug['id']}?seed=5").json()
    assert by_slug == by_id
    assert sorted(c["text"] for c in by_slug["choices"]) == ["Fully connected layer", "Pooling layer", "Softmax layer"]


def test_choice_order_is_stable_per_seed(client):
    a = [c["id"] for c in client.get("/api/questions/pooling-purpose?seed=11").json()["choices"]]
    b = [c["id"] for c in client.get("/api/questions/pooling-purpose?seed=11").json()["choices"]]
    assert a == b


def test_answer_free_text(client):
    body = client.post("/api/questions/dropout-purpose/answers",
                       json={"answer": "Dropout randomly zeroes neurons in training; it reduces overfitting. At inference all units are used."}).json()
    assert body["score"] >= 0.9 and body["correct"] is True
    assert body["feedback"]["missed"] == []
    assert body["worked"] is None and body["expected"]


def test_a_first_answer_makes_a_guest_and_the_next_is_theirs(client, db):
    first = client.post("/api/questions/conv-size-fixed/answers", json={"answer": "10x10"})
    assert first.status_code == 200 and first.headers["content-type"] == "application/json"
    assert set(first.json()) == {"attempt_id", "score", "correct", "feedback", "expected", "expected_html", "worked"}
    cookie = client.cookies.get(GUEST_COOKIE)
    assert cookie, "the guest cookie comes with the first answer"
    second = client.post("/api/questions/conv-size-fixed/answers", json={"answer": "9x9"})
    assert GUEST_COOKIE not in second.headers.get("set-cookie", ""), "an existing guest is not made again"
    with db.reading() as s:
        owners = s.execute(select(Attempt.user_id).where(Attempt.id.in_(
            [first.json()["attempt_id"], second.json()["attempt_id"]]))).scalars().all()
    assert len(owners) == 2 and len(set(owners)) == 1


def test_answer_numeric_and_choice(client):
    assert client.post("/api/questions/conv-size-fixed/answers", json={"answer": "10x10"}).json()["correct"] is True
    assert client.post("/api/questions/conv-size-fixed/answers", json={"answer": "9x9"}).json()["correct"] is False
    choices = client.get("/api/questions/pooling-purpose").json()["choices"]
    pooling = next(c["id"] for c in choices if c["text"] == "Pooling layer")
    assert client.post("/api/questions/pooling-purpose/answers", json={"answer": str(pooling)}).json()["score"] == 1.0
    assert client.post("/api/questions/pooling-purpose/answers", json={"answer": "Pooling layer"}).json()["score"] == 1.0


def test_rating_schedules(client):
    attempt = client.post("/api/questions/conv-size-fixed/answers", json={"answer": "10x10"}).json()["attempt_id"]
    body = client.post(f"/api/attempts/{attempt}/rating", json={"rating": 3}).json()
    assert body["due"] > "2000"
    assert client.post(f"/api/attempts/{attempt}/rating", json={"rating": 7}).status_code == 422
    # A double click or a resent rating is not a second review: the date stays where the first put it.
    again = client.post(f"/api/attempts/{attempt}/rating", json={"rating": 4}).json()
    assert again == body and again["rating"] == 3


@pytest.mark.parametrize(
    ("path", "kwargs", "status"),
    [
        ("/api/questions/nope", {}, 404),
        ("/api/questions/dropout-purpose?seed=-1", {}, 422),
        ("/api/questions/dropout-purpose?seed=abc", {}, 422),
        ("/api/questions?limit=0", {}, 422),
        ("/api/questions?difficulty=impossible", {}, 422),
    ],
)
def test_bad_reads(client, path, kwargs, status):
    response = client.get(path, **kwargs)
    assert response.status_code == status
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 422),
        ({"answer": None}, 422),
        ({"answer": ""}, 422),
        ({"answer": "x" * 10001}, 413),
        ({"answer": "10", "seed": -5}, 422),
        ({"answer": "10", "seed": 2**40}, 422),
        ({"answer": {"a": 1}}, 422),
    ],
)
def test_bad_answers(client, body, status):
    response = client.post("/api/questions/conv-size-fixed/answers", json=body)
    assert response.status_code == status, response.text
    assert response.json()["detail"]


def test_unreadable_numeric_says_why(client):
    response = client.post("/api/questions/conv-size-fixed/answers", json={"answer": "ten"})
    assert response.status_code == 422
    assert "ten" in response.json()["detail"] or "number" in response.json()["detail"]


def test_form_and_text_bodies_refused_with_415(client):
    assert client.post("/api/questions/conv-size-fixed/answers", data={"answer": "10"}).status_code == 415
    r = client.post("/api/questions/conv-size-fixed/answers", content=b'{"answer": "10"}', headers={"content-type": "text/plain"})
    assert r.status_code == 415


def test_oversized_body_refused(client):
    r = client.post("/api/questions/conv-size-fixed/answers", content=b"x" * 3_000_000, headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_malformed_json_is_422(client):
    r = client.post("/api/questions/conv-size-fixed/answers", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_openapi_lists_api_only(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/questions" in paths and "/questions/{slug}" not in paths


def test_api_docs_work_without_a_cdn(client):
    from tests.helpers import parse_html

    page = parse_html(client.get("/docs").text)
    sources = [s.get("src", "") for s in page.select("script")] + [link.get("href", "") for link in page.select("link")]
    assert all(not src.startswith("http") for src in sources), sources
    assert client.get(next(s for s in sources if s.endswith(".js"))).status_code == 200


def test_a_known_mistake_is_named_in_the_feedback(client):
    seed = next(s for s in range(1, 200) if get_generator("conv_output_size").instantiate(s).mistakes)
    instance = get_generator("conv_output_size").instantiate(seed)
    mistake = instance.mistakes[0]
    value = mistake.value if isinstance(mistake.value, (int, float)) else str(mistake.value)
    body = client.post("/api/questions/conv-size-computed/answers", json={"answer": str(value), "seed": seed}).json()
    assert body["correct"] is False
    assert body["feedback"]["mistake"] == mistake.name
    assert f"common mistake: {mistake.name}" in body["feedback"]["message"]
    right = client.post("/api/questions/conv-size-computed/answers",
                        json={"answer": str(instance.answer), "seed": seed}).json()
    assert right["correct"] is True and right["feedback"]["mistake"] is None


def test_question_ids_beyond_the_database_range_are_not_found(client):
    """An id too large for a database integer is an unknown question, not a server error."""
    big = "99999999999999999999999"
    assert client.get(f"/questions/{big}").status_code == 404
    assert client.get(f"/api/questions/{big}").status_code == 404
    assert client.post(f"/api/questions/{big}/answers", json={"answer": "x"}).status_code == 404
    assert client.get("/questions/\u00b2").status_code == 404  # a digit to str.isdigit, not to int()
    assert client.get(f"/next?after={big}", follow_redirects=False).status_code == 422


def test_api_answer_body_is_read_strictly_and_naturally(client):
    """A number may be sent as a JSON number; true/false, a boolean seed and unknown fields are refused."""
    assert client.post("/api/questions/conv-size-fixed/answers", json={"answer": 10}).status_code == 200
    bad = [({"answer": True}, "not true or false"), ({"answer": [True]}, "not true or false"),
           ({"answer": "10x10", "seed": True}, "seed"), ({"answer": "10x10", "seeds": 3}, "seeds")]
    for body, reason in bad:
        r = client.post("/api/questions/conv-size-fixed/answers", json=body)
        assert r.status_code == 422 and reason in r.json()["detail"], (body, r.json())
    attempt = client.post("/api/questions/conv-size-fixed/answers", json={"answer": "10x10"}).json()["attempt_id"]
    assert client.post(f"/api/attempts/{attempt}/rating", json={"rating": True}).status_code == 422
