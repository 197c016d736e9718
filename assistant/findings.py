"""The first sentence(s) of an answer: the finding, stated with the scope's catalog counts.

"17 of 20 reviews of Fargo (1996) are positive (85%); 3 negative. Quoted below: 8 of the 17."
Every number here comes from `ScopeFacts` (the catalog) or from the quotes actually shown;
nothing is counted from what retrieval returned and called a fact about the film.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.scope import ScopeFacts
from index.filters import Filters
from index.names import name_key
from index.records import Review

MAX_NAMES = 12
_WORD = {"positive": "positive", "negative": "negative"}
_VERB = {"positive": "liked", "negative": "disliked"}
OTHER_SIDE = {"positive": "negative", "negative": "positive"}
# the markers of the quotes an answer shows per group ("positive", "negative", "unknown")
Refs = Mapping[str, Sequence[int]]


@dataclass(frozen=True, slots=True)
class Finding:
    """What the lead states: the scope, its counts, the stance and form asked, what is shown."""

    scope: str  # "reviews of Fargo (1996)", "reviews of Fargo (1996) by Roger Ebert", ...
    facts: ScopeFacts
    stance: str | None  # the stance asked, if any
    count: bool  # "how many", "what percentage": lead with the number
    shown: Mapping[str, int]  # quotes shown per stance ("positive", "negative", "unknown")
    names: Sequence[str] = ()  # who wrote the reviews of the stance asked (or of all)
    names_are: str = ""  # "outlets", "films" when `names` are ("which outlets reviewed X?")
    one_film: bool = True  # the reviews are of one film: "critics who liked it" (else "them")


def describe_scope(filters: Filters) -> str | None:
    """The reviews `filters` select, in words; None when they select no film, critic, outlet
    or dates (the whole index is no scope a count could describe; the index's reviews of some
    dates are: "what did critics say in 2010?")."""
    named = filters.films or filters.critics or filters.outlets
    if not (named or filters.since or filters.until):
        return None
    text = "reviews" if named else "reviews in the index"
    if filters.films:
        text += " of " + join(filters.films)
    if filters.critics:
        text += " by " + join(filters.critics)
    if filters.outlets:
        text += " in " + join(filters.outlets)
    return text + narrowed(filters)


def narrowed(filters: Filters) -> str:
    """What narrows the reviews besides their films, critics and outlets, in words: " by top
    critics dated 2010-01-01 to 2010-12-31", or ""."""
    text = " by top critics" if filters.top_critics else ""
    if filters.since and filters.until:
        text += f" dated {filters.since} to {filters.until}"
    elif filters.since:
        text += f" dated {filters.since} or later"
    elif filters.until:
        text += f" dated {filters.until} or earlier"
    return text


def released_in(first: str, last: str) -> str:
    """Films' years from `first` to `last` in words ("0000" and "9999": open): "released in
    2012", "released 2010 to 2019", "released in 2015 or later"."""
    if first == last:
        return f"released in {first}"
    if first == "0000":
        return f"released in {last} or earlier"
    if last == "9999":
        return f"released in {first} or later"
    return f"released {first} to {last}"


def join(names: Sequence[str], most: int = MAX_NAMES) -> str:
    """'A', 'A and B', 'A, B and C', 'A, B, ... and 7 others' (never "and 1 others": one
    more than `most` is named)."""
    items = list(names)
    if len(items) > most + 1:
        items = [*items[:most], f"{len(items) - most:,} others"]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _reviews(n: int) -> str:
    return "review" if n == 1 else "reviews"


def _split(facts: ScopeFacts, first: str, verb: str = "") -> str:
    """'17 positive (85%), 3 negative and 1 with no label' starting with `first`; `verb`
    goes before the first stance ("17 are positive ...")."""
    second = OTHER_SIDE[first]
    are = f"{verb} " if verb else ""
    parts = [f"{facts.of(first):,} {are}{_WORD[first]} ({facts.percent(first)}%)"]
    parts.append(f"{facts.of(second):,} {_WORD[second]}")
    if facts.unrated:
        parts.append(f"{facts.unrated:,} with no label")
    return join(parts)


