"""The engine's JSON API and the playground: the seeds' numbers, steps, and 422s that name the parameter."""

from __future__ import annotations

import pytest

from tests.helpers import parse_html


def test_softmax(client):
    body = client.post("/api/engine/softmax", json={"logits": [1, 2, 3, 4, 1, 2, 3], "temperature": 1.0}).json()
    assert [round(v, 3) for v in body["values"]] == [0.024, 0.064, 0.175, 0.475, 0.024, 0.064, 0.175]
    assert body["steps"] and {"title", "formula", "inputs", "outputs"} <= set(body["steps"][0])


def test_softmax_huge_logits_are_stable(client):
    body = client.post("/api/engine/softmax", json={"logits": [1000, 1001, 1002]}).json()
    assert abs(sum(body["values"]) - 1) < 1e-12


def test_conv_output_size(client):
    assert client.post("/api/engine/conv-output-size", json={"input_size": 12, "kernel_size": 3, "padding": 0, "stride": 1}).json()["output_size"] == 10
    same = client.post("/api/engine/conv-output-size", json={"input_size": 12, "kernel_size": 3, "padding": "same", "stride": 1}).json()
    assert same["output_size"] == 12


def test_conv2d_and_pool2d(client):
    out = client.post("/api/engine/conv2d", json={"input": [[1, 2, 3], [4, 5, 6], [7, 8, 9]], "kernel": [[1, 0], [0, 1]]}).json()["output"]
    assert out == [[6, 8], [12, 14]]
    pooled = client.post("/api/engine/pool2d", json={"input": [[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]],
                                                     "size": 2, "stride": 2, "mode": "max"}).json()["output"]
    assert pooled == [[6, 8], [3, 4]]


def test_perceptron_and_gate(client):
    body = client.post("/api/engine/perceptron", json={"gate": "AND", "weights": [1, 1], "bias": -1.5}).json()
    assert body["correct"] is True
    assert body["rows"][3] == {"inputs": [1, 1], "weighted_sum": 0.5, "output": 1, "target": 1}
    trained = client.post("/api/engine/perceptron", json={"gate": "XOR", "learning_rate": 1, "epochs": 10}).json()
    assert trained["converged"] is False and trained["updates"]


def test_backprop_step_matches_hand_worked_example(client):
    body = client.post("/api/engine/backprop-step", json={
        "x": [0.05, 0.10], "y": [0.01, 0.99], "loss": "half_sse", "learning_rate": 0.5,
        "layers": [{"weights": [[0.15, 0.20], [0.25, 0.30]], "bias": [0.35, 0.35], "activation": "sigmoid"},
                   {"weights": [[0.40, 0.45], [0.50, 0.55]], "bias": [0.60, 0.60], "activation": "sigmoid"}]}).json()
    # The widely reproduced hand-worked example (two inputs, two hidden, two outputs).
    assert body["loss"] == pytest.approx(0.298371109, abs=1e-9)
    assert body["updated"][1]["weights"][0][0] == pytest.approx(0.35891648, abs=1e-8)
    assert body["updated"][0]["weights"][0][0] == pytest.approx(0.149780716, abs=1e-9)


@pytest.mark.parametrize(("path", "body", "word"), [
    ("/api/engine/conv-output-size", {"input_size": 2, "kernel_size": 5}, "kernel"),
    ("/api/engine/conv-output-size", {"input_size": 12, "kernel_size": 3, "stride": 0}, "stride"),
    ("/api/engine/conv2d", {"input": [[1, 2], [3]], "kernel": [[1]]}, "input"),
    ("/api/engine/softmax", {"logits": []}, "logits"),
    ("/api/engine/softmax", {"logits": [1, 2], "temperature": 0}, "temperature"),
    ("/api/engine/pool2d", {"input": [[1, 2], [3, 4]], "size": 3}, "size"),
    ("/api/engine/backprop-step", {"x": [1, 2], "y": [1], "layers": [{"weights": [[1, 2, 3]]}]}, "weights"),
    ("/api/engine/softmax", {"logits": [1], "extra": 1}, "extra"),
])
def test_bad_input_names_the_parameter(client, path, body, word):
    response = client.post(path, json=body)
    assert response.status_code == 422, response.text
    assert word in response.json()["detail"]


def test_non_finite_numbers_refused(client):
    response = client.post("/api/engine/softmax", content=b'{"logits": [1, NaN]}', headers={"content-type": "application/json"})
    assert response.status_code == 422


def test_playground_renders_worked_answer_from_url(client):
    page = parse_html(client.get("/playground/softmax?logits=1,2,3&temperature=1").text)
    assert page.select("ol.worked li.step")
    assert page.select_one("svg.picture")
    assert "logits=1%2C2%2C3" in page.select_one("#share-link")["href"]


def test_playground_inline_error_keeps_input(client):
    response = client.get("/playground/conv-output-size?input_size=abc&kernel_size=3&padding=0&stride=1&dilation=1")
    assert response.status_code == 422
    page = parse_html(response.text)
    assert page.select_one("#err-input_size").get_text(strip=True)
    assert page.select_one("#in-input_size")["value"] == "abc"


@pytest.mark.parametrize("slug", ["softmax", "activation", "loss", "conv-output-size", "param-count", "conv2d", "pool2d",
                                  "perceptron", "backprop-step", "optimizer-step", "lr-schedule", "iterations-per-epoch",
                                  "batchnorm", "dropout"])
def test_every_playground_default_works(client, slug):
    page = client.get(f"/playground/{slug}")
    assert page.status_code == 200
    form = parse_html(page.text).select_one("form.tool-form")
    params = {el["name"]: (el.get("value") or el.get_text()) for el in form.select("input[name], textarea[name]")}
    params.update({s["name"]: s.select_one("option[selected]")["value"] for s in form.select("select")})
    worked = client.get(f"/playground/{slug}", params=params)
    assert worked.status_code == 200, parse_html(worked.text).select_one(".error")
    assert parse_html(worked.text).select("li.step")
