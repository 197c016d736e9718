"""Small review sets the tests index: the API and deployment tests' (two films, six critics),
and the store tests' (generated, one chunk a review)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.result import Result

COLUMNS = ["film", "critic", "publication", "date", "sentiment", "text"]
Row = tuple[str, str, str, str, str, str]

_ROWS: list[Row] = [
    ("Her (2013)", "Ann Hornaday", "Washington Post", "2013-12-20", "positive",
     "Joaquin Phoenix gives a tender, wounded performance as Theodore, a lonely letter writer."),
    ("Her (2013)", "Rex Reed", "New York Observer", "2013-12-18", "negative",
     "A cold, precious bore; Phoenix mopes through every scene."),
    ("Her (2013)", "Mallory Test", "The Gazette", "2014-01-10", "negative",
     "Phoenix is {payload}oddly flat as Theodore, and the film never earns its ache."),
    ("Her (2013)", "Dana Stevens", "Slate", "2013-12-18", "positive",
     "Scarlett Johansson's voice performance as Samantha is warm, funny and alive."),
    ("Up (2009)", "Roger Ebert", "Chicago Sun-Times", "2009-05-27", "positive",
     "Up is a wonderful film, with characters as believable as any characters can be."),
    ("Up (2009)", "Armond White", "New York Press", "2009-05-27", "negative",
     "The balloons lift a house but the story never leaves the ground."),
]  # fmt: skip


def critic_reviews(payload: str = "") -> list[Row]:
    """Rows of COLUMNS; `payload` goes inside Mallory Test's review (e.g. an XSS probe)."""
    inserted = f"{payload} " if payload else ""
    return [(*row[:5], row[5].replace("{payload}", inserted)) for row in _ROWS]


def write_quotes(path: Path, rows: list[tuple[str, str, str]], film: str) -> Path:
    """(critic, fresh/rotten, quote) rows of one `film` as a CSV file, RT style."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["film", "critic", "fresh", "quote"])
        writer.writerows((film, critic, fresh, text) for critic, fresh, text in rows)
    return path


LANTERN_QUESTION = "What did critics say about the score of Lantern Bay?"


def write_lantern_reviews(path: Path, n: int = 40) -> Path:
    """`n` short reviews (one chunk each, ids r0..) of two films as a CSV file: the store
    tests' corpus (Lantern Bay's reviews answer LANTERN_QUESTION)."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "film", "critic", "publication", "fresh", "text"])
        for i in range(n):
            film = "Lantern Bay (2021)" if i % 2 else "Copper Hills (2019)"
            mood = "a luminous score and patient acting" if i % 3 else "a dull, airless drama"
            writer.writerow(
                [f"r{i}", film, f"Critic {i}", f"Outlet {i % 5}", "fresh" if i % 3 else "rotten",
                 f"Review {i}: {film} has {mood}; scene {i} lingers."]
            )  # fmt: skip
    return path


def answers(home: Path, files: list[Path], *questions: str) -> list[Result]:
    """Index `files` into a new index at `home` (extractive engine) and ask it `questions`."""
    from assistant.service import Assistant
    from index.ingest import ingest
    from index.settings import Settings

    settings = Settings(home=home, engine="extractive")
    ingest(files, settings)
    assistant = Assistant(settings)
    try:
        return [assistant.ask(question) for question in questions]
    finally:
        assistant.close()
