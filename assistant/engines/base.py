"""The engine interface: numbered sources in, answer text with [n] markers out (streamed)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from assistant.result import Source


@dataclass(frozen=True, slots=True)
class Turn:
    """One earlier exchange of a chat."""

    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class AnswerRequest:
    """What an engine answers from."""

    question: str
    sources: Sequence[Source]
    coverage_line: str = ""
    stance: str | None = None  # "positive"/"negative" for reception questions ("who disliked X?")
    history: Sequence[Turn] = field(default_factory=tuple)
    lead: str = ""  # the finding, with the catalog's counts: the answer starts with it as is
    focus: frozenset[str] = frozenset()  # words for the thing asked about (the word, its kin)
    # the films the question is scoped to (() when none: any film); None when not told
    films: tuple[str, ...] | None = None


class Engine(ABC):
    """An answer writer. `stream` yields pieces of the answer text; joined, they are the answer."""

    name: str

    @abstractmethod
    def check(self) -> str | None:
        """None when the engine can answer now, else why not and how to fix it."""

    @abstractmethod
    def stream(self, request: AnswerRequest) -> Iterator[str]:
        """Yield the answer text in pieces; cite sources as [n] (n = Source.n)."""

    def close(self) -> None:
        """Let go of what the engine holds (connections); a no-op for most engines."""
        return None

    def condense(self, history: Sequence[Turn], question: str) -> str:
        """A follow-up as a standalone question (engines without an LLM return it as is)."""
        del history
        return question
