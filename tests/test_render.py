"""ui.render: an answer shown once (lead, then one card per quote), escaping, highlighted
spans, unverified marks, and exact CSV and Markdown exports."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser

from assistant.result import Citation, Result
from tests.support.results import make_citation, make_result
from ui.render import (
    Exchange,
    answer_html,
    answer_text_html,
    citation_cards_html,
    conversation_html,
    filters_line,
    lead_from_answer,
    lead_of,
    quote_choices,
    quote_html,
    quote_key,
    quotes_csv,
    quotes_markdown,
    status_html,
)

XSS = "Phoenix is <img src=x onerror=alert(1)> oddly flat."
REVIEW_TEXT = "Opening words. " + XSS + " Closing words."
XSS_START = REVIEW_TEXT.index("Phoenix")
LEAD = "1 of 25 reviews of Her (2013) is negative: Mallory <b>Test</b> [1]."


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
        answer=answer or f'{LEAD}\n\n- "{XSS}" — Mallory <b>Test</b> [1]',
        question=question,
        engine_reason="extractive engine requested <script>",
    )


class Tags(HTMLParser):
    """Every start tag of a fragment, to prove review text never became markup."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.chunks: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return "".join(self.chunks)


OUR_TAGS = {"div", "span", "p", "ul", "li", "a", "strong", "br", "mark", "blockquote", "button"}


# -- the lead -----------------------------------------------------------------------------
def test_lead_drops_quote_bullets_and_their_headings() -> None:
    answer = (
        "What critics say about Phoenix:\n\n**Positive** (1)\n"
        '- "A tender turn." — Ann Hornaday [1]\n\n**Negative** (1)\n'
        "- “Flat.” — Rex Reed [2]\n\nBased on 2 of 26 reviews of Her (2013)."
    )
    assert lead_from_answer(answer) == (
        "What critics say about Phoenix:\n\nBased on 2 of 26 reviews of Her (2013)."
    )


def test_lead_keeps_prose_and_bullets_that_are_not_quotes() -> None:
    answer = "Critics split:\n- Ann Hornaday liked it [1]\n- Rex Reed did not [2]"
    assert lead_from_answer(answer) == answer
    assert lead_from_answer('- "Only a quote." [1]') == ""


def test_the_cores_lead_comes_first() -> None:
    r = replace(result(citation()), lead="The finding [1].")
    assert lead_of(r) == "The finding [1]."
    assert lead_of(result(citation())) == LEAD


def test_answer_is_the_lead_escaped_with_markers_linked_to_cards() -> None:
    html = answer_html(result(citation()), prefix="cite-2")
    assert "<b>" not in html and XSS not in html and "&lt;b&gt;Test&lt;/b&gt;" in html
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


# -- cards --------------------------------------------------------------------------------
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


def test_cards_carry_film_who_where_when_stance_and_anchor() -> None:
    html = citation_cards_html(result(citation()), {"r1": REVIEW_TEXT}, prefix="cite-1")
    assert 'id="cite-1-1"' in html
    assert '<span class="rq-film">Her (2013)</span>' in html
    assert '<span class="rq-critic">Mallory &lt;b&gt;Test&lt;/b&gt;</span>' in html
    assert '<span class="rq-outlet">The Gazette</span>' in html
    assert '<span class="rq-date">2014-01-10</span>' in html
    assert '<span class="rq-badge rq-negative">Negative</span>' in html
    assert "<mark>Phoenix is &lt;img" in html
    assert "Unverified" not in html
    assert set(Tags(html).tags) <= OUR_TAGS


def test_a_card_read_otherwise_than_its_label_shows_both() -> None:
    plain = citation_cards_html(result(citation(sentiment="positive")))
    assert "on this point" not in plain
    html = citation_cards_html(result(citation(sentiment="positive", side="negative")))
    assert '<span class="rq-badge rq-positive">Positive</span>' in html  # the review's label
    assert ">Negative on this point</span>" in html  # what its own words say of the thing
    assert set(Tags(html).tags) <= OUR_TAGS
    exported = quotes_csv([result(citation(sentiment="positive", side="negative"))])
    assert exported.splitlines()[1].endswith(
        ",positive,Phoenix is <img src=x onerror=alert(1)> oddly flat.,yes,r1,,negative"
    )


def test_a_card_says_when_the_date_is_unknown() -> None:
    html = citation_cards_html(result(citation(date="", publication="")))
    assert '<span class="rq-date">date unknown</span>' in html
    assert '<span class="rq-outlet">' not in html


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


# -- the conversation ---------------------------------------------------------------------
def test_each_quote_is_shown_once_with_the_coverage_once_and_no_engine() -> None:
    quote = "A cold, precious bore."
    answer = f'{LEAD}\n\n- "{quote}" — Rex Reed [1]\n\nBased on 1 of 25 reviews of Her (2013).'
    r = result(citation(quote=quote, span=(0, len(quote))), answer=answer)
    text = Tags(conversation_html([Exchange("Who disliked Her?", result=r)])).text
    assert text.count(quote) == 1  # on its card, not also as a bullet
    assert text.count("Based on 1 of 25") == 1
    assert "extractive" not in text  # the engine is said once, in the status line


