"""Check an engine's answer against its sources: drop unknown [n] markers, verify every quote.

A marker cites source n. The quoted spans in the same sentence before a marker (or, failing
those, the one right after it) are what it attributes to that source; each is looked up in
the review's full text with white space and curly quotes normalized, and located exactly.
A marker with no quote beside it cites its whole passage; in the product's own finding
that opens an answer, only when the answer quotes nothing of that source elsewhere.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from assistant.result import Citation, Source
from index.chunking import abbreviation_before

__all__ = ["Verified", "locate_quote", "normalize_for_match", "renumber", "verify"]

_GROUP = r"\[[ \t]*\d+(?:[ \t]*,[ \t]*\d+)*[ \t]*\]"
_CLUSTER = re.compile(rf"{_GROUP}(?:[ \t]*{_GROUP})*")  # [1], [1, 3], [1][3], [1] [3]
_GROUP_RE = re.compile(_GROUP)
_NUMBER = re.compile(r"\d+")
_FOLD = str.maketrans({"‘": "'", "’": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "‟": '"'})
_ELLIPSIS = re.compile(r"\[\s*(?:\.\s*){3}\]|\[\s*…\s*\]|\.[ \t]?\.[ \t]?\.|…")
_SENTENCE_END = re.compile(r"[.!?]+[)\]]*(?=\s)|\n")
_STARTS_SENTENCE = "\"“‘'*-"
_NEXT_CHAR = re.compile(r"[ \t]*(\S?)")
_AFTER_MARKER = re.compile(r"[ \t:,—–-]*")
_OPEN_AFTER = " \t([{—–-:/"
_REMOVED = "\ue000"  # stands where a marker was removed, until the white space is tidied
_TIDY = [
    (re.compile(rf"\({_REMOVED}\)"), _REMOVED),
    (re.compile(rf"(?m)^{_REMOVED}[ \t]*"), ""),
    (re.compile(rf"[ \t]*{_REMOVED}(?=[\s.,;:!?)]|\Z)"), ""),
    (re.compile(_REMOVED), ""),
]


@dataclass(slots=True)
class Verified:
    """The answer with unknown markers removed, its citations, and what was wrong with it."""

    answer: str
    citations: list[Citation] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Quote:
    start: int  # offset of the opening mark in the answer
    end: int  # offset just after the closing mark
    text: str  # what lies between the marks


def normalize_for_match(text: str) -> tuple[str, list[int]]:
    """White space runs -> one space, curly quotes -> straight; and normalized -> original index."""
    chars: list[str] = []
    index: list[int] = []
    in_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if not in_space:
                chars.append(" ")
                index.append(i)
            in_space = True
            continue
        in_space = False
        chars.append(ch.translate(_FOLD))
        index.append(i)
    return "".join(chars), index


def locate_quote(
    text: str, quote: str, near: tuple[int, int] | None = None
) -> tuple[int, int] | None:
    """The (start, end) of `quote` in `text`, white space/curly quotes aside; None when absent.

    An ellipsis in the quote ("A ... B") matches each piece in order; the span then covers the
    elided text too. An occurrence starting inside `near` is preferred over an earlier one.
    """
    return _locate(normalize_for_match(text), quote, near)


def _locate(
    normalized: tuple[str, list[int]], quote: str, near: tuple[int, int] | None
) -> tuple[int, int] | None:
    norm, index = normalized
    attempts = [quote]
    trimmed = quote.rstrip().rstrip(",.;:")
    if trimmed and trimmed != quote.rstrip():
        attempts.append(trimmed)  # "a tender film," quoting "a tender film."
    for attempt in attempts:
        pieces = [normalize_for_match(p)[0].strip() for p in _ELLIPSIS.split(attempt)]
        pieces = [p for p in pieces if p]
        if not pieces:
            return None
        origins = [0]
        if near is not None:
            origins.insert(0, bisect_left(index, near[0]))
        for origin in origins:
            found = _find_in_order(norm, pieces, origin)
            if found is None:
                continue
            if origin == 0 or near is None or found[0] < bisect_left(index, near[1]):
                return index[found[0]], index[found[1] - 1] + 1
    return None


def _find_in_order(norm: str, pieces: list[str], origin: int) -> tuple[int, int] | None:
    first = _find_words(norm, pieces[0], origin)
    if first < 0:
        return None
    end = first + len(pieces[0])
    for piece in pieces[1:]:
        at = _find_words(norm, piece, end)
        if at < 0:
            return None
        end = at + len(piece)
    return first, end


def _find_words(norm: str, piece: str, origin: int) -> int:
    """Where `piece` occurs from `origin` on without cutting a word ("bore" is not in "boredom")."""
    at = norm.find(piece, origin)
    while at >= 0:
        before = norm[at - 1] if at > 0 else " "
        after = norm[at + len(piece)] if at + len(piece) < len(norm) else " "
        if not (piece[0].isalnum() and before.isalnum()) and not (
            piece[-1].isalnum() and after.isalnum()
        ):
            return at
        at = norm.find(piece, at + 1)
    return -1


def verify(answer: str, sources: Sequence[Source], finding: str = "") -> Verified:
    """Remove markers to missing sources and turn the rest into (verified or not) citations.

    `finding` is the product's own first paragraph when the answer opens with it (the
    catalog's finding, `AnswerRequest.lead`): the words it quotes are the thing asked about
    ('says "funny" or a word near it: 3 positive [1][2][3]'), not a review's, so its markers
    cite their passages and no quote."""
    by_n = {source.n: source for source in sources}
    problems: list[str] = []
    text = _drop_unknown_markers(answer, by_n, problems)
    quotes = _find_quotes(text)
    clusters = _find_clusters(text, quotes)
    stated = len(finding) if finding and text.startswith(finding) else 0
    attributed = _attribute(text, quotes, clusters, [q for q in quotes if q.start >= stated])
    found: dict[tuple[int, tuple[int, int]], Citation] = {}
    in_finding: set[int] = set()  # sources the finding cites, cited by their passage unless
    # the answer quotes them too (the finding's "3 positive [1][2][3]" above the quotes)
    normalized: dict[str, tuple[str, list[int]]] = {}

    def add(citation: Citation) -> None:
        key = (citation.n, citation.span)
        if key not in found or (found[key].verified and not citation.verified):
            found[key] = citation  # a doubtful quote outranks a plain passage citation

    for (start, _, marked), cited_quotes in zip(clusters, attributed, strict=True):
        numbers = [n for n in marked if n in by_n]  # unknown ones inside quotes stay as written
        cited: set[int] = set()
        for quote in cited_quotes:
            hits = []
            for n in numbers:
                review = by_n[n].review
                if review.id not in normalized:
                    normalized[review.id] = normalize_for_match(review.text)
                span = _locate(normalized[review.id], quote.text, (by_n[n].start, by_n[n].end))
                if span is not None:
                    hits.append(n)
                    add(_citation(by_n[n], review.text[span[0] : span[1]], span, True))
            if not hits:
                hits = numbers
                label = ", ".join(str(n) for n in numbers)
                _note(problems, f'unverified quote for [{label}]: "{quote.text.strip()}"')
                for n in numbers:
                    src = by_n[n]
                    add(_citation(src, quote.text.strip(), (src.start, src.end), False))
            cited.update(hits)
        for n in numbers:
            if n in cited:
                continue
            if start < stated:
                in_finding.add(n)
            else:
                add(_passage_citation(by_n[n]))
    cited_elsewhere = {n for n, _ in found}
    for n in sorted(in_finding - cited_elsewhere):
        add(_passage_citation(by_n[n]))
    citations = [found[key] for key in sorted(found)]
    return Verified(answer=text, citations=citations, problems=problems)


def renumber(verified: Verified) -> Verified:
    """The citations numbered in reading order: [1] is the first cited in the answer, [2] the
    next new one, and so on; the answer's markers are rewritten to match."""
    cited = {c.n for c in verified.citations}
    quotes = _find_quotes(verified.answer)
    clusters = [m for m in _CLUSTER.finditer(verified.answer) if not _inside(quotes, m.start())]
    order: list[int] = []
    for cluster in clusters:
        for n in map(int, _NUMBER.findall(cluster.group())):
            if n in cited and n not in order:
                order.append(n)
    order += sorted(cited - set(order))
    new = {old: i for i, old in enumerate(order, 1)}
    if all(old == n for old, n in new.items()):
        return verified

    def rewrite(match: re.Match[str]) -> str:
        return _NUMBER.sub(lambda m: str(new.get(int(m.group()), int(m.group()))), match.group())

    answer, at = [], 0
    for cluster in clusters:
        answer += [verified.answer[at : cluster.start()], rewrite(cluster)]
        at = cluster.end()
    answer.append(verified.answer[at:])
    citations = sorted(
        (replace(c, n=new[c.n]) for c in verified.citations), key=lambda c: (c.n, c.span)
    )
    return Verified(answer="".join(answer), citations=citations, problems=verified.problems)


