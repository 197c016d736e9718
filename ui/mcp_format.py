"""What the MCP tools and resources (`ui.mcp_server`) give besides the core's records'
`to_json()`: a text for models that read text, and a review as a client may see it."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.lookup import Critics, Films, QuoteCheck, Search
    from assistant.result import Result
    from index.records import Review


def result_text(result: Result) -> str:
    """An answer as the CLI prints it: the answer, then its sources."""
    from ui.ask import format_result

    text = io.StringIO()
    format_result(result, text)
    return text.getvalue().strip()


def _who(critic: str, outlet: str) -> str:
    return ", ".join(x for x in (critic, outlet) if x) or "a critic"


def search_text(found: Search) -> str:
    if not found.matches:
        return "No review matches."
    lines = []
    for n, match in enumerate(found.matches, 1):
        r = match.review
        where = f"{_who(r.critic, r.publication)}, {r.date or 'date unknown'}"
        lines.append(
            f'{n}. "{match.text}" ({where}; {r.film}; {r.sentiment}; review {r.id}, '
            f"characters {match.span[0]}-{match.span[1]})"
        )
    return "\n".join(lines)


def films_text(films: Films) -> str:
    if not films.films:
        return "No film matches."
    lines = [
        f"{films.total} films"
        + (f", {len(films.films)} shown:" if films.total > len(films.films) else ":")
    ]
    lines += [f"- {title}: {split.words()}" for title, split in films.films]
    return "\n".join(lines)


def critics_text(critics: Critics) -> str:
    scope = f" of {critics.film}" if critics.film else ""
    if not critics.critics:
        return f"No named critic{scope}."
    head = f"{critics.total} critics{scope}"
    if critics.total > len(critics.critics):
        head += f", {len(critics.critics)} shown"
    lines = [head + ":"] + [f"- {name} ({n})" for name, n in critics.critics]
    return "\n".join(lines)


def quote_text(checked: QuoteCheck) -> str:
    if not checked.matches:
        where = f"review {checked.review_id}" if checked.review_id else "any review of the index"
        return f"Not found: the quote does not stand verbatim in {where}."
    lines = [f"Verified: the quote stands verbatim in {checked.total} review(s):"]
    for m in checked.matches:
        r = m.review
        lines.append(
            f"- review {r.id} ({_who(r.critic, r.publication)}; {r.film}), characters "
            f'{m.span[0]}-{m.span[1]}: "{m.text}"'
        )
    return "\n".join(lines)


def review_json(review: Review) -> dict[str, Any]:
    """A review for a client, with its text: never the server's file path it came from."""
    from assistant.lookup import review_fields

    return {**review_fields(review), "text": review.text}