def test_coverage_is_added_when_the_lead_lacks_it() -> None:
    r = replace(result(citation()), lead="The finding [1].")
    html = conversation_html([Exchange("q", result=r)])
    assert '<p class="rq-coverage">Based on 1 of 25 reviews of Her (2013).</p>' in html


def test_filters_that_applied_are_shown_with_the_answer() -> None:
    r = replace(
        result(citation()),
        filters={"film": "Her (2013)", "sentiment": "negative", "top_critics": "true"},
    )
    assert filters_line(r) == "Filters: film Her (2013) · sentiment negative · top critics only"
    html = conversation_html([Exchange("q", result=r)])
    assert (
        '<p class="rq-filters">Filters: film Her (2013) · sentiment negative · top critics only'
        in html
    )
    assert filters_line(result(citation())) == ""


def test_unknown_film_offers_the_closest_titles_as_questions() -> None:
    r = replace(
        make_result(answer="No film 'Arival' in the index.", question="What about Arival?"),
        kind="unknown_film",
        lead="No film 'Arival' in the index. Did you mean one of these?",
        suggestions=["Arrival (2016)", 'Bad "<Title>"'],
    )
    html = conversation_html([Exchange(r.question, result=r)])
    assert "Did you mean one of these?" in html
    assert (
        '<button type="button" class="rq-ask" data-ask="What did critics think of '
        'Arrival (2016)?">Arrival (2016)</button>' in html
    )
    assert 'data-ask="What did critics think of Bad &quot;&lt;Title&gt;&quot;?"' in html
    assert "rq-card" not in html and "Based on" not in html
    assert set(Tags(html).tags) <= OUR_TAGS
    # the films a name may mean ("Star Wars": Episode IV, V) are offered the same way
    several = replace(r, kind="needs_film", suggestions=["Star Wars: Episode V"])
    html = conversation_html([Exchange(r.question, result=several)])
    assert 'data-ask="What did critics think of Star Wars: Episode V?"' in html


def test_status_is_the_engine_once() -> None:
    html = status_html(result(citation()))
    assert "Engine: extractive" in html and "&lt;script&gt;" in html
    assert "Based on" not in html


def test_conversation_escapes_everything_and_is_a_polite_log() -> None:
    r = result(citation())
    streaming = Exchange(question="<img src=x onerror=alert(2)>?", text="partial [1]")
    done = Exchange(question="Who disliked Her?", result=r, review_texts={"r1": REVIEW_TEXT})
    failed = Exchange(question="x", error="no film '<b>' in the index")
    html = conversation_html([done, streaming, failed])
    assert set(Tags(html).tags) <= OUR_TAGS
    assert html.startswith('<div class="rq-chat" role="log" aria-live="polite"')
    assert 'aria-busy="true"' in html  # an answer is still streaming
    assert 'href="#cite-1-1"' in html and 'id="cite-1-1"' in html
    assert "partial [1]" in html  # no card yet, so no link
    assert "no film &#x27;&lt;b&gt;&#x27; in the index" in html
    assert html.count('class="rq-a rq-done"') == 2


def test_first_visit_says_what_the_index_holds_and_offers_questions() -> None:
    html = conversation_html(
        [], "26 reviews of 1 film.", ["What do critics say about Her (2013)?", "Who <b>?"]
    )
    assert '<p class="rq-holdings">The index holds 26 reviews of 1 film.</p>' in html
    assert 'role="toolbar"' in html
    assert html.count('tabindex="0"') == 2  # the log, and the first question of the group
    assert 'data-ask="Who &lt;b&gt;?" tabindex="-1">Who &lt;b&gt;?</button>' in html
    assert 'aria-busy="false"' in html
    assert "rq-holdings" not in conversation_html([])


def test_quote_choices_label_each_quote_once() -> None:
    long = "word " * 40
    a = citation(1, quote=long, span=(0, len(long)))
    b = citation(2, review_id="r2", critic="", publication="", quote="Ok\u202e.", verified=False)
    choices = quote_choices([result(a, b), result(a)])
    assert [key for _, key in choices] == [quote_key(a), quote_key(b)]
    first, second = (label for label, _ in choices)
    assert first.startswith("Her (2013) — Mallory <b>Test</b>: “word word") and first.endswith("…”")
    assert second == "Her (2013) — Unnamed critic: “Ok⟦U+202E⟧.” (unverified)"


