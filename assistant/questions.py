"""What every face sends the core, checked one way: a question, the chat before it, the filters
(`filters_from` turns a face's raw fields into `Filters`), and the questions a face offers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from assistant.engines.base import Turn
from index.errors import ReviewQAError
from index.filters import Filters
from index.store import Index

LIMIT_SETTING = "REVIEWQA_MAX_QUESTION_CHARS"


class QuestionError(ReviewQAError):
    """A question that cannot be asked: empty, or `length` characters over `limit`.

    The HTTP API answers it 422, the chat page shows it beside the question box, the CLI
    exits 2 with its message.
    """

    def __init__(self, message: str, length: int = 0, limit: int | None = None) -> None:
        super().__init__(message)
        self.length = length
        self.limit = limit


def checked_question(
    question: str,
    limit: int | None = None,
    *,
    name: str = "question",
    fix: str = "ask something, e.g. 'What do critics say?'",
) -> str:
    """The question stripped; QuestionError when it is empty or longer than `limit`
    characters. `name` and `fix` word the error for where the question came from."""
    question = question.strip()
    if not question:
        raise QuestionError(f"{name} is empty: {fix}")
    if limit is not None and len(question) > limit:
        raise QuestionError(
            f"{name} is {len(question)} characters; the limit is {limit} ({LIMIT_SETTING})",
            length=len(question),
            limit=limit,
        )
    return question


def checked_history(history: Iterable[tuple[str, str]], limit: int | None = None) -> list[Turn]:
    """A client's chat so far, (question, answer) oldest first, as turns; each question obeys
    the rules a question does (the error names it: "history.1.question")."""
    return [
        Turn(
            checked_question(
                question, limit, name=f"history.{i}.question", fix="send the question asked"
            ),
            answer,
        )
        for i, (question, answer) in enumerate(history)
    ]


def filters_from(fields: Mapping[str, Any]) -> Filters:
    """The filters a face's raw fields ask for: "film", "critic" and "outlet" (a name or a
    list of names; blank ones dropped), "sentiment", "since", "until" and "top_critics". Other
    keys are ignored, so a request body or the CLI's arguments can be given whole."""

    def names(key: str) -> tuple[str, ...]:
        value = fields.get(key)
        given: Sequence[str] = (
            () if value is None else (value,) if isinstance(value, str) else value
        )
        return tuple(name.strip() for name in given if name and name.strip())

    return Filters(
        films=names("film"),
        critics=names("critic"),
        outlets=names("outlet"),
        sentiment=fields.get("sentiment"),
        since=fields.get("since"),
        until=fields.get("until"),
        top_critics=bool(fields.get("top_critics")),
    )


def example_questions(index: Index) -> list[str]:
    """Questions drawn from what the index holds: its biggest film, a critic of it."""
    top = index.catalog.most_reviewed_film()
    if top is None:
        return []
    film, negatives = top
    questions = [f"What do critics say about {film}?"]
    questions.append(f"Who disliked {film}?" if negatives else f"What did critics like in {film}?")
    critic = index.catalog.most_frequent_critic(film)
    if critic is not None:
        questions.append(f"What did {critic} think of {film}?")
    return questions
