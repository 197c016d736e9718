"""Cleaning of review text and normalization of sentiment and yes/no values."""

from __future__ import annotations

import html
import re

from index.records import Sentiment

_BR = re.compile(r"<br\s*/?\s*>", re.IGNORECASE)
_ODD_SPACE = re.compile(r"[\t\xa0\f\v]")
_SPACE_RUN = re.compile(r"  +")
_MANY_NEWLINES = re.compile(r"\n\n\n+")

SENTIMENTS: dict[str, Sentiment] = {
    "fresh": "positive",
    "rotten": "negative",
    "none": "unknown",
    "true": "positive",
    "false": "negative",
    "positive": "positive",
    "negative": "negative",
    "pos": "positive",
    "neg": "negative",
    "1": "positive",
    "0": "negative",
    "1.0": "positive",
    "0.0": "negative",
    "": "unknown",
}

_TRUE = frozenset({"true", "1", "yes", "y", "t"})


def clean_text(value: str) -> str:
    """Review text without formatting noise: `<br>` becomes a newline, entities are decoded.

    Other markup is kept as written (escaping is the UI's job); runs of spaces and tabs
    become one space, at most one blank line is kept between paragraphs, ends are stripped.
    """
    if "<" in value:
        value = _BR.sub("\n", value)
    if "&" in value:
        value = html.unescape(value)
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    # Plain `in` tests first: most texts need none of these, and the checks cost little.
    if "\t" in value or "\xa0" in value or "\f" in value or "\v" in value:
        value = _ODD_SPACE.sub(" ", value)
    if "  " in value:
        value = _SPACE_RUN.sub(" ", value)
    if "\n" in value:
        value = value.replace(" \n", "\n").replace("\n ", "\n")
        if "\n\n\n" in value:
            value = _MANY_NEWLINES.sub("\n\n", value)
    return value.strip()


def clean_field(value: str) -> str:
    """A one-line field (film, critic, outlet): entities decoded, all whitespace runs one space."""
    if "<" in value:
        value = _BR.sub(" ", value)
    if "&" in value:
        value = html.unescape(value)
    return " ".join(value.split())


def normalize_sentiment(value: str) -> Sentiment:
    """ "positive", "negative" or "unknown" for a source's label (fresh/rotten, pos/neg, 1/0...)."""
    return SENTIMENTS.get(value.strip().lower(), "unknown")


def parse_bool(value: str) -> bool:
    """True for true/1/yes (any case), False for anything else."""
    return value.strip().lower() in _TRUE
