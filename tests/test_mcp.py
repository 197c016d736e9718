"""The MCP server through the SDK's own client: `reviewqa mcp` over stdio and `reviewqa serve` at
/mcp over streamable HTTP, each a real subprocess over one small index (generated reviews plus
corpus/). One scenario of calls runs over each transport (its transcript is shared by the
tests); the key and the rate limits are tested over HTTP."""

from __future__ import annotations

import csv
import itertools
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp.types import CallToolResult, TextContent, Tool

from assistant.result import Coverage, Result
from index.ingest import ingest
from index.settings import Settings
from tests.conftest import CORPUS
from tests.support.reviews import COLUMNS, critic_reviews
from tests.support.servers import served
from ui.mcp_schema import AskOutput
from ui.server_settings import ServerSettings

pytestmark = pytest.mark.slow

KEY = "mcp-test-key-0123456789"
TOOLS = {"ask", "search_reviews", "film_report", "list_films", "list_critics", "verify_quote"}
MADE_UP = "a triumph of the human spirit that soars"
EXTRA: list[tuple[str, ...]] = [  # films for prefixes and a title two films share
    ("Toy Story 2 (1999)", "Roger Ebert", "Chicago Sun-Times", "1999-11-24", "positive",
     "Toy Story 2 is as much fun as the first one."),
    ("Toy Story 3 (2010)", "Dana Stevens", "Slate", "2010-06-17", "positive",
     "The third Toy Story is a moving farewell to childhood."),
    ("Solaris (1972)", "Roger Ebert", "Chicago Sun-Times", "2003-01-19", "positive",
     "Tarkovsky's Solaris is a slow, grave meditation."),
    ("Solaris (2002)", "Rex Reed", "New York Observer", "2002-11-27", "negative",
     "Soderbergh's Solaris drifts through space with nothing to say."),
]  # fmt: skip
TOP_CRITICS = {"Ann Hornaday", "Roger Ebert"}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of corpus/ (26 unlabelled reviews of Her) and 10 generated, labelled ones."""
    folder = tmp_path_factory.mktemp("mcp")
    with (folder / "reviews.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow([*COLUMNS, "top_critic"])
        for row in [*critic_reviews(), *EXTRA]:
            writer.writerow([*row, str(row[1] in TOP_CRITICS).lower()])
    settings = Settings(home=folder / "home")
    report = ingest([folder / "reviews.csv", CORPUS], settings)
    assert not report.failed and report.added == 36
    return settings.home


# -- one scenario, recorded over each transport -------------------------------------------
@dataclass
class Outcome:
    error: bool
    text: str
    data: Any


@dataclass
class Transcript:
    tools: dict[str, Tool] = field(default_factory=dict)
    templates: list[str] = field(default_factory=list)
    calls: dict[str, Outcome] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Outcome:
        return self.calls[name]


def text_of(result: CallToolResult) -> str:
    return "".join(c.text for c in result.content if isinstance(c, TextContent))


async def scenario(session: ClientSession) -> Transcript:
    """Every tool with good and bad input, and both resources."""
    seen = Transcript()
    await session.initialize()
    seen.tools = {tool.name: tool for tool in (await session.list_tools()).tools}
    listed = await session.list_resource_templates()
    seen.templates = [t.uri_template for t in listed.resource_templates]

    async def call(name: str, tool: str, **arguments: Any) -> Outcome:
        result = await session.call_tool(tool, arguments)
        seen.calls[name] = Outcome(result.is_error, text_of(result), result.structured_content)
        return seen.calls[name]

    async def read(name: str, uri: str) -> None:
        try:
            result = await session.read_resource(uri)
        except MCPError as exc:
            seen.calls[name] = Outcome(True, str(exc), None)
            return
        text = "".join(getattr(c, "text", "") for c in result.contents)
        seen.calls[name] = Outcome(False, text, json.loads(text))

    await call("ask", "ask", question="What do critics say about Phoenix in Her?")
    await call("ask_film", "ask", question="Who disliked it?", film="Up", k=2)
    await call("ask_empty", "ask", question="   ")
    await call("ask_unknown_film", "ask", question="Was it good?", film="Hre")
    await call("ask_bad_k", "ask", question="Was it good?", k=0)
    await call("ask_no_question", "ask")
    await call("search", "search_reviews", query="Phoenix's performance", film="Her", k=3)
    await call("search_negative", "search_reviews", film="Her (2013)", sentiment="negative")
    await call("search_top", "search_reviews", top_critics=True)
    await call("search_dates", "search_reviews", since="2013-12-19", until="2014-12-31")
    await call("search_bad_date", "search_reviews", since="2013-02-30")
    await call("search_swapped", "search_reviews", since="2014-01-01", until="2013-01-01")
    await call("search_bad_stance", "search_reviews", sentiment="meh")
    await call("search_unknown_critic", "search_reviews", critic="Rex Reid")
    await call("report", "film_report", film="her")
    await call("report_unknown", "film_report", film="Hre")
    await call("report_ambiguous", "film_report", film="Solaris")
    await call("report_no_film", "film_report")
    await call("films", "list_films")
    await call("films_prefix", "list_films", prefix="toy", limit=1)
    await call("films_bad_limit", "list_films", limit=0)
    await call("critics_of_her", "list_critics", film="Her")
    await call("critics", "list_critics", limit=2)
    await call("critics_unknown_film", "list_critics", film="Nope Nope")
    rex = await call("rex", "search_reviews", critic="Rex Reed", film="Her")
    rex_id = rex.data["reviews"][0]["id"]
    await call("quote_anywhere", "verify_quote", quote="a cold, precious bore")
    await call("quote_loose", "verify_quote", quote="Scarlett Johansson’s  voice\nperformance")
    await call("quote_ellipsis", "verify_quote", quote="Phoenix gives a tender ... as Theodore")
    await call("quote_in_review", "verify_quote", quote="Phoenix mopes", review_id=rex_id)
    await call("quote_made_up", "verify_quote", quote=MADE_UP)
    await call("quote_elsewhere", "verify_quote", quote="tender, wounded", review_id=rex_id)
    await call("quote_unknown_review", "verify_quote", quote="bore", review_id="no-such-id")
    await call("quote_no_words", "verify_quote", quote=" ... ")
    await read("review", f"review://{rex_id}")
    await read("review_unknown", "review://no-such-id")
    await read("film", "film://Her%20(2013)")
    await read("film_short", "film://Up")
    await read("film_unknown", "film://Hre")
    return seen


def run(session_of: Callable[[], Any], then: Callable[[ClientSession], Awaitable[Any]]) -> Any:
    """`then(session)` on a session over the streams `session_of()` opens."""

    async def main() -> Any:
        async with session_of() as (read, write), ClientSession(read, write) as session:
            return await then(session)

    return anyio.run(main)


def mcp_env(model_cache: Path) -> dict[str, str]:
    return {"REVIEWQA_MODEL_CACHE": str(model_cache), "HF_HUB_OFFLINE": "1"}


def over_stdio(home: Path, model_cache: Path, log: Path) -> Callable[[], Any]:
    """Streams to `reviewqa --home HOME mcp` spawned by the SDK; its stderr goes to `log`."""
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "ui.cli", "--home", str(home), "mcp", "--engine", "extractive"],
        env=mcp_env(model_cache),
        cwd=str(log.parent),
    )

    @asynccontextmanager
    async def session_of() -> AsyncIterator[Any]:
        with log.open("a", encoding="utf-8") as errlog:
            async with stdio_client(params, errlog=errlog) as streams:
                yield streams

    return session_of


def over_http(url: str, headers: dict[str, str]) -> Callable[[], Any]:
    """Streams to `url`/mcp where each request poses as a new client (the server trusts
    X-Forwarded-For), so that the server's small per-IP limit never stops a scenario."""
    addresses = itertools.count(1)

    async def new_address(request: httpx2.Request) -> None:
        n = next(addresses)
        request.headers["X-Forwarded-For"] = f"127.1.{n // 250}.{n % 250 + 1}"

    @asynccontextmanager
    async def session_of() -> AsyncIterator[Any]:
        hooks = {"request": [new_address]}
        async with (
            httpx2.AsyncClient(headers=headers, event_hooks=hooks, timeout=120) as client,
            streamable_http_client(f"{url}/mcp", http_client=client) as streams,
        ):
            yield streams

    return session_of


