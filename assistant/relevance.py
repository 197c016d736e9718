"""Relevance by meaning for questions about a thing a film is judged on ("the jokes in WALL-E",
"the pacing of Onward"): which reviews bear on it, in any words.

The thing asked about is widened to the words of the index the embedding model finds nearest
to it ("jokes" -> humor, funny, laughs, comedic ...; nothing is listed by hand), then by a
few words reviewers write in its place, learnt from public reviews ("story" -> plot,
narrative; `assistant.review_words`), ranked after those, and by the words that the sentence
model, the index's usage and the review words all put near it, none near enough alone
("witty" for the jokes); less the words reviewers list beside it, other things of its kind
("editing" beside "pacing", `assistant.review_lists`). A passage that uses one of them is a
candidate, and candidates rank by how near the words they use are to the thing, added up (a
passage on "the gags" and "the humor" speaks more of the jokes than one on either), ties
broken by how near the whole passage is; one speaking of it in another word that a reading is
sure of ("the songs" for the music), not in the asked word, weighs as if it wrote the asked
word too (PARAPHRASE_WEIGHT). Passages that use none of the words are not cited: a film with
300 reviews and 6 about its message gets 6 citations, not 8.
"""

from __future__ import annotations

import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Collection, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from assistant.intent import STOPWORDS
from assistant.review_lists import load_review_lists
from assistant.review_words import folded, load_review_words, word_ranks
from assistant.scope import ScopeFacts, scope_filters
from index.fts import fts_query, other_numbers
from index.names import name_key
from index.vocabulary import Vocabulary, VocabularyStore

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from assistant.retrieval import Plan, Retriever
    from index.filters import Filters

