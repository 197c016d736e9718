"""Syncing sources: which reviews each source file now holds, and what that changes in the index.

A source holds exactly the reviews its file holds now. Two questions decide what a sync does:

- Who holds an id (`claim_ids`): an id belongs to one source. The source that holds it in the
  index keeps it while its file still gives it; another file giving the same id is refused,
  naming both places, unless the ids are global (`--global-ids`: the same id is the same
  review, and the file read first in the run takes it over from a source not in the run).
- What changed in one source (`diff_source`): a review whose id the source still gives is
  unchanged (its line may have moved: no re-embedding) or updated; a review whose id is
  computed from its content (no id column) was edited when it pairs with a gone one of the
  same film and named critic, else at the same position (a diff of the file's old and new
  sequence of reviews); what is left is added or removed.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from index.catalog import StoredReview
from index.names import name_key
from index.records import Review, RowProblem, has_computed_id

Place = tuple[str, int]


@dataclass
class SourceChanges:
    """What syncing one source does: reviews to (re-)embed, ids to drop, lines to move."""

    writes: list[Review] = field(default_factory=list)
    replaces: dict[str, str] = field(default_factory=dict)  # new id -> id of the edited review
    removed: list[str] = field(default_factory=list)
    moved: dict[str, Place] = field(default_factory=dict)  # unchanged, at a new place
    added: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class Claims:
    """The source that holds each id after this run, and the rows refused for another's id."""

    holder: dict[str, str] = field(default_factory=dict)
    refused: dict[str, list[RowProblem]] = field(default_factory=dict)  # by source
    taken: dict[str, list[tuple[str, Place]]] = field(default_factory=dict)  # id, from where


def _where(place: Place) -> str:
    return f"{place[0]}:{place[1]}"


def _refusal(review: Review, keeper: Place, *, in_index: bool, global_ids: bool) -> str:
    what, fix = f"review id {review.id}", ""
    if has_computed_id(review):
        what = "the same review (film, critic, outlet and text)"
    elif not global_ids:
        fix = (
            ": ids must be unique across sources; pass --global-ids if the same id means the "
            "same review"
        )
    if in_index:
        return f"{what} is already in the index from {_where(keeper)}{fix}"
    return f"{what} is also at {_where(keeper)}, which keeps it{fix}"


def claim_ids(
    files: Sequence[tuple[str, Sequence[Review]]],
    places: Mapping[str, Place],
    *,
    global_ids: bool,
) -> Claims:
    """Decide which source holds each id that the `files` (source, reviews) give.

    `places` says where the index holds each id now. Its holder keeps an id while the holder's
    file (in this run) still gives it; else the first file of the run giving it takes it,
    except from a source not synced in this run, which keeps it unless `global_ids`.
    """
    in_run = {source for source, _ in files}
    givers: dict[str, list[Review]] = defaultdict(list)
    for _, reviews in files:
        for review in reviews:
            givers[review.id].append(review)
    claims = Claims()
    for rid, given in givers.items():
        held = places.get(rid)
        keeper: Review | None = given[0]
        if held is not None and held[0] in in_run:
            keeper = next((r for r in given if r.source == held[0]), given[0])
        elif held is not None and not global_ids:
            keeper = None  # a source not in this run holds it
        for review in given:
            if review is keeper:
                continue
            if keeper is None:
                assert held is not None
                reason = _refusal(review, held, in_index=True, global_ids=global_ids)
            else:
                keeper_place = (keeper.source, keeper.line)
                reason = _refusal(review, keeper_place, in_index=False, global_ids=global_ids)
            claims.refused.setdefault(review.source, []).append(
                RowProblem(review.source, review.line, reason)
            )
        if keeper is None:
            continue
        claims.holder[rid] = keeper.source
        if held is not None and held[0] != keeper.source and held[0] not in in_run:
            claims.taken.setdefault(keeper.source, []).append((rid, held))
    return claims


def diff_source(
    source: str,
    reviews: Sequence[Review],
    stored: Sequence[StoredReview],
    elsewhere: Mapping[str, str],
) -> SourceChanges:
    """What turns the `stored` reviews of `source` into `reviews` (its file now, in order).

    `elsewhere` gives the stored hash of ids this source takes from another source.
    """
    changes = SourceChanges()
    old = {s.review.id: s for s in stored}
    fresh: list[Review] = []
    for review in reviews:
        was = old.get(review.id)
        digest = was.hash if was is not None else elsewhere.get(review.id)
        if digest is None:
            fresh.append(review)
        elif digest != review.content_hash():
            changes.updated += 1
            changes.writes.append(review)
        else:
            changes.unchanged += 1
            if was is None or (was.review.source, was.review.line) != (source, review.line):
                changes.moved[review.id] = (source, review.line)
    kept = {r.id for r in reviews}
    gone = [s.review for s in stored if s.review.id not in kept]
    for new, edited in _pair_edits(fresh, gone, [s.review.id for s in stored], reviews):
        changes.updated += 1
        changes.writes.append(new)
        changes.replaces[new.id] = edited.id
    paired = set(changes.replaces.values())
    added = [r for r in fresh if r.id not in changes.replaces]
    changes.added = len(added)
    changes.writes.extend(added)
    changes.removed = [r.id for r in gone if r.id not in paired]
    return changes


def _pair_edits(
    fresh: Sequence[Review],
    gone: Sequence[Review],
    old_order: Sequence[str],
    new_order: Sequence[Review],
) -> Iterable[tuple[Review, Review]]:
    """Pairs (new, old) of reviews with computed ids that are one review edited: the same
    film and named critic first, then the same position in a diff of the two sequences."""
    new_left = {r.id: r for r in fresh if has_computed_id(r)}
    old_left = {r.id: r for r in gone if has_computed_id(r)}
    if not new_left or not old_left:
        return
    by_critic: dict[tuple[str, str], deque[Review]] = defaultdict(deque)
    for review in old_left.values():
        if review.critic:
            by_critic[(name_key(review.film), name_key(review.critic))].append(review)
    for review in list(new_left.values()):
        queue = by_critic.get((name_key(review.film), name_key(review.critic)))
        if review.critic and queue:
            edited = queue.popleft()
            del new_left[review.id], old_left[edited.id]
            yield review, edited
    if not new_left or not old_left:
        return
    new_ids = [r.id for r in new_order]
    matcher = SequenceMatcher(None, list(old_order), new_ids, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "replace":
            continue
        olds = [old_left.pop(i) for i in old_order[i1:i2] if i in old_left]
        news = [new_left.pop(i) for i in new_ids[j1:j2] if i in new_left]
        yield from zip(news, olds, strict=False)
