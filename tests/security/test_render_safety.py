"""Rendering untrusted review text: no spreadsheet formula (CSV), no link or HTML from review
text (Markdown, UI HTML, widget), and no hidden bidi or zero-width character reaching a reader
raw. Only rendering changes: citations keep the review's exact text and offsets."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from dataclasses import replace
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from assistant.result import Citation, Result
from tests.support.results import make_citation, make_result
from tests.test_render import OUR_TAGS
from ui.render import (
    Exchange,
    answer_html,
    answer_text_html,
    citation_cards_html,
    conversation_html,
    quote_html,
    quotes_csv,
    quotes_markdown,
)
from ui.text_safety import HIDDEN_RANGES, csv_cell, js_pattern, markdown_inline, reveal

WIDGET_JS = Path(__file__).resolve().parents[2] / "ui" / "static" / "widget.js"
JS_LINK = "[click](javascript:alert(1))"
JS_AUTOLINK = "<javascript:alert(1)>"
RLO, PDF, ZWSP = "\u202e", "\u202c", "\u200b"
# The characters the review named; each must be shown, never passed raw.
NAMED_HIDDEN = (
    [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200e", "\u200f", "\u061c"]
    + [chr(c) for c in range(0x200B, 0x200E)]
    + [chr(c) for c in range(0x2060, 0x2065)]
    + ["\ufeff", "\u180e", "\u00ad", "\U000e0041"]
)
HIDDEN = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in HIDDEN_RANGES) + "]")
SPOOF = f"The film is {RLO}doog{PDF} and{ZWSP} moving."  # shows "The film is good and moving."
SPOOF_SHOWN = "The film is ⟦U+202E⟧doog⟦U+202C⟧ and⟦U+200B⟧ moving."
FORMULAS = (
    '=HYPERLINK("http://evil.example","x")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "  =1+1",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(A1)",
)


citation = make_citation


def result(*citations: Citation, answer: str = "Critics: [1]", question: str = "Q?") -> Result:
    return make_result(*citations, answer=answer, question=question)


class Page(HTMLParser):
    """The start tags with their attributes, and the text a reader sees."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.chunks: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    def links(self) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.tags if tag == "a"]


def only_citation_anchors(html: str) -> None:
    for attrs in Page(html).links():
        assert attrs.get("class") == "rq-ref", attrs
        assert (attrs.get("href") or "").startswith("#cite"), attrs


# -- 1. CSV: no cell a spreadsheet would run --------------------------------------------
@pytest.mark.parametrize("payload", FORMULAS)
@pytest.mark.parametrize(
    "column",
    ["question", "film", "critic", "publication", "date", "sentiment", "quote", "review_id"],
)
def test_every_csv_cell_is_neutralised(column: str, payload: str) -> None:
    if column == "question":
        text = quotes_csv([result(citation(), question=payload)])
    else:
        changes: dict[str, Any] = {column: payload}
        text = quotes_csv([result(replace(citation(), **changes))])
    (row,) = csv.DictReader(io.StringIO(text))
    assert row[column] == "'" + payload.replace("\r", "\n")  # a bare CR would split the row
    for value in row.values():  # an empty cell (no url) is no formula
        first = value.lstrip(" \t\r\n\u3000")[:1]
        assert value[:1] == "'" or not first or first not in "=+-@＝＋－＠"


def test_hyperlink_review_id_is_text_and_plain_cells_stay_plain() -> None:
    evil = '=HYPERLINK("http://evil","x")'
    text = quotes_csv([result(citation(review_id=evil))])
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["review_id"] == "'" + evil
    assert row["n"] == "1" and row["verified"] == "yes" and row["date"] == "2014-01-10"
    assert row["quote"] == "Phoenix is oddly flat."


def test_csv_cell_leaves_ordinary_text_alone() -> None:
    assert csv_cell("Her (2013)") == "Her (2013)"
    assert csv_cell(12) == "12"
    assert csv_cell("a=b") == "a=b"
    assert csv_cell("") == ""


# -- 2. No link, image, autolink or HTML from review text -------------------------------
HOSTILE_MARKDOWN = (
    JS_LINK,
    JS_AUTOLINK,
    "![x](http://evil.example/x.png)",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[ref][r] [r]: javascript:alert(1)",
    "<https://evil.example> and <me@evil.example>",
    "`code` **bold** _it_ ~~gone~~ \\[kept\\] &lt;kept&gt; &amp;",
    "[[nested](javascript:x)](javascript:y)",
)


def rendered(markdown: str) -> str:
    """CommonMark to HTML, raw HTML allowed and every link target kept (markdown-it alone drops
    javascript: targets; pandoc and many other renderers do not)."""
    markdown_it = pytest.importorskip("markdown_it", reason="pip install markdown-it-py")
    md = markdown_it.MarkdownIt("commonmark", {"html": True})
    md.validateLink = lambda url: True
    return str(md.render(markdown))