@pytest.fixture(scope="module")
def server_url(
    home: Path, tmp_path_factory: pytest.TempPathFactory, model_cache: Path
) -> Iterator[str]:
    """`reviewqa serve` with an MCP key and a small per-IP limit (3 at once, 1 a minute)."""
    env = {
        "REVIEWQA_MODEL_CACHE": str(model_cache),
        "REVIEWQA_MCP_KEYS": json.dumps([KEY]),
        "REVIEWQA_TRUST_FORWARDED_FOR": "true",
        "REVIEWQA_RATE_IP_BURST": "3",
        "REVIEWQA_RATE_IP_PER_MINUTE": "1",
    }
    with served(home, tmp_path_factory.mktemp("mcp-logs"), env) as (url, _):
        yield url


@pytest.fixture(scope="module", params=["stdio", "http"])
def transcript(
    request: pytest.FixtureRequest,
    home: Path,
    model_cache: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Transcript:
    if request.param == "stdio":
        log = tmp_path_factory.mktemp("mcp-stdio") / "server.log"
        session_of = over_stdio(home, model_cache, log)
    else:
        url = request.getfixturevalue("server_url")
        session_of = over_http(url, {"Authorization": f"Bearer {KEY}"})
    seen: Transcript = run(session_of, scenario)
    return seen


# -- tools and their schemas --------------------------------------------------------------
def test_every_tool_is_listed_with_typed_schemas(transcript: Transcript) -> None:
    tools = transcript.tools
    assert set(tools) == TOOLS
    for tool in tools.values():
        assert len(tool.description or "") > 80, tool.name  # tells a model when to use it
        assert tool.output_schema is not None and tool.output_schema["type"] == "object"
        assert tool.annotations is not None and tool.annotations.read_only_hint
    ask = tools["ask"].input_schema
    assert ask["required"] == ["question"]
    assert set(ask["properties"]) == {"question", "film", "critic", "outlet", "k"}
    k = ask["properties"]["k"]["anyOf"][0]
    assert (k["type"], k["minimum"], k["maximum"]) == ("integer", 1, 50)
    search = tools["search_reviews"].input_schema["properties"]
    assert set(search) == {
        "query", "film", "critic", "outlet", "sentiment", "since", "until", "top_critics", "k"
    }  # fmt: skip
    assert search["sentiment"]["anyOf"][0]["enum"] == ["positive", "negative", "unknown"]
    assert search["since"]["anyOf"][0]["pattern"] == r"^\d{4}-\d{2}-\d{2}$"
    assert tools["film_report"].input_schema["required"] == ["film"]
    assert tools["verify_quote"].input_schema["required"] == ["quote"]
    assert set(tools["ask"].output_schema["properties"]) == set(AskOutput.model_fields)
    assert transcript.templates == ["review://{review_id}", "film://{title}"]


def test_ask_gives_the_api_result_with_verified_citations(transcript: Transcript) -> None:
    ask = transcript["ask"]
    assert not ask.error
    data = ask.data
    assert data["kind"] == "answer" and data["engine"] == "extractive"
    assert data["citations"] and all(c["verified"] for c in data["citations"])
    assert all(c["film"] == "Her (2013)" for c in data["citations"])
    assert data["coverage"]["film_reviews"] == 30
    first = data["citations"][0]
    assert f"[{first['n']}]" in ask.text and first["quote"][:40] in ask.text  # text for models
    assert "Sources:" in ask.text
    up = transcript["ask_film"].data
    assert up["filters"]["film"] == "Up (2009)" and len(up["citations"]) <= 2
    assert {c["critic"] for c in up["citations"]} == {"Armond White"}


def test_the_ask_result_is_the_schema_of_the_api() -> None:
    result = Result(None, "q", "a", "extractive", [], Coverage(0, 0), {})
    assert set(result.to_json()) == set(AskOutput.model_fields)


def test_bad_input_is_a_tool_error_with_the_cli_message(transcript: Transcript) -> None:
    errors = {
        "ask_empty": "question is empty: ask something, e.g. 'What do critics say?'",
        "ask_unknown_film": "no film 'Hre' in the index: see 'reviewqa stats'; "
        "did you mean Her (2013)?",
        "ask_bad_k": "greater than or equal to 1",
        "ask_no_question": "question",
        "search_bad_date": "'2013-02-30' is not a real date: write YYYY-MM-DD",
        "search_swapped": "until 2013-01-01 is before since 2014-01-01: no review can match",
        "search_bad_stance": "sentiment",
        "search_unknown_critic": "no critic 'Rex Reid' in the index; did you mean Rex Reed?",
        "report_unknown": "no film 'Hre' in the index",
        "report_ambiguous": "'Solaris' names 2 films, Solaris (1972) or Solaris (2002): "
        "give the title with its year",
        "report_no_film": "film",
        "films_bad_limit": "limit",
        "critics_unknown_film": "no film 'Nope Nope' in the index",
        "quote_unknown_review": "no review 'no-such-id' in the index",
        "quote_no_words": "quote has no words",
    }
    for name, message in errors.items():
        outcome = transcript[name]
        assert outcome.error, name
        assert message in outcome.text, (name, outcome.text)


# -- search, counts, names ----------------------------------------------------------------
def test_search_reviews_gives_the_matching_sentence_and_its_span(transcript: Transcript) -> None:
    found = transcript["search"].data
    assert found["filters"]["film"] == "Her (2013)"
    assert 1 <= len(found["reviews"]) <= 3
    for review in found["reviews"]:
        assert set(review) >= {"id", "film", "critic", "outlet", "date", "stance", "span"}
        assert review["film"] == "Her (2013)"
        start, end = review["span"]
        assert end - start == len(review["sentence"])
    assert any("Phoenix" in r["sentence"] for r in found["reviews"])
    negative = transcript["search_negative"].data["reviews"]
    assert [(r["critic"], r["stance"]) for r in negative] == [
        ("Mallory Test", "negative"),  # newest first
        ("Rex Reed", "negative"),
    ]
    assert negative[1]["sentence"] == "A cold, precious bore; Phoenix mopes through every scene."
    top = transcript["search_top"].data["reviews"]
    assert {r["critic"] for r in top} == TOP_CRITICS and all(r["top_critic"] for r in top)
    dated = transcript["search_dates"].data["reviews"]
    assert [r["date"] for r in dated] == ["2014-01-10", "2013-12-20"]
    assert "Mallory Test" in transcript["search_negative"].text


def test_film_report_counts_stances_with_top_critics_apart(transcript: Transcript) -> None:
    report = transcript["report"]
    reception = report.data.pop("reception")
    line = report.data.pop("line")
    assert report.data == {
        "film": "Her (2013)",
        "reviews": 30,
        "positive": 2,
        "negative": 2,
        "unlabelled": 26,
        "top_critics": {"reviews": 1, "positive": 1, "negative": 0, "unlabelled": 0},
    }
    assert line.startswith("Her (2013): 30 reviews: 2 positive, 2 negative, 26 unlabelled")
    # the reception report is the core's, as GET /api/films/{film}/report gives it
    assert reception["film"] == "Her (2013)" and reception["counts"]["reviews"] == 30
    consensus = " ".join(reception["consensus"].split())
    assert consensus and consensus in " ".join(report.text.split())  # the text wraps it


def test_films_and_critics_are_listed(transcript: Transcript) -> None:
    films = transcript["films"].data
    assert [f["title"] for f in films["films"]] == [
        "Her (2013)", "Solaris (1972)", "Solaris (2002)", "Toy Story 2 (1999)",
        "Toy Story 3 (2010)", "Up (2009)",
    ]  # fmt: skip
    assert films["total"] == 6
    prefixed = transcript["films_prefix"].data
    assert prefixed == {
        "films": [
            {"title": "Toy Story 2 (1999)", "reviews": 1, "positive": 1, "negative": 0,
             "unlabelled": 0}
        ],
        "total": 2,
    }  # fmt: skip
    of_her = transcript["critics_of_her"].data
    assert of_her["film"] == "Her (2013)" and of_her["total"] == 4
    assert {c["critic"] for c in of_her["critics"]} == {
        "Ann Hornaday", "Rex Reed", "Mallory Test", "Dana Stevens"
    }  # fmt: skip
    everyone = transcript["critics"].data
    assert everyone["total"] == 6
    assert everyone["critics"] == [  # most reviews first, then by name
        {"critic": "Roger Ebert", "reviews": 3},
        {"critic": "Dana Stevens", "reviews": 2},
    ]


# -- quotes -------------------------------------------------------------------------------
def test_a_quote_is_verified_and_a_made_up_one_refused(transcript: Transcript) -> None:
    anywhere = transcript["quote_anywhere"]
    assert anywhere.data["verified"] is False  # case matters: the review writes "A cold"
    exact = transcript["quote_in_review"].data
    assert exact["verified"] and exact["total"] == 1
    match = exact["matches"][0]
    assert (match["critic"], match["text"]) == ("Rex Reed", "Phoenix mopes")
    assert match["span"] == [23, 36]
    loose = transcript["quote_loose"].data  # curly apostrophe, white space: as citations
    assert loose["verified"] and loose["matches"][0]["critic"] == "Dana Stevens"
    assert loose["matches"][0]["text"] == "Scarlett Johansson's voice performance"
    elided = transcript["quote_ellipsis"].data["matches"][0]
    assert elided["text"] == "Phoenix gives a tender, wounded performance as Theodore"
    for name in ("quote_made_up", "quote_elsewhere"):
        refused = transcript[name]
        assert not refused.error and refused.data["verified"] is False
        assert refused.data["matches"] == [] and refused.text.startswith("Not found")
    assert "Verified" in transcript["quote_in_review"].text


# -- resources ----------------------------------------------------------------------------
def test_resources_give_a_review_and_a_film(transcript: Transcript) -> None:
    review = transcript["review"].data
    assert review["critic"] == "Rex Reed" and review["stance"] == "negative"
    assert review["text"] == "A cold, precious bore; Phoenix mopes through every scene."
    assert "source" not in review  # never a path on the server
    film = transcript["film"].data
    assert film["film"] == "Her (2013)" and film["reviews"] == 30
    assert len(film["review_ids"]) == 30 and review["id"] in film["review_ids"]
    assert transcript["film_short"].data["film"] == "Up (2009)"
    for name, message in [
        ("review_unknown", "no review 'no-such-id' in the index"),
        ("film_unknown", "did you mean Her (2013)?"),
    ]:
        assert transcript[name].error and message in transcript[name].text


# -- over HTTP: the key and the rate limits -----------------------------------------------
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "0"},
    },
}
ACCEPT = {"Accept": "application/json, text/event-stream"}