def lead(finding: Finding) -> str:
    """The finding as one paragraph."""
    facts, scope = finding.facts, finding.scope
    if facts.reviews == 0:
        return f"The index holds no {_held(scope)}."
    if finding.stance in _WORD:
        return _stance_lead(finding, finding.stance)
    if facts.reviews == 1:  # "Of 1 reviews ..., 1 is positive (100%)" says less, worse
        one = label_of_one(facts)
        label = f"labelled {one}" if one else "unlabelled"
        quoted = " Quoted below." if sum(finding.shown.values()) else ""
        return f"The index holds one {_singular(_held(scope))}, {label}.{quoted}"
    first = "negative" if facts.negative > facts.positive else "positive"
    if finding.count:
        text = f"The index holds {facts.reviews:,} {_held(scope)}: {_split(facts, first)}."
    elif facts.positive + facts.negative == 0:
        text = (
            f"The index holds {facts.reviews:,} {_held(scope)}, none labelled positive or negative."
        )
    elif facts.of(first) == facts.reviews:  # "Of 15 ..., 15 are positive (100%) and 0 negative"
        text = f"All {facts.reviews:,} {scope} are {_WORD[first]}."
    else:
        verb = "is" if facts.of(first) == 1 else "are"
        text = f"Of {facts.reviews:,} {scope}, {_split(facts, first, verb)}."
    if finding.names:  # "which critics reviewed X?"
        label = "Outlet" if finding.names_are == "outlets" else "Critic"
        plural = "s" if len(finding.names) > 1 else ""
        text += f" {label}{plural}: {join(finding.names)}."
    elif finding.names_are in ("critics", "outlets"):  # asked, and none is named
        what = "outlet" if finding.names_are == "outlets" else "critic"
        text += f" None of them names its {what}." if facts.reviews > 1 else f" It names no {what}."
    return text + _shown_overview(finding.shown)


def _held(scope: str) -> str:
    """`scope` after "The index holds": "reviews dated 2010-01-01 to 2010-12-31", not "reviews
    in the index dated ..."."""
    return scope.replace("reviews in the index", "reviews", 1)


def _who(finding: Finding, n: int) -> str:
    """ "Critic who" / "Critics who", or "Outlet that" / "Outlets that" when outlets are
    asked ("which outlets panned X?")."""
    if finding.names_are == "outlets":
        return "Outlet that" if n == 1 else "Outlets that"
    return "Critic who" if n == 1 else "Critics who"


def _stance_lead(finding: Finding, stance: str) -> str:
    facts, scope = finding.facts, finding.scope
    n, other = facts.of(stance), OTHER_SIDE[stance]
    them = "it" if finding.one_film else "them"  # "critics who liked it / them"
    if facts.reviews == 1:  # "1 of 1 reviews ... is positive (100%); 0 negative"
        label = _WORD.get(label_of_one(facts), "unlabelled")
        text = f"The index holds one {_singular(_held(scope))}, labelled {label}."
        if not n:
            return text
        if finding.names:
            text += f" {_who(finding, 1)} {_VERB[stance]} {them}: {join(finding.names)}."
        return text + (" Quoted below." if finding.shown.get(stance) else "")
    if n == 0:
        text = f"None of the {facts.reviews:,} {scope} is {_WORD[stance]}"
        return text + f"; {facts.of(other):,} {_WORD[other]}." + _unrated(facts)
    if finding.count and facts.reviews:
        text = (
            f"{facts.percent(stance)}% of the {scope} are {_WORD[stance]}: {n:,} of "
            f"{facts.reviews:,}; {facts.of(other):,} {_WORD[other]}."
        )
    elif n == facts.reviews and n > 1:  # "19 of 19 reviews ... (100%); 0 negative"
        text = f"All {n:,} {scope} are {_WORD[stance]}."
    else:
        verb = "is" if n == 1 else "are"
        text = (
            f"{n:,} of {facts.reviews:,} {scope} {verb} {_WORD[stance]} "
            f"({facts.percent(stance)}%); "
            f"{facts.of(other):,} {_WORD[other]}."
        )
    text += _unrated(facts)
    if finding.names and finding.names_are == "films":
        text += f" {'Film' if len(finding.names) == 1 else 'Films'}: {join(finding.names)}."
    elif finding.names:
        text += (
            f" {_who(finding, len(finding.names))} {_VERB[stance]} {them}: {join(finding.names)}."
        )
    shown = finding.shown.get(stance, 0)
    if shown and shown < n:
        text += f" Quoted below: {shown:,} of the {n:,}."
    elif shown:
        text += f" Quoted below: all {n:,}." if n > 1 else " Quoted below."
    return text


