"""What a question asks for, beyond the names in it: a stance (who liked / disliked) and the
content words that a review must speak to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from index.names import name_key

Stance = Literal["positive", "negative"]

_NEGATIVE = re.compile(
    r"\b(dislik\w*|hat(e|ed|es|ing)|didn'?t like|did not like|don'?t like|not like|negative\w*|"
    r"pann?(ed|ing|s)?|rotten|critici[sz]\w*|complain\w*|bad reviews?|"
    r"critical(?! (?:reception|reaction|response|consensus|acclaim|opinions?|verdicts?|"
    r"reviews?|takes?|views?|thoughts|assessments?|appraisals?|take on|view of|standing))|"
    r"unimpressed|disappoint\w*|detractors?|thumbs down|weak\w*|flaws?|"
    r"problems?|wrong|harsh\w*|toughest|"
    r"(?:was|is|were|being)\s+(?:so\s+|too\s+|really\s+|pretty\s+|just\s+)?"
    r"(?:bad|terrible|awful|dreadful|boring|dull|mediocre|overrated))\b",
    re.IGNORECASE,
)
# A liking word negated ("wasn't a fan of", "never enjoyed", "not impressed by") or liking
# least ("liked Fargo the least", the film's name blanked; "liked the acting in Fargo least";
# not "liked it at least"; "least impressed"): negative. Only the liking word is claimed: the
# words up to "least" may name the thing
_NEGATED = re.compile(
    r"\b(?:not|never|no|\w+n['’]?t)\s+(?:\w+\s+){0,2}?"
    r"(?:lik\w*|lov\w*|fans?|enjoy\w*|impressed|admir\w*|prais\w*|care for|keen on)\b|"
    r"\b(?:lik\w*|lov\w*|enjoy\w*|admir\w*)(?=\s+(?:\w+\s+){0,4}?(?<!\bat )least\b)|"
    r"\bleast\s+(?:lik\w*|impressed|enthusiastic|fond|keen|kind|favou?rabl\w*|enjoy\w*)",
    re.IGNORECASE,
)
_POSITIVE = re.compile(
    r"\b(lik(e|ed|es)|lov(e|ed|es)|prais\w*|positive\w*|fresh|enjoy\w*|favou?rabl\w*|"
    r"rave\w*|admir\w*|impress(?:ed|es|ive)?|thumbs up|champion\w*|fans?|best|"
    r"good( reviews?)?|great|kindest|glowing|beloved|acclaimed)\b",
    re.IGNORECASE,
)
_RECEPTION = re.compile(
    r"\b(well|badly|warmly|poorly) received|\breception\b|\bconsensus\b|\bverdict\b|"
    r"\bdivided\b|\bsplit\b|\bhow (was|is) .+ received\b|\bworth (seeing|watching)\b|"
    r"\ba (hit|flop)\b|\bsummar(y|ize|ise)\b|\brecommend(ed)?\b|\breact(ed|ions?)?\b|"
    r"\brespon(d|ded|ses?)\b",
    re.IGNORECASE,
)

# Who went against most critics: the side with fewer reviews, whichever it is (the ones who
# liked a film most panned, or disliked one most liked)
_MINORITY = re.compile(
    r"\b(dissent\w*|disagree\w*|contrarian\w*|outliers?|minority|mavericks?|"
    r"against the (?:consensus|grain|tide|crowd|majority|rest)|odd (?:ones?|critics?) out|"
    r"(?:bucked|bucking|bucks|went|going|goes|go) against(?: the \w+)?|bucked the \w+)\b",
    re.IGNORECASE,
)
_NEWEST = re.compile(
    r"\b(most recent|latest|newest|recent|last)\s+(?:\w+\s+)?reviews?\b", re.IGNORECASE
)
# "give me three negative quotes", "show 5 reviews of Up", "a quote about the music": how
# many quotes the asker wants (1 to MOST_QUOTES_ASKED)
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10, "a couple of": 2, "a few": 3}  # fmt: skip
_QUOTES_ASKED = re.compile(
    r"\b(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|a couple of|a few)\s+"
    r"(?:\w+\s+)?(?:quotes|quotations|reviews|excerpts|examples|citations)\b"
    r"|\b(a|one)\s+(?:\w+\s+)?(?:quote|quotation|excerpt)\b",
    re.IGNORECASE,
)
MOST_QUOTES_ASKED = 20


def quotes_asked(question: str) -> int | None:
    """How many quotes `question` asks for ("give me three negative quotes" -> 3, "a quote
    about the music" -> 1); None when it names no number of them, or asks how many there are
    ("how many of the 20 reviews ...")."""
    if _COUNT.search(question):
        return None
    found = _QUOTES_ASKED.search(question)
    if found is None:
        return None
    said = (found.group(1) or found.group(2)).casefold()
    n = int(said) if said.isdigit() else _NUMBERS.get(said, 1)
    return n if 1 <= n <= MOST_QUOTES_ASKED else None


# the predicate of a yes/no question: "was the story of Cars 2 bad?" (not "the bad guy")
_NEGATIVE_PREDICATE = re.compile(
    r"\b(bad|terrible|awful|dreadful|boring|dull|mediocre|overrated)\W*$", re.IGNORECASE
)
# "how good is the acting?" asks how much, either way: no stance, and no word of the thing
_DEGREE = re.compile(r"\bhow (good|bad|great|well|badly|strong|weak)\b", re.IGNORECASE)
_OLDEST = re.compile(r"\b(first|earliest|oldest)\s+(?:\w+\s+)?reviews?\b", re.IGNORECASE)
_WHICH_FILMS = re.compile(r"^\W*(?:which|what) (?:films|movies)\b", re.IGNORECASE)
_WHO = re.compile(
    r"^\W*(?:who\b|which (?:critics?|reviewers?|outlets?|publications?|writers?)\b)",
    re.IGNORECASE,
)
_WHETHER = re.compile(r"^\W*(?:and |so |but )?(?:did|do|does|was|were|is|are)\b", re.IGNORECASE)
_COUNT = re.compile(
    r"\bhow many\b|\bpercent(age)?\b|%|\bproportion\b|\bshare of\b|\bfraction\b|"
    r"\bnumber of\b|\bhow much of\b|\bratio\b|\bcount\b",
    re.IGNORECASE,
)
# Words that open a question or request: capitalized there as the sentence's first word only.
_OPENERS = frozenset(
    """tell show list give find compare summarize summarise describe explain please any anyone
    were was is are do does did has have can could would should will which what who whom whose
    how why when where name quote according overall generally in on for from among between
    if so and but or yes no ok okay hi hello hey""".split()
)

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in into
    is it its itself just me more most my myself no nor not now of off on once only or other
    our ours out over own same she should so some such than that the their theirs them then
    there these they this those through to too under until till since up very was we were what
    when where which while who whom why will with would you your yours critic critics critical
    review
    reviews reviewer reviewers reviewed reviewing film films movie movies say says said saying
    think thinks thought ask asked index database according part parts aspect aspects thing
    things element elements
    write wrote written feel felt opinion opinions view views tell talk talked mention mentioned
    whats what's anyone any people do does did make made get got much many really
    didn doesn don isn wasn weren aren hasn haven
    well received reception overall general generally consensus verdict
    percent percentage proportion share fraction number ratio count
    prefer preferred better worse compare compared comparison versus vs or than
    find finds found rate rates rated outlet outlets publication publications
    worth seeing watching hit flop summary summarize summarise recommend recommended
    mostly largely mainly predominantly react reacted reaction reactions respond responded
    response responses give gave given gives giving me quote quotes quoted name names
    list tell agree agreed agrees
    discuss discussed discusses discussing describe described describes describing
    fare fared fares take takes please regarding concerning
    handle handles handled handling portray portrays portrayed portraying depict depicts
    depicted depicting treat treats treated tackle tackles tackled common frequent
    released release releases came thoughts impressions
    one two three four five six seven eight nine ten onwards onward forward later
    first second third previous favorite favourite favorites favourites still anymore
    call calls called calling main major biggest sentence sentences paragraph paragraphs
    rather quite somewhat fairly least even almost""".split()
)