NEIGHBOUR_FLOOR = 0.55  # cosine similarity a word needs to stand for the thing asked about
MAX_NEIGHBOURS = 40
# A neighbour below SURE_NEIGHBOUR stands for the thing only when the review words put it at
# least WRITTEN_ALIKE near too, or, for a word they do not know, the index's usage at least
# USED_ALIKE (`_borne_out`). Near in spelling or in another sense only: "cinemas" -0.03 /
# "filmic" 0.14 from "cinematography", "backward" 0.15 from "direction", "certainty" -0.04
# from "predictable"; bearing on it: "laughed" 0.19 from "jokes". Usage does not overrule the
# review words: in an index of film reviews every word of the craft is used alike ("cinema"
# 0.45, "scenes" 0.56 for the cinematography, written 0.11 and 0.13), so it tells the film
# from other talk, not one thing of the film from another. On the Pixar dev sets this drops
# no word a cited passage rests on (BENCHMARKS.md).
SURE_NEIGHBOUR = 0.7
WRITTEN_ALIKE = 0.18
USED_ALIKE = 0.35
# Words reviewers write where they would write the thing (`assistant.review_words`): only the
# nearest few, only those the sentence model puts at least this near the thing, and ranked
# after its own neighbours (their similarity scaled below NEIGHBOUR_FLOOR): they are also
# different things of the same kind ("directing" beside "acting").
REVIEW_NEIGHBOURS = 20
REVIEW_AGREEMENT = 0.2
REVIEW_WEIGHT = 0.5
REVIEW_USAGE_AGREEMENT = 0.2  # the same, between how the index uses each (`Vocabulary.usage`)
# A word that none of those puts near enough alone, but the sentence model, the index's usage
# and the review words all put at least AGREED_EACH near, AGREED_MEAN on average (`_agreed`):
# on Pixar films cut to 12 reviews beside CS109, recall 0.759 -> 0.788 (BENCHMARKS.md)
AGREED_EACH = 0.42
AGREED_MEAN = 0.45
AGREED_CANDIDATES = 400  # the sentence model's nearest words read for it
COMMON_SHARE = 0.05  # a neighbour in more of the passages than this tells little ...
COMMON_RATIO = 10  # ... when it is also this many times as common as the asked word
# A word taken for the thing below SURE_NEIGHBOUR (a neighbour not near enough to be sure, a
# word reviewers write in its place, one all three readings agree on) that reviewers write over
# BROADER_RATIO times as often as the asked word (by its rank among the words of public reviews,
# `review_words.word_ranks`) names something broader that holds the thing, or a sibling of
# wider use: "character" (rank 106) for the villain (1,038), "script" (225) for the pacing
# (1,776), "director" (162) and "acting" (111) for the screenplay (907), "love" for the romance.
# On the Pixar semantic dev set precision 0.807 -> 0.829 at the same recall; any ratio from 4
# to 6 gives the same (BENCHMARKS.md).
BROADER_RATIO = 5
# How near the whole passage is to the thing only breaks ties between passages using words of
# the same weight: among passages using a word for the thing, it barely tells those that speak
# of it from the others (ROC AUC 0.51 on the Pixar semantic dev set; BENCHMARKS.md)
NEAR_WEIGHT = 0.2
# a passage on the thing that names whose it is ("Pixar's animation") ranks above one using
# the same words without the name
OWNER_WEIGHT = 0.5
# A passage that speaks of the thing in another word than the asked one (in either number)
# weighs PARAPHRASE_WEIGHT more, as if it wrote the asked word too, so that it ranks among the
# passages writing both: those writing the asked word are the ones a reader's own search finds,
# the answer's few places show how else critics put it, and its count holds both. Only a word
# a reading is sure of, as SURE_NEIGHBOUR is for the sentence model: it or the review words put
# it that near the thing ("songs" 0.77, "soundtrack" 0.90 written alike for the music; "pace"
# 0.81 for the pacing). On the Pixar semantic dev set syn_recall 0.571 -> 0.663 at the same
# recall and precision (0.882, 0.827). The gain rests on the words each set's gold lists hold:
# 0.65 gives 0.716 there, 0.6 costs recall 0.07 ("tale" for the story is in no list), 0.75
# gives 0.629; a cut fitted to this set's lists would be fitted to its words (BENCHMARKS.md).
PARAPHRASE_WEIGHT = 1.0
SURE_PARAPHRASE = SURE_NEIGHBOUR
# The review words are sure of a word at SURE_PARAPHRASE only when it is that alike beyond how
# crowded both places are (`ReviewWords.alike_beyond_crowding`) by at least UNCROWDED: a word
# written where every word of the craft is written is near any of them. "direction" (0.71 from
# "pacing", 0.06 beyond) made "a big step in the right direction" rank above "Onward has its
# issues and pacing problems" for the pacing of Onward; "script" for the acting (0.02 beyond),
# "direction" for the cinematography (-0.02) the same. Kept: "pace" (0.32), "score" for the
# music (0.31), "lines" for the dialogue (0.19), "writing" for the screenplay (0.16), "tension"
# for the suspense (0.40). The cut lies in the gap between those; no dev figure moves
# (BENCHMARKS.md).
UNCROWDED = 0.1
# How sure the review words are of a word is read on the asked word's own scale too: each word
# has its own there ("plot" 0.67 is second only to "storyline" 0.69 for the story, while "fart"
# 0.70 trails "gags" 0.84 for the jokes). A word within AS_NEAR_AS_NEAREST of the asked word's
# nearest (and at least NEIGHBOUR_FLOOR near) is written in its place about as often: "plot"
# and "storyline" for the story, "graphics" for the animation, "personalities" for the
# characters. Pixar semantic dev syn_recall 0.663 -> 0.700 at the same recall and precision,
# the same for any value from 0.02 to 0.08; at 0.1 "tale" (0.60) enters, which none of the
# gold lists holds (recall 0.821) (BENCHMARKS.md).
AS_NEAR_AS_NEAREST = 0.05
# A word reviewers list beside the thing ("the acting, writing and direction",
# `assistant.review_lists`) is another thing of its kind, however alike the readings above put
# them: listed together in at least LISTED_SHARE of the public reviews that write both, and
# those at least LISTED_EVIDENCE. "editing" for the pacing (0.11 of the reviews writing both),
# "writing" and "directing" for the acting, "costumes", "design" and "editing" for the
# cinematography, "sex" and "profanity" for the violence, "comedy" and "drama" for the
# romance; not "gags" for the jokes (0.03), "tension" for the suspense (0.09), "blood" for the
# gore (0.09), "plot" for the story (0.02), "score" for the music (0.01). Nothing changes on
# the Pixar dev sets, whose things have no such word among their words (BENCHMARKS.md).
LISTED_SHARE = 0.1
LISTED_EVIDENCE = 20
# The thing is read in the number reviewers write far more often when the question uses the
# other: read as "stories", the story loses "plot" and "storyline" (the review words learn
# "stories" from 9 times fewer uses, and as tales told); as "animations", the animation loses
# "animated". A form at least MORE_WRITTEN times rarer (by `review_words.word_ranks`), or one the
# review words do not know ("musics"), is read as its other number. Not between forms both
# written often, whose senses part: "sets" (722) is not read as "set" (265), "effect" (913) as
# "effects" (282: the special ones), "times" as "time", "musicals" as "musical". The semantic
# dev set asked in the other number ("the joke", "the stories"; `bench/phrasings`): recall
# 0.679 -> 0.845 (0.849 at 3, which also reads "effect" as "effects"); as written, unchanged
# (BENCHMARKS.md).
MORE_WRITTEN = 5
KNOWN_THINGS = 256  # things whose words are kept between questions
CANDIDATES = 2000  # passages using the words, read at most (best bm25 first)
_WORD = re.compile(r"[a-z]+")
# the words standing for a thing, with their weights, and the thing's vector
Found = tuple[dict[str, float], "npt.NDArray[np.float32]"]