def _unrated(facts: ScopeFacts) -> str:
    if not facts.unrated:
        return ""
    return f" {facts.unrated:,} carry no label." if facts.unrated > 1 else " 1 carries no label."


def critics_lead(parts: Sequence[tuple[str, ScopeFacts]], of: str) -> str:
    """Each critic's reviews `of` a scope ("of Fargo"), with whether they agree when each
    wrote one labelled review: "Roger Ebert's review of Fargo is positive; Gene Siskel's is
    negative. They disagree."."""
    said: list[str] = []
    labels: list[str] = []
    of = f" {of}" if of else ""
    for critic, facts in parts:
        if facts.reviews == 0:
            said.append(f"{critic} has no review{of} in the index")
        elif facts.reviews == 1:
            label = label_of_one(facts)
            said.append(f"{critic}'s review{of} is {_WORD.get(label, 'unlabelled')}")
            labels.append(label)
        else:
            said.append(f"{critic}'s {facts.reviews:,} reviews{of}: {_labels(facts)}")
    text = "; ".join(said) + "."
    if len(labels) == len(parts) > 1 and all(labels):
        text += " They agree." if len(set(labels)) == 1 else " They disagree."
    return text[:1].upper() + text[1:]


def dated_lead(
    facts: ScopeFacts, scope: str, quoted: Sequence[Review], order: str, stance: str | None
) -> str:
    """For "the latest (first) reviews of X": which of the scope's reviews are quoted, by
    date: "The 8 most recent of the 20 reviews of Titanic, dated 2012-04-03 to 2012-04-06."."""
    which = "most recent" if order == "newest" else "earliest"
    of = f"{_WORD[stance]} " if stance in _WORD else ""
    total = facts.of(stance) if stance in _WORD else facts.reviews
    dates = sorted(r.date for r in quoted if r.date)
    if not dates:  # only dated reviews are quoted
        if not total:
            return f"The index holds no {of}{_held(scope)}."
        return f"None of the {total:,} {of}{scope} carries a date, so none is the {which}."
    head = f"The {which}" if len(quoted) == 1 else f"The {len(quoted):,} {which}"
    span = dates[0] if dates[0] == dates[-1] else f"{dates[0]} to {dates[-1]}"
    return f"{head} of the {total:,} {of}{scope}, dated {span}."


def unlabelled_lead(finding: Finding, stance: str) -> str:
    """A stance question over reviews that carry no stance label."""
    facts, verb = finding.facts, _VERB[stance]
    text = (
        f"None of the {facts.reviews:,} {finding.scope} carries a positive or negative label, "
        f"so who {verb} it cannot be told from labels."
    )
    shown = sum(finding.shown.values())
    return text + (f" Quoted below: the {shown:,} most relevant." if shown else "")


def _shown_overview(shown: Mapping[str, int]) -> str:
    if set(shown) == {"unknown"}:
        return f" Quoted below: {shown['unknown']:,} of them."
    parts = [f"{shown[k]:,} {_WORD[k]}" for k in ("positive", "negative") if shown.get(k)]
    if shown.get("unknown"):
        parts.append(f"{shown['unknown']:,} unlabelled")
    return f" Quoted below: {join(parts)}." if parts else ""


_DETERMINERS = frozenset("the its their these those s".split())  # not "her": a title ("Her")
_YES_NO = frozenset("is was are were did do does".split())


