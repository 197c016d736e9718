"""Review text made safe to show: hidden characters revealed, spreadsheet cells and Markdown
neutralised. Only rendering changes; stored reviews and citation offsets stay as they are.

`ui/static/widget.js` mirrors `reveal` (its `HIDDEN` pattern is `js_pattern()`, tested).
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

__all__ = ["HIDDEN_RANGES", "csv_cell", "js_pattern", "markdown_inline", "reveal", "safe_url"]

# Characters that draw nothing yet change what a reader sees or copies: bidi embeddings,
# overrides, isolates and marks; zero-width and other default-ignorable characters; control
# characters. Variation selectors stay out (emoji and CJK variants need them).
HIDDEN_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x0008),  # C0 controls (TAB, LF, CR stay)
    (0x000B, 0x000C),
    (0x000E, 0x001F),
    (0x007F, 0x009F),  # DEL, C1 controls
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x061C, 0x061C),  # Arabic letter mark
    (0x115F, 0x1160),  # Hangul fillers
    (0x17B4, 0x17B5),  # Khmer invisible vowels
    (0x180E, 0x180E),  # Mongolian vowel separator
    (0x200B, 0x200F),  # zero-width space, non-joiner, joiner; LRM, RLM
    (0x202A, 0x202E),  # LRE, RLE, PDF, LRO, RLO
    (0x2060, 0x206F),  # word joiner, invisible operators, isolates LRI..PDI, deprecated
    (0x3164, 0x3164),  # Hangul filler
    (0xFEFF, 0xFEFF),  # zero-width no-break space (BOM)
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xFFF0, 0xFFFB),  # interlinear annotation and unassigned specials
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0x1D173, 0x1D17A),  # musical format controls
    (0xE0000, 0xE007F),  # tag characters ("ASCII smuggling")
)
_HIDDEN = re.compile(
    "[" + "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in HIDDEN_RANGES) + "]"
)


def _marker(match: re.Match[str]) -> str:
    return f"⟦U+{ord(match.group()):04X}⟧"


def reveal(text: str) -> str:
    """`text` with each hidden character shown as a marker: "a\u202eb" -> "a⟦U+202E⟧b"."""
    return _HIDDEN.sub(_marker, text)


def js_pattern() -> str:
    """`HIDDEN_RANGES` as the JavaScript regex literal widget.js must hold (flags gu)."""
    ranges = (f"\\u{{{lo:X}}}" + (f"-\\u{{{hi:X}}}" if hi > lo else "") for lo, hi in HIDDEN_RANGES)
    return "/[" + "".join(ranges) + "]/gu"


# -- spreadsheets -------------------------------------------------------------------------
# A cell starting with one of these (ASCII or full-width, after any leading blanks) may be run
# as a formula by Excel, LibreOffice or Google Sheets (OWASP "CSV injection").
_FORMULA_START = frozenset("=+-@\t\r\n＝＋－＠")
_BLANKS = " \t\r\n\u00a0\u3000"


def csv_cell(value: object) -> str:
    """A CSV cell shown as text, never run: hidden characters revealed, line breaks as LF (a
    bare CR would not be quoted by `csv` with LF rows, and would start a new row in Excel),
    then a leading ' if the cell (or its first non-blank character) could start a formula."""
    text = reveal(str(value)).replace("\r\n", "\n").replace("\r", "\n")
    if text[:1] in _FORMULA_START or text.lstrip(_BLANKS)[:1] in _FORMULA_START:
        return "'" + text
    return text


# -- Markdown -----------------------------------------------------------------------------
# Backslash-escaped: what could open a link, image, code span, emphasis or strikethrough, or
# escape the next character.
# < > & become entities: no autolink, no raw HTML, no entity of the review's own.
_MARKDOWN_ESCAPE = str.maketrans(
    {
        "\\": "\\\\",
        "[": "\\[",
        "]": "\\]",
        "`": "\\`",
        "*": "\\*",
        "_": "\\_",
        "~": "\\~",
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
    }
)
_BLANK_RUN = re.compile(r"\s+")


def markdown_inline(text: str) -> str:
    """Review text as one line of CommonMark that renders as exactly this text: never a link,
    image, autolink, HTML tag or code span; hidden characters revealed."""
    return _BLANK_RUN.sub(" ", reveal(text)).strip().translate(_MARKDOWN_ESCAPE)


# -- addresses ----------------------------------------------------------------------------
# RFC 3986 reserved and unreserved characters, and % (an existing escape is kept as it is).
_URL_SAFE = "-._~:/?#[]@!$&'()*+,;=%"


def safe_url(url: str) -> str:
    """A review's address fit to print or link: http(s) with a host, every character outside
    RFC 3986's set (spaces, quotes, < >, hidden and non-ASCII characters) percent-encoded;
    "" for anything else (javascript:, data:, relative or malformed)."""
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unbalanced [ in the host
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    return quote(text, safe=_URL_SAFE)
