"""Chat sessions: each remembers its turns and the filters its last answer used, which a
follow-up carries over (`ChatSession.carried`)."""

from __future__ import annotations

import re
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field, replace

from assistant.engines.base import Turn
from index.filters import Filters

MAX_TURNS = 12
# a follow-up about the films talked of together ("both", "compare them", "the two films")
_TOGETHER = re.compile(
    r"\b(?:both|them|the two|these two|those two|compare|comparison|versus|vs)\b", re.IGNORECASE
)

# a follow-up setting one film against the one talked of: "how does that compare to Soul?",
# "compared with Soul?", "vs Soul?"
_COMPARED = re.compile(
    r"^\W*(?:and\s+|but\s+)?(?:how\s+(?:does|do|did|would)\s+(?:that|it|this|they|these|those)"
    r"\s+compare|compared?\s+(?:to|with)|(?:vs\.?|versus)\s)",
    re.IGNORECASE,
)


def compares(question: str) -> bool:
    """Does `question` open as a comparison with what the chat talked of does?"""
    return _COMPARED.match(question) is not None


@dataclass
class ChatSession:
    """One conversation; independent of every other."""

    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    turns: list[Turn] = field(default_factory=list)
    filters: Filters = field(default_factory=Filters)
    films: list[str] = field(default_factory=list)  # the films talked of, the latest last

    def record(self, question: str, answer: str, filters: Filters) -> None:
        self.turns.append(Turn(question, answer))
        del self.turns[:-MAX_TURNS]
        self.follow(filters)

    def follow(self, filters: Filters) -> None:
        """Take `filters` as the chat's latest, and their films as the latest talked of."""
        self.filters = filters
        for film in filters.films:
            if film in self.films:
                self.films.remove(film)
            self.films.append(film)
        del self.films[:-MAX_TURNS]

    def together(self, filters: Filters, question: str) -> Filters:
        """For "which critics liked both?", "compare them" naming no film: the last two
        films the chat talked of; for "how does that compare to Soul?": the films of the last
        answer and the ones named; `filters` as they are otherwise."""
        if not filters.films and len(self.films) >= 2 and _TOGETHER.search(question):
            return replace(filters, films=tuple(self.films[-2:]))
        if filters.films and compares(question):
            earlier = tuple(film for film in self.filters.films if film not in filters.films)
            return replace(filters, films=(*earlier, *filters.films))
        return filters

    def carried(self, filters: Filters) -> Filters:
        """A follow-up's filters: its own, with the film, outlet and dates of the chat so far
        filling what it leaves open (never the stance or critic: "and who liked it?")."""
        if not self.turns:
            return filters
        return filters.merged_over(replace(self.filters, sentiment=None, critics=()))


class SessionStore:
    """Sessions by id, the least recently used dropped past `capacity` (thread-safe)."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._sessions: OrderedDict[str, ChatSession] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def get(self, session_id: str | None) -> ChatSession:
        """The session with this id (a new one when unknown or None)."""
        with self._lock:
            if session_id and session_id in self._sessions:
                self._sessions.move_to_end(session_id)
                return self._sessions[session_id]
            session = ChatSession(id=session_id or uuid.uuid4().hex)
            self._sessions[session.id] = session
            while len(self._sessions) > self._capacity:
                self._sessions.popitem(last=False)
            return session
