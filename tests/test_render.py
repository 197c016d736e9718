"""ui.render: escaping, highlighted spans, unverified marks, exact CSV and Markdown exports."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from assistant.result import Citation, Result
from tests.support.results import make_citation, make_result
from ui.render import (
    Exchange,
    answer_html,
    answer_text_html,
    citation_cards_html,
    conversation_html,
    quote_html,
    quotes_csv,
    quotes_markdown,
    status_html,
)

XSS = "Phoenix is <img src=x onerror=alert(1)> oddly flat."
REVIEW_TEXT = "Opening words. " + XSS + " Closing words."
XSS_START = REVIEW_TEXT.index("Phoenix")


def citation(n: int = 1, **changes: object) -> Citation:
    defaults: dict[str, object] = {
        "critic": "Mallory <b>Test</b>",
        "quote": XSS,
        "span": (XSS_START, XSS_START + len(XSS)),
    }
    return make_citation(n, **{**defaults, **changes})


def result(*citations: Citation, answer: str = "", question: str = "Who disliked Her?") -> Result:
    return make_result(
        *citations,
        answer=answer or f'- "{XSS}" — Mallory <b>Test</b> [1]',
        question=question,
        engine_reason="extractive engine requested <script>",
    )


class Tags(HTMLParser):
    """Every start tag of a fragment, to prove review text never became markup."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


OUR_TAGS = {"div", "span", "p", "ul", "li", "a", "strong", "br", "mark", "blockquote"}


def test_answer_is_escaped_and_markers_link_to_cards() -> None:
    html = answer_html(result(citation()), prefix="cite-2")
    assert "<img" not in html and "<b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert '<a class="rq-ref" href="#cite-2-1">[1]</a>' in html
    assert set(Tags(html).tags) <= OUR_TAGS


def test_answer_text_lists_bold_and_unknown_markers() -> None:
    text = "Lead line.\n\n**Positive** (1)\n- one [1]\n- two [2]\n\nBased on 1 review."
    html = answer_text_html(text, "c", known={1})
    assert html == (
        '<div class="rq-answer"><p>Lead line.</p><p><strong>Positive</strong> (1)</p>'
        '<ul><li>one <a class="rq-ref" href="#c-1">[1]</a></li><li>two [2]</li></ul>'
        "<p>Based on 1 review.</p></div>"
    )


def test_cited_span_is_highlighted_within_the_review() -> None:
    html = quote_html(citation(), REVIEW_TEXT)
    assert html == (
        "Opening words. <mark>Phoenix is &lt;img src=x onerror=alert(1)&gt; oddly flat.</mark>"
        " Closing words."
    )


def test_long_review_shows_a_window_around_the_span() -> None:
    text = "a" * 1000 + "THE QUOTE" + "b" * 1000
    c = citation(quote="THE QUOTE", span=(1000, 1009))
    html = quote_html(c, text)
    assert html.startswith("…a") and html.endswith("b…")
    assert "<mark>THE QUOTE</mark>" in html
    assert len(html) < 600


def test_quote_without_review_text_is_the_quote_highlighted() -> None:
    assert quote_html(citation(quote="a <i>b</i>")) == "<mark>a &lt;i&gt;b&lt;/i&gt;</mark>"


def test_cards_carry_who_where_when_stance_and_anchor() -> None:
    html = citation_cards_html(result(citation()), {"r1": REVIEW_TEXT}, prefix="cite-1")
    assert 'id="cite-1-1"' in html
    assert '<span class="rq-critic">Mallory &lt;b&gt;Test&lt;/b&gt;</span>' in html
    assert '<span class="rq-outlet">The Gazette</span>' in html
    assert '<span class="rq-date">2014-01-10</span>' in html
    assert '<span class="rq-badge rq-negative">Negative</span>' in html
    assert "<mark>Phoenix is &lt;img" in html
    assert "Unverified" not in html
    assert set(Tags(html).tags) <= OUR_TAGS


def test_unverified_quote_is_marked_and_not_highlighted() -> None:
    c = citation(quote="words the critic never wrote", verified=False, span=(0, 10))
    html = citation_cards_html(result(c), {"r1": REVIEW_TEXT})
    assert "rq-card-unverified" in html
    assert "⚠ Unverified quote" in html
    assert "<mark>" not in html
    assert "words the critic never wrote" in html


def test_one_anchor_per_number_and_unnamed_critic() -> None:
    a = citation(1, critic="", publication="", date="", sentiment="unknown")
    b = citation(1, span=(0, 5), quote="Openi")
    html = citation_cards_html(result(a, b))
    assert html.count('id="cite-1"') == 1
    assert "Unnamed critic" in html
    assert "rq-badge rq-positive" not in html and "rq-badge rq-negative" in html