_CRITICS = frozenset({"critic", "critics", "reviewer", "reviewers"})
# A request's first word ("Show the latest reviews"): no thing, though "the show" may be one
_IMPERATIVES = frozenset("show list give find name quote describe explain compare".split())
_NOUN_TOO = frozenset({"love", "hate"})  # stance verbs that are nouns after a determiner
_DETERMINERS = frozenset("the a an its their this that his her".split())

FUNCTION_WORDS = frozenset("a an the i of in on at to and or but what who how why which".split())
_DO = frozenset("did do does".split())


def _predicate(words: list[str], claimed: set[int]) -> set[int]:
    """In "did the humor land in Cars 2?", "does the villain in Up work?": the verb that says
    what the thing did, which is not the thing. The question opens with "did", "do" or "does"
    and a determiner; the subject runs from there to the first stop word or name. The verb is
    the first content word after the subject, or, with none after it, the subject's last word
    when it has two or more ("the humor land": "land"). A question opened by "was" or "is"
    keeps its adjective ("was the story complex?" asks about a complex story)."""
    if len(words) < 4 or words[0] not in _DO or words[1] not in _DETERMINERS:
        return set()
    start = end = 2
    while end < len(words) and end not in claimed and words[end] not in STOPWORDS:
        end += 1
    after = [
        i
        for i in range(end, len(words))
        if i not in claimed and words[i] not in STOPWORDS and not words[i].isdigit()
    ]
    if after:
        return {after[0]}
    return {end - 1} if end - start >= 2 else set()


