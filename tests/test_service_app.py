"""The HTTP service on a real uvicorn on loopback (a free port), with real requests (httpx)."""

from __future__ import annotations

import asyncio
import json

import pytest

import sensedb
from sensedb.retriever.tagger import tag_text

pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sensedb.service import create_app  # noqa: E402
from sensedb.service.server import background  # noqa: E402

RIVER = "He sat on the bank of the river"
MONEY = "She deposited the money in the bank"


def same(answer, expected, tolerance: float = 1e-5) -> bool:
    """Equal, floats within ``tolerance`` of their size (at least 1): an answer computed in a
    batch differs from one computed alone in the last rounded digits at most (padding changes
    the encoder's float arithmetic by ~1e-6 relative, and a score reaches tens: a POS
    log-probability of -10 times the corpus formula's POS weight 2.81)."""
    if isinstance(expected, float) and isinstance(answer, float):
        return abs(answer - expected) <= tolerance * max(1.0, abs(expected))
    if isinstance(expected, dict):
        return isinstance(answer, dict) and answer.keys() == expected.keys() and all(
            same(answer[k], expected[k], tolerance) for k in expected)
    if isinstance(expected, list):
        return isinstance(answer, list) and len(answer) == len(expected) and all(
            same(a, e, tolerance) for a, e in zip(answer, expected, strict=True))
    return answer == expected


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def url(index):
    app = create_app(index=index, max_words=60, max_items=8, max_body_bytes=20_000,
                     batch_window_ms=5)
    with background(app) as base:
        yield base


@pytest.fixture(scope="module")
def client(url):
    with httpx.Client(base_url=url, timeout=60) as session:
        yield session


def test_health_info_and_openapi(client):
    assert client.get("/health").json()["status"] == "ok"
    info = client.get("/info").json()
    assert info["tokens"] > 0 and info["service"]["max_words"] == 60
    schema = client.get("/openapi.json").json()
    assert {"/wsd", "/tag", "/similarity", "/neighbors", "/senses/{key}", "/info",
            "/health"} <= set(schema["paths"])
    assert {"WsdRequest", "TagRequest", "SimilarityRequest", "NeighborsRequest", "Usage",
            "ErrorBody"} <= set(schema["components"]["schemas"])
    body = schema["paths"]["/wsd"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["anyOf"][0] == {"$ref": "#/components/schemas/WsdRequest"}
    assert client.get("/docs").status_code == 200


def test_wsd_answer_equals_the_api(client, index):
    reply = client.post("/wsd", json={"sentence": RIVER, "target": "bank", "k": 3})
    assert reply.status_code == 200 and reply.headers["x-request-id"]
    expected = index.wsd(RIVER, "bank", k=3).to_dict()
    assert reply.json() == {**expected, "abstained": False}
    tokens = client.post("/wsd", json={"sentence": MONEY.split(), "at": 6, "pos": "n"})
    assert tokens.json() == {**index.wsd(MONEY.split(), None, at=6, pos="NOUN").to_dict(),
                             "abstained": False}


def test_list_with_a_bad_item_answers_the_rest(client, index):
    reply = client.post("/wsd", json=[
        {"sentence": RIVER, "target": "bank", "k": 0},
        {"sentence": RIVER, "target": "zebra"},
        {"sentence": 3},
        {"sentence": MONEY, "target": "money", "min_confidence": 1.0},
        "not an object"])
    assert reply.status_code == 200
    first, missing, wrong_type, money, not_object = reply.json()
    assert same(first, {**index.wsd(RIVER, "bank", k=0).to_dict(), "abstained": False})
    assert missing["field"] == "target" and "zebra" in missing["error"]
    assert wrong_type["field"] == "sentence"
    assert money["abstained"] is True and money["lemma"] == "money"
    assert not_object["field"] == "body"
    assert not_object["error"] == "an item must be a JSON object"


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"sentence": "", "target": "bank"}, 422, "sentence"),
    ({"sentence": RIVER, "target": "bank", "k": -1}, 422, "k"),
    ({"sentence": RIVER, "target": "bank", "pos": "XYZ"}, 422, "pos"),
    ({"sentence": RIVER, "target": "bank", "colour": 1}, 422, "colour"),
    ({"sentence": RIVER, "at": 99}, 422, "at"),
    ({"sentence": RIVER, "target": "bank", "at": True}, 422, "at"),  # was taken as 1
    ({"sentence": RIVER, "target": "bank", "k": "3"}, 422, "k"),
    # no target and no position: the target is missing (was named "at")
    ({"sentence": RIVER}, 422, "target"),
    ({"sentence": RIVER, "target": ""}, 422, "target"),
    ({"sentence": RIVER, "target": "bank", "at": 99}, 422, "at"),
    ({"sentence": RIVER, "target": "bank", "at": 2}, 422, "target"),  # "on" is at 2
    ({"sentence": RIVER, "target": "sat", "pos": "ADV"}, 422, "target"),
    ({"sentence": "bank " * 61, "target": "bank"}, 413, "sentence"),
    ([{"sentence": RIVER, "target": "bank"}] * 9, 413, "body"),
    ({"sentence": "x" * 30_000, "target": "x"}, 413, "body"),
    ({"sentence": ["ok", " "], "target": "ok"}, 422, "sentence"),
    ({"sentence": "a\ud800b", "target": "a"}, 422, "sentence"),
])
def test_bad_fields_are_4xx_naming_the_field(client, body, status, field):
    reply = client.post("/wsd", content=json.dumps(body))  # ASCII: a lone surrogate escaped
    assert reply.status_code == status, reply.text
    assert reply.json()["field"] == field and reply.json()["error"]


