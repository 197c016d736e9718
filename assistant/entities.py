"""Find the films, critics and outlets a question names, using the names the index knows.

Matching is case-, accent- and punctuation-blind, and tolerant of a missing year or a partial
title. Titles and outlet names that are also everyday words ("Her", "Up", "Time") only match
when the question writes them capitalized, as a name; so do outlets of one word that reviewers
write every day ("the response to Coco" is not the outlet Response, "world-building" not WORLD).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from index.catalog import Catalog
from index.names import alternate_titles, name_key, split_year

# Words a question writes as words, never as a name of one word, unless capitalized (and not
# as its first word: "Her ..." is a pronoun there): pronouns, the frame of a question, and
# "people" (of "what did people say").
COMMON_WORDS = frozenset(
    """a an the her him his she he it its out in on of to is be me we us you they them
    this that what who how why when where which people film films
    movie movies critic critics review reviews say said think thought about like liked""".split()
)
# A name of one word among the words reviewers write most (`assistant.review_words`, ranked
# by how often 50,000 IMDb reviews write them) is a word there unless written as a name:
# "world" ranks 179th, "response" 3,427th, "soul" 1,282nd, "brave" 2,756th, "titanic"
# 3,719th; "guardian" 7,629th, "coco" 16,573rd and "fargo" 13,102nd are names however written.
# An outlet also where written as a source ("did mtv say"), a film where written as a title
# is, after a word that takes one ("think of titanic", "who disliked soul").
EVERYDAY_RANK = 5000
_TITLE_BEFORE = frozenset(
    """of about on in than versus vs like liked likes dislike disliked dislikes hate hated love
    loved enjoy enjoyed review reviews reviewed praised panned see saw watch watched rate
    rated is was""".split()
)


def everyday(word: str) -> bool:
    """Whether reviewers write `word` among their EVERYDAY_RANK most written words."""
    from assistant.review_words import word_ranks

    rank = word_ranks().get(word)
    return rank is not None and rank < EVERYDAY_RANK


@dataclass(frozen=True, slots=True)
class Name:
    """A name the index knows: its display form and its match key."""

    display: str
    key: str
    words: tuple[str, ...]
    written: str = ""  # an alternate title as written ("Seven Samurai"); "": the display's


@dataclass
class Entities:
    """What a question names; each list holds display names as stored."""

    films: list[str] = field(default_factory=list)
    critics: list[str] = field(default_factory=list)
    outlets: list[str] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)  # word spans matched
    # titles written as a stored title and a sequel's number the index lacks ("Toy Story 5"
    # beside "Toy Story"): another film, never the stored one
    unlisted: list[str] = field(default_factory=list)
    # a name several stored titles open with ("Star Wars" for "Star Wars: Episode IV - A New
    # Hope" and "Star Wars: Episode V - ..."): the name as written and the films it may mean
    ambiguous: list[tuple[str, list[str]]] = field(default_factory=list)


def _tokens(text: str) -> list[str]:
    return name_key(text).split()


# a subtitle made of these names a part, not a film ("Part II", "Chapter 2", "Vol. 1")
_PART_WORDS = frozenset("part chapter episode volume vol book".split())


def _subtitles(title: str) -> list[str]:
    """The subtitle of a stored title, when of two words or more with no number or part word:
    "The Lord of the Rings: The Return of the King (2003)" -> ["The Return of the King"];
    after a dash as well ("Star Wars: Episode I - The Phantom Menace" -> "The Phantom
    Menace"). "Mission: Impossible" (one word) and "Kill Bill: Vol. 1" give none."""
    base = split_year(title)[0]
    _, colon, tail = base.partition(": ")
    if not colon:
        return []
    found = []
    for part in (tail, tail.rpartition(" - ")[2]):
        words = _tokens(part)
        numbered = any(w.isdigit() or w in _ROMAN or w in _PART_WORDS for w in words)
        if len(words) >= 2 and not numbered and part not in found:
            found.append(part)
    return found


def _original_words(text: str) -> list[str]:
    """The question's words in original case, aligned with `_tokens` for ASCII-ish text."""
    return [w for w in re.split(r"[^\w]+", text) if w]


NameTable = dict[tuple[str, ...], list[Name]]  # a name's words (match keys) -> its names
Claimed = tuple[tuple[int, int], list[Name]]  # a word span of a question and the names there


class NameIndex:
    """Every film, critic and outlet name in the catalog, for matching against questions."""

    def __init__(self, films: Iterable[str], critics: Iterable[str], outlets: Iterable[str]):
        self._films = self._build(films, strip_year=True)
        self._film_titles: dict[str, list[str]] = {}  # match key of title + year -> titles
        for names in self._films.values():
            for name in names:
                self._film_titles.setdefault(" ".join(_tokens(name.display)), []).append(
                    name.display
                )
        # "Star Wars" for the titles opening "Star Wars: ..."; a stored title of those words
        # wins, and a head of one word ("Henry: Portrait of a Serial Killer", "2001: A Space
        # Odyssey") is too often a person, a word or a year to stand for a film
        self._series: NameTable = {}
        for names in self._films.values():
            for name in names:
                head = tuple(_tokens(name.display.partition(":")[0]))
                if ":" in name.display and len(head) >= 2 and head not in self._films:
                    self._series.setdefault(head, []).append(name)
        self._add_alternate_titles()
        self._critics = self._build(critics, strip_year=False)
        self._outlets = self._build(outlets, strip_year=False)
        tables = (self._films, self._critics, self._outlets)
        self._longest = max((len(key) for table in tables for key in table), default=1)
        self._critic_surnames: dict[str, list[Name]] = {}
        for names in self._critics.values():
            for name in names:
                if len(name.words) >= 2 and len(name.words[-1]) >= 4:
                    same = self._critic_surnames.setdefault(name.words[-1], [])
                    if name not in same:  # a name with initials is kept under two keys
                        same.append(name)

    def _add_alternate_titles(self) -> None:
        """ "Seven Samurai" and "Shichinin no Samurai" name "Seven Samurai (Shichinin no
        Samurai)" (`alternate_titles`): the title before the parentheses as a stored title
        does, one inside them when of two words or more ("La Haine (Hate)": "hate" is a word
        first); so does a subtitle of two words or more ("The Return of the King",
        `_subtitles`). A stored title of the same words wins."""
        stored = set(self._films)
        for names in list(self._films.values()):
            for name in names:
                titles = [*alternate_titles(name.display), *_subtitles(name.display)]
                for i, title in enumerate(titles):
                    words = tuple(_tokens(title))
                    if not words or words in stored or (i > 0 and len(words) < 2):
                        continue
                    same = self._films.setdefault(words, [])
                    if all(other.display != name.display for other in same):
                        same.append(Name(name.display, " ".join(words), words, title))

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> NameIndex:
        return cls(catalog.names("film"), catalog.names("critic"), catalog.names("publication"))

    @staticmethod
    def _build(names: Iterable[str], *, strip_year: bool) -> dict[tuple[str, ...], list[Name]]:
        table: dict[tuple[str, ...], list[Name]] = {}
        for display in names:
            base = split_year(display)[0] if strip_year else display
            words = tuple(_tokens(base))
            if words:
                table.setdefault(words, []).append(Name(display, " ".join(words), words))
            initials = _joined_initials(words)  # "A.O. Scott" asked as "AO Scott"
            if initials != words and not strip_year:
                table.setdefault(initials, []).append(Name(display, " ".join(words), words))
        return table

    @cached_property
    def films(self) -> list[str]:
        return sorted({n.display for names in self._films.values() for n in names})

    @cached_property
    def title_words(self) -> frozenset[str]:
        """Every word of every stored title (its year aside), as name keys."""
        return frozenset(word for key in self._films for word in key)

    @cached_property
    def word_titles(self) -> frozenset[str]:
        """The stored titles of one word (their year aside), as name keys: "elemental"."""
        return frozenset(key[0] for key in self._films if len(key) == 1)

    @cached_property
    def long_titles(self) -> list[tuple[str, frozenset[str]]]:
        """The stored titles of several words as written (their year aside; "WALL-E" is one
        word), longest first, each with its words (name keys)."""
        titles = {
            n.written or split_year(n.display)[0]: n.words
            for names in self._films.values()
            for n in names
        }
        several = [(title, frozenset(words)) for title, words in titles.items() if " " in title]
        return sorted(several, key=lambda item: len(item[0]), reverse=True)

    @cached_property
    def critics(self) -> list[str]:
        return sorted({n.display for names in self._critics.values() for n in names})

    @cached_property
    def outlets(self) -> list[str]:
        return sorted({n.display for names in self._outlets.values() for n in names})

    def film_variants(self, film: str) -> list[str]:
        """The stored films matching `film`: the one of that title and year when `film` gives
        a year the index has, else every film of that title (any year)."""
        exact = self._film_titles.get(" ".join(_tokens(film)))
        if exact:
            return list(exact)
        base = tuple(_tokens(split_year(film)[0]))
        return [n.display for n in self._films.get(base, [])]

    def critic_variants(self, critic: str) -> list[str]:
        return self._lookup(self._critics, critic, surnames=True)

    def outlet_variants(self, outlet: str) -> list[str]:
        return self._lookup(self._outlets, outlet, surnames=False)

    def _lookup(
        self, table: dict[tuple[str, ...], list[Name]], text: str, *, surnames: bool
    ) -> list[str]:
        words = tuple(_tokens(text))
        if words in table:
            return [n.display for n in table[words]]
        if surnames and len(words) == 1 and words[0] in self._critic_surnames:
            return [n.display for n in self._critic_surnames[words[0]]]
        partial = (
            n.display for key, names in table.items() if _contains(key, words) for n in names
        )
        return list(dict.fromkeys(partial))  # a name with initials is kept under two keys

    def find(self, question: str) -> Entities:
        """The films, critics and outlets `question` names (longest, non-overlapping matches)."""
        words = _tokens(question)
        originals = _original_words(question)
        aligned = len(originals) == len(words)
        found = Entities()
        taken: list[tuple[int, int]] = []

        def capitalized(start: int, end: int) -> bool:
            if not aligned:
                return True
            return all(w[:1].isupper() or w[:1].isdigit() for w in originals[start:end])

        def claim(
            table: NameTable, out: list[str], *, titles: bool = False, outlets: bool = False
        ) -> list[Claimed]:
            """The names of `table` in the question, longest first, not overlapping what is
            taken; `titles`: a sequel's number after one makes another film, and one of an
            everyday word is a title where written as one; `outlets`: one of an everyday word
            is a name where written as one or as a source."""
            claimed: list[Claimed] = []
            for length in range(min(len(words), self._longest), 0, -1):
                for start in range(len(words) - length + 1):
                    span = (start, start + length)
                    if any(s < span[1] and span[0] < e for s, e in taken):
                        continue
                    names = table.get(tuple(words[start : start + length]))
                    if not names:
                        continue
                    # a name that is also a word is a name where written as one; a question
                    # of that one word ("coco?", "Her") can only mean the title
                    word = words[start]
                    alone = length == 1 and len(words) > 1
                    common = alone and word in COMMON_WORDS
                    if alone and start and _YEAR_WORD.fullmatch(words[start - 1]):
                        common = True  # "from 2015 onward": a date's word, not Onward
                    if alone and not common and everyday(word):
                        before = words[start - 1] if start else ""
                        common = not (
                            (outlets and _as_source(words, start))
                            or (titles and before in _TITLE_BEFORE)
                        )
                        if common and capitalized(*span) and (titles or start > 0):
                            common = False  # "Soul ..." opens with the film; "World-..." not
                    if common and not capitalized(*span):
                        continue
                    if common and start == 0:
                        continue  # "Her ..." at the start of a sentence is a pronoun
                    if titles and _sequel_number(words, span[1]):
                        # a stored sequel of that number would have matched first (longer)
                        taken.append((start, span[1] + 1))
                        written = (originals if aligned else words)[start : span[1] + 1]
                        found.unlisted.append(" ".join(written))
                        continue
                    taken.append(span)
                    claimed.append((span, names))
                    out.extend(n.display for n in names if n.display not in out)
            return claimed

        claim(self._critics, found.critics)
        films = claim(self._films, found.films, titles=True)
        series = claim(self._series, [], titles=True)
        self._resolve_series(series, originals if aligned else words, found)
        if len(films) > 1:
            self._scope_films(words, films, taken, found)
        claim(self._outlets, found.outlets, outlets=True)
        self._claim_surnames(words, originals, aligned, taken, found)
        found.spans = sorted(taken)
        # the films in the order the question names them ("Fargo and Pulp Fiction"), not the
        # order they were matched in (longest first)
        at: dict[str, int] = {}
        for (start, _), names in sorted(films + series, key=lambda claimed: claimed[0]):
            for name in names:
                at.setdefault(name.display, start)
        found.films.sort(key=lambda film: at.get(film, len(words)))
        return found

    @staticmethod
    def _resolve_series(series: list[Claimed], written: list[str], found: Entities) -> None:
        """A name stored titles open with: the film, when one title does; else ambiguous."""
        for (start, end), names in series:
            films = sorted(n.display for n in names)
            if len(films) == 1:
                found.films.extend(f for f in films if f not in found.films)
            else:
                found.ambiguous.append((" ".join(written[start:end]), films))

    @staticmethod
    def _scope_films(
        words: list[str],
        films: list[tuple[tuple[int, int], list[Name]]],
        taken: list[tuple[int, int]],
        found: Entities,
    ) -> None:
        """ "About Lightyear in Toy Story": the film after "in" is the scope; a title named
        before it is a thing talked about, so its words stay content terms. Films listed after
        a scope ("the music in Coco or Soul", "in Up, Cars and Luca") are scopes too."""
        scoped: list[tuple[tuple[int, int], list[Name]]] = []
        for span, names in sorted(films, key=lambda film: film[0]):
            before = words[span[0] - 1] if span[0] > 0 else ""
            listed = any(_follows(words, end, span[0]) for (_, end), _ in scoped)
            if before == "in" or listed:
                scoped.append((span, names))
        if not scoped or len(scoped) == len(films):
            return
        keep = {n.display for _, names in scoped for n in names}
        for span, _ in films:
            if all(span != s for s, _ in scoped):
                taken.remove(span)
        found.films = [f for f in found.films if f in keep]

    def _claim_surnames(
        self,
        words: list[str],
        originals: list[str],
        aligned: bool,
        taken: list[tuple[int, int]],
        found: Entities,
    ) -> None:
        """ "What did Ebert think" -> Roger Ebert: a capitalized surname in a critic phrase
        ("agree with Ebert" too, in a question about agreeing)."""
        agreeing = any(w.startswith(("agree", "disagree")) for w in words)
        for i, word in enumerate(words):
            names = self._critic_surnames.get(word)
            if not names or any(s <= i < e for s, e in taken):
                continue
            if aligned and not originals[i][:1].isupper():
                continue
            with_them = agreeing and i > 0 and words[i - 1] == "with"
            critic_phrase = with_them or _as_source(words, i)
            if critic_phrase:
                taken.append((i, i + 1))
                found.critics.extend(n.display for n in names if n.display not in found.critics)


# the words beside a critic's surname alone that make it the critic: "did Ebert think",
# "Ebert's review", "by Ebert"
_CRITIC_BEFORE = frozenset("did does by to from critic".split())
_CRITIC_AFTER = frozenset("think thought say said write wrote s review make".split())


_YEAR_WORD = re.compile(r"(?:19|20)\d\d")


def _as_source(words: list[str], at: int) -> bool:
    """Is the word at `at` written as whose words they are, as a critic's surname is ("did
    mtv say", "mtv's review", "by mtv")?"""
    before = words[at - 1] if at else ""
    after = words[at + 1] if at + 1 < len(words) else ""
    return before in _CRITIC_BEFORE or after in _CRITIC_AFTER


_ROMAN = frozenset("ii iii iv vi vii viii ix xi xii".split())  # "v", "x": also "versus"


def _sequel_number(words: list[str], end: int) -> bool:
    """Is the word at `end` a sequel's number ("Toy Story 5", "Rocky IV"): 1 to 99 or a roman
    numeral, not a year ("Toy Story 1995")?"""
    if end >= len(words):
        return False
    word = words[end]
    return (word.isdigit() and len(word) <= 2 and word != "0") or word in _ROMAN


_LISTING = frozenset({"or", "and", "vs", "versus"})  # joins films into one list (commas: no word)


def _follows(words: list[str], end: int, start: int) -> bool:
    """Does the title starting at word `start` follow, in one list, a title ending at `end`:
    right after it ("in Up, Cars": a comma is no word) or after "or", "and" ("in Coco or
    Soul"), a year in parentheses after the first title allowed ("Coco (2017) or Soul")?"""
    if end < len(words) and words[end].isdigit() and len(words[end]) == 4:
        end += 1
    return start == end or (start == end + 1 and words[end] in _LISTING)


def _joined_initials(words: tuple[str, ...]) -> tuple[str, ...]:
    """`words` with each run of single letters joined: ("a", "o", "scott") -> ("ao", "scott")."""
    joined: list[str] = []
    in_run = False  # the last of `joined` is made of single letters
    for word in words:
        if len(word) == 1 and in_run:
            joined[-1] += word
        else:
            joined.append(word)
            in_run = len(word) == 1
    return tuple(joined)


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return n > 0 and any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))
