"""The review queue in the store: members' definitions waiting for a server's reviewers.

A waiting definition is a row of ``reviews``, not of ``definitions``: until it is approved it
is nowhere that reads definitions (answers, chat, search, profiles, the web site, the
leaderboard's counts), so none of them can show it by mistake. Approving writes it to
``definitions`` as any public definition is written (or, for an edit of a public one, edits
that one, so its votes and history stay), and marks the row approved; rejecting marks it
rejected, with the reason. Rows are kept either way, for the record.

The SQL is plain and portable, so that another backend can run it as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.core.model import Source
    from bot.core.store import Store

# The table, as plain SQL so that it can be copied into another backend's migration.
M009_SQL = (
    "CREATE TABLE reviews ("
    " id INTEGER PRIMARY KEY,"
    " guild_id BIGINT NOT NULL,"
    " term_id INTEGER REFERENCES terms(id),"
    " term_name TEXT NOT NULL,"
    " definition_id INTEGER REFERENCES definitions(id),"
    " author_id BIGINT NOT NULL,"
    " author_name TEXT NOT NULL,"
    " text TEXT NOT NULL,"
    " source_name TEXT,"
    " source_url TEXT,"
    " channel_id BIGINT,"
    " submitted_at TEXT NOT NULL,"
    " state TEXT NOT NULL,"
    " reviewed_by BIGINT,"
    " reviewed_at TEXT,"
    " reason TEXT)",
    "CREATE INDEX reviews_waiting ON reviews (guild_id, state, id)",
    "CREATE INDEX reviews_author ON reviews (guild_id, author_id, state)",
)
# A new place in the queue (author name, text, source name and link, channel, definition,
# server, term, term name, author, when, state); its id comes back.
SUBMIT_SQL = (
    "INSERT INTO reviews (author_name, text, source_name, source_url, channel_id,"
    " definition_id, guild_id, term_id, term_name, author_id, submitted_at, state)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
)
# A decision (state, reviewer, when, reason, the term made; the row, the state it must have).
DECIDE_SQL = (
    "UPDATE reviews SET state = ?, reviewed_by = ?, reviewed_at = ?, reason = ?,"
    " term_id = coalesce(?, term_id) WHERE id = ? AND state = ?"
)
WAITING, APPROVED, REJECTED = "waiting", "approved", "rejected"
REVIEW_SETTING = "review"  # guild setting: "on" while members' definitions wait for review
SKIP_KARMA_SETTING = "review_skip_karma"  # members with more karma than this skip it


@dataclass(frozen=True, slots=True)
class Waiting:
    """A definition waiting for review: of a term (term_id), or of a new term (term_id None,
    term_name), or a new text for the member's public definition (definition_id)."""

    id: int
    guild_id: int
    term_id: int | None
    term_name: str
    definition_id: int | None
    author_id: int
    author_name: str
    text: str
    source_name: str | None
    source_url: str | None
    channel_id: int | None
    submitted_at: str
    state: str = WAITING
    reason: str | None = None


def review_on(store: Store, guild_id: int) -> bool:
    return store.guild_setting(guild_id, REVIEW_SETTING) == "on"


def skip_karma(store: Store, guild_id: int) -> int | None:
    """Members with more karma than this skip review; None: nobody skips."""
    value = store.guild_setting(guild_id, SKIP_KARMA_SETTING)
    return int(value) if value is not None and value.lstrip("-").isdigit() else None


def needs_review(store: Store, guild_id: int, author_id: int) -> bool:
    """Whether this member's definition waits for review here (review on, and their karma
    not above the server's threshold)."""
    if not review_on(store, guild_id):
        return False
    threshold = skip_karma(store, guild_id)
    if threshold is None:
        return True
    return store.member_stats(guild_id=guild_id, user_id=author_id).karma <= threshold