@dataclass(frozen=True, slots=True)
class Intent:
    stance: Stance | None  # "who disliked X?" -> negative
    reception: bool  # "was X well received?": an overview of both sides, with counts
    terms: tuple[str, ...]  # content words (name keys), names of film/critic/outlet removed
    proper: tuple[str, ...] = ()  # terms written as names mid-question, in their exact case
    count: bool = False  # "how many ...", "what percentage ...": the answer leads with numbers
    opening: str | None = None  # the first word, capitalized, when it may be a name ("Sadness")
    whether: bool = False  # a yes/no question: "did critics like the humor in X?"
    full_names: tuple[str, ...] = ()  # names of several words among `proper`: "Steve Buscemi"
    top_critics: bool = False  # "which top critics disliked X?": the top-critic filter
    minority: bool = False  # "who disagreed with the consensus?": the smaller side, either
    who: str | None = None  # "which critics / outlets reviewed X?": "critics" | "outlets"
    order: str | None = None  # "the latest reviews of X": "newest" | "oldest" (by date)
    one: bool = False  # "the latest review" (one), not "the latest reviews"
    films_asked: bool = False  # "which films did Ebert dislike?": the answer names films
    # names of several words (among `full_names`) written whole only, their last word being
    # a word too ("Dark Knight": "a knight"), set by retrieval from the index's own texts
    whole_names: tuple[str, ...] = ()
    # names in a possessive before a thing ("Pixar" in "Pixar's animation"): whose the thing is
    owners: tuple[str, ...] = ()


def analyse(question: str, named_spans: list[tuple[int, int]] | None = None) -> Intent:
    """The stance, reception flag and content terms of `question`.

    `named_spans` are word spans (over `name_key(question).split()`) already claimed by names
    of films, critics or outlets; their words are not content terms. A word capitalized in
    mid-question ("about Sadness in Inside Out") is a name: it is a term even when it is an
    everyday word, and it is matched in its exact case. The first word is capitalized anyway,
    so it is a name only where reviews write it capitalized mid-sentence (`opening`; retrieval
    checks), unless it is a question word or a stop word.
    """
    words = name_key(question).split()
    claimed = {i for start, end in (named_spans or []) for i in range(start, end)}
    # "top critics" asks for a kind of critic, not about "the top"
    top = {i for i, word in enumerate(words[:-1]) if word == "top" and words[i + 1] in _CRITICS}
    claimed |= top
    dated = _NEWEST.search(question) or _OLDEST.search(question)
    if dated:  # "the latest reviews": an order, no thing
        claimed |= _word_indices(question, dated.span(1), len(words))
    degree = _DEGREE.search(question)
    if degree:
        claimed |= _word_indices(question, degree.span(1), len(words))
    against = _MINORITY.search(question)
    if against:  # its words ask who, not about what
        claimed |= _word_indices(question, against.span(), len(words))
    # "the love story", "a love triangle": a noun after a determiner, no stance
    nouned = {
        i
        for i, word in enumerate(words)
        if word in _NOUN_TOO and i > 0 and words[i - 1] in _DETERMINERS
    }
    # read before stance words are claimed: "was the voice cast good?" ends its subject at "good"
    predicate = _predicate(words, claimed)
    unnamed = _without_words(question, claimed | nouned, len(words))
    negated = _NEGATED.sub(lambda m: " " * len(m.group()), unnamed)
    negative = negated != unnamed or bool(_NEGATIVE.search(unnamed))
    predicate_word = _NEGATIVE_PREDICATE.search(unnamed) if _WHETHER.match(question) else None
    if predicate_word:
        negative = True
        claimed |= _word_indices(question, predicate_word.span(1), len(words))
    positive = bool(_POSITIVE.search(_NEGATIVE.sub(" ", negated)))  # "didn't like": negative
    for pattern in (_NEGATED, _NEGATIVE, _POSITIVE):  # "a bad review", "not a fan": no thing
        for found in pattern.finditer(unnamed):
            claimed |= _word_indices(question, found.span(), len(words))
    claimed |= predicate
    stance: Stance | None = None
    if negative and not positive:
        stance = "negative"
    elif positive and not negative:
        stance = "positive"
    originals = [w for w in re.split(r"[^\w]+", question) if w]
    aligned = len(originals) == len(words)
    terms: list[str] = []
    proper: list[str] = []
    named_at: list[int] = []  # where the names are, to join the neighbours into full names
    opening: str | None = None
    for i, word in enumerate(words):
        if (
            i in claimed
            or len(word) < 2
            or word.isdigit()
            or (_stance_word(word) and i not in nouned)
        ):
            continue
        is_name = aligned and i > 0 and originals[i][:1].isupper() and word not in FUNCTION_WORDS
        if (
            aligned
            and i == 0
            and originals[0][:1].isupper()
            and word not in STOPWORDS
            and word not in _OPENERS
        ):
            opening = originals[0]
            if word not in terms:
                terms.append(word)
            continue
        if not is_name and (word in STOPWORDS or (i == 0 and word in _IMPERATIVES)):
            continue
        if word not in terms:
            terms.append(word)
        if is_name:
            named_at.append(i)
            if originals[i] not in proper:
                proper.append(originals[i])
    return Intent(
        stance=stance,
        reception=bool(_RECEPTION.search(question)),
        terms=tuple(terms),
        proper=tuple(proper),
        count=bool(_COUNT.search(question)),
        opening=opening,
        whether=bool(_WHETHER.search(question)),
        # a capitalized first word joins a name after it ("Star Wars?", "Frances McDormand ...")
        full_names=_full_names(
            originals, [0, *named_at] if opening and 1 in named_at else named_at
        ),
        top_critics=bool(top),
        minority=against is not None,
        who=_who(question),
        order=None if dated is None else ("newest" if dated.re is _NEWEST else "oldest"),
        one=dated is not None and not dated.group().casefold().endswith("reviews"),
        films_asked=bool(_WHICH_FILMS.search(question)),
        owners=_owners(words, originals, named_at, terms) if aligned else (),
    )


