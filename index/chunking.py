"""Split review text into chunks on sentence boundaries, keeping each chunk's offsets."""

from __future__ import annotations

import re
from collections.abc import Iterator

from index.filters import date_number
from index.names import name_key
from index.records import Chunk, Review

# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before white space,
# or at a line break; not at the dot of an abbreviation or an initial ("Mr. Potato Head",
# "J. Olson", "U.S. audiences").
_SENTENCE_END = re.compile(r"""(?<=[.!?])["'”’)\]]*\s+|\n+""")
_ABBREVIATION = re.compile(
    r"(?i)(?:mrs?|ms|dr|st|jr|sr|vs|mt|prof|rev|gen|col|lt|sgt|capt|inc|co|ltd|vol|eds?)"
)


def abbreviation_before(text: str, dot: int) -> bool:
    """Whether the "." at `dot` ends an abbreviation ("Mr", "Dr", "vs") or an initial ("J")
    rather than a sentence."""
    begin = dot
    while begin > 0 and text[begin - 1].isalpha():
        begin -= 1
    word = text[begin:dot]
    return len(word) == 1 or _ABBREVIATION.fullmatch(word) is not None


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of `text`, white space excluded."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        dot = match.start() - 1
        if "\n" not in match.group() and text[dot] == "." and abbreviation_before(text, dot):
            continue
        end = match.start() + len(match.group().rstrip())
        _append_trimmed(text, start, end, spans)
        start = match.end()
    _append_trimmed(text, start, len(text), spans)
    return spans


def _append_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def chunk_spans(text: str, size: int, overlap: int) -> Iterator[tuple[int, int]]:
    """Windows of whole sentences of about `size` characters, `overlap` characters repeated.

    A text no longer than `size` is one chunk. A single sentence longer than `size` is cut at
    white space so that no chunk is much larger than `size`.
    """
    stripped = text.strip()
    if not stripped:
        return
    if len(stripped) <= size:
        start = text.index(stripped[0])
        yield start, start + len(stripped)
        return
    sentences = [piece for span in sentence_spans(text) for piece in _split_long(text, span, size)]
    first = 0
    while first < len(sentences):
        last = first
        while last + 1 < len(sentences) and sentences[last + 1][1] - sentences[first][0] <= size:
            last += 1
        yield sentences[first][0], sentences[last][1]
        if last + 1 >= len(sentences):
            return
        # Step back over sentences that fit in the overlap and leave room for the next one.
        nxt = last + 1
        while (
            nxt - 1 > first
            and sentences[last][1] - sentences[nxt - 1][0] <= overlap
            and sentences[last + 1][1] - sentences[nxt - 1][0] <= size
        ):
            nxt -= 1
        first = nxt


def _split_long(text: str, span: tuple[int, int], size: int) -> Iterator[tuple[int, int]]:
    start, end = span
    while end - start > size:
        cut = text.rfind(" ", start + size // 2, start + size)
        if cut <= start:
            cut = start + size
        yield start, cut
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        yield start, end


def chunk_metadata(review: Review) -> dict[str, str | int | float | bool]:
    """What Chroma holds with each chunk of `review`: the fields retrieval filters on."""
    return {
        "review_id": review.id,
        "film_key": name_key(review.film),
        "critic_key": name_key(review.critic),
        "publication_key": name_key(review.publication),
        "sentiment": review.sentiment,
        "top_critic": review.top_critic,
        "date": date_number(review.date),
    }


def chunk_review(review: Review, size: int, overlap: int) -> list[Chunk]:
    """The chunks of one review, each carrying the metadata Chroma filters on."""
    meta = chunk_metadata(review)
    return [
        Chunk(review.id, i, review.text[start:end], start, end, meta)
        for i, (start, end) in enumerate(chunk_spans(review.text, size, overlap))
    ]
