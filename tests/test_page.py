"""The chat page without a browser: its CSS meets WCAG 2.1 AA contrast in both themes, the first
visit says what the index holds, exports honour the ticked quotes, and the widget's lead is
the same as the UI's."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.service import Assistant
from index.ingest import ingest
from index.settings import Settings
from ui import render
from ui.assets import static_text
from ui.chat_page import Conversation, first_visit, too_long, write_exports
from ui.gradio_app import CSS_FILE, TRANSCRIPT_JS_FILE

CSS = static_text(CSS_FILE)
TRANSCRIPT_JS = static_text(TRANSCRIPT_JS_FILE)

WIDGET_JS = Path(__file__).resolve().parents[1] / "ui" / "static" / "widget.js"
ROWS = [
    ("Arrival (2016)", "Ann Hornaday", "Washington Post", "2016-11-10", "positive",
     "https://example.com/arrival", "Amy Adams gives a quietly devastating performance."),
    ("Arrival (2016)", "Rex Reed", "New York Observer", "2016-11-09", "negative", "",
     "Arrival is a ponderous bore about aliens who never say anything."),
    ("Arrival (2016)", "Dana Stevens", "Slate", "", "positive", "",
     "Arrival trusts its audience with ideas about time and language."),
    ("Up (2009)", "Roger Ebert", "Chicago Sun-Times", "2009-05-27", "positive", "",
     "Up is a wonderful film about a balloon house."),
]  # fmt: skip


# -- contrast -----------------------------------------------------------------------------
def rules(css: str) -> dict[str, dict[str, str]]:
    """selector -> {property: value} for the top-level rules (media queries left out)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^}]*\})*\s*\}", "", css)
    out: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", css):
        props = dict(
            (k.strip(), v.strip())
            for k, v in (d.split(":", 1) for d in body.split(";") if ":" in d)
        )
        for selector in selectors.split(","):
            out.setdefault(" ".join(selector.split()), {}).update(props)
    return out


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def colour(css: dict[str, dict[str, str]], selector: str, prop: str, dark: bool) -> str:
    """The colour a selector gets in a theme: its `.dark` rule, else its light one."""
    for sel in ([f".dark {selector}"] if dark else []) + [selector]:
        value = css.get(sel, {}).get(prop) or css.get(sel, {}).get(
            "background" if prop == "background-color" else prop
        )
        if value:
            found = re.search(r"#[0-9a-fA-F]{6}", value)
            assert found, f"{sel} {prop}: {value}"
            return found.group(0)
    raise AssertionError(f"no {prop} for {selector}")


# (text, the surface it sits on): every text our CSS colours, on its nearest background.
PAIRS = [
    (".rq-chat", ".rq-chat"),
    (".rq-empty", ".rq-chat"),
    (".rq-try", ".rq-chat"),
    (".rq-chat button.rq-ask", ".rq-chat button.rq-ask"),
    (".rq-chat button.rq-ask", ".rq-chat button.rq-ask:hover"),
    (".rq-q", ".rq-q"),
    (".rq-a", ".rq-a"),
    (".rq-suggest-label", ".rq-a"),
    (".rq-typing", ".rq-a"),
    (".rq-answer a.rq-ref", ".rq-a"),
    (".rq-error", ".rq-a"),
    (".rq-foot p", ".rq-a"),
    (".rq-card", ".rq-card"),
    (".rq-film", ".rq-card"),
    (".rq-critic", ".rq-card"),
    (".rq-by", ".rq-card"),
    (".rq-cards .rq-quote", ".rq-card"),
    (".rq-quote mark", ".rq-quote mark"),
    (".rq-positive", ".rq-positive"),
    (".rq-negative", ".rq-negative"),
    (".rq-unverified", ".rq-unverified"),
    ("#rq-ask", "#rq-ask"),
    ("#rq-ask", "#rq-ask:hover"),
]
PAGE = {False: "#ffffff", True: "#0b0f19"}  # Gradio's page background in each theme


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize(("text", "surface"), PAIRS, ids=[f"{t} on {s}" for t, s in PAIRS])
def test_every_text_meets_aa_contrast(text: str, surface: str, dark: bool) -> None:
    css = rules(CSS)
    fg = colour(css, text, "color", dark)
    bg = colour(css, surface, "background-color", dark)
    assert contrast(fg, bg) >= 4.5, f"{text} {fg} on {bg}: {contrast(fg, bg):.2f}:1"


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_the_status_line_meets_aa_contrast_on_the_page(dark: bool) -> None:
    css = rules(CSS)
    for text in ("#rq-status .rq-status", ".rq-error"):
        fg = colour(css, text, "color", dark)
        assert contrast(fg, PAGE[dark]) >= 4.5, text