def waiting_of_author(
    store: Store, guild_id: int, author_id: int, *, term_id: int | None, term_name: str
) -> Waiting | None:
    """The member's waiting definition of this term (or of this new term's name)."""
    if term_id is not None:
        row = store._one(
            "SELECT * FROM reviews WHERE guild_id = ? AND author_id = ? AND state = ?"
            " AND term_id = ? ORDER BY id LIMIT 1",
            [guild_id, author_id, WAITING, term_id],
        )
    else:
        row = store._one(
            "SELECT * FROM reviews WHERE guild_id = ? AND author_id = ? AND state = ?"
            " AND term_id IS NULL AND lower(term_name) = lower(?) ORDER BY id LIMIT 1",
            [guild_id, author_id, WAITING, term_name],
        )
    return _waiting(row) if row else None


def submit(
    store: Store,
    *,
    guild_id: int,
    term_id: int | None,
    term_name: str,
    definition_id: int | None,
    author_id: int,
    author_name: str,
    text: str,
    source: Source | None,
    channel_id: int | None,
    at: str,
) -> int:
    """Put a definition in the queue; the member's earlier waiting one of the same term is
    replaced by it (keeping its place in the queue). Its id."""
    earlier = waiting_of_author(store, guild_id, author_id, term_id=term_id, term_name=term_name)
    values = [
        author_name,
        text,
        source.name if source else None,
        source.url if source else None,
        channel_id,
        definition_id,
    ]
    if earlier is not None:
        store._execute(
            "UPDATE reviews SET author_name = ?, text = ?, source_name = ?, source_url = ?,"
            " channel_id = ?, definition_id = ? WHERE id = ?",
            [*values, earlier.id],
        )
        return earlier.id
    store.version += 1  # a write through a read (RETURNING): what was cached is stale
    row = store._one(SUBMIT_SQL, [*values, guild_id, term_id, term_name, author_id, at, WAITING])
    assert row is not None
    return int(row["id"])


def waiting(store: Store, guild_id: int, *, offset: int = 0, limit: int = 100) -> list[Waiting]:
    """The server's waiting definitions, oldest first."""
    return [
        _waiting(r)
        for r in store._rows(
            "SELECT * FROM reviews WHERE guild_id = ? AND state = ? ORDER BY id LIMIT ? OFFSET ?",
            [guild_id, WAITING, limit, offset],
        )
    ]


def queue_summary(store: Store, guild_id: int) -> tuple[int, str | None]:
    """How many definitions wait in the server, and when the oldest was sent."""
    row = store._one(
        "SELECT count(*) AS n, min(submitted_at) AS oldest FROM reviews"
        " WHERE guild_id = ? AND state = ?",
        [guild_id, WAITING],
    )
    return (row["n"], row["oldest"]) if row else (0, None)


def review(store: Store, review_id: int, *, guild_id: int) -> Waiting | None:
    row = store._one("SELECT * FROM reviews WHERE id = ? AND guild_id = ?", [review_id, guild_id])
    return _waiting(row) if row else None


def decide(
    store: Store,
    review_id: int,
    *,
    state: str,
    reviewer_id: int,
    at: str,
    reason: str | None = None,
    term_id: int | None = None,
) -> bool:
    """Mark a waiting definition approved or rejected; False when it no longer waits (another
    reviewer was first). Decided by the write itself, so two presses never both win."""
    changed = store._execute(
        DECIDE_SQL, [state, reviewer_id, at, reason, term_id, review_id, WAITING]
    )
    return changed == 1


def _waiting(row: dict[str, Any]) -> Waiting:
    return Waiting(
        id=row["id"],
        guild_id=row["guild_id"],
        term_id=row["term_id"],
        term_name=row["term_name"],
        definition_id=row["definition_id"],
        author_id=row["author_id"],
        author_name=row["author_name"],
        text=row["text"],
        source_name=row["source_name"],
        source_url=row["source_url"],
        channel_id=row["channel_id"],
        submitted_at=row["submitted_at"],
        state=row["state"],
        reason=row["reason"],
    )
