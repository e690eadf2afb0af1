"""A server's review queue as its admins run it: switching it on and off, the list of waiting
definitions (oldest first), approving and rejecting, and what their authors are told.

Off by default. While it is on, a member's new definition, new text and new term wait (in
review_store.py) unless their karma is above the server's threshold; the author sees theirs
beside the term's answer, privately, and nobody else does until an admin (Manage Server)
approves it, which publishes it as any definition is published and credits its author.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

from bot.core import answers, contributions, review_store
from bot.core.answers import Action, Answer, Section
from bot.core.contributions import Contribution, Refused, Saved
from bot.core.history_store import Actor
from bot.core.review_store import APPROVED, REJECTED, WAITING, Waiting

if TYPE_CHECKING:
    from bot.core.store import Store

T = TypeVar("T")
QUEUE_PAGE = 4  # waiting definitions on one page: each gets a row of Approve and Reject
SHOWN_TEXT = 800
MAX_REASON = 500
MAX_SKIP_KARMA = 1_000_000
GONE = "That definition no longer waits for review (someone decided on it already)."
WAITING_TITLE = "Your definition, waiting for review"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Decided:
    """A waiting definition approved (saved: where it is now) or rejected."""

    item: Waiting
    saved: Saved | None = None
    reason: str | None = None

    def note(self, *, told: bool | None) -> str:
        """What the reviewer is told: the decision, and whether its author heard of it
        (None: no message was sent, as in the console)."""
        item = self.item
        verb = "approved: it is public now" if self.saved is not None else "rejected"
        whom = item.author_name
        told_text = {
            True: f" {whom} was told by direct message.",
            False: f" {whom}'s direct messages are closed, so they were not told;"
            " tell them yourself.",
            None: "",
        }[told]
        return f"#{item.id} (“{item.term_name}” by {whom}) is {verb}.{told_text}"

    def author_message(self, guild_name: str) -> str:
        """What its author is told, privately (their text is theirs: no markup is added)."""
        where = f"in {guild_name}" if guild_name else "in the server"
        term = self.item.term_name
        if self.saved is not None:
            return (
                f"Your definition of “{term}” {where} was approved: it is public now, and its"
                " votes count for your karma."
            )
        why = f" The reviewer's reason: {self.reason}" if self.reason else " No reason was given."
        return (
            f"Your definition of “{term}” {where} was not accepted, so it was not published.{why}"
            " You can send a new one with /contribute."
        )


def settings_text(store: Store, guild_id: int) -> str:
    on = review_store.review_on(store, guild_id)
    threshold = review_store.skip_karma(store, guild_id)
    state = "on: members' new definitions wait for review" if on else "off"
    skip = (
        f"members with more than {threshold} karma skip it"
        if threshold is not None
        else "nobody skips it"
    )
    return f"Review is {state}; {skip}."


def set_review(store: Store, guild_id: int, *, on: bool | None, skip: int | None) -> str:
    """Switch review on or off and/or set the karma above which members skip it (-1: nobody
    skips). The settings after it, in words."""
    if skip is not None and not -1 <= skip <= MAX_SKIP_KARMA:
        raise Refused(
            f"skip_karma is a number from -1 (nobody skips) to {MAX_SKIP_KARMA}."
            " Nothing was changed."
        )
    if on is not None:
        store.set_guild_setting(guild_id, review_store.REVIEW_SETTING, "on" if on else None)
    if skip is not None:
        store.set_guild_setting(
            guild_id, review_store.SKIP_KARMA_SETTING, None if skip < 0 else str(skip)
        )
    return settings_text(store, guild_id)


def queue_answer(store: Store, guild_id: int, *, page: int = 0, note: str | None = None) -> Answer:
    """A page of the waiting definitions, oldest first, each with Approve and Reject."""
    total, _ = review_store.queue_summary(store, guild_id)
    pages = max(1, -(-total // QUEUE_PAGE))
    page = max(0, min(page, pages - 1))
    items = review_store.waiting(store, guild_id, offset=page * QUEUE_PAGE, limit=QUEUE_PAGE)
    sections, actions = [], []
    for item in items:
        what = (
            "a new term"
            if item.term_id is None
            else "a new text of their definition"
            if item.definition_id is not None
            else "a new definition"
        )
        name = (
            f"#{item.id} “{item.term_name}” by {item.author_name}: {what},"
            f" waiting {age(item.submitted_at)}"
        )
        text = answers.clip(item.text, SHOWN_TEXT)
        if item.source_name:
            text += f"\nSource: {item.source_name}" + (
                f" ({item.source_url})" if item.source_url else ""
            )
        sections.append(Section(name, text))
        actions.append(Action("approve", f"Approve #{item.id}", item.id))
        actions.append(Action("reject", f"Reject #{item.id}", item.id))
    actions += answers.page_actions("reviews", 0, page, pages)
    lines = [note] if note else []
    lines.append(settings_text(store, guild_id))
    lines.append(f"{total} waiting, oldest first." if total else "Nothing waits for review.")
    return Answer(
        kind="info",
        title="Waiting for review",
        body="\n\n".join(lines),
        sections=sections,
        footer=f"page {page + 1} of {pages}" if pages > 1 else None,
        actions=actions,
        private=True,
        page=page,
        pages=pages,
    )


def age(at: str | None, *, since: datetime | None = None) -> str:
    """How long ago, roughly: "5 min", "3 h", "2 days"."""
    if not at:
        return "?"
    try:
        then = datetime.fromisoformat(at)
    except ValueError:
        return "?"
    seconds = max(0, int(((since or datetime.now(UTC)) - then).total_seconds()))
    if seconds < 3600:
        return f"{max(1, seconds // 60)} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def _waiting_here(store: Store, guild_id: int) -> int:
    return review_store.queue_summary(store, guild_id)[0]


def report_line(store: Store, guild_id: int) -> str | None:
    """For /glossary report: how many wait and for how long the oldest has (None: none)."""
    count, oldest = review_store.queue_summary(store, guild_id)
    if not count:
        return None
    return (
        f"{count} definition(s) wait for review; the oldest for {age(oldest)}."
        " /glossary review lists them."
    )


def approve(store: Store, review_id: int, *, guild_id: int, reviewer: Actor) -> Decided:
    """Publish a waiting definition (credited to its author, as any public one); Refused if
    it no longer waits, or can no longer be published (its term gone, its text taken)."""
    item = review_store.review(store, review_id, guild_id=guild_id)
    if item is None or item.state != WAITING:
        raise Refused(GONE)
    sent = Contribution(
        guild_id,
        item.author_id,
        item.author_name,
        item.text,
        item.source_name,
        item.source_url,
        channel_id=item.channel_id,
    )
    if item.term_id is None:
        saved = contributions.create_term(store, item.term_name, sent, reviewed=True)
    else:
        saved = contributions.save(store, item.term_id, sent, reviewed=True)
    assert reviewer.user_id is not None
    if not review_store.decide(
        store,
        review_id,
        state=APPROVED,
        reviewer_id=reviewer.user_id,
        at=now(),
        term_id=saved.term_id,
    ):
        raise Refused(GONE)
    return Decided(item, saved)


def reject(
    store: Store, review_id: int, *, guild_id: int, reviewer: Actor, reason: str | None
) -> Decided:
    """Turn a waiting definition down, with an optional reason for its author."""
    reason = " ".join((reason or "").split())[:MAX_REASON] or None
    item = review_store.review(store, review_id, guild_id=guild_id)
    assert reviewer.user_id is not None
    if item is None or not review_store.decide(
        store, review_id, state=REJECTED, reviewer_id=reviewer.user_id, at=now(), reason=reason
    ):
        raise Refused(GONE)
    return Decided(item, reason=reason)


def with_waiting(store: Store, answer: Answer, *, viewer_id: int, guild_id: int | None) -> Answer:
    """A term's answer as its viewer sees it: with their own definition waiting for review
    (then shown to them alone), if they have one."""
    if answer.kind != "definition" or answer.term_id is None or guild_id is None:
        return answer
    # Every answer asks; most servers have nothing waiting (one cached count says so).
    if not store.cached_read(("waiting", guild_id), _waiting_here, store, guild_id):
        return answer
    mine = review_store.waiting_of_author(
        store, guild_id, viewer_id, term_id=answer.term_id, term_name=""
    )
    if mine is None:
        return answer
    text = answers.clip(mine.text, 900) + ("\n(Shown to you alone until a reviewer approves it.)")
    return replace(answer, sections=[*answer.sections, Section(WAITING_TITLE, text)], private=True)


def waiting_answer(name: str, text: str) -> Answer:
    """What the member is told on sending a definition that waits for review."""
    return Answer(
        kind="info",
        title="Waiting for review",
        body=(
            f"Your definition of “{name}” waits for review by this server's admins: until one"
            " approves it, only you and they can see it. You will be told when it is decided."
        ),
        sections=[Section("Your definition", answers.clip(text, 1000))],
        private=True,
    )


class ReviewOperations:
    """The service's named operations for the review queue (mixed into GlossaryService)."""

    store: Store
    if TYPE_CHECKING:

        def _write(
            self, work: Callable[[Store], T], *, long: bool = False
        ) -> asyncio.Future[T]: ...

        async def _terms_changed(self, term_ids: list[int], generation_before: int) -> None: ...

        _generation: int

    def review_queue(self, guild_id: int, *, page: int = 0, note: str | None = None) -> Answer:
        """A page of the definitions waiting for review here, oldest first."""
        return queue_answer(self.store, guild_id, page=page, note=note)

    def set_review(
        self, guild_id: int, *, on: bool | None, skip_karma: int | None
    ) -> asyncio.Future[str]:
        """Change the server's review settings; the settings after it, in words."""
        return self._write(functools.partial(set_review, guild_id=guild_id, on=on, skip=skip_karma))

    def waiting_answer(self, saved: Saved, *, guild_id: int) -> Answer:
        """What a member is told when their definition went to the review queue."""
        item = review_store.review(self.store, saved.waiting or 0, guild_id=guild_id)
        if item is None:
            return answers.info_answer("Waiting for review", GONE)
        return waiting_answer(item.term_name, item.text)

    def reviews_definitions(self, guild_id: int) -> bool:
        """Whether members' definitions here may wait for review."""
        return review_store.review_on(self.store, guild_id)

    def review_report_line(self, guild_id: int) -> str | None:
        return report_line(self.store, guild_id)

    def with_waiting(self, answer: Answer, *, viewer_id: int, guild_id: int | None) -> Answer:
        return with_waiting(self.store, answer, viewer_id=viewer_id, guild_id=guild_id)

    async def approve_review(self, review_id: int, *, guild_id: int, reviewer: Actor) -> Decided:
        before = self._generation
        decided = await self._write(
            functools.partial(approve, review_id=review_id, guild_id=guild_id, reviewer=reviewer)
        )
        if decided.saved is not None and decided.saved.new_term:
            await self._terms_changed([decided.saved.term_id], before)
        return decided

    def reject_review(
        self, review_id: int, *, guild_id: int, reviewer: Actor, reason: str | None
    ) -> asyncio.Future[Decided]:
        return self._write(
            functools.partial(
                reject, review_id=review_id, guild_id=guild_id, reviewer=reviewer, reason=reason
            )
        )