@pytest.mark.parametrize("payload", HOSTILE_MARKDOWN)
def test_markdown_export_renders_review_text_as_text(payload: str) -> None:
    quote = f"Phoenix is flat {payload} end."
    c = citation(quote=quote, critic=f"Critic {payload}", publication="Out[let](javascript:z)")
    html = rendered(quotes_markdown([result(c)]))
    page = Page(html)
    assert {tag for tag, _ in page.tags} == {"h1", "blockquote", "p"}, html
    assert "javascript:" not in "".join(str(v) for _, attrs in page.tags for v in attrs.values())
    assert f'"{quote}" — Critic {payload}, Out[let](javascript:z), 2014-01-10' in page.text


def test_markdown_inline_round_trips_through_commonmark() -> None:
    text = "a\\b [x] (y) <z> `c` *d* _e_ ~f~ &amp; ! #g"
    assert Page(rendered(markdown_inline(text))).text.strip() == text


@pytest.mark.parametrize("payload", [JS_LINK, JS_AUTOLINK, "[1](javascript:alert(1))"])
def test_ui_links_only_to_citation_cards(payload: str) -> None:
    c = citation(quote=f"Flat {payload} film.", critic=payload, film=payload)
    answer = f'Critics on {payload} [1]\n\n- "Flat {payload} film." — {payload} [1]\n\n{payload}'
    r = result(c, answer=answer)
    html = conversation_html([Exchange(question=payload, result=r, review_texts={})])
    only_citation_anchors(html)  # a "[1]" in the text may link to card 1: our anchor only
    if not payload.startswith("[1]"):
        assert len(Page(html).links()) == 1  # the lead's own [1] (the quote is on its card)
    assert payload in Page(html).text
    only_citation_anchors(answer_text_html(payload, known={1}))
    assert not Page(citation_cards_html(r)).links()


def test_widget_never_parses_text_as_html_or_builds_links() -> None:
    source = WIDGET_JS.read_text(encoding="utf-8")
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", source)
    link = r"""createElement\(\s*["']a["']|\.href\s*=|setAttribute\(\s*["']href"""
    assert not re.search(link, source)


# -- 3. Hidden characters shown, never raw ---------------------------------------------
@pytest.mark.parametrize("char", NAMED_HIDDEN, ids=lambda ch: f"U+{ord(ch):04X}")
def test_reveal_shows_each_hidden_character(char: str) -> None:
    assert reveal(f"a{char}b") == f"a⟦U+{ord(char):04X}⟧b"


def test_reveal_keeps_ordinary_text() -> None:
    text = "Tab\tand\nlines, emoji 👍🏽 ❤️, עברית, é, 漢字"
    assert reveal(text) == text


def test_ui_html_shows_hidden_characters_everywhere() -> None:
    c = citation(
        quote=SPOOF,
        critic=f"Ida{RLO}Tset",
        publication=f"The{ZWSP}Gazette",
        film=f"Her{RLO} (2013)",
        date=f"2014{ZWSP}",
        span=(0, len(SPOOF)),
    )
    r = result(c, answer=f'- "{SPOOF}" — Ida{RLO}Tset [1]', question=f"Why{RLO}?")
    html = conversation_html([Exchange(question=r.question, result=r, review_texts={"r1": SPOOF})])
    assert not HIDDEN.search(html)
    text = Page(html).text
    assert text.count(SPOOF_SHOWN) == 1  # on the card: the quote bullet is not repeated
    for shown in ("Ida⟦U+202E⟧Tset", "The⟦U+200B⟧Gazette", "Her⟦U+202E⟧ (2013)", "Why⟦U+202E⟧?"):
        assert shown in text
    streaming = conversation_html([Exchange(question="q", text=SPOOF)])
    assert SPOOF_SHOWN in Page(streaming).text and not HIDDEN.search(streaming)


def test_highlight_uses_the_reviews_offsets_and_shows_markers() -> None:
    review = f"Before {RLO}x{PDF}. Phoenix{ZWSP} is flat. After."
    start = review.index("Phoenix")
    end = review.index(" After")
    c = citation(quote=review[start:end], span=(start, end))
    html = quote_html(c, review)
    assert "<mark>Phoenix⟦U+200B⟧ is flat.</mark>" in html
    assert html.startswith("Before ⟦U+202E⟧x⟦U+202C⟧. <mark>")
    assert c.to_json()["quote"] == f"Phoenix{ZWSP} is flat." and c.to_json()["span"] == [start, end]


def test_exports_show_hidden_characters() -> None:
    c = citation(quote=SPOOF, critic=f"Ida{RLO}Tset", review_id=f"r{ZWSP}1")
    csv_text = quotes_csv([result(c)])
    markdown = quotes_markdown([result(c)])
    assert not HIDDEN.search(csv_text) and not HIDDEN.search(markdown)
    row = next(csv.DictReader(io.StringIO(csv_text)))
    assert row["quote"] == SPOOF_SHOWN and row["review_id"] == "r⟦U+200B⟧1"
    assert f'> "{SPOOF_SHOWN}" — Ida⟦U+202E⟧Tset' in markdown
    assert c.quote == SPOOF  # the citation itself is untouched


def test_widget_mirrors_the_python_pattern() -> None:
    assert f"var HIDDEN = {js_pattern()};" in WIDGET_JS.read_text(encoding="utf-8")


