"""What every face sends the core, checked once: questions, a chat's history, the filters,
what a follow-up carries over, and how health is reported."""

from __future__ import annotations

import pytest

from assistant.chat import ChatSession
from assistant.engines.base import Turn
from assistant.health import Health, StoreHealth
from assistant.questions import QuestionError, checked_history, checked_question, filters_from
from index.filters import Filters
from index.repair import CheckReport, Finding


def test_a_question_is_stripped_and_checked() -> None:
    assert checked_question("  Who disliked Her?\n", 20) == "Who disliked Her?"
    assert checked_question("x" * 5000) == "x" * 5000  # no limit given: none applies
    with pytest.raises(QuestionError, match=r"^question is empty: ask something") as empty:
        checked_question(" \n ", 20)
    assert empty.value.limit is None
    with pytest.raises(QuestionError) as long:
        checked_question(" " + "x" * 21 + " ", 20)
    assert str(long.value) == (
        "question is 21 characters; the limit is 20 (REVIEWQA_MAX_QUESTION_CHARS)"
    )
    assert (long.value.length, long.value.limit) == (21, 20)


def test_a_history_names_the_turn_at_fault() -> None:
    assert checked_history([(" Who liked Up? ", "Ebert [1].")], 20) == [
        Turn("Who liked Up?", "Ebert [1].")
    ]
    with pytest.raises(QuestionError, match=r"^history\.1\.question is empty: send the question"):
        checked_history([("Q", "A"), ("  ", "")], 20)
    with pytest.raises(QuestionError, match=r"^history\.0\.question is 21 characters; the lim"):
        checked_history([("x" * 21, "")], 20)


def test_filters_from_any_face_s_fields() -> None:
    assert filters_from({}) == Filters()
    assert filters_from({"film": " Her ", "critic": "", "outlet": None}) == Filters(films=("Her",))
    assert filters_from({"film": ["Her", " ", "Up"], "question": "ignored", "k": 3}) == Filters(
        films=("Her", "Up")
    )
    assert filters_from(
        {"sentiment": "negative", "since": "2013-01-01", "until": "2014-01-01", "top_critics": 1}
    ) == Filters(sentiment="negative", since="2013-01-01", until="2014-01-01", top_critics=True)


def test_a_follow_up_carries_the_film_not_the_stance_or_critic() -> None:
    before = Filters(films=("Her (2013)",), critics=("Rex Reed",), sentiment="negative")
    fresh = ChatSession(filters=before)
    assert fresh.carried(Filters()) == Filters()  # no turns yet: nothing to carry
    session = ChatSession(turns=[Turn("Who disliked Her?", "Rex Reed [1].")], filters=before)
    assert session.carried(Filters(sentiment="positive")) == Filters(
        films=("Her (2013)",), sentiment="positive"
    )
    assert session.carried(Filters(films=("Up (2009)",))).films == ("Up (2009)",)


def health(store: StoreHealth, engine: str = "extractive", auto: str = "extractive") -> Health:
    return Health(store, "model", engine, auto, "why", worker=7, seconds=0.01234)


def test_health_says_ok_degraded_or_error() -> None:
    check = CheckReport(reviews=2, chunks=2, vectors=2)
    fine = StoreHealth(True, reviews=2, chunks=2, vectors=2, films=1, check=check)
    assert health(fine).status == "ok" and fine.consistent
    assert health(fine).to_json() == {
        "status": "ok",
        "worker": 7,
        "store": {
            "reachable": True,
            "reviews": 2,
            "chunks": 2,
            "vectors": 2,
            "films": 1,
            "consistent": True,
            "check": {"ok": True, "findings": []},
        },
        "embedding_model": "model",
        "engine": {"configured": "extractive", "auto": "extractive", "reason": "why"},
        "checked_ms": 12.3,
    }
    failed = StoreHealth(True, chunks=2, vectors=2, read_failure="InternalError: x", check=check)
    assert health(failed).status == "degraded" and not failed.consistent
    assert health(failed).to_json()["store"]["read_failure"] == "InternalError: x"
    found = CheckReport(findings=[Finding("fts", "the lexical index lags", "reviewqa repair")])
    flagged = StoreHealth(True, check=found)
    assert health(flagged).status == "degraded" and not flagged.consistent
    assert health(flagged).to_json()["store"]["check"]["findings"] == [
        {"code": "fts", "message": "the lexical index lags", "fix": "reviewqa repair"}
    ]
    uneven = StoreHealth(True, chunks=3, vectors=2, check=check)
    assert health(uneven).status == "degraded" and not uneven.consistent
    down = StoreHealth(False, error="connection refused")
    assert health(down).status == "error"
    # a store that does not answer is an error whatever the engine (503: nothing answers)
    assert health(down, engine="ollama", auto="extractive").status == "error"
    assert health(down).to_json()["store"] == {"reachable": False, "error": "connection refused"}
    assert health(fine, engine="ollama", auto="extractive").status == "degraded"