def test_neighbors_and_similarity_name_the_missing_target(client):
    """A usage with no target and no position names "target" (was "at"); a position
    outside the sentence names "at"."""
    missing = client.post("/neighbors", json={"sentence": RIVER})
    assert missing.status_code == 422 and missing.json()["field"] == "target"
    outside = client.post("/neighbors", json={"sentence": RIVER, "target": "bank", "at": 40})
    assert outside.status_code == 422 and outside.json()["field"] == "at"
    pair = {"a": {"sentence": RIVER, "target": "bank"}, "b": {"sentence": MONEY}}
    assert client.post("/similarity", json=pair).json()["field"] == "b.target"
    pair["b"] = {"sentence": MONEY, "at": 40}
    assert client.post("/similarity", json=pair).json()["field"] == "b.at"
    # a word WordNet lacks, under a sense method: the usage's target (the field was null)
    pair = {"a": {"sentence": "I love xyzzy", "target": "xyzzy"},
            "b": {"sentence": RIVER, "target": "bank"}, "method": "sense"}
    reply = client.post("/similarity", json=pair)
    assert reply.status_code == 422 and reply.json()["field"] == "a.target"
    # word@N as `similarity` and PAIRS.tsv take it (was "not in the sentence")
    at = client.post("/similarity", json={"a": {"sentence": "I watch the watch",
                                                "target": "watch@3"},
                                          "b": {"sentence": "I watch the watch", "at": 3}})
    assert at.status_code == 200 and at.json()["score"] == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize(("path", "body"), [
    ("/tag", {"text": RIVER, "one_sense_per_discourse": "yes"}),
    ("/tag", {"text": RIVER, "one_sense_per_discourse": 1}),
    ("/neighbors", {"sentence": RIVER, "target": "bank", "any_lemma": "no"}),
    ("/tag", {"text": RIVER, "min_confidence": True}),  # was read as 1.0
    ("/wsd", {"sentence": RIVER, "target": "bank", "min_confidence": "0.5"}),
])
def test_a_flag_must_be_a_json_boolean(client, path, body):
    """"no" was read as true, and true as the probability 1.0: as a count must be an
    integer, a flag must be a boolean and a probability a number."""
    reply = client.post(path, json=body)
    field = next(k for k in body if k not in ("text", "sentence", "target"))
    assert reply.status_code == 422 and reply.json()["field"] == field


def test_bad_json_and_unknown_routes(client):
    assert client.post("/wsd", content=b"{not json").status_code == 400
    assert client.post("/wsd", content=b"[" * 5000 + b"]" * 5000).status_code in (400, 413)
    assert client.post("/wsd", json=5).json()["field"] == "body"
    assert client.get("/nowhere").status_code == 404
    assert client.get("/wsd").status_code == 405
    assert client.get("/senses/zebra%251:99:07::").status_code == 404
    assert client.get("/senses/xyzzyq").json()["field"] == "key"