def test_badges_and_small_text_are_at_least_12px() -> None:
    for selector, props in rules(CSS).items():
        size = props.get("font-size", "")
        if size.endswith("px"):
            assert float(size[:-2]) >= 12, selector
        assert not size.endswith("em"), f"{selector}: sizes in px, so the minimum is known"
    assert rules(CSS)[".rq-badge"]["font-size"] == "13px"


def test_no_selector_list_starts_with_dark() -> None:
    """Gradio prefixes custom CSS and breaks every selector after the first in a list that
    starts with `.dark` (they never match): one selector per dark rule."""
    css = re.sub(r"/\*.*?\*/", "", CSS, flags=re.S)
    for selectors in re.findall(r"([^{}]+)\{", css):
        if selectors.strip().startswith(".dark"):
            assert "," not in selectors, selectors


def test_the_page_script_keeps_to_textcontent() -> None:
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", TRANSCRIPT_JS)
    assert "trigger('click', {ask:" in TRANSCRIPT_JS


# -- first visit and exports over a real index --------------------------------------------
@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    folder = tmp_path_factory.mktemp("page")
    with (folder / "reviews.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["film", "critic", "publication", "date", "sentiment", "url", "text"])
        writer.writerows(ROWS)
    settings = Settings(home=folder / "home", engine="extractive")
    assert ingest([folder / "reviews.csv"], settings).added == len(ROWS)
    shared = Assistant(settings)
    yield shared
    shared.close()


def test_first_visit_says_what_the_index_holds_and_offers_answerable_questions(
    assistant: Assistant,
) -> None:
    html = first_visit(assistant)
    assert "The index holds 4 reviews of 2 films by 4 critics, 2009-05-27 to 2016-11-10." in html
    assert [q for q in re.findall(r'data-ask="([^"]+)"', html)] == [
        "What do critics say about Arrival (2016)?",
        "Who disliked Arrival (2016)?",  # Arrival has a negative review
        "What did Ann Hornaday think of Arrival (2016)?",
    ]
    for question in re.findall(r'data-ask="([^"]+)"', html):
        assert assistant.ask(question).citations, question


def test_exports_honour_the_ticked_quotes(assistant: Assistant, tmp_path: Path) -> None:
    conv = Conversation()
    for question in ("What do critics say about Arrival?", "What do critics say about Up?"):
        result = assistant.ask(question)
        conv.exchanges.append(render.Exchange(question, result=result))
    keys = [key for _, key in render.quote_choices(conv.results)]
    assert len(keys) == 4 and conv.picked() == keys
    left_out = next(c for r in conv.results for c in r.citations if c.critic == "Rex Reed")
    conv.unticked = {render.quote_key(left_out)}
    csv_path, md_path = write_exports(tmp_path, conv)
    assert csv_path.parent == tmp_path / conv.session_id
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8"))))
    assert sorted(row["critic"] for row in rows) == ["Ann Hornaday", "Dana Stevens", "Roger Ebert"]
    assert {row["critic"]: row["url"] for row in rows}["Ann Hornaday"] == (
        "https://example.com/arrival"
    )
    markdown = md_path.read_text(encoding="utf-8")
    assert "Rex Reed" not in markdown
    assert markdown.index("# Arrival (2016): positive reviews") < markdown.index(
        "# Up (2009): positive reviews"
    )
    assert "— Dana Stevens, Slate, date unknown" in markdown
    assert "> Review: <https://example.com/arrival>" in markdown
    assert "> Asked: What do critics say about Up?" in markdown


def test_a_question_too_long_is_refused_beside_its_box() -> None:
    assert too_long(1234, 1000) == (
        '<div class="rq-error" role="alert">The question is 1,234 characters long; the limit '
        "is 1,000: shorten it.</div>"
    )


# -- the widget's lead is the UI's --------------------------------------------------------
def test_widget_lead_matches_the_ui(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is absent: the widget's lead is checked against Python with it")
    source = WIDGET_JS.read_text(encoding="utf-8")
    function = source[source.index("  function leadFromAnswer(") : source.index("  /* One line")]
    samples = [
        'What critics say about Phoenix:\n\n**Positive** (1)\n- "A tender turn." — A [1]\n\n'
        "**Negative** (1)\n- “Flat.” — B [2]\n\nBased on 2 of 26 reviews of Her (2013).",
        "Critics split:\n- Ann liked it [1]\n- Rex did not [2]",
        '- "Only a quote." [1]',
        "Prose only [1][2].",
    ]
    script = tmp_path / "lead.js"
    script.write_text(
        function + "\nconst inputs = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
        "process.stdout.write(JSON.stringify(inputs.map(leadFromAnswer)));\n",
        encoding="utf-8",
    )
    out = subprocess.run(
        [node, str(script)], input=json.dumps(samples), capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == [render.lead_from_answer(s) for s in samples]