def post(url: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{url}/mcp", json=INITIALIZE, headers={**ACCEPT, **headers}, timeout=30)


def test_http_needs_a_known_key(server_url: str) -> None:
    alone = {"X-Forwarded-For": "127.2.0.1"}
    missing = post(server_url, alone)
    assert missing.status_code == 401 and "Bearer" in missing.headers["www-authenticate"]
    assert "needs a key" in missing.json()["error"]
    wrong = post(server_url, {**alone, "Authorization": "Bearer not-a-key-0123456789"})
    assert wrong.status_code == 403 and "unknown key" in wrong.json()["error"]
    header = post(server_url, {"X-ReviewQA-Key": KEY, "X-Forwarded-For": "127.2.0.2"})
    assert header.status_code == 200 and header.json()["result"]["serverInfo"]["name"] == "reviewqa"

    async def names(session: ClientSession) -> set[str]:
        await session.initialize()
        return {tool.name for tool in (await session.list_tools()).tools}

    bearer = over_http(server_url, {"Authorization": f"Bearer {KEY}"})
    assert run(bearer, names) == TOOLS


def test_http_obeys_the_servers_rate_limits(server_url: str) -> None:
    one = {"Authorization": f"Bearer {KEY}", "X-Forwarded-For": "127.3.0.1"}
    statuses = [post(server_url, one).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = post(server_url, one)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    api = httpx.post(  # one client, one budget: the API's own limit is the same bucket
        f"{server_url}/api/ask", json={"question": "Who liked Up?"}, headers=one, timeout=30
    )
    assert api.status_code == 429


def test_http_ask_answers_what_the_api_answers(server_url: str) -> None:
    question = "What do critics say about Phoenix in Her?"

    async def ask(session: ClientSession) -> dict[str, Any]:
        await session.initialize()
        return (await session.call_tool("ask", {"question": question})).structured_content

    over_mcp = run(over_http(server_url, {"Authorization": f"Bearer {KEY}"}), ask)
    api = httpx.post(
        f"{server_url}/api/ask",
        json={"question": question},
        headers={"X-Forwarded-For": "127.4.0.1"},
        timeout=60,
    ).json()
    assert set(api) - {"session_id"} == set(over_mcp)
    assert [c["quote"] for c in api["citations"]] == [c["quote"] for c in over_mcp["citations"]]


def test_no_keys_set_turns_http_off() -> None:
    from starlette.applications import Starlette
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from ui.mcp_http import McpEndpoint
    from ui.security import RateLimiter

    settings = ServerSettings()
    endpoint = McpEndpoint(None, settings, RateLimiter(settings))  # type: ignore[arg-type]
    with TestClient(Starlette(routes=[Route("/mcp", endpoint)])) as client:
        refused = client.post("/mcp", json=INITIALIZE, headers={"Authorization": f"Bearer {KEY}"})
    assert refused.status_code == 403
    assert "set REVIEWQA_MCP_KEYS" in refused.json()["error"]


def test_mcp_keys_must_be_long() -> None:
    from index.errors import ConfigError
    from ui.settings import load_server_settings

    with pytest.raises(ConfigError, match="at least 16 characters"):
        load_server_settings(mcp_keys=["short"])