def _citation(source: Source, quote: str, span: tuple[int, int], verified: bool) -> Citation:
    return Citation.of(source.n, source.review, quote, span, verified, source.side)


def _passage_citation(source: Source) -> Citation:
    """A citation of the whole passage (a marker with no quote beside it)."""
    return _citation(source, source.text, (source.start, source.end), True)


def _note(problems: list[str], problem: str) -> None:
    if problem not in problems:
        problems.append(problem)


def _drop_unknown_markers(answer: str, by_n: dict[int, Source], problems: list[str]) -> str:
    quotes = _find_quotes(answer)

    def rewrite(match: re.Match[str]) -> str:
        if _inside(quotes, match.start()):
            return match.group()
        groups = _GROUP_RE.findall(match.group())
        kept = []
        for group in groups:
            numbers = [int(x) for x in _NUMBER.findall(group)]
            known = [n for n in numbers if n in by_n]
            for n in numbers:
                if n not in by_n:
                    _note(problems, f"removed citation [{n}]: there is no source {n}")
            kept.append(group if known == numbers else "[" + ", ".join(map(str, known)) + "]")
        kept = [group for group in kept if group != "[]"]
        if kept == groups:
            return match.group()
        return "".join(kept) or _REMOVED

    text = _CLUSTER.sub(rewrite, answer)
    for pattern, replacement in _TIDY:  # a removed marker leaves no stray space or "()"
        text = pattern.sub(replacement, text)
    return text