def test_tag_similarity_neighbors_senses(client, index):
    text = "The bank raised rates. We walked along the river bank."
    assert client.post("/tag", json={"text": text}).json() == [
        w.to_dict() for w in tag_text(index, text)]
    many = client.post("/tag", json=[{"text": text}, {"text": 7}, {"text": "   "}]).json()
    assert many[1]["field"] == "text" and len(many[0]) >= 4
    assert many[2] == {"error": "empty text", "field": "text"}  # as tag "   " says
    pair = {"a": {"sentence": RIVER, "target": "bank"},
            "b": {"sentence": MONEY, "target": "bank"}, "method": "raw"}
    one = client.post("/similarity", json=pair).json()
    assert -1.0 <= one["score"] <= 1.0 and one["method"] == "raw"
    # the CLI's --json: each usage's senses under raw too (they were null over HTTP)
    cli = sensedb.similarity(index, (RIVER, "bank"), (MONEY, "bank"), "raw").to_dict()
    assert one["a"] == cli["a"] and one["b"] == cli["b"] and one["a"]["senses"]
    both = client.post("/similarity", json=[pair, {**pair, "b": {"sentence": MONEY,
                                                                 "target": "zebra"}}]).json()
    assert both[0]["score"] == pytest.approx(one["score"], rel=1e-5, abs=1e-5)
    assert both[1]["field"] == "b.target"
    usages = client.post("/neighbors", json={"sentence": RIVER, "target": "bank", "k": 2})
    assert [u["token_id"] for u in usages.json()] == [
        u.token_id for u in index.neighbors(RIVER, "bank", k=2)]
    senses = client.get("/senses/bank%251:17:01::").json()
    assert senses[0]["synset"] == "bank.n.01" and senses[0]["offset"] == "09213565-n"
    assert senses[0]["support"] == index.senses_of("bank%1:17:01::")[0].support > 0
    assert {s["key"] for s in client.get("/senses/banks").json()} >= {"bank%1:17:01::"}
    # a word with a slash, a part of speech, an empty word (a breaker's)
    assert client.get("/senses/24/7").json()[0]["key"] == "24/7%1:28:00::"
    assert client.get("/senses/24%2F7").json()[0]["key"] == "24/7%1:28:00::"
    assert {s["pos"] for s in client.get("/senses/banks?pos=v").json()} == {"VERB"}
    bad = client.get("/senses/bank?pos=x")
    assert bad.status_code == 422 and bad.json()["field"] == "pos"
    assert client.get("/senses/%20").status_code == 422
    assert client.get("/senses/bank%251:17:01::?pos=VERB").status_code == 404


def test_concurrent_requests_are_batched(url, index):
    sentences = [RIVER, MONEY, "They pulled the canoe up on the muddy bank .",
                 "The bank raised its interest rates"] * 4

    async def main():
        async with httpx.AsyncClient(base_url=url, timeout=60) as session:
            return await asyncio.gather(*(session.post("/wsd", json={
                "sentence": s, "target": "bank", "k": 2}) for s in sentences))

    replies = asyncio.run(main())
    assert all(r.status_code == 200 for r in replies)
    for sentence, reply in zip(sentences, replies, strict=True):
        assert same(reply.json(), {**index.wsd(sentence, "bank", k=2).to_dict(),
                                   "abstained": False})
    assert httpx.get(f"{url}/info").json()["service"]["batches"] < \
        httpx.get(f"{url}/info").json()["service"]["items"]


def test_api_key_and_tiny_queue(index):
    app = create_app(index=index, api_key="s3cret", max_queue=1, batch_window_ms=20)
    with background(app) as base, httpx.Client(base_url=base, timeout=60) as session:
        assert session.get("/health").status_code == 200
        refused = session.post("/wsd", json={"sentence": RIVER, "target": "bank"})
        assert refused.status_code == 401 and refused.json()["field"] == "X-API-Key"
        keyed = {"X-API-Key": "s3cret"}
        assert session.post("/wsd", json={"sentence": RIVER, "target": "bank"},
                            headers=keyed).status_code == 200
        two = session.post("/wsd", json=[{"sentence": RIVER, "target": "bank"}] * 2,
                           headers=keyed)
        assert two.status_code == 429 and two.headers["retry-after"] == "1"

        async def burst():
            async with httpx.AsyncClient(base_url=base, timeout=60, headers=keyed) as c:
                return await asyncio.gather(*(c.post("/tag", json={"text": MONEY})
                                              for _ in range(12)))

        codes = [r.status_code for r in asyncio.run(burst())]
        assert set(codes) <= {200, 429} and 429 in codes and 200 in codes