@dataclass(frozen=True)
class Thing:
    """The thing a question asks about, as an answer names it: "the voice cast" when the
    question writes its words as one phrase after "the" (or "its", "Up's" ...), else each word
    quoted ('"funny"', '"plot" or "predictable"'). A passage speaks of it when it uses any of
    its words or a word near one."""

    words: tuple[str, ...]
    phrase: bool
    name: bool = False  # a name the question asks about ("McDormand"), matched as written
    # words reviewers write in its place (`assistant.review_words`) that some passages are
    # counted and quoted for, none of its own or near words being in them ("dialogue")
    alike: tuple[str, ...] = ()

    @classmethod
    def called(cls, names: list[str]) -> Thing:
        """Names a question asks about ("Frances McDormand", "Joy" and "Sadness")."""
        return cls(tuple(names), phrase=False, name=True)

    @classmethod
    def asked(cls, question: str, focus: list[str]) -> Thing:
        """The focus words as one phrase when the question writes them so after a
        determiner, unless they end a yes/no question, where the last is what is asked of the
        thing ("is The Godfather's pacing slow?": "pacing" or "slow", not "the pacing slow")."""
        words, n = name_key(question).split(), len(focus)
        asks_whether = bool(words) and words[0] in _YES_NO
        phrase = any(
            words[i : i + n] == focus
            and i > 0
            and words[i - 1] in _DETERMINERS
            and not (asks_whether and n > 1 and i + n == len(words))
            for i in range(len(words) - n + 1)
        )
        return cls(tuple(focus), phrase)

    def __str__(self) -> str:
        if self.name:
            return " or ".join(self.words)
        if self.phrase:
            return "the " + " ".join(self.words)
        return " or ".join(f'"{word}"' for word in self.words)

    @property
    def near(self) -> str:
        return "a word near one" if len(self.words) > 1 else "a word near it"

    def spoken_of(self, plural: bool) -> str:
        """'speak of the music, in that word or a near one' | 'say "funny" or a word near it'
        | 'name McDormand'"""
        if self.name:
            return f"{'name' if plural else 'names'} {self}"
        if not self.phrase:
            return f"{'say' if plural else 'says'} {self} or {self.near}{self._alike_note()}"
        several = "one of those words" if len(self.words) > 1 else "that word"
        spoken = f"{'speak' if plural else 'speaks'} of {self}, in {several} or a near one"
        return spoken + self._alike_note()

    def _alike_note(self) -> str:
        """' (or in a word reviewers write in its place: "dialogue")', or "" """
        if not self.alike:
            return ""
        listed = ", ".join(f'"{word}"' for word in self.alike)
        return f" (or in a word reviewers write in its place: {listed})"

    def unnamed(self) -> str:
        """'names the music or a word near it' | 'says "funny" or a word near it' | 'names
        McDormand'"""
        if self.name:
            return f"names {self}"
        return f"{'names' if self.phrase else 'says'} {self} or {self.near}"


def unnamed_thing_lead(scope: str, facts: ScopeFacts, thing: Thing, quoted: bool) -> str:
    """For a question about a thing that no passage in scope names, in its own word or a
    word near it: say so with the scope's count, so that passages quoted for being nearest in
    meaning are not passed off as being about it; an empty scope is said to be empty."""
    if facts.reviews == 0:
        return f"The index holds no {_held(scope)}."
    if facts.reviews == 1:
        text = f"The one {_singular(scope)} never {thing.unnamed()}"
    else:
        text = f"None of the {facts.reviews:,} {scope} {thing.unnamed()}"
    if not quoted:
        return text + "."
    return f"{text}; the passages nearest it in meaning follow, and may be about something else."