def test_widget_reveal_matches_python(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is absent: the widget's reveal() is checked against Python with it")
    source = WIDGET_JS.read_text(encoding="utf-8")
    function = source[source.index("var HIDDEN = ") : source.index("function el(")]
    samples = [SPOOF, "plain ✓ 👍🏽 ❤️ עברית", "\tkeep\nlines"]
    samples += [f"<{chr(lo)}|{chr(hi)}>" for lo, hi in HIDDEN_RANGES]
    samples += [f"<{chr(lo - 1)}|{chr(hi + 1)}>" for lo, hi in HIDDEN_RANGES if lo > 0]
    script = tmp_path / "reveal.js"
    script.write_text(
        function + "\nconst inputs = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
        "process.stdout.write(JSON.stringify(inputs.map(reveal)));\n",
        encoding="utf-8",
    )
    out = subprocess.run(
        [node, str(script)], input=json.dumps(samples), capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == [reveal(s) for s in samples]


# A stub DOM just big enough for widget.js: it answers one question from a canned stream and
# prints the log's text and the tags the widget created.
STUB_DOM = r"""
const fs = require("fs");
const [widget, payload] = JSON.parse(fs.readFileSync(0, "utf8"));
const made = [];
class Node {
  constructor(tag) { this.tag = tag; this.kids = []; this.own = ""; this.on = {}; this.attrs = {}; }
  set textContent(v) { this.kids = []; this.own = String(v); }
  get textContent() { return this.own + this.kids.map((k) => k.textContent).join(""); }
  get childNodes() { return this.kids; }
  appendChild(c) { this.kids.push(c); c.up = this; return c; }
  remove() { if (this.up) this.up.kids = this.up.kids.filter((k) => k !== this); }
  setAttribute(k, v) { this.attrs[k] = v; }
  addEventListener(e, f) { this.on[e] = f; }
  attachShadow() { return new Node("#shadow"); }
  focus() {}
}
const make = (tag) => { const n = new Node(tag); made.push(n); return n; };
global.document = {
  currentScript: { src: "http://127.0.0.1:9/widget.js", getAttribute: () => null },
  createElement: make, createElementNS: (_, tag) => make(tag),
  createTextNode: (t) => ({ textContent: t }), body: new Node("body"), addEventListener() {},
};
const frames = "event: token\ndata: " + JSON.stringify({ text: payload.answer }) +
  "\n\nevent: result\ndata: " + JSON.stringify(payload) + "\n\n";
const bytes = new TextEncoder().encode(frames);
let sent = false;
const read = async () => (sent ? { done: true } : ((sent = true), { done: false, value: bytes }));
global.fetch = async () => ({ ok: true, body: { getReader: () => ({ read }) } });
eval(widget);
made.find((n) => n.tag === "input").value = payload.question;
made.find((n) => n.tag === "form").on.submit({ preventDefault() {} });
setTimeout(() => process.stdout.write(JSON.stringify({
  text: made.find((n) => n.className === "log").textContent,
  tags: [...new Set(made.map((n) => n.tag))],
})), 100);
"""


def test_widget_renders_markers_and_no_link(tmp_path: Path) -> None:
    """widget.js's own rendering of a streamed answer, in node with a stub DOM (the real
    browser test is tests/security/test_render_browser.py)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is absent: the widget's rendering is checked with it")
    c = citation(quote=SPOOF, critic=f"Ida{RLO}Tset", span=(0, len(SPOOF)))
    answer = f'Critics: {JS_LINK} {JS_AUTOLINK} [1]\n\n- "{SPOOF}" [1]'
    payload = result(c, answer=answer, question=f"Q{ZWSP}?")
    script = tmp_path / "stub.js"
    script.write_text(STUB_DOM, encoding="utf-8")
    stdin = json.dumps([WIDGET_JS.read_text(encoding="utf-8"), payload.to_json()])
    out = subprocess.run([node, str(script)], input=stdin, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    shown = json.loads(out.stdout)
    assert not HIDDEN.search(shown["text"])
    assert shown["text"].count(SPOOF_SHOWN) == 1  # in the citation, not again as a bullet
    assert "Ida⟦U+202E⟧Tset" in shown["text"] and "Q⟦U+200B⟧?" in shown["text"]
    assert f"{JS_LINK} {JS_AUTOLINK}" in shown["text"]
    assert "a" not in shown["tags"] and "blockquote" in shown["tags"]
    assert "button" in shown["tags"]  # the lead's [1]: a button that moves to the citation


# -- 4. Escaping still holds ------------------------------------------------------------
def test_markers_do_not_weaken_html_escaping() -> None:
    payload = f"<img src=x onerror=alert(1)>{RLO}<script>alert(2)</script>"
    c = citation(quote=payload, critic=payload, span=(0, len(payload)))
    html = conversation_html(
        [Exchange(question=payload, result=result(c, answer=payload), review_texts={"r1": payload})]
    )
    assert {tag for tag, _ in Page(html).tags} <= OUR_TAGS
    assert unescape("&lt;img src=x onerror=alert(1)&gt;⟦U+202E⟧") in Page(html).text
    assert answer_html(result(c, answer=payload)).count("<script") == 0