FUZZED: dict[int, int] = {}
WORDS = ["bank", "river", "the", "sat", "money", "deposited", "take place", ".", "can't"]
texts = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=" \t\n\r\x0b\x0c\u00a0\u2028\u3000\u200b", max_size=20),
    st.lists(st.one_of(st.sampled_from(WORDS), st.text(min_size=1, max_size=6)),
             max_size=12).map(" ".join),
    st.sampled_from(["bank " * 70, "x" * 25_000, "é" * 400 + " bank", "\x00 bank"]))
wsd_bodies = st.fixed_dictionaries(
    {"sentence": st.one_of(texts, st.lists(st.text(max_size=5), max_size=4), st.integers())},
    optional={"target": st.one_of(st.none(), st.sampled_from(WORDS), st.text(max_size=8)),
              "at": st.one_of(st.none(), st.integers(-3, 20), st.just(10**30)),
              "pos": st.one_of(st.none(), st.sampled_from(["NOUN", "v", "s", "x", ""])),
              "k": st.one_of(st.integers(-2, 200), st.floats(allow_nan=True))})
tag_bodies = st.fixed_dictionaries({"text": st.one_of(texts, st.none())},
                                   optional={"min_confidence": st.floats(-1, 2)})


@seed(20261130)
@settings(max_examples=50, deadline=None, derandomize=False,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(wsd=st.one_of(wsd_bodies, st.lists(wsd_bodies, max_size=3)),
       tag=st.one_of(tag_bodies, st.lists(tag_bodies, max_size=2)),
       raw=st.binary(max_size=40))
def test_fuzzed_inputs_never_give_a_server_error(client, wsd, tag, raw):
    for path, body in (("/wsd", wsd), ("/tag", tag), ("/wsd", raw)):
        content = body if isinstance(body, bytes) else json.dumps(body)  # NaN, surrogates
        reply = client.post(path, content=content)
        FUZZED[reply.status_code // 100] = FUZZED.get(reply.status_code // 100, 0) + 1
        assert reply.status_code < 500, (path, body, reply.text)
        assert isinstance(reply.json(), list | dict)


def test_fuzz_counts():
    """The counts of the fuzzing above by status class (pytest -s shows them)."""
    print("hypothesis: requests by status class", {f"{k}xx": v for k, v in FUZZED.items()})
    assert not any(k >= 5 for k in FUZZED)


@pytest.fixture(scope="module")
def api_schema(url):
    st_module = pytest.importorskip("schemathesis")
    return st_module.openapi.from_url(f"{url}/openapi.json")


def test_every_endpoint_fuzzed_from_the_schema_gives_no_server_error(api_schema, url):
    """Schemathesis generates requests for every operation of /openapi.json (valid and
    invalid bodies, path parameters): none gets a 5xx."""
    counts = {"tried": 0, "4xx": 0, "operations": 0}

    def fuzz(operation):
        @seed(7)
        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            reply = case.call(base_url=url, timeout=60)
            counts["tried"] += 1
            counts["4xx"] += 400 <= reply.status_code < 500
            assert reply.status_code < 500, (operation.label, case.body, reply.text)

        check()

    for result in api_schema.get_all_operations():
        counts["operations"] += 1
        fuzz(result.ok())
    print("schemathesis:", counts)  # the fuzzing counts (pytest -s shows them)
    assert counts["operations"] == 7 and counts["tried"] >= 7 * 4, counts


def test_one_log_line_per_request_with_its_id_and_timings(client, caplog):
    with caplog.at_level("INFO", logger="sensedb.service"):
        reply = client.post("/wsd", json={"sentence": RIVER, "target": "bank"},
                            headers={"X-Request-ID": "trace-42"})
        refused = client.post("/wsd", json={"sentence": RIVER, "target": 7})
    assert reply.headers["x-request-id"] == "trace-42"
    lines = [r.getMessage() for r in caplog.records if r.name == "sensedb.service"
             and r.getMessage().startswith("request ")]
    mine = [line for line in lines if "id=trace-42 " in line]
    assert len(mine) == 1, lines
    assert mine[0].startswith("request id=trace-42 POST /wsd 200 ") and "ms" in mine[0]
    other = refused.headers["x-request-id"]
    assert other != "trace-42" and [line for line in lines if f"id={other} " in line][0] \
        .startswith(f"request id={other} POST /wsd 422 ")


def test_serve_refuses_a_missing_index_and_a_bad_port_in_one_line(tmp_path):
    """`sensedb serve --index NOWHERE` started uvicorn, whose failed start-up printed the
    lifespan's traceback (exit status 3); --port 99999 was an OverflowError traceback."""
    from click.testing import CliRunner

    from sensedb.cli import cli

    runner = CliRunner()
    result = runner.invoke(cli, ["serve", "--index", str(tmp_path / "nowhere")])
    assert result.exit_code == 1, result.output
    assert result.output == (f"Error: {tmp_path / 'nowhere'}: no sensedb index here (build "
                             "one with `sensedb index CORPUS.data.xml --gold "
                             "CORPUS.gold.key.txt --index DIR`)\n")
    result = runner.invoke(cli, ["serve", "--index", str(tmp_path), "--port", "99999"])
    assert result.exit_code == 2 and "99999 is not in the range 0<=x<=65535" in result.output
    # limits of 0 started a server that refused everything; every other command spells the
    # flag --no-wordnet-vectors (serve knew only --no-wordnet-evidence)
    for option in ("--max-words", "--max-items", "--max-queue", "--batch-max-words"):
        result = runner.invoke(cli, ["serve", "--index", str(tmp_path), option, "0"])
        assert result.exit_code == 2 and "0 is not in the range x>=1" in result.output
    result = runner.invoke(cli, ["serve", "--index", str(tmp_path), "--timeout", "0"])
    assert result.exit_code == 2 and "0.0 is not in the range x>0" in result.output
    for flag in ("--no-wordnet-vectors", "--no-wordnet-evidence"):
        result = runner.invoke(cli, ["serve", "--index", str(tmp_path / "nowhere"), flag])
        assert result.exit_code == 1 and "no sensedb index here" in result.output


def test_a_stalled_or_abandoned_body_is_answered_and_logged_in_one_line(index, caplog):
    """A tester: a client that stopped sending mid-body held its connection open for good
    (200 such still open after 70 s), and one that disconnected mid-upload logged a 45-line
    "unexpected error" traceback each. A body not whole within ``body_timeout_s`` is now a
    408; a client gone before its body is whole one log line with status 499."""
    import socket
    import time
    from urllib.parse import urlsplit

    app = create_app(index=index, body_timeout_s=0.5)
    head = (b"POST /wsd HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 200\r\nX-Request-ID: %s\r\n\r\n{\"sentence\": ")
    with caplog.at_level("INFO", logger="sensedb.service"), background(app) as base:
        address = (urlsplit(base).hostname, urlsplit(base).port)
        with socket.create_connection(address, timeout=10) as stalled:
            started = time.monotonic()
            stalled.sendall(head % b"stalled-1")
            reply = b""
            while b"not received" not in reply and time.monotonic() - started < 5:
                chunk = stalled.recv(4096)  # the headers and the body may come apart
                if not chunk:
                    break
                reply += chunk
            assert time.monotonic() - started < 5
        assert reply.startswith(b"HTTP/1.1 408 ") and b"not received within 0.5 s" in reply
        with socket.create_connection(address, timeout=10) as gone:
            gone.sendall(head % b"gone-1")
            time.sleep(0.1)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(
                "id=gone-1 " in r.getMessage() for r in caplog.records):
            time.sleep(0.05)
        # the server still answers
        with httpx.Client(base_url=base, timeout=60) as session:
            assert session.post("/wsd", json={"sentence": RIVER, "target": "bank"}) \
                .status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "sensedb.service"]
    assert [line for line in lines if "id=gone-1 " in line][0].startswith(
        "request id=gone-1 POST /wsd 499 ")
    assert [line for line in lines if "id=stalled-1 " in line][0].startswith(
        "request id=stalled-1 POST /wsd 408 ")
    assert not [r for r in caplog.records if "unexpected error" in r.getMessage()]
