"""The reception report: one core call (`assistant.reception`), rendered by the CLI (text,
JSON, Markdown, CSV), the HTTP API and the Gradio view. Every count is checked against the
rows this test writes (counted here, by hand) and against the catalog; every quote is found
verbatim in its review at its span; a fixture where two groups of critics talk about two
different things in different words (the music, the ending) must give two themes whose quotes
come from the right group.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.film_clauses import film_clauses
from assistant.reception import Report, reception_comparison, reception_report
from assistant.service import Assistant
from index.errors import UnknownNameError
from index.filters import Filters
from index.ingest import ingest
from index.settings import Settings
from ui.cli import main as cli
from ui.reception_view import PROMPT, reception_html
from ui.report_render import CSV_COLUMNS
from ui.server_settings import ServerSettings

LANTERN = "Lantern Bay (2021)"
COPPER = "Copper Hills (2015)"
XSS = "<img src=x onerror=alert(1)>"
LOOPBACK = "http://127.0.0.1"

MUSIC = [  # the score, the soundtrack, the songs, the composer: one thing in many words
    ("fresh", "The score swells with a sweeping orchestral theme that lifts every scene."),
    ("fresh", "Its soundtrack of haunting sea shanties is the best thing about it."),
    ("fresh", "The songs are lovely and their melodies linger long after the credits roll."),
    ("fresh", "Composer Mara Lind writes music that breathes with the waves."),
    ("fresh", "The orchestral score is gorgeous and never intrusive."),
    ("fresh", "A lush soundtrack carries the quieter moments beautifully."),
    ("rotten", "The music is overbearing, a wall of strings drowning every scene."),
    ("rotten", "The score hammers every emotion home with relentless violins."),
]
ENDING = [  # the ending, the finale, the last act, the conclusion: another thing
    ("rotten", "The ending collapses into a rushed and muddled final act."),
    ("rotten", "Its finale is a letdown after so much patient build-up."),
    ("rotten", "The last act fizzles out with a twist nobody needed."),
    ("rotten", "The conclusion feels tacked on, as if the writers ran out of time."),
    ("rotten", "The final twenty minutes throw away everything the story built."),
    ("fresh", "The ending is bold and earns every one of its tears."),
    ("fresh", "The finale lands with quiet, devastating force."),
    ("fresh", "Its last act is the most moving stretch of the whole thing."),
]
OTHER = [  # no label; one undated
    ("", "A quiet drama about a fishing town and the people who stay."),
    ("", "Two sisters run a lighthouse café through one long winter."),
]
COPPER_TEXTS = [
    ("fresh", f"Copper Hills is {XSS} a stunning, patient drama about a mining family."),
    ("fresh", "A tender portrait of a town that refuses to give up on itself."),
    ("rotten", "A dreary slog that mistakes silence for depth and mood for story."),
    ("fresh", "Quietly devastating, with a final image that will stay with you."),
    ("rotten", "The pacing is glacial and the characters never come alive."),
]
COPPER_DATES = ["2015-03-10", "2015-03-12", "2016-07-01", "2018-02-02", "2020-11-11"]
TINY = "Tiny Film (2020)"  # one review of one word: nothing to cluster or quote


def rows() -> list[dict[str, str]]:
    out = []
    lantern = [("m", MUSIC), ("e", ENDING), ("o", OTHER)]
    for prefix, group in lantern:
        for i, (label, text) in enumerate(group):
            undated = prefix == "o" and i == 1
            out.append(
                {
                    "id": f"{prefix}{i}",
                    "film": LANTERN,
                    "critic": f"Critic {prefix.upper()}{i}",
                    "publication": f"Outlet {i % 3}",
                    "date": "" if undated else f"2021-0{1 + i % 6}-1{i % 9}",
                    "fresh": label,
                    "top_critic": "true" if i % 3 == 0 else "false",
                    "url": f"https://reviews.example/{prefix}{i}" if i % 2 else "javascript:x()",
                    "text": text,
                }
            )
    for i, ((label, text), day) in enumerate(zip(COPPER_TEXTS, COPPER_DATES, strict=True)):
        out.append(
            {
                "id": f"c{i}",
                "film": COPPER,
                "critic": f"Writer {i} {XSS}",
                "publication": "The Ledger",
                "date": day,
                "fresh": label,
                "top_critic": "true" if i < 2 else "false",
                "url": "",
                "text": text,
            }
        )
    tiny = {"id": "t0", "film": TINY, "critic": "", "publication": "Zine", "date": "2020-05-05"}
    out.append(tiny | {"fresh": "fresh", "top_critic": "false", "url": "", "text": "Wow."})
    return out


ROWS = rows()
LABEL = {"fresh": "positive", "rotten": "negative", "": "unknown"}


def of(film: str) -> list[dict[str, str]]:
    return [r for r in ROWS if r["film"] == film]


def counted(film: str, top: bool = False) -> dict[str, int]:
    """The fixture's own count of a film's reviews (top critics only with `top`)."""
    found = [r for r in of(film) if not top or r["top_critic"] == "true"]
    labels = Counter(LABEL[r["fresh"]] for r in found)
    return {
        "reviews": len(found),
        "positive": labels["positive"],
        "negative": labels["negative"],
        "unlabelled": labels["unknown"],
    }


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("reception")
    path = folder / "reviews.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(ROWS[0]))
        writer.writeheader()
        writer.writerows(ROWS)
    settings = Settings(home=folder / "home", engine="extractive")
    report = ingest([path], settings)
    assert report.added == len(ROWS) and not report.failed
    return settings


@pytest.fixture(scope="module")
def assistant(settings: Settings) -> Iterator[Assistant]:
    shared = Assistant(settings)
    yield shared
    shared.close()


@pytest.fixture(scope="module")
def lantern(assistant: Assistant) -> Report:
    return reception_report(assistant, "lantern bay")


@pytest.fixture(scope="module")
def copper(assistant: Assistant) -> Report:
    return reception_report(assistant, COPPER)


# -- counts -------------------------------------------------------------------------------
@pytest.mark.parametrize("film", [LANTERN, COPPER])
def test_counts_are_the_labels_in_the_catalog(assistant: Assistant, film: str) -> None:
    report = reception_report(assistant, film)
    assert report.film == film
    assert report.counts.to_json() == counted(film)
    assert report.top_critics.to_json() == counted(film, top=True)
    stored = assistant.index.catalog.stance_counts(Filters(films=(film,)))
    assert stored == (report.counts.reviews, report.counts.positive, report.counts.negative)


def test_timeline_by_month_with_undated_apart(lantern: Report) -> None:
    timeline = lantern.timeline
    assert timeline.unit == "month"
    months = Counter(r["date"][:7] for r in of(LANTERN) if r["date"])
    assert [b.period for b in timeline.bins] == [f"2021-0{m}" for m in range(1, 7)]
    for b in timeline.bins:
        assert b.counts.reviews == months[b.period]
        rows_in = [r for r in of(LANTERN) if r["date"][:7] == b.period]
        assert b.counts.positive == sum(r["fresh"] == "fresh" for r in rows_in)
        assert b.counts.negative == sum(r["fresh"] == "rotten" for r in rows_in)
    assert timeline.undated.reviews == sum(1 for r in of(LANTERN) if not r["date"]) == 1
    total = sum(b.counts.reviews for b in timeline.bins) + timeline.undated.reviews
    assert total == len(of(LANTERN))


def test_timeline_by_year_past_three_years(copper: Report) -> None:
    timeline = copper.timeline
    assert timeline.unit == "year"
    years = Counter(day[:4] for day in COPPER_DATES)
    assert [b.period for b in timeline.bins] == [str(y) for y in range(2015, 2021)]
    assert [b.counts.reviews for b in timeline.bins] == [years[str(y)] for y in range(2015, 2021)]
    assert timeline.bins[0].share_positive == 1.0 and timeline.bins[2].share_positive is None
    assert timeline.bins[-1].share_positive == 0.0


# -- quotes -------------------------------------------------------------------------------
@pytest.mark.parametrize("film", [LANTERN, COPPER])
def test_every_quote_is_verbatim_in_its_review_at_its_span(assistant: Assistant, film: str) -> None:
    report = reception_report(assistant, film)
    assert [q.n for q in report.citations] == list(range(1, len(report.citations) + 1))
    by_id = {r["id"]: r for r in ROWS}
    stored = assistant.index.catalog.reviews_by_id([q.citation.review_id for q in report.citations])
    for q in report.citations:
        c = q.citation
        row = by_id[c.review_id]
        start, end = c.span
        assert stored[c.review_id].text[start:end] == c.quote == row["text"][start:end]
        assert (c.film, c.critic, c.publication, c.date) == (
            row["film"],
            row["critic"],
            row["publication"],
            row["date"],
        )
        assert c.sentiment == LABEL[row["fresh"]] and c.verified
        if q.stance_from == "label":
            assert q.stance == LABEL[row["fresh"]]
    used = [q for t in report.themes for qs in t.quotes.values() for q in qs]
    used += [q for qs in report.pull_quotes.values() for q in qs]
    assert all(any(q is cited for cited in report.citations) for q in used)


def test_pull_quotes_take_both_sides_one_per_critic(lantern: Report) -> None:
    for side in ("positive", "negative"):
        quotes = lantern.pull_quotes[side]
        assert quotes, side
        assert all(q.stance == side for q in quotes)
        assert all(6 <= len(q.citation.quote.split()) <= 30 for q in quotes)
        assert len({q.citation.critic for q in quotes}) == len(quotes)


# -- themes -------------------------------------------------------------------------------
def test_two_things_in_different_words_make_two_themes(lantern: Report) -> None:
    music = {f"m{i}" for i in range(len(MUSIC))}
    ending = {f"e{i}" for i in range(len(ENDING))}

    def quoted(theme: Any) -> set[str]:
        return {q.citation.review_id for qs in theme.quotes.values() for q in qs}

    def reviews(theme: Any) -> set[str]:
        return {i for ids in theme.review_ids.values() for i in ids}

    about_music = [t for t in lantern.themes if quoted(t) and quoted(t) <= music]
    about_ending = [t for t in lantern.themes if quoted(t) and quoted(t) <= ending]
    assert about_music and about_ending, [(t.label, quoted(t)) for t in lantern.themes]
    for theme, group in ((about_music[0], music), (about_ending[0], ending)):
        assert len(reviews(theme) & group) >= 0.75 * len(reviews(theme))
        texts = [r["text"] for r in ROWS if r["id"] in reviews(theme)]
        assert any(theme.label in text for text in texts)  # the name is the reviews' words


def test_theme_counts_are_its_reviews(lantern: Report) -> None:
    film_ids = {r["id"] for r in of(LANTERN)}
    for theme in lantern.themes:
        ids = theme.review_ids
        assert theme.reviews == sum(len(v) for v in ids.values())
        assert (theme.positive, theme.negative, theme.unclear) == (
            len(ids["positive"]),
            len(ids["negative"]),
            len(ids["unclear"]),
        )
        assert sum(theme.stance_from.values()) == theme.reviews
        assert {i for v in ids.values() for i in v} <= film_ids
        assert 1 <= theme.named_by <= theme.reviews


def test_consensus_states_only_report_counts_and_cites_every_clause(lantern: Report) -> None:
    text = lantern.consensus
    c = counted(LANTERN)
    assert f"{c['positive']} of its {c['reviews']} reviews are positive" in text
    assert f"{c['negative']} negative" in text and f"{c['unlabelled']} unlabelled" in text
    allowed = {c["reviews"], c["positive"], c["negative"], c["unlabelled"]}
    for t in lantern.themes:
        allowed |= {t.reviews, t.positive, t.negative, t.unclear}
    words = re.sub(r"\[\d+\]", "", text.replace(LANTERN, ""))
    stated = {int(n) for n in re.findall(r"\d+", words)}
    assert stated and stated <= allowed
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", text)]
    assert markers[0] == 1 and set(markers) <= {q.n for q in lantern.citations}
    for clause in re.split(r";|\.(?=\s|$)", text):
        if clause.strip():
            assert re.search(r"\[\d+\]", clause), clause
    for t in lantern.themes[:3]:
        assert f"“{t.label}”" in text


def test_a_film_with_nothing_to_quote_still_has_its_counts(assistant: Assistant) -> None:
    report = reception_report(assistant, TINY)
    assert report.counts.to_json() == counted(TINY)
    assert report.themes == [] and report.citations == []
    assert report.consensus == f"{TINY} has one review, positive."
    assert [b.period for b in report.timeline.bins] == ["2020-05"]


def test_comparison_puts_two_films_side_by_side(assistant: Assistant) -> None:
    comparison = reception_comparison(assistant, LANTERN, "Copper Hills")
    data = comparison.to_json()
    assert data["films"] == [LANTERN, COPPER]
    assert data["counts"][LANTERN] == counted(LANTERN)
    assert data["counts"][COPPER] == counted(COPPER)
    assert [r["film"] for r in data["reports"]] == [LANTERN, COPPER]
    for shared in data["shared_themes"]:
        assert shared["similarity"] >= 0.6


def test_the_clause_table_reuses_stored_vectors_and_is_cached(assistant: Assistant) -> None:
    table = film_clauses(assistant.index, LANTERN)
    assert table is film_clauses(assistant.index, LANTERN)
    assert table.reused > 0  # one-clause reviews: their chunk vector, not a new one
    assert table.reused + table.embedded == len(table.clauses)


# -- errors -------------------------------------------------------------------------------
MISSPELT = "Lantern Bey"


def test_an_unknown_film_names_the_closest(
    assistant: Assistant, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(UnknownNameError) as raised:
        reception_report(assistant, MISSPELT)
    message = str(raised.value)
    assert message.startswith(f"no film '{MISSPELT}' in the index") and LANTERN in message
    assert cli(["--home", str(settings.home), "report", MISSPELT]) == 2
    assert capsys.readouterr().err.strip() == f"error: {message}"


# -- the CLI ------------------------------------------------------------------------------
def run_cli(settings: Settings, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert cli(["--home", str(settings.home), "report", *args]) == 0
    return capsys.readouterr().out


def test_cli_markdown_is_article_ready(
    settings: Settings, lantern: Report, capsys: pytest.CaptureFixture[str]
) -> None:
    text = run_cli(settings, capsys, "Lantern Bay", "--markdown")
    assert text.startswith(f"# {LANTERN}: what the critics said\n")
    for heading in ("## Consensus", "## What critics talk about", "## Pull quotes", "## Sources"):
        assert f"\n{heading}\n" in text
    assert "\\[1\\]" in text  # the consensus's markers, escaped for Markdown
    for q in lantern.citations:
        assert f'> "{q.citation.quote}"' in text or q.citation.quote not in text
        assert q.citation.critic in text
    assert "<https://reviews.example/" in text and "javascript:" not in text
    assert "| 2021-01 |" in text and "| undated | 1 |" in text


def test_cli_json_text_and_csv(
    settings: Settings, lantern: Report, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = json.loads(run_cli(settings, capsys, LANTERN, "--json"))
    expected = {"film", "counts", "top_critics", "timeline", "consensus", "themes"}
    assert expected | {"pull_quotes", "citations", "method", "timings_ms"} == set(data)
    assert data["counts"] == counted(LANTERN) and data["consensus"] == lantern.consensus
    text = run_cli(settings, capsys, LANTERN, "--csv", str(tmp_path / "q.csv"))
    assert text.startswith(f"{LANTERN}\n") and "Consensus" in text and "Sources" in text
    table = list(csv.DictReader(io.StringIO((tmp_path / "q.csv").read_text(encoding="utf-8"))))
    assert tuple(table[0]) == CSV_COLUMNS and len(table) == len(lantern.citations)
    for row, q in zip(table, lantern.citations, strict=True):
        assert (row["n"], row["quote"], row["review_id"]) == (
            str(q.n),
            q.citation.quote,
            q.citation.review_id,
        )
    versus = json.loads(run_cli(settings, capsys, LANTERN, "--vs", "Copper Hills", "--json"))
    assert versus["films"] == [LANTERN, COPPER]


def test_cli_all_writes_every_film(
    settings: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "reports"
    run_cli(settings, capsys, "--all", "--out", str(out))
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "copper-hills-2015.json",
        "copper-hills-2015.md",
        "lantern-bay-2021.json",
        "lantern-bay-2021.md",
        "tiny-film-2020.json",
        "tiny-film-2020.md",
    ]
    assert json.loads((out / "copper-hills-2015.json").read_text())["counts"] == counted(COPPER)


def test_cli_refuses_options_that_do_not_go_together(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (["--all"], [LANTERN, "--all", "--out", "x"], [LANTERN, "--out", "x"], []):
        with pytest.raises(SystemExit) as raised:
            cli(["--home", str(settings.home), "report", *args])
        assert raised.value.code == 2
    assert "give a FILM" in capsys.readouterr().err


# -- the HTTP API -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(settings: Settings, assistant: Assistant) -> Iterator[TestClient]:
    from ui.app import create_app

    server = ServerSettings(
        widget_keys={},
        rate_ip_per_minute=0,
        rate_key_per_minute=1,
        rate_key_burst=1,
        warm_up=False,
    )
    with TestClient(create_app(settings, assistant, server), base_url=LOOPBACK) as c:
        yield c


def test_api_report_is_the_core_json(client: TestClient, lantern: Report) -> None:
    response = client.get("/api/films/Lantern Bay/report")
    assert response.status_code == 200
    body = response.json()
    assert body["counts"] == counted(LANTERN) and body["film"] == LANTERN
    assert body["consensus"] == lantern.consensus
    assert [t["label"] for t in body["themes"]] == [t.label for t in lantern.themes]
    theme = body["themes"][0]
    assert {"label", "reviews", "positive", "negative", "unclear", "quotes"} <= set(theme)
    quote = body["citations"][0]
    expected = {"n", "review_id", "critic", "publication", "date", "quote", "span", "url"}
    assert expected | {"stance", "stance_from"} <= set(quote)
    assert {b["period"] for b in body["timeline"]["bins"]} >= {"2021-01", "2021-06"}
    versus = client.get("/api/films/Lantern Bay/report", params={"vs": "Copper Hills"})
    assert versus.status_code == 200 and versus.json()["films"] == [LANTERN, COPPER]


def test_api_errors_have_the_ask_shapes(client: TestClient, assistant: Assistant) -> None:
    missing = client.get(f"/api/films/{MISSPELT}/report")
    assert missing.status_code == 404
    with pytest.raises(UnknownNameError) as raised:
        reception_report(assistant, MISSPELT)
    assert missing.json() == {"error": str(raised.value)}
    too_long = client.get(f"/api/films/{'x' * 301}/report")
    assert too_long.status_code == 422 and "the limit is 300" in too_long.json()["error"]
    empty = client.get("/api/films/Lantern Bay/report", params={"vs": " "})
    assert empty.status_code == 422 and empty.json()["error"].startswith("vs is empty")


def test_api_report_goes_through_the_guards(client: TestClient) -> None:
    path = "/api/films/Copper Hills/report"
    foreign = client.get(path, headers={"origin": "https://evil.example"})
    assert foreign.status_code == 403 and "need a key" in foreign.json()["error"]
    assert client.get(path, params={"key": "demo"}).status_code == 200
    limited = client.get(path, params={"key": "demo"})
    assert limited.status_code == 429 and limited.headers["retry-after"]


# -- the Gradio view ----------------------------------------------------------------------
def test_gradio_view_escapes_reviews_and_draws_the_timeline(assistant: Assistant) -> None:
    html = reception_html(assistant, COPPER)
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script" not in html.lower() and "javascript:" not in html
    assert html.count("<svg") >= 1 and "pattern" in html and "<title" in html
    for year in range(2015, 2021):
        assert f">{year}</text>" in html  # every year labelled on the chart
    assert "<table>" in html  # the figures, for readers of text
    assert reception_html(assistant, None) == PROMPT
    error = reception_html(assistant, f"{XSS}")
    assert 'class="rq-error"' in error and "<img" not in error


def test_gradio_page_has_the_reception_accordion(client: TestClient) -> None:
    config = client.get("/config")
    assert config.status_code == 200 and '"Reception"' in config.text