def _owners(
    words: list[str], originals: list[str], named_at: list[int], terms: list[str]
) -> tuple[str, ...]:
    """The name words of the question's possessives before a thing ("Pixar" in "Pixar's
    animation", "Frances" and "McDormand" in "Frances McDormand's performance")."""
    owners: list[str] = []
    named = set(named_at)
    for i in named_at:
        after = i + 2
        if after < len(words) and words[i + 1] == "s" and words[after] in terms:
            if after in named:
                continue
            start = i
            while start - 1 in named:
                start -= 1
            owners.extend(originals[j] for j in range(start, i + 1))
    return tuple(dict.fromkeys(owners))


def _full_names(originals: list[str], named_at: list[int]) -> tuple[str, ...]:
    """The runs of two or more name words side by side in the question, joined."""
    runs: list[list[int]] = []
    for i in named_at:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return tuple(" ".join(originals[i] for i in run) for run in runs if len(run) > 1)


def _without_words(question: str, claimed: set[int], count: int) -> str:
    """`question` with its claimed words (names: "The Good Dinosaur") blanked out, so that a
    stance is read from the question's own words; as is when its words do not line up with
    the `count` name-key words the spans count in."""
    found = _words_matched(question, count)
    if not claimed or not found:
        return question
    text = list(question)
    for i in claimed:
        start, end = found[i].span()
        text[start:end] = " " * (end - start)
    return "".join(text)


def _who(question: str) -> str | None:
    """ "outlets" for "which outlets / publications ...?", "critics" for "who ...?" or
    "which critics / reviewers ...?", else None."""
    asked = _WHO.search(question)
    if asked is None:
        return None
    return (
        "outlets" if re.search(r"outlet|publication", asked.group(), re.IGNORECASE) else "critics"
    )


def _word_indices(question: str, span: tuple[int, int], count: int) -> set[int]:
    """The indices of the question's words (as `name_key` splits it: `count` of them) inside
    the character `span`; none when its words do not line up."""
    found = _words_matched(question, count)
    return {i for i, m in enumerate(found) if span[0] <= m.start() and m.end() <= span[1]}


def _words_matched(question: str, count: int) -> list[re.Match[str]]:
    """The question's words where they line up with the `count` words `name_key` splits it
    into (what word indices count in); [] when they do not."""
    found = list(re.finditer(r"[^\W_]+", question))
    return found if len(found) == count else []


def _stance_word(word: str) -> bool:
    return bool(_NEGATIVE.fullmatch(word) or _POSITIVE.fullmatch(word))
