"""Which critics or outlets stand out (the harshest, the kindest, the most prolific): the
catalog's counts ranked, never retrieval's."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from assistant.people_rankings import Asked, people_ranking_asked, rank_people
from tests.support.reviews import answers

# critic: (outlet, fresh, rotten): twelve films, one review each
CRITICS = {
    "Ann Sour": ("The Ledger", 3, 9),  # 25% positive: the harshest with 10 reviews or more
    "Bo Even": ("The Ledger", 6, 6),
    "Cy Glad": ("Daily Star", 11, 1),  # 92%: the kindest
    "Di Rare": ("Daily Star", 0, 2),  # 0%, but 2 reviews are too few to rank
}


def write_reviews(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["film", "critic", "publication", "date", "fresh", "quote"])
        for critic, (outlet, fresh, rotten) in CRITICS.items():
            labels = ["fresh"] * fresh + ["rotten"] * rotten
            for i, label in enumerate(labels):
                mood = "a delight" if label == "fresh" else "a chore"
                studio = "Pixar's " if i % 2 == 0 else ""  # the even films' reviews name Pixar
                writer.writerow(
                    [f"Film {i} (2001)", critic, outlet, f"2001-01-{1 + i:02d}", label,
                     f"{studio}Film {i} is {mood}, writes {critic}."]
                )  # fmt: skip
    return path


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("Who is the harshest critic?", Asked("critics", "negative")),
        ("Which outlet is the toughest?", Asked("outlets", "negative")),
        ("Which critics are the most generous?", Asked("critics", "positive")),
        ("Which critic reviewed the most films?", Asked("critics", None)),
        ("Which publication has the most reviews?", Asked("outlets", None)),
        ("Who is the most prolific critic?", Asked("critics", None)),
        ("Who disliked Fargo?", None),
        ("Which critics liked Fargo?", None),
        ("Which film did critics like most?", None),
    ],
)
def test_a_ranking_of_critics_or_outlets_is_told_from_others(
    question: str, asked: Asked | None
) -> None:
    assert people_ranking_asked(question) == asked


def test_critics_rank_by_their_share_of_positive_reviews_or_their_number() -> None:
    counts = {c: (f + r, f, r) for c, (_, f, r) in CRITICS.items()}
    harsh = rank_people(counts, Asked("critics", "negative"))
    assert [p.name for p in harsh.people] == ["Ann Sour", "Bo Even", "Cy Glad"]
    assert harsh.lead() == (
        "Of the 3 critics in the index with at least 10 labelled reviews (4 have one), the "
        "harshest is Ann Sour: 25% of 12 labelled reviews are positive. Next: Bo Even, 50% of "
        "12; Cy Glad, 92% of 12."
    )
    most = rank_people(counts, Asked("critics", None), " dated 2001-01-01 to 2001-12-31")
    assert most.lead().startswith(
        "Of the 4 critics in the index with reviews dated 2001-01-01 to 2001-12-31, Ann Sour "
        "has the most reviews: 12 (25% of those labelled are positive). Next: Bo Even, 12;"
    )
    tied = rank_people({"A": (3, 3, 0), "B": (2, 2, 0)}, Asked("outlets", "positive"))
    assert tied.lead() == (
        "Of the 2 outlets in the index, 2 share the kindest record, 100% of their labelled "
        "reviews positive: A (3); B (2)."
    )


def test_the_harshest_critic_is_the_catalogs_and_quoted_at_their_worst(tmp_path: Path) -> None:
    """Was: "Who is the harshest critic?" asked which film was meant."""
    harsh, kind, outlet, prolific, named, on_pixar = answers(
        tmp_path / "home",
        [write_reviews(tmp_path / "reviews.csv")],
        "Who is the harshest critic?",
        "Which critic is the kindest?",
        "Which outlet is the harshest?",
        "Which outlet has the most reviews?",
        "Which critic reviewed the most Pixar films?",  # the films whose reviews name Pixar
        "Which outlet is the harshest on Pixar?",
    )
    assert harsh.lead.startswith(
        "Of the 3 critics in the index with at least 10 labelled reviews (4 have one), the "
        "harshest is Ann Sour: 25% of 12 labelled reviews are positive."
    ), harsh.lead
    assert {(c.critic, c.sentiment) for c in harsh.citations} == {("Ann Sour", "negative")}
    assert kind.lead.split(":")[0].endswith("the kindest is Cy Glad"), kind.lead
    assert {(c.critic, c.sentiment) for c in kind.citations} == {("Cy Glad", "positive")}
    ledger = sum(f for o, f, _ in CRITICS.values() if o == "The Ledger") / 24
    assert f"the harshest is The Ledger: {round(100 * ledger)}% of 24" in outlet.lead, outlet.lead
    (most, n), (second, m) = Counter(
        o for o, f, r in CRITICS.values() for _ in range(f + r)
    ).most_common()
    assert prolific.lead.startswith(
        f"Of the 2 outlets in the index, {most} has the most reviews: {n} "
    ), prolific.lead
    assert prolific.lead.endswith(f"Next: {second}, {m}."), prolific.lead
    assert {c.publication for c in prolific.citations} == {most}
    even = Counter(c for c, (_, f, r) in CRITICS.items() for i in range(f + r) if i % 2 == 0)
    (first, n), (second, m) = sorted(even.items(), key=lambda cn: (-cn[1], cn[0]))[:2]
    assert named.lead.startswith(
        f"Of the {len(even)} critics in the index with reviews of the films whose reviews name "
        f"Pixar, {first} has the most reviews: {n} "
    ), named.lead
    assert f"Next: {second}, {m}" in named.lead, named.lead
    assert {c.critic for c in named.citations} == {first}
    assert all(int(c.film.split()[1]) % 2 == 0 for c in named.citations), named.answer
    # of the even films, only The Ledger has 10 labelled reviews: the one outlet ranked
    assert on_pixar.lead.startswith(
        "Of the one outlet in the index with at least 10 labelled reviews of the films whose "
        "reviews name Pixar (2 have one), the harshest is The Ledger: 42% of 12"
    ), on_pixar.lead
    assert {(c.publication, c.sentiment) for c in on_pixar.citations} == {
        ("The Ledger", "negative")
    }
    assert all(int(c.film.split()[1]) % 2 == 0 for c in on_pixar.citations), on_pixar.answer