def words_of(text: str) -> set[str]:
    """The words of `text`, casefolded, accents dropped."""
    return set(_WORD.findall(folded(text)))


def untitled(text: str, titles: Sequence[str]) -> str:
    """`text` with each of `titles` written as a title (its own case, or in capitals) blanked:
    "Toy Story 3 tells a poignant story" keeps only the second "story"."""
    for title in titles:
        text = text.replace(title, " ").replace(title.upper(), " ")
    return text


@lru_cache(maxsize=4096)
def nearest_written(term: str) -> float | None:
    """How alike the review words write `term` and the nearest other word they know (its own
    other number aside); None when they do not know it. Read once per word: a scan of every
    review word."""
    forms = ThingMatcher._asked_forms([term])
    near = load_review_words().near([term], len(forms))
    return next((similarity for word, similarity in near.items() if word not in forms), None)


def read_in_written_number(focus: list[str]) -> list[str]:
    """`focus` with each word the review words do not know, or know as written at least
    MORE_WRITTEN times less often than its other number, in that number (see MORE_WRITTEN):
    "stories" -> "story", "musics" -> "music"; "jokes", "joke", "sets" as they are."""
    ranks = word_ranks()
    read = []
    for term in focus:
        known = [form for form in (term, *other_numbers(term)) if form in ranks]
        most = min(known, key=ranks.__getitem__, default=term)
        rarer = term not in ranks or ranks[term] + 1 >= MORE_WRITTEN * (ranks[most] + 1)
        read.append(most if rarer else term)
    return read