def thing_lead(
    scope: str,
    facts: ScopeFacts,
    thing: Thing,
    speaking: ScopeFacts,
    shown: int,
    stance: str | None = None,
    count: bool = False,
    refs: Refs | None = None,
) -> str:
    """For a question about a thing some reviews in scope name: how many of the scope's
    reviews speak of it (a passage uses its word or a word near it; counted by the catalog)
    and how those reviews are labelled, each label followed by the markers of the quotes of
    reviews so labelled (`refs`, see `_labels`), then how many are quoted (of the `stance`
    asked, if one was), with each side's share of them when `count` ("what percentage ...").
    "" when none does."""
    n = speaking.reviews
    if n == 0:
        return ""
    if n == facts.reviews:
        head = f"All {n:,} {scope}" if n > 1 else f"The one {_singular(scope)}"
    else:
        # "what percentage of the reviews of Up mention the opening?": "8 (3%) of the 297 ..."
        share = f" ({round(100 * n / facts.reviews)}%)" if count else ""
        head = f"{n:,}{share} of the {facts.reviews:,} {scope}"
    text = f"{head} {thing.spoken_of(plural=n > 1)}: {_labels(speaking, count, refs)}."
    if stance in _WORD:
        # none of the side asked: the quotes, if any, are the other side's, on the thing
        side = stance if speaking.of(stance) else OTHER_SIDE[stance]
        of_side = speaking.of(side)
        opening = " Quoted below:"
        if side != stance:
            opening = f" None of them is {_WORD[stance]}; quoted below:"
        if shown and shown < of_side:
            text += f"{opening} {shown:,} of the {of_side:,} {_WORD[side]}."
        elif shown:
            text += f"{opening} the {shown:,} {_WORD[side]}."
        elif side != stance:
            text += f" None of them is {_WORD[stance]}."
    elif shown:
        text += f" Quoted below: {shown:,} of them." if shown < n else " All are quoted below."
    return text


def turned_note(
    turned: Mapping[tuple[str, str], int],
    thing: Thing,
    refs: Mapping[tuple[str, str], Sequence[int]] | None = None,
) -> str:
    """What the quotes grouped against their review's label say of the thing (see
    `assistant.thing_stance`): " Read clause by clause, 3 quoted from positive reviews are
    negative on the pacing [6][7][8]." (the markers: `refs` per (label, side)). "" when none
    is."""
    refs = refs or {}
    parts = [
        f"{n:,} quoted from {label} reviews {'is' if n == 1 else 'are'} {side}"
        f"{markers(refs.get((label, side), ()))}"
        for (label, side), n in sorted(turned.items())
        if n
    ]
    if not parts:
        return ""
    return f" Read clause by clause, {join(parts)} on {thing}."


def markers(numbers: Sequence[int]) -> str:
    """' [1][2][4]': the citation markers of `numbers`, or "" for none."""
    return " " + "".join(f"[{n}]" for n in numbers) if numbers else ""


def _labels(facts: ScopeFacts, shares: bool = False, refs: Refs | None = None) -> str:
    """ "10 positive, 18 negative" (with each one's share of the reviews when `shares`); with
    `refs`, each label is followed by the markers of the quotes of reviews so labelled
    ("positive", "negative" or "unknown" for the unlabelled; never of a quote grouped under
    another heading by what it says of the thing: "0 negative [8]" would contradict itself),
    the labels quoted in the order their quotes come."""
    refs = refs or {}

    def share(n: int) -> str:
        return f" ({round(100 * n / facts.reviews)}%)" if shares and facts.reviews else ""

    if facts.reviews and facts.unrated == facts.reviews:  # a corpus without labels
        said = "none is labelled positive or negative" if facts.reviews > 1 else "it is unlabelled"
        return said + markers(sorted({n for shown in refs.values() for n in shown}))
    parts = [
        ("positive", f"{facts.positive:,} positive{share(facts.positive)}"),
        ("negative", f"{facts.negative:,} negative{share(facts.negative)}"),
    ]
    if facts.unrated:
        parts.append(("unknown", f"{facts.unrated:,} unlabelled{share(facts.unrated)}"))
    # the labels with quotes in the order their quotes come (so markers read 1, 2, 3); the
    # others where they are ("0 positive, 2 negative [1][2]")
    cited = [i for i, (key, _) in enumerate(parts) if refs.get(key)]
    in_order = sorted((parts[i] for i in cited), key=lambda part: min(refs[part[0]]))
    for i, part in zip(cited, in_order, strict=True):
        parts[i] = part
    return ", ".join(text + markers(refs.get(key, ())) for key, text in parts)


def label_of_one(facts: ScopeFacts) -> str:
    """The label of a scope's one review: "positive", "negative", or "" when it has none."""
    return next((k for k in ("positive", "negative") if facts.of(k)), "")


def _singular(scope: str) -> str:
    return scope.replace("reviews", "review", 1)