def _inside(quotes: list[_Quote], at: int) -> bool:
    return any(q.start < at < q.end for q in quotes)


def _find_quotes(text: str) -> list[_Quote]:
    """Quoted words, each within one line: "...", “...”, and '...'/‘...’ of two words or more."""
    quotes: list[_Quote] = []
    line_start = 0
    for line in text.split("\n"):
        i = 0
        while i < len(line):
            close = _closing(line, i)
            if close is None:
                i += 1
                continue
            inner = line[i + 1 : close]
            if any(ch.isalnum() for ch in inner):  # "..." alone claims nothing
                quotes.append(_Quote(line_start + i, line_start + close + 1, inner))
            i = close + 1
            if line.startswith(" — ", i):
                # `"quote" — Critic, Outlet [n]`: the attribution up to the marker quotes
                # nothing, even a nickname like David 'Mad Dog' Bradley.
                marker = line.find("[", i)
                i = marker if marker > 0 else len(line)
        line_start += len(line) + 1
    return quotes


def _closing(line: str, i: int) -> int | None:
    ch = line[i]
    if ch == '"':
        depth = 1  # a nested "quote" opens after a space, before a word; one closes before none
        for j in range(i + 1, len(line)):
            if line[j] != '"':
                continue
            if j + 1 < len(line) and line[j + 1].isalnum():
                depth += line[j - 1].isspace()
            else:
                depth -= 1
                if depth == 0:
                    return j
        close = line.find('"', i + 1)
        return close if close > 0 else None
    if ch == "“":
        close = line.find("”", i + 1)
        return close if close > 0 else None
    if ch not in "'‘" or (i > 0 and line[i - 1] not in _OPEN_AFTER):
        return None
    if i + 1 >= len(line) or line[i + 1].isspace():
        return None
    for j in range(i + 2, len(line)):
        if line[j] in "'’" and not line[j - 1].isspace():
            if j + 1 < len(line) and line[j + 1].isalnum():
                continue  # an apostrophe: don't, it's
            return j if " " in line[i + 1 : j].strip() else None
    return None


def _find_clusters(text: str, quotes: list[_Quote]) -> list[tuple[int, int, list[int]]]:
    """Runs of adjacent markers outside quotes: (start, end, distinct numbers in order)."""
    clusters = []
    for match in _CLUSTER.finditer(text):
        if _inside(quotes, match.start()):
            continue
        numbers = list(dict.fromkeys(int(x) for x in _NUMBER.findall(match.group())))
        clusters.append((match.start(), match.end(), numbers))
    return clusters


def _sentence_starts(text: str, quotes: list[_Quote]) -> list[int]:
    starts = [0]
    for match in _SENTENCE_END.finditer(text):
        if _inside(quotes, match.start()):
            continue
        if match.group() != "\n":
            following = _NEXT_CHAR.match(text, match.end())
            nxt = following.group(1) if following else ""
            if nxt and not (nxt.isupper() or nxt.isdigit() or nxt in _STARTS_SENTENCE):
                continue
            if match.group().startswith(".") and abbreviation_before(text, match.start()):
                continue
        starts.append(match.end())
    return starts


def _attribute(
    text: str,
    quotes: list[_Quote],
    clusters: list[tuple[int, int, list[int]]],
    claimable: list[_Quote],
) -> list[list[_Quote]]:
    """For each cluster, the quotes it cites (of `claimable`, the quotes of a review): those
    before it in its sentence, else the next."""
    starts = _sentence_starts(text, quotes)
    result: list[list[_Quote]] = []
    claimed: set[_Quote] = set()
    previous_end = 0
    for start, end, _ in clusters:
        sentence = starts[bisect_left(starts, start + 1) - 1]
        low = max(sentence, previous_end)
        before = [q for q in claimable if q.start >= low and q.end <= start]
        claimed.update(before)
        result.append(before)
        previous_end = end
    for k, (_, end, _) in enumerate(clusters):
        if result[k]:
            continue
        gap = _AFTER_MARKER.match(text, end)
        following = [q for q in claimable if gap is not None and q.start == gap.end()]
        if following and following[0] not in claimed:
            result[k] = following
            claimed.add(following[0])
    return result