class ThingMatcher:
    """Ranks the passages of a scope by what they say about the thing a question asks about."""

    def __init__(self, retriever: Retriever, vocabulary: VocabularyStore) -> None:
        self.retriever = retriever
        self.vocabulary = vocabulary
        # words_for per (focus, catalog data version): one question asks it several times
        self._known: OrderedDict[tuple[tuple[str, ...], int], Found] = OrderedDict()
        self._lock = threading.Lock()

    def focus(self, plan: Plan) -> list[str]:
        """The words of the thing asked about: the question's content terms, unless it names
        someone (names keep their exact-match strength, see `Retriever._lexical`)."""
        intent = plan.intent
        if intent.opening or set(intent.proper) - set(intent.owners):
            return []
        owners = {name_key(owner) for owner in intent.owners}  # "Pixar's animation": animation
        return [t for t in intent.terms if t.isalpha() and t not in owners]

    def words_for(self, focus: list[str]) -> Found:
        """The index's words standing for the thing (with their similarity), and its vector."""
        focus = read_in_written_number(focus)
        key = (tuple(focus), self.retriever.index.catalog.data_version())
        with self._lock:
            if key in self._known:
                self._known.move_to_end(key)
                return self._known[key]
        vector = self.retriever.index.embedder.embed_query(" ".join(focus))
        vocabulary = self.vocabulary.get()
        words = vocabulary.neighbours(
            vector, NEIGHBOUR_FLOOR, MAX_NEIGHBOURS, vocabulary.used_like(focus)
        )
        words = self._borne_out(words, focus, vocabulary)
        for word, near in self._written_alike(focus, vector, vocabulary).items():
            words.setdefault(word, near)
        for word, near in self._agreed(focus, vector, vocabulary).items():
            words.setdefault(word, near)
        # a word a question never asks about ("film", "review") stands for no thing either, nor
        # does one that is a film's title here ("elemental" near "chemistry" in Pixar's reviews)
        titled = self.retriever.names.word_titles
        words = {
            word: near
            for word, near in words.items()
            if word not in STOPWORDS and (word in focus or word not in titled)
        }
        own = self._own_words(focus, vector)
        # the asked word in either number is the asked word: "a visual triumph" speaks of the
        # visuals as "the visuals" does, and a question asked in the other number ("the joke")
        # weighs the same passages alike. The other number used to weigh only its nearness
        # (0.75 "visual", 0.76 "joke"), so that it ranked below every passage writing the
        # asked form; Pixar semantic dev syn_recall 0.700 -> 0.703 (BENCHMARKS.md)
        held = self.retriever.index.catalog.word_passages(self._asked_forms(own))
        for form, passages in held.items():
            if form in own or passages:
                words[form] = 1.0
        words = self._not_broader(self._both_numbers(words, focus), focus)
        words = self._not_listed_beside(words, focus, own)
        found = (self._telling(words, focus), vector)
        with self._lock:
            self._known[key] = found
            while len(self._known) > KNOWN_THINGS:
                self._known.popitem(last=False)
        return found

    @staticmethod
    def _borne_out(
        words: dict[str, float], focus: list[str], vocabulary: Vocabulary
    ) -> dict[str, float]:
        """The sentence model's neighbours of the thing, less those below SURE_NEIGHBOUR that
        the other readings do not bear out, in either number: the review words put them under
        WRITTEN_ALIKE from the nearest asked word ("cinemas" and "filmic" for the
        cinematography, "backward" for the direction: near in spelling or in another sense),
        or, for a word the review words do not know, the index's usage puts them under
        USED_ALIKE. A word neither knows is kept."""
        doubtful = [word for word, near in words.items() if near < SURE_NEIGHBOUR]
        doubtful = [word for word in doubtful if word not in focus]
        if not doubtful:
            return words
        review_words = load_review_words()
        # each word in either number, as near as it is to the nearest asked word: "storylines"
        # is rarely written (0.25 from "story"), "storyline" often (0.69); and in "was the
        # story complex?" neither is near "complex"
        forms = {word: (word, *other_numbers(word)) for word in doubtful}
        read = [form for spellings in forms.values() for form in spellings]
        written: dict[str, float] = {}
        for term in focus:
            for form, near in review_words.similarities([term], read).items():
                written[form] = max(near, written.get(form, -1.0))
        asked_usage = vocabulary.used_like(focus)
        usage = {} if asked_usage is None else vocabulary.usage_similarities(read, asked_usage)
        unborne = set()
        for word, spellings in forms.items():
            alike = [written[form] for form in spellings if form in written]
            used = [usage[form] for form in spellings if form in usage]
            if alike:
                if max(alike) < WRITTEN_ALIKE:
                    unborne.add(word)
            elif used and max(used) < USED_ALIKE:
                unborne.add(word)
        return {word: near for word, near in words.items() if word not in unborne}

    @staticmethod
    def _written_alike(
        focus: list[str], vector: npt.NDArray[np.float32], vocabulary: Vocabulary
    ) -> dict[str, float]:
        """The index's words that reviewers write where they write the focus ("plot" for
        "story"), weighted below the sentence model's own neighbours (see REVIEW_NEIGHBOURS):
        those the sentence model puts near enough the thing and, where the index shows how it
        uses both, used near enough as the thing is ("bit" is written beside "ending" in "the
        ending was a bit abrupt", but the passages holding it are about anything). A word the
        index does not write stands for its other number where the index writes that:
        "performances" is among the words reviewers write for the acting, and the reviews of
        Her write only "performance"."""
        alike: dict[str, float] = {}
        for word, near in load_review_words().near(focus, REVIEW_NEIGHBOURS).items():
            held = [form for form in (word, *other_numbers(word)) if vocabulary.holds(form)]
            for form in held[:1]:
                alike[form] = max(near, alike.get(form, -1.0))
        agreement = vocabulary.similarities(alike, vector)
        asked_usage = vocabulary.used_like(focus)
        usage = {} if asked_usage is None else vocabulary.usage_similarities(alike, asked_usage)
        return {
            word: REVIEW_WEIGHT * near
            for word, near in alike.items()
            if agreement.get(word, -1.0) >= REVIEW_AGREEMENT
            and usage.get(word, 1.0) >= REVIEW_USAGE_AGREEMENT
        }

    def _own_words(self, focus: list[str], vector: npt.NDArray[np.float32]) -> list[str]:
        """The asked words that stand for the thing alone: each of one word; of several, those
        the sentence model puts at least NEIGHBOUR_FLOOR near the whole ("effects" for "the
        special effects", not "special": "a special film" says nothing of them), or all when
        none is."""
        if len(focus) < 2:
            return focus
        import numpy as np

        embedder = self.retriever.index.embedder
        near = [
            float(np.dot(embedder.embed_query(term), vector)) >= NEIGHBOUR_FLOOR for term in focus
        ]
        return [term for term, kept in zip(focus, near, strict=True) if kept] or focus

    def _agreed(
        self, focus: list[str], vector: npt.NDArray[np.float32], vocabulary: Vocabulary
    ) -> dict[str, float]:
        """The index's words that each way of reading a word puts near the thing, though none
        near enough alone: the sentence model, how the index uses the word, and where
        reviewers write it ("witty" and "hilarious" for the jokes: 0.53 / 0.54 / 0.43, each
        below what it takes alone). Weighed as the review words are (see `_written_alike`),
        by the three averaged."""
        read = vocabulary.neighbours(vector, AGREED_EACH, AGREED_CANDIDATES)
        asked_usage = vocabulary.used_like(focus)
        if not read or asked_usage is None:
            return {}
        usage = vocabulary.usage_similarities(list(read), asked_usage)
        others = [word for word in read if word in usage and word not in focus]
        written = load_review_words().similarities(focus, others)
        agreed: dict[str, float] = {}
        for word, near in written.items():
            three = (read[word], usage[word], near)
            if min(three) >= AGREED_EACH and sum(three) / 3 >= AGREED_MEAN:
                agreed[word] = REVIEW_WEIGHT * sum(three) / 3
        if not agreed:
            return {}
        # no more common than the thing's own word: "pixar" is near "animation" all three ways
        # in reviews of Pixar films, and in three times as many of their passages
        passages = self.retriever.index.catalog.word_passages([*agreed, *focus])
        asked = max(passages.get(term, 0) for term in focus)
        return {word: near for word, near in agreed.items() if passages[word] <= max(asked, 1)}

    def _both_numbers(self, words: dict[str, float], focus: list[str]) -> dict[str, float]:
        """`words` with the other number of each word reviewers write in the thing's place
        that the index writes too, weighing as much: "performance" beside "performances" for
        the acting (only the nearest few review words are taken, so one form can miss the
        cut). The sentence model's own neighbours hold the forms it finds near: the other
        number of those ("acts" beside "act") added nothing on the Pixar dev set but noise
        (precision 0.814 -> 0.792). Nor does a form the review words put under WRITTEN_ALIKE
        from the thing, where they know it: "theme" is written where "music" is (a score's
        theme), "themes" is not (the thematic sense); Pixar semantic dev precision 0.827 ->
        0.831 at the same recall."""
        others = {
            other: near
            for word, near in words.items()
            if near < NEIGHBOUR_FLOOR
            for other in other_numbers(word)
        }
        others = {word: near for word, near in others.items() if word not in words}
        written = load_review_words().similarities(focus, list(others))
        others = {
            word: near
            for word, near in others.items()
            if written.get(word, WRITTEN_ALIKE) >= WRITTEN_ALIKE
        }
        held = self.retriever.index.catalog.word_passages(others)
        return words | {word: near for word, near in others.items() if held[word]}

    @staticmethod
    def _not_broader(words: dict[str, float], focus: list[str]) -> dict[str, float]:
        """`words` without those taken below SURE_NEIGHBOUR that reviewers write over
        BROADER_RATIO times as often as the most written asked word: what the villain is one
        of ("characters"), not the villain. Ranks stand for counts (a word's count falls
        about as its rank rises); a word without a rank is kept, and so is a neighbour near
        enough to be sure ("visual" for the visuals, whatever its count)."""
        ranks = word_ranks()
        asked = [ranks[term] for term in focus if term in ranks]
        if not asked:
            return words
        most_written = min(asked)
        return {
            word: near
            for word, near in words.items()
            if near >= SURE_NEIGHBOUR
            or word in focus
            or word not in ranks
            or most_written <= BROADER_RATIO * (ranks[word] + 1)
        }

    @classmethod
    def _not_listed_beside(
        cls, words: dict[str, float], focus: list[str], own: list[str]
    ) -> dict[str, float]:
        """`words` without those reviewers list beside an asked word that stands for the thing
        (`own`, see `_own_words`; see LISTED_SHARE): another thing of the same kind ("editing"
        beside "pacing"), not the thing. Not beside a word that does not stand for it:
        "special" in "the special effects"."""
        lists = load_review_lists()
        asked = cls._asked_forms(focus)
        others = [word for word in words if word not in asked]
        listed = {
            word
            for term in own
            for word, together in lists.together(term, others).items()
            if together.both >= LISTED_EVIDENCE and together.share >= LISTED_SHARE
        }
        return {word: near for word, near in words.items() if word not in listed}

    def _telling(self, words: dict[str, float], focus: list[str]) -> dict[str, float]:
        """`words` without the neighbours too common in this index to tell anything: one in
        more than COMMON_SHARE of the passages and over COMMON_RATIO times as common as the
        asked word (or as one passage, when no passage has it): "movie" near "soundtrack" in an
        index of film reviews."""
        catalog = self.retriever.index.catalog
        passages = catalog.word_passages(words)
        total = max(catalog.chunk_count(), 1)
        asked = max((passages.get(term, 0) for term in focus), default=0) or 1
        return {
            word: similarity
            for word, similarity in words.items()
            if word in focus
            or passages[word] <= COMMON_SHARE * total
            or passages[word] <= COMMON_RATIO * asked
        }

    @staticmethod
    def _asked_forms(focus: list[str]) -> set[str]:
        """The asked words in either number."""
        return {form for term in focus for form in (term, *other_numbers(term))}

    def _paraphrases(
        self, focus: list[str], words: dict[str, float], vector: npt.NDArray[np.float32]
    ) -> set[str]:
        """The words standing for the thing, the asked ones aside, that a reading is sure of
        (see PARAPHRASE_WEIGHT): the sentence model puts them at least SURE_PARAPHRASE near it,
        or the review words do, beyond how crowded both places are (see UNCROWDED), or put
        them about as near an asked word as the nearest word they know (AS_NEAR_AS_NEAREST)."""
        asked = self._asked_forms(focus)
        others = [word for word in words if word not in asked]
        model = self.vocabulary.get().similarities(others, vector)
        review_words = load_review_words()
        written = review_words.similarities(focus, others)
        written_near = [word for word in others if written.get(word, -1.0) >= SURE_PARAPHRASE]
        beyond = review_words.alike_beyond_crowding(focus, written_near)
        sure = {word for word in others if model.get(word, -1.0) >= SURE_PARAPHRASE}
        sure |= {word for word in written_near if beyond.get(word, -1.0) >= UNCROWDED}
        for term in focus:
            nearest = nearest_written(term)
            if nearest is None:
                continue  # a word the review words do not know
            cut = max(nearest - AS_NEAR_AS_NEAREST, NEIGHBOUR_FLOOR)
            alike = review_words.similarities([term], others)
            sure |= {word for word, near in alike.items() if near >= cut}
        return sure

    def counts(self, plan: Plan) -> ScopeFacts | None:
        """How many reviews in the question's scope (its stance aside) have a passage using a
        word for the thing, and how many of those are positive and negative; None when the
        question asks about no thing."""
        focus = self.focus(plan)
        if not focus:
            return None
        words, _ = self.words_for(focus)
        match = fts_query(sorted(words), exact=set(words))
        catalog = self.retriever.index.catalog
        filters = scope_filters(plan.filters)
        titles = self.titles_with(words)
        if not titles:
            return ScopeFacts(*catalog.matching_stance_counts(match, filters))
        # "story" in "Toy Story 3" is a name, not the story: read the passages themselves
        return ScopeFacts.of_labels(
            (review_id, sentiment)
            for review_id, sentiment, _, text in catalog.matching_passage_labels(match, filters)
            if words_of(untitled(text, titles)) & words.keys()
        )

    def film_counts(
        self, focus: list[str], filters: Filters, *, own: bool = False
    ) -> dict[str, tuple[int, int, int]]:
        """film -> (reviews, positive, negative) of the reviews within `filters` that have a
        passage using a word for the thing `focus`, counted as `counts` counts one scope;
        `own`: by its own and the sentence model's near words alone, not the words reviewers
        write in its place (for a quality, those are other qualities: "funny" for "scary")."""
        words, _ = self.words_for(focus)
        if own:
            words = {word: near for word, near in words.items() if near >= NEIGHBOUR_FLOOR}
        match = fts_query(sorted(words), exact=set(words))
        titles = self.titles_with(words)
        catalog = self.retriever.index.catalog
        labels: dict[str, dict[str, str]] = {}  # film -> review id -> sentiment
        for review_id, sentiment, film, text in catalog.matching_passage_labels(
            match, scope_filters(filters)
        ):
            if not titles or words_of(untitled(text, titles)) & words.keys():
                labels.setdefault(film, {})[review_id] = sentiment
        return {
            film: (
                len(reviews),
                sum(s == "positive" for s in reviews.values()),
                sum(s == "negative" for s in reviews.values()),
            )
            for film, reviews in labels.items()
        }

    def written_alike_in(self, focus: list[str], texts: Sequence[str]) -> tuple[str, ...]:
        """The words reviewers write in the thing's place (weighed below NEIGHBOUR_FLOOR, see
        `_written_alike`) that `texts` hold where none of the thing's own or near words is,
        most used first: what a count and its quotes rest on besides the thing's words."""
        words, _ = self.words_for(focus)
        alike = {word for word, weight in words.items() if weight < NEIGHBOUR_FLOOR}
        own = words.keys() - alike
        titles = self.titles_with(words)
        used: Counter[str] = Counter()
        for text in texts:
            held = words_of(untitled(text, titles))
            if held.isdisjoint(own):
                used.update(held & alike)
        return tuple(word for word, _ in used.most_common())

    def titles_with(self, words: Collection[str]) -> list[str]:
        """The index's film titles of several words (without their year) holding one of
        `words`, longest first: where those words are a name, not the thing. A one-word title
        ("Music") is left alone: it is written like the word at the start of a sentence."""
        titles = self.retriever.names.long_titles
        return [title for title, held in titles if not held.isdisjoint(words)]

    def ranked(self, plan: Plan, among: dict[int, str] | None) -> list[str]:
        """Chunk ids that speak to the thing, best first; [] when the question asks about no
        thing or no passage in scope uses a word for it."""
        focus = self.focus(plan)
        if not focus:
            return []
        words, vector = self.words_for(focus)
        match = fts_query(sorted(words), exact=set(words))
        rows = self.retriever.matching_passages(match, plan.filters, CANDIDATES, among)
        if not rows:
            return []
        titles = self.titles_with(words)
        held = {cid: words_of(untitled(text, titles)) & words.keys() for cid, text in rows}
        weight = {cid: sum(words[w] for w in held[cid]) for cid, _ in rows}
        asked = self._asked_forms(focus)
        paraphrases = self._paraphrases(read_in_written_number(focus), words, vector)
        for cid, _ in rows:
            if held[cid] & paraphrases and held[cid].isdisjoint(asked):
                weight[cid] += PARAPHRASE_WEIGHT
        candidates = [cid for cid, _ in rows if weight[cid] > 0]
        owners = [re.compile(rf"(?<!\w){re.escape(o)}(?!\w)") for o in plan.intent.owners]
        for cid, text in rows:  # "Pixar's animation": the passages naming Pixar first
            if weight[cid] > 0 and any(owner.search(text) for owner in owners):
                weight[cid] += OWNER_WEIGHT
        near = dict(self.retriever.index.rank_among(candidates, vector, len(candidates)))
        return sorted(candidates, key=lambda cid: -(weight[cid] + NEAR_WEIGHT * near.get(cid, 0.0)))