# -- exports ------------------------------------------------------------------------------
def test_quotes_csv_exact() -> None:
    first = result(
        citation(1, url="https://example.org/her review"),
        citation(2, review_id="r2", critic="", quote="=HYPERLINK()", url="javascript:alert(1)"),
    )
    again = result(citation(1), question="And again?")  # the same quote is exported once
    assert quotes_csv([first, again]) == (
        "question,n,film,critic,publication,date,sentiment,quote,verified,review_id,url,side\n"
        "Who disliked Her?,1,Her (2013),Mallory <b>Test</b>,The Gazette,2014-01-10,negative,"
        "Phoenix is <img src=x onerror=alert(1)> oddly flat.,yes,r1,"
        "https://example.org/her%20review,\n"
        "Who disliked Her?,2,Her (2013),,The Gazette,2014-01-10,negative,'=HYPERLINK(),yes,r2,,\n"
    )


def test_exports_leave_out_the_quotes_not_picked() -> None:
    a, b = citation(1), citation(2, review_id="r2", quote="Good.", span=(0, 5))
    csv_text = quotes_csv([result(a, b)], only={quote_key(b)})
    assert [line.split(",")[1] for line in csv_text.splitlines()[1:]] == ["2"]
    markdown = quotes_markdown([result(a, b)], only=set())
    assert markdown == "No verified quotes to export.\n"


def test_quotes_csv_quotes_commas_and_newlines() -> None:
    c = citation(quote='He said, "no"\nthen left', verified=False)
    assert quotes_csv([result(c)]).splitlines()[1:] == [
        "Who disliked Her?,1,Her (2013),Mallory <b>Test</b>,The Gazette,2014-01-10,negative,"
        '"He said, ""no""',
        'then left",no,r1,,',
    ]


def test_quotes_markdown_grouped_by_film_then_stance_exact() -> None:
    up = citation(
        5, review_id="r5", film="Up (2009)", sentiment="positive", quote="Lovely.", span=(0, 7)
    )
    anonymous = citation(2, review_id="r2", critic="", publication="", date="", quote="Good.")
    liked = citation(
        4,
        review_id="r4",
        quote="Two\n  lines.",
        publication="",
        sentiment="positive",
        url="https://example.org/r4?a=1&b=<2>",
    )
    unverified = citation(3, review_id="r3", quote="Never said.", verified=False)
    unlabelled = citation(6, review_id="r6", sentiment="unknown", quote="Hm.", url="ftp://x/y")
    first = result(citation(1), anonymous, unverified, up)
    second = result(liked, unlabelled, question="And the <fans>?")
    assert quotes_markdown([first, second]) == (
        "# Her (2013): positive reviews\n"
        "\n"
        '> "Two lines." — Mallory &lt;b&gt;Test&lt;/b&gt;, 2014-01-10\n'
        ">\n"
        "> Asked: And the &lt;fans&gt;?\n"
        ">\n"
        "> Review: <https://example.org/r4?a=1&b=%3C2%3E>\n"
        "\n"
        "# Her (2013): negative reviews\n"
        "\n"
        '> "Phoenix is &lt;img src=x onerror=alert(1)&gt; oddly flat." — '
        "Mallory &lt;b&gt;Test&lt;/b&gt;, The Gazette, 2014-01-10\n"
        ">\n"
        "> Asked: Who disliked Her?\n"
        "\n"
        '> "Good." — unnamed critic, date unknown\n'
        ">\n"
        "> Asked: Who disliked Her?\n"
        "\n"
        "# Her (2013): reviews without a stance label\n"
        "\n"
        '> "Hm." — Mallory &lt;b&gt;Test&lt;/b&gt;, The Gazette, 2014-01-10\n'
        ">\n"
        "> Asked: And the &lt;fans&gt;?\n"
        "\n"
        "# Up (2009): positive reviews\n"
        "\n"
        '> "Lovely." — Mallory &lt;b&gt;Test&lt;/b&gt;, The Gazette, 2014-01-10\n'
        ">\n"
        "> Asked: Who disliked Her?\n"
    )


def test_quotes_csv_neutralises_every_cell_exact() -> None:
    c = citation(review_id='=HYPERLINK("http://evil","x")', date="-1", quote="a\u202eb\rc")
    assert quotes_csv([result(c, question="@me")]).splitlines()[1:] == [
        "'@me,1,Her (2013),Mallory <b>Test</b>,The Gazette,'-1,negative,\"a⟦U+202E⟧b",
        'c",yes,"\'=HYPERLINK(""http://evil"",""x"")",,',
    ]


def test_quotes_markdown_writes_review_links_as_text_exact() -> None:
    c = citation(
        quote="See [click](javascript:alert(1)) or <javascript:alert(1)>, *now*\u200b.",
        critic="`Ann`_",
        publication="![i](x.png)",
    )
    assert quotes_markdown([result(c)]) == (
        "# Her (2013): negative reviews\n"
        "\n"
        '> "See \\[click\\](javascript:alert(1)) or &lt;javascript:alert(1)&gt;, '
        '\\*now\\*⟦U+200B⟧." — \\`Ann\\`\\_, !\\[i\\](x.png), 2014-01-10\n'
        ">\n"
        "> Asked: Who disliked Her?\n"
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
    assert re.search(r'id="rq-q-1"', html)