def test_status_and_conversation_escape_everything() -> None:
    r = result(citation())
    assert "&lt;script&gt;" in status_html(r)
    assert "Based on 1 of 25 reviews of Her (2013)." in status_html(r)
    streaming = Exchange(question="<img src=x onerror=alert(2)>?", text="partial [1]")
    done = Exchange(question="Who disliked Her?", result=r, review_texts={"r1": REVIEW_TEXT})
    failed = Exchange(question="x", error="no film '<b>' in the index")
    html = conversation_html([done, streaming, failed])
    assert set(Tags(html).tags) <= OUR_TAGS
    assert 'href="#cite-1-1"' in html and 'id="cite-1-1"' in html
    assert "partial [1]" in html  # no card yet, so no link
    assert "no film &#x27;&lt;b&gt;&#x27; in the index" in html
    assert re.search(r"rq-empty", conversation_html([]))


def test_quotes_csv_exact() -> None:
    first = result(citation(1), citation(2, review_id="r2", critic="", quote="=HYPERLINK()"))
    again = result(citation(1), question="And again?")  # the same quote is exported once
    assert quotes_csv([first, again]) == (
        "question,n,film,critic,publication,date,sentiment,quote,verified,review_id\n"
        "Who disliked Her?,1,Her (2013),Mallory <b>Test</b>,The Gazette,2014-01-10,negative,"
        "Phoenix is <img src=x onerror=alert(1)> oddly flat.,yes,r1\n"
        "Who disliked Her?,2,Her (2013),,The Gazette,2014-01-10,negative,'=HYPERLINK(),yes,r2\n"
    )


def test_quotes_csv_quotes_commas_and_newlines() -> None:
    c = citation(quote='He said, "no"\nthen left', verified=False)
    assert quotes_csv([result(c)]).splitlines()[1:] == [
        "Who disliked Her?,1,Her (2013),Mallory <b>Test</b>,The Gazette,2014-01-10,negative,"
        '"He said, ""no""',
        'then left",no,r1',
    ]


def test_quotes_markdown_exact() -> None:
    anonymous = citation(2, review_id="r2", critic="", publication="", date="", quote="Good.")
    unverified = citation(3, review_id="r3", quote="Never said.", verified=False)
    spaced = citation(4, review_id="r4", quote="Two\n  lines.", publication="")
    assert quotes_markdown([result(citation(1), anonymous, unverified, spaced)]) == (
        "# Pull quotes\n"
        "\n"
        '> "Phoenix is &lt;img src=x onerror=alert(1)&gt; oddly flat." — '
        "Mallory &lt;b&gt;Test&lt;/b&gt;, The Gazette, 2014-01-10\n"
        "\n"
        '> "Good." — a review of Her (2013)\n'
        "\n"
        '> "Two lines." — Mallory &lt;b&gt;Test&lt;/b&gt;, 2014-01-10\n'
    )


def test_quotes_csv_neutralises_every_cell_exact() -> None:
    c = citation(review_id='=HYPERLINK("http://evil","x")', date="-1", quote="a\u202eb\rc")
    assert quotes_csv([result(c, question="@me")]).splitlines()[1:] == [
        "'@me,1,Her (2013),Mallory <b>Test</b>,The Gazette,'-1,negative,\"a⟦U+202E⟧b",
        'c",yes,"\'=HYPERLINK(""http://evil"",""x"")"',
    ]


def test_quotes_markdown_writes_review_links_as_text_exact() -> None:
    c = citation(
        quote="See [click](javascript:alert(1)) or <javascript:alert(1)>, *now*\u200b.",
        critic="`Ann`_",
        publication="![i](x.png)",
    )
    assert quotes_markdown([result(c)]) == (
        "# Pull quotes\n"
        "\n"
        '> "See \\[click\\](javascript:alert(1)) or &lt;javascript:alert(1)&gt;, '
        '\\*now\\*⟦U+200B⟧." — \\`Ann\\`\\_, !\\[i\\](x.png), 2014-01-10\n'
    )


def test_answer_and_cards_show_hidden_characters() -> None:
    c = citation(critic="Ida\u202eTset", quote="good\u200b", span=(0, 5))
    html = conversation_html(
        [Exchange(question="q", result=result(c, answer="[click](javascript:x) good\u200b [1]"))]
    )
    assert "\u202e" not in html and "\u200b" not in html
    assert '<span class="rq-critic">Ida⟦U+202E⟧Tset</span>' in html
    assert "<p>[click](javascript:x) good⟦U+200B⟧ " in html
    assert html.count("<a ") == 1
