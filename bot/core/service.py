"""The glossary service: the store and the matcher kept in step, answering in plain data.

Every front end (Discord, the console, ``glossary-bot ask``, the web site) goes through this
class, so the same question gets the same answer everywhere. It is the one door to storage:
front ends call its named operations and import nothing from the store but its errors
(bot/core/errors.py); tests/test_boundaries.py holds them to that.

Writes are queued in order (`_write`, private). On an event loop, reads go through `call`,
the seam a backend whose reads are network round trips uses to take them off the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal, ParamSpec, TypeVar

from bot.core import answers, browse, contributions, karma, pages, semantic, server, voting
from bot.core.answers import Answer
from bot.core.contributions import Contribution, Saved
from bot.core.copy import CopyReport, copy_database
from bot.core.db import Listener, is_database_url
from bot.core.errors import StoreBusy, StoreError
from bot.core.glossary import bundled_glossary_path, load_glossary
from bot.core.history import HistoryOperations
from bot.core.history_store import Actor
from bot.core.karma import Badge, VoteLimits
from bot.core.matcher import Candidate, Decision, Matcher
from bot.core.model import (
    DefinitionRecord,
    Entry,
    Glossary,
    LoadReport,
    MemberStats,
    MissedQuery,
    TermRecord,
)
from bot.core.review import ReviewOperations
from bot.core.search import SearchResult
from bot.core.server import FreeText, ImportPlan, TermForm
from bot.core.store import BUSY_TIMEOUT, Store
from bot.core.voting import Outcome, Voter
from bot.core.writer import StoreWriter

log = logging.getLogger(__name__)

DEFAULT_DB = "glossary.db"
ANSWER_CACHE_SIZE = 4096
DECISION_CACHE_SIZE = 4096
READ_THREADS = 4  # PostgreSQL: reads of the bot at once, off its event loop
# Reaction events whose results are handed back per turn of the event loop: each wakes its
# handler, and a burst's thousand at once would keep the gateway waiting for all of them.
VOTE_RESULTS_PER_TURN = 64
Mode = Literal["define", "chat"]
T = TypeVar("T")
P = ParamSpec("P")
# The meta key under which the bot keeps the hash of the slash commands it last synced.
COMMAND_HASH_KEY = "command_tree_hash:{application_id}"


def busy_timeout() -> float:
    """GLOSSARY_BUSY_TIMEOUT: seconds a write waits while another process writes."""
    text = os.environ.get("GLOSSARY_BUSY_TIMEOUT", "").strip()
    if not text:
        return BUSY_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise StoreError(
            f"GLOSSARY_BUSY_TIMEOUT={text!r} is not a number of seconds between 0 and 3600"
        )
    return seconds


def database_path(explicit: str | Path | None = None) -> str | Path:
    """--db wins, then GLOSSARY_DB, then glossary.db in the working directory: a path to an
    SQLite file, or a postgresql:// URL (kept as the string it is)."""
    given = explicit or os.environ.get("GLOSSARY_DB") or DEFAULT_DB
    return str(given) if is_database_url(str(given)) else Path(given)


@dataclass(slots=True)
class Reply:
    """A decision and what to say about it (None: say nothing)."""

    decision: Decision
    answer: Answer | None
    missed: str | None = None


class GlossaryService(HistoryOperations, ReviewOperations):
    def __init__(
        self,
        store: Store,
        *,
        build_matcher: bool = True,
        vote_defaults: VoteLimits | None = None,
    ):
        self.store = store
        # Server-wide vote limits (the environment's); each server may set its own over them.
        self.vote_defaults = vote_defaults or VoteLimits()
        self._generation = store.glossary_generation()
        self._data_version = store.data_version()
        # Built up front for a front end that answers (the first answer must not wait for
        # it); built on first use for commands that only load or export, whose time then
        # follows their file and not the whole database.
        self._embedder = _embedder()
        self._matcher: Matcher | None = None
        if build_matcher:
            self._matcher = self._built(list(store.matcher_entries()))
        self._decisions: dict[tuple[str, str, int | None, tuple[str, ...]], Decision] = {}
        self._writer: StoreWriter | None = None
        self._queued = 0
        self._answers_shown: set[int] = set()
        self._vote_batch: list[tuple[Callable[[Store], Outcome], asyncio.Future[Outcome]]] = []
        # A batch of votes is being written or its results handed back; events that come
        # meanwhile wait for the next batch (see `_vote`).
        self._votes_busy = False
        self._limits: dict[int, VoteLimits] = {}
        self._settling = False  # the database changed at the last look (see above)
        self._wake: asyncio.Event | None = None  # set when another process says it changed
        self._listener: Listener | None = None
        # Held while the matcher is rebuilt or patched, so neither undoes the other.
        self._matcher_lock = asyncio.Lock()
        # Where `call` runs reads: None, inline (SQLite); else an executor's threads.
        self._reads: Executor | None = None

    @classmethod
    def open(
        cls, path: str | Path | None = None, *, seed: bool = True, answering: bool = True
    ) -> GlossaryService:
        """Open (or create) the database; a new one is filled from the bundled glossary.

        answering=False: for commands that do not answer questions, the matcher is built
        only if they ask anyway.
        """
        try:
            vote_defaults = karma.limits_from_env()
        except ValueError as exc:
            raise StoreError(str(exc)) from exc
        store = Store(database_path(path), busy_timeout=busy_timeout())
        if seed and store.is_empty():
            report = store.load_glossary(load_glossary(bundled_glossary_path()))
            log.info("created %s from the bundled glossary (%s)", store.sql.name, report.summary())
        return cls(store, build_matcher=answering, vote_defaults=vote_defaults)

    @property
    def matcher(self) -> Matcher:
        if self._matcher is None:
            self._matcher = self._built(list(self.store.matcher_entries()))
        return self._matcher

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if isinstance(self._reads, ThreadPoolExecutor):
            self._reads.shutdown(wait=True)
            self._reads = None
        self.store.close()

    # -- writing --------------------------------------------------------------------------

    def write_in_background(self) -> None:
        """From now on `_write` works on a thread of its own (for the bot's event loop)."""
        if self._writer is None:
            self._writer = StoreWriter(self.store.target, busy_timeout=self.store.busy_timeout)
        self.serve_from_event_loop()

    def serve_from_event_loop(self) -> None:
        """For a front end on an event loop (the bot, `glossary-bot web`): on PostgreSQL every
        read is a round trip to the server, so `call` runs them on worker threads (one pooled
        connection each) and none stalls the gateway or the site."""
        if self._reads is None and self.store.backend == "postgres":
            self.read_off_loop(ThreadPoolExecutor(READ_THREADS, thread_name_prefix="glossary-read"))

    def _write(
        self, work: Callable[[Store], T], *, long: bool = False, answers_change: bool = True
    ) -> asyncio.Future[T]:
        """Run `work` (writes, or reads that must see them) as one transaction, after all the
        work asked for before it.

        answers_change=False: bookkeeping no answer shows (which message shows what, a
        question that found nothing), so the answers cached stay; every other write drops
        them, since a vote, a definition or a setting may be in one.

        Its place in line is taken at the call, so the caller may answer a member first and
        await the result after. In the background, work runs at once when nothing is queued
        and the database is free (the usual case, and the quickest), else on the writer's
        thread, so that waiting for another process's write never stalls the event loop.
        Work that takes long by itself (a whole glossary file) says so, and always goes there,
        as all work does on PostgreSQL.
        """
        if self._vote_batch:
            # Votes waiting for their batch were asked for first: they keep their place.
            self._write_votes()
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        # On PostgreSQL every unit of work is a round trip over the network: never on the loop.
        off_loop = long or self.store.backend == "postgres"
        if self._writer is None or not (self._queued or off_loop):
            try:
                done.set_result(self.store.transaction(work, wait=self._writer is None))
                return done
            except StoreBusy:
                pass  # nothing was done: queue it for the writer
            except Exception as exc:
                done.set_exception(exc)
                return done
        assert self._writer is not None
        self._queued += 1
        future = self._writer.submit(lambda store: store.transaction(work))
        future.add_done_callback(self._written if answers_change else self._dequeued)
        return future

    # -- the event loop's seam to storage ---------------------------------------------------

    async def call(self, op: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """`op(*args, **kwargs)`, a service operation that reads storage, awaited from the
        event loop: THE seam through which the bot's cogs (and the web pages it serves) read.

        Usage: ``answer = await service.call(service.term_answer, term_id, guild_id=g)``.
        Writes do not come here: they are queued in order by `_write` and already return
        futures. Front ends without an event loop (console, CLI) call the operations directly.

        On SQLite the operation runs inline, now, as it always has: a read of a local file in
        WAL mode takes microseconds, and the store's connection is used from the loop's
        thread only. On PostgreSQL, whose every read is a network round trip, the bot
        (`write_in_background`) runs them on READ_THREADS threads (`read_off_loop`), one
        pooled connection each, so a slow round trip never stalls the gateway; no cog
        changes for it. Reads may then finish out of the order asked: the votes cog queues
        a message's reaction events in arrival order itself (ArrivalOrder), and an answer
        read while a write landed is not cached.

        The service's own reads in its async operations come here too (`_terms_changed`,
        `_rebuild`, `follow_other_writers`, storing new FAQ vectors); `set_vote_limits` reads
        the current limits in its write.
        """
        if self._reads is None:
            return op(*args, **kwargs)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._reads, functools.partial(op, *args, **kwargs))

    def read_off_loop(self, executor: Executor | None) -> None:
        """From now on `call` runs reads on this executor's threads (None: inline again)."""
        self._reads = executor

    def _written(self, done: asyncio.Future) -> None:
        self._dequeued(done)
        # Written through another connection: answers cached from this one are stale.
        self.store.changed_elsewhere()

    def _dequeued(self, _: asyncio.Future) -> None:
        self._queued -= 1

    # -- loading --------------------------------------------------------------------------

    def load(
        self,
        glossary: Glossary,
        *,
        progress: Callable[[float], None] | None = None,
        file_digest: str | None = None,
    ) -> LoadReport:
        """Load a glossary; `file_digest` (of its file) lets a later load of the same file be
        known as a no-op (see loaded_file)."""
        report = self.store.load_glossary(glossary, progress=progress, file_digest=file_digest)
        # A load can touch thousands of names; one rebuild is cheaper than diffing them here
        # (none for a command that only loads: its time follows the file, not the database).
        matcher = (
            self._built(list(self.store.matcher_entries())) if self._matcher is not None else None
        )
        self._use(matcher, self.store.glossary_generation())
        return report

    def loaded_file(self, file_digest: str) -> str | None:
        """The glossary last loaded from the file with this digest: loading it is a no-op."""
        return self.store.loaded_file(file_digest)

    def _built(self, entries: list[Entry]) -> Matcher:
        matcher = self._new_matcher(entries, self._stored_vectors())
        self._keep_vectors(matcher)
        return matcher

    def _matcher_inputs(self) -> tuple[list[Entry], dict[str, bytes]]:
        """What a new matcher is built from: every entry, and the FAQ vectors stored."""
        return list(self.store.matcher_entries()), self._stored_vectors()

    def _stored_vectors(self) -> dict[str, bytes]:
        return self.store.embeddings(self._embedder.model_id) if self._embedder else {}

    def _new_matcher(self, entries: list[Entry], stored: dict[str, bytes]) -> Matcher:
        """A matcher for the entries; with the semantic extra, with the FAQs' vectors (the
        stored ones reused). Touches no database, so it may run on a worker thread."""
        if self._embedder is None:
            return Matcher(entries)
        index = semantic.semantic_index(self._embedder, entries, stored)
        return Matcher(entries, semantic=index)

    def _keep_vectors(self, matcher: Matcher) -> None:
        """Store the vectors the matcher computed, so that the next start computes none."""
        index = matcher.semantic
        if index is None or not index.computed:
            return
        try:
            self.store.save_embeddings(index.embedder.model_id, index.computed)
        except StoreBusy:
            log.info("database busy: FAQ vectors not stored, they are computed next time")
            return
        log.info("stored %d new FAQ vectors", len(index.computed))
        index.computed = {}

    def _use(self, matcher: Matcher | None, generation: int) -> None:
        self._matcher = matcher
        self._generation = generation
        self._decisions.clear()

    def _glossary_changed_elsewhere(self) -> int | None:
        """The new glossary generation if another process loaded a changed glossary since the
        last look, else None. Cached answers are dropped when anything changed."""
        version = self.store.data_version()
        if version == self._data_version:
            if self._settling:
                # On PostgreSQL the token may move a moment before the commit it stands for
                # is seen: what was cached right after is dropped once more.
                self._settling = False
                self._forget_cached()
            return None
        self._data_version = version
        self._settling = True
        self._forget_cached()
        generation = self.store.glossary_generation()
        return None if generation == self._generation else generation

    def _forget_cached(self) -> None:
        """Another process wrote: answers, and the servers' vote limits, are read again."""
        self.store.changed_elsewhere()
        self._limits.clear()

    async def wait_for_changes(self, seconds: float) -> None:
        """Wait until the next look at the database is due: `seconds`, or less when another
        process says it changed the glossary (PostgreSQL's NOTIFY, heard on a thread of its
        own). follow_other_writers then looks; it alone decides what changed."""
        if self._wake is None:
            loop = asyncio.get_running_loop()
            event = self._wake = asyncio.Event()

            def wake() -> None:
                with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
                    loop.call_soon_threadsafe(event.set)

            self._listener = self.store.listen(wake)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()

    def follow_other_writers_now(self) -> bool:
        """follow_other_writers for a front end without an event loop (the console): the
        matcher is rebuilt here and now."""
        generation = self._glossary_changed_elsewhere()
        if generation is None:
            return False
        self._use(self._built(list(self.store.matcher_entries())), generation)
        return True

    async def follow_other_writers(self) -> bool:
        """Catch up with what other processes wrote to the database since the last call.

        Cached answers are dropped when anything changed. When another process loaded a
        changed glossary (`glossary-bot load` while the bot runs), the matcher is rebuilt on
        a worker thread and swapped in, and this returns True. When nothing changed it costs
        one cheap query, so a bot can call it every few seconds.
        """
        generation = await self.call(self._glossary_changed_elsewhere)
        if generation is None:
            return False
        async with self._matcher_lock:
            entries, stored = await self.call(self._matcher_inputs)
            matcher = await asyncio.to_thread(self._new_matcher, entries, stored)
            await self.call(self._keep_vectors, matcher)
            self._use(matcher, generation)
        return True

    async def _terms_changed(self, term_ids: list[int], generation_before: int) -> None:
        """Teach the matcher what changed in a few terms (their names, aliases and FAQs)."""
        async with self._matcher_lock:
            entries, faq_ids = await self.call(self.store.term_matcher_entries, term_ids)
            if self.matcher.prepares(entries):  # the semantic extra's FAQ vectors, off the loop
                await asyncio.to_thread(self.matcher.prepare, entries)
            for term_id in term_ids:
                self.matcher.remove("term", term_id)
            for faq_id in faq_ids:
                self.matcher.remove("faq", faq_id)
            for entry in entries:
                self.matcher.add(entry)
            await self.call(self._keep_vectors, self.matcher)
            self._decisions.clear()
            generation = await self.call(self.store.glossary_generation)
            if generation_before == self._generation and generation == generation_before + 1:
                # Only this change moved the number: the matcher is up to date without a rebuild.
                self._generation = generation

    async def _rebuild(self) -> None:
        async with self._matcher_lock:
            generation = await self.call(self.store.glossary_generation)
            entries, stored = await self.call(self._matcher_inputs)
            matcher = await asyncio.to_thread(self._new_matcher, entries, stored)
            await self.call(self._keep_vectors, matcher)
            self._use(matcher, generation)

    # -- members' definitions -------------------------------------------------------------

    def term(self, term_id: int) -> TermRecord | None:
        return self.store.term(term_id)

    def author_definition(
        self, term_id: int, *, guild_id: int, author_id: int
    ) -> DefinitionRecord | None:
        """The member's own definition of the term, to open /contribute pre-filled with it."""
        return self.store.author_definition(term_id, guild_id=guild_id, author_id=author_id)

    def own_definition(
        self, definition_id: int, *, guild_id: int, user_id: int
    ) -> DefinitionRecord:
        """The member's own live definition (to edit it), or Refused."""
        return contributions.own_definition(
            self.store, definition_id, guild_id=guild_id, user_id=user_id
        )

    async def contribute(self, term_id: int, sent: Contribution) -> Saved:
        """A member's definition of a term, checked; their earlier one is edited instead."""
        return await self._write(functools.partial(contributions.save, term_id=term_id, sent=sent))

    async def create_member_term(self, name: str | None, sent: Contribution) -> Saved:
        """A new term in the member's server, with their definition."""
        before = self._generation
        saved = await self._write(
            functools.partial(contributions.create_term, name=name, sent=sent)
        )
        if saved.new_term:
            await self._terms_changed([saved.term_id], before)
        return saved

    async def delete_definition(
        self,
        definition_id: int,
        *,
        guild_id: int,
        user_id: int,
        moderator: bool = False,
        user_name: str | None = None,
    ) -> DefinitionRecord:
        """Take a definition down (its author, or a moderator): it leaves /define, and its
        votes leave its author's karma."""
        return await self._write(
            functools.partial(
                contributions.delete,
                definition_id=definition_id,
                guild_id=guild_id,
                user_id=user_id,
                moderator=moderator,
                user_name=user_name,
            )
        )

    # -- the server's own glossary --------------------------------------------------------

    def server_term_form(self, guild_id: int, term_id: int) -> TermForm:
        """A server term as the admin's form shows it, to edit it; Refused if not one."""
        return TermForm.of(server.server_term(self.store, guild_id, term_id))

    def find_server_term(self, guild_id: int, name: str) -> int | None:
        return server.find_server_term(self.store, guild_id, name)

    def server_term_choices(self, guild_id: int, current: str) -> list[tuple[int, str]]:
        """Autocomplete over the server's own terms only (to edit or remove one)."""
        own = {term_id for term_id, _ in self.store.server_names(guild_id).values()}
        if not own:
            return []
        candidates = self.matcher.complete(current, limit=100, scope=guild_id)
        return [(c.target, c.label) for c in candidates if c.target in own]

    async def add_server_term(
        self, guild_id: int, form: TermForm, *, by: Actor | None = None
    ) -> int:
        before = self._generation
        term_id = await self._write(
            functools.partial(server.add_term, guild_id=guild_id, form=form, by=by)
        )
        await self._terms_changed([term_id], before)
        return term_id

    async def edit_server_term(
        self, guild_id: int, term_id: int, form: TermForm, *, by: Actor | None = None
    ) -> int:
        before = self._generation
        await self._write(
            functools.partial(
                server.edit_term, guild_id=guild_id, term_id=term_id, form=form, by=by
            )
        )
        await self._terms_changed([term_id], before)
        return term_id

    async def remove_server_term(
        self, guild_id: int, term_id: int, *, by: Actor | None = None
    ) -> str:
        before = self._generation
        name = await self._write(
            functools.partial(server.remove_term, guild_id=guild_id, term_id=term_id, by=by)
        )
        await self._terms_changed([term_id], before)
        return name

    async def plan_import(self, guild_id: int, glossary: Glossary) -> ImportPlan:
        """What importing a checked file would change, changing nothing."""
        return await self._write(
            functools.partial(server.plan_import, guild_id=guild_id, glossary=glossary), long=True
        )

    async def apply_import(
        self, guild_id: int, glossary: Glossary, *, by: Actor | None = None
    ) -> LoadReport:
        """The file becomes the server's glossary, all of it in one transaction."""
        report = await self._write(
            functools.partial(server.apply_import, guild_id=guild_id, glossary=glossary, by=by),
            long=True,
        )
        if report.changed_anything():
            await self._rebuild()
        return report

    async def export_server_glossary(self, guild_id: int) -> tuple[str, str]:
        """The server's glossary as a file: (file name, YAML text)."""
        return await self._write(
            functools.partial(server.export_file, guild_id=guild_id), long=True
        )

    def free_text(self, guild_id: int) -> FreeText:
        return server.free_text(self.store, guild_id)

    async def set_free_text(self, guild_id: int, setting: FreeText) -> None:
        await self._write(
            functools.partial(server.set_free_text, guild_id=guild_id, setting=setting)
        )

    def missed_report(self, guild_id: int | None) -> list[MissedQuery]:
        return self.store.missed_report(guild_id=guild_id, limit=server.REPORT_LIMIT)

    def record_missed(self, guild_id: int | None, query: str) -> asyncio.Future[None]:
        """Keep a question that found nothing for the server's maintainers (queued)."""
        return self._write(
            lambda store: store.record_missed_query(guild_id=guild_id, query=query),
            answers_change=False,
        )

    def missed_queries(
        self, guild_id: int | None, *, limit: int = 25
    ) -> asyncio.Future[list[tuple[str, int]]]:
        """The most asked questions that found nothing, with their counts, read after the
        questions already queued."""
        return self._write(lambda store: store.missed_queries(guild_id=guild_id, limit=limit))

    def missed_query(self, query_id: int, *, guild_id: int | None) -> str | None:
        return self.store.missed_query(query_id, guild_id=guild_id)

    # -- the bot's own records ---------------------------------------------------------------

    def command_hash(self, application_id: int | None) -> str | None:
        """The hash of the slash commands last synced for this application (None: never)."""
        return self.store.get_meta(COMMAND_HASH_KEY.format(application_id=application_id))

    def set_command_hash(self, application_id: int | None, digest: str) -> asyncio.Future[None]:
        key = COMMAND_HASH_KEY.format(application_id=application_id)
        return self._write(lambda store: store.set_meta(key, digest))

    async def sync_commands(
        self,
        application_id: int | None,
        digest: str,
        sync: Callable[[], Awaitable[T]],
        *,
        force: bool = False,
    ) -> T | None:
        """`sync()` the slash commands unless `digest` is the hash last synced (force: always),
        then keep it; None: unchanged, not synced. All under the store's command-sync lock, so
        of processes starting at once (a deploy overlapping the old one) one syncs and the
        others wait and see its hash. Waiting for the lock runs off the event loop."""
        held = self.store.command_sync_lock()
        await asyncio.to_thread(held.__enter__)
        try:
            if not force and await self.call(self.command_hash, application_id) == digest:
                return None
            synced = await sync()
            await self.set_command_hash(application_id, digest)
            return synced
        finally:
            await asyncio.to_thread(held.__exit__, None, None, None)

    @property
    def version(self) -> int:
        """A number that moves whenever something stored may have changed (this process's
        writes, and others' once followed): what was built from an older one is stale."""
        return self.store.version

    def copy_into(
        self, target: GlossaryService, *, progress: Callable[[str, int], None] | None = None
    ) -> CopyReport:
        """Everything this database holds, copied into the empty database of `target` (SQLite
        to PostgreSQL or back); counts checked table by table, all or nothing."""
        return copy_database(self.store, target.store, progress=progress)

    def export_glossary(self, name: str | None = None) -> Glossary:
        """One loaded glossary as it was loaded (without members' contributions); StoreError
        when there is no such glossary."""
        return self.store.export_glossary(name)

    # -- asking ---------------------------------------------------------------------------

    def complete(
        self, current: str, *, guild_id: int | None, kind: Literal["term", "faq"], limit: int
    ) -> list[Candidate]:
        """Autocomplete: names for what a member is typing, best first (the matcher only)."""
        return self.matcher.complete(current, limit=limit, scope=guild_id, kind=kind)

    def decide(
        self,
        text: str,
        *,
        mode: Mode = "define",
        guild_id: int | None = None,
        kinds: tuple[str, ...] = ("term", "faq"),
        vector: object = None,
    ) -> Decision:
        # The same few questions are asked again and again; the matcher changes only on a load.
        key = (text, mode, guild_id, kinds)
        decision = self._decisions.get(key)
        if decision is None:
            if len(self._decisions) > DECISION_CACHE_SIZE:
                self._decisions.clear()
            decision = self.matcher.decide(
                text, mode=mode, scope=guild_id, kinds=kinds, vector=vector
            )
            self._decisions[key] = decision
        return decision

    async def ask_chat(self, text: str, *, guild_id: int | None) -> Reply:
        """ask() in chat mode, for the event loop: with the semantic extra, the message's
        embedding (about 10 ms of CPU) is computed on a worker thread."""
        vector = None
        index = self.matcher.semantic
        key = (text, "chat", guild_id, ("term", "faq"))
        if index is not None and key not in self._decisions and self.matcher.wants_vector(text):
            vector = await asyncio.to_thread(index.embed_query, text)
        return await self.call(
            self.ask, text, mode="chat", guild_id=guild_id, record_missed=False, vector=vector
        )

    def ask(
        self,
        text: str,
        *,
        mode: Mode = "define",
        guild_id: int | None = None,
        kinds: tuple[str, ...] = ("term", "faq"),
        record_missed: bool = True,
        vector: object = None,
    ) -> Reply:
        """Answer a question; in chat mode anything short of an answer is silence.

        A question that found nothing is kept for the glossary's maintainers (`Reply.missed`);
        with record_missed=False the caller records it (after answering, say).
        """
        if not text.strip() and mode == "define":
            return Reply(
                self.decide(text, mode=mode, guild_id=guild_id, kinds=kinds),
                answers.info_answer("Nothing asked", "Type a term or a question, like “churn”."),
            )
        decision = self.decide(text, mode=mode, guild_id=guild_id, kinds=kinds, vector=vector)
        if decision.decision == "answer" and decision.best is not None:
            return Reply(decision, self.open_candidate(decision.best, guild_id=guild_id))
        if mode == "chat":
            return Reply(decision, None)
        if decision.decision == "suggest" and decision.candidates:
            choices = [(c.kind, c.label, c.target) for c in decision.candidates[:5]]
            return Reply(decision, answers.suggest_answer(text.strip(), choices))
        reply = Reply(
            decision,
            answers.not_found_answer(answers.clip(text.strip(), 100), faqs_only=kinds == ("faq",)),
        )
        if text.strip():
            reply.missed = text.strip()
            if record_missed:
                self.store.record_missed_query(guild_id=guild_id, query=reply.missed)
        return reply

    def open_candidate(self, candidate: Candidate, *, guild_id: int | None) -> Answer:
        if candidate.kind == "faq":
            return self.faq_answer(candidate.target, guild_id=guild_id)
        return self.term_answer(candidate.target, guild_id=guild_id)

    def term_answer(self, term_id: int, *, guild_id: int | None, page: int = 0) -> Answer:
        # Answers are asked for far more often than votes or loads change them.
        return self.store.cached_read(
            ("answer", term_id, guild_id, page), self._term_answer, term_id, guild_id, page
        )

    def _term_answer(self, term_id: int, guild_id: int | None, page: int) -> Answer:
        term = self.store.term(term_id)
        if term is None or term.removed or term.guild_id not in (None, guild_id):
            return answers.info_answer("Gone", "That term is no longer in the glossary.")
        related_ids = self.store.term_ids([r.term for r in term.related], guild_id=guild_id)
        return answers.definition_answer(
            term,
            self.store.definitions(term_id, guild_id=guild_id),
            page=page,
            faqs=self.store.faqs_of_term(term_id),
            glossary_source=self.store.glossary_source(term.glossary),
            related_ids=related_ids,
        )

    def faq_answer(self, faq_id: int, *, guild_id: int | None = None) -> Answer:
        faq = self.store.faq(faq_id)
        # A server's own FAQ is answered in that server only.
        if faq is None or faq.guild_id not in (None, guild_id):
            return answers.info_answer("Gone", "That question is no longer in the glossary.")
        return answers.faq_answer(faq, term_id=faq.term_id)

    def search(self, text: str, *, guild_id: int | None, page: int = 0) -> Answer:
        """A page of the terms and FAQs whose texts hold the words of `text`."""
        return answers.search_answer(self.search_result(text, guild_id=guild_id, page=page))

    def search_result(self, text: str, *, guild_id: int | None, page: int = 0) -> SearchResult:
        return self.store.search(text, guild_id=guild_id, page=page)

    def faq_list(self, term_id: int, *, guild_id: int | None = None) -> Answer:
        term = self.store.term(term_id)
        if term is None or term.guild_id not in (None, guild_id):
            return answers.info_answer("Gone", "That term is no longer in the glossary.")
        return answers.faq_list_answer(term, self.store.faqs_of_term(term_id))

    # -- browsing: read-only, for the web site ----------------------------------------------

    def glossaries(self) -> list[browse.GlossaryInfo]:
        return browse.glossaries(self.store)

    def letter_counts(self, *, guild_id: int | None) -> dict[str, int]:
        return browse.letter_counts(self.store, guild_id=guild_id)

    def terms_by_letter(
        self, letter: str, *, guild_id: int | None, page: int, size: int = pages.INDEX_PAGE_SIZE
    ) -> list[browse.IndexedTerm]:
        return browse.terms_by_letter(
            self.store, letter, guild_id=guild_id, offset=page * size, limit=size
        )

    def term_page(self, term_id: int, *, guild_id: int | None) -> pages.TermPage | None:
        """A term's whole entry as read in one server (None: everywhere else), or None when
        it is gone or belongs to another server."""
        term = self.store.term(term_id)
        if term is None or term.removed or term.guild_id not in (None, guild_id):
            return None
        return pages.term_page(
            term,
            self.store.definitions(term_id, guild_id=guild_id),
            faqs=self.store.faqs_of_term(term_id),
            glossary_source=self.store.glossary_source(term.glossary),
            related_ids=self.store.term_ids([r.term for r in term.related], guild_id=guild_id),
        )

    def member_profile(
        self, *, guild_id: int, user_id: int, page: int, size: int = pages.PROFILE_PAGE_SIZE
    ) -> pages.ProfilePage:
        """A member's figures, badges and one page of their definitions, as /profile counts
        them."""
        stats = self.store.member_stats(guild_id=guild_id, user_id=user_id)
        definitions = self.store.member_definitions(guild_id=guild_id, user_id=user_id)
        page = max(0, min(page, pages.pages_of(len(definitions), size) - 1))
        shown = []
        for definition in definitions[page * size : (page + 1) * size]:
            term = self.store.term(definition.term_id)
            source = (
                answers.source_of(definition, term, self.store.glossary_source(term.glossary))
                if term
                else definition.source
            )
            shown.append(pages.ProfileDefinition(definition, term.name if term else "?", source))
        return pages.profile_page(
            stats.name or (definitions[0].author_name if definitions else None) or "a member",
            stats,
            badges=karma.badge_labels(
                self.store.badge_labels(guild_id=guild_id, user_id=user_id),
                voting.badges_for(self.store, guild_id),
            ),
            definitions=shown,
            total=len(definitions),
            page=page,
            size=size,
        )

    def ranked_members(
        self, *, guild_id: int, limit: int = pages.LEADERBOARD_SIZE
    ) -> list[MemberStats]:
        """The server's members by karma, as /leaderboard ranks them (all time), read now:
        for the web site, which never writes."""
        return self.store.leaderboard(guild_id=guild_id, limit=limit)

    def web_key(self, guild_id: int) -> str | None:
        """The key of the server's web pages while its web view is on, else None."""
        if self.store.guild_setting(guild_id, browse.WEB_VIEW) != "on":
            return None
        return self.store.guild_setting(guild_id, browse.WEB_KEY)

    def web_path(self, term_id: int, *, guild_id: int | None) -> str | None:
        """Where a term's page is on the web site as read from a server: the server's own
        view while its web view is on, else the public page (None for a server's term)."""
        key = self.web_key(guild_id) if guild_id is not None else None
        if key is not None:
            return f"/s/{key}/term/{term_id}"
        return f"/term/{term_id}" if browse.is_public_term(self.store, term_id) else None

    def guild_of_web_key(self, key: str) -> int | None:
        return browse.guild_of_web_key(self.store, key)

    def member_tokens(self, *, guild_id: int, web_key: str) -> dict[str, int]:
        """The server's members by the token in their profile's address."""
        return {
            pages.member_token(web_key, user_id): user_id
            for user_id in browse.member_ids(self.store, guild_id=guild_id)
        }

    def set_web_view(self, guild_id: int, enabled: bool) -> asyncio.Future[str | None]:
        """Turn a server's web pages on (their key, made once and kept) or off (None)."""
        return self._write(
            functools.partial(
                _switch_web_view,
                guild_id=guild_id,
                enabled=enabled,
                new_key=secrets.token_urlsafe(12),
            )
        )

    def forbid_writes(self) -> None:
        """From now on this process only reads (`glossary-bot web`): a write is an error."""
        self.store.forbid_writes()

    def vote_limits(self, guild_id: int) -> VoteLimits:
        """A server's limits (read for every reaction, so kept until the server changes them)."""
        limits = self._limits.get(guild_id)
        if limits is None:
            limits = voting.limits_for(self.store, guild_id, self.vote_defaults)
            self._limits[guild_id] = limits
        return limits

    def set_vote_limits(self, guild_id: int, values: dict[str, str] | None) -> asyncio.Future:
        """Change some of a server's limits (ValueError names a bad value); None: defaults."""
        if values:
            karma.limits_from(values, self.vote_defaults)  # a bad value is named here and now
        defaults = self.vote_defaults

        def write(store: Store) -> None:
            # Merged with the limits as stored, in the write: another process may have just
            # changed them, and no read waits on the event loop.
            current = voting.limits_for(store, guild_id, defaults)
            limits = karma.limits_from(values, current) if values else defaults
            stored = karma.limits_json(limits, defaults)
            store.set_guild_setting(guild_id, voting.LIMITS_SETTING, stored)

        self._limits.pop(guild_id, None)
        written = self._write(write)
        written.add_done_callback(lambda _: self._limits.pop(guild_id, None))
        return written

    def record_answer_message(
        self,
        *,
        message_id: int,
        guild_id: int | None,
        channel_id: int | None,
        definition_id: int | None = None,
        faq_id: int | None = None,
    ) -> asyncio.Future[None]:
        """Remember which definition or FAQ a public message shows (reactions on it vote)."""
        if definition_id is not None and guild_id is not None:
            # Known at once, even while the write waits for another process's.
            if len(self._answers_shown) > ANSWER_CACHE_SIZE:
                self._answers_shown.clear()
            self._answers_shown.add(message_id)
        return self._write(
            lambda store: store.record_answer_message(
                message_id=message_id,
                guild_id=guild_id,
                channel_id=channel_id,
                definition_id=definition_id,
                faq_id=faq_id,
            ),
            answers_change=False,
        )

    def is_answer(self, message_id: int) -> bool:
        """Whether a message is an answer that shows a definition (reactions on it vote)."""
        if message_id in self._answers_shown:
            return True
        if self.store.vote_target(message_id) is None:
            return False
        self._answers_shown.add(message_id)
        return True

    def add_reaction(self, *, message_id: int, value: int, voter: Voter) -> asyncio.Future[Outcome]:
        return self._vote(
            lambda store: voting.add_reaction(
                store, message_id=message_id, value=value, voter=voter, defaults=self.vote_defaults
            )
        )

    def remove_reactions(
        self, *, message_id: int, user_id: int | None = None, value: int | None = None
    ) -> asyncio.Future[Outcome]:
        return self._vote(
            lambda store: voting.remove_reactions(
                store, message_id=message_id, user_id=user_id, value=value
            )
        )

    def forget_messages(self, message_ids: list[int]) -> asyncio.Future[Outcome]:
        return self._vote(lambda store: voting.forget_messages(store, message_ids=message_ids))

    def _vote(self, work: Callable[[Store], Outcome]) -> asyncio.Future[Outcome]:
        """Queue one reaction event's work. The events that arrive together (a burst comes in
        hundreds) are written in one transaction on the writer's thread, each in a savepoint
        of its own, so the event loop never waits on them and one commit serves them all;
        each event's future is done once its vote is committed.

        One batch at a time: the events that come while a batch is being written wait for the
        next, so a slower database (a network round trip per batch) makes bigger batches, not
        a longer queue. Any other write queued meanwhile sends the waiting votes first, so
        every write still lands in the order it was asked for."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Outcome] = loop.create_future()
        if not self._vote_batch and not self._votes_busy:
            self._votes_busy = True
            loop.call_soon(self._write_next_votes)
        self._vote_batch.append((work, done))
        return done

    def _write_next_votes(self) -> None:
        if self._vote_batch:
            self._write_votes()
        else:  # another write sent them already
            self._votes_busy = False

    def _write_votes(self) -> None:
        batch, self._vote_batch = self._vote_batch, []
        self._votes_busy = True
        loop = asyncio.get_running_loop()

        def write_all(store: Store) -> list[Outcome | BaseException]:
            # The whole batch in one savepoint first: a savepoint per event costs two round
            # trips each on PostgreSQL, and events almost never fail.
            try:
                return list(store.transaction(lambda s: [work(s) for work, _ in batch]))
            except Exception:
                pass  # all of it rolled back: again, each event alone, so one fails alone
            results: list[Outcome | BaseException] = []
            for work, _ in batch:
                try:
                    results.append(store.transaction(work))
                except Exception as exc:  # this event's savepoint is rolled back, alone
                    results.append(exc)
            return results

        def settle(written: asyncio.Future[list[Outcome | BaseException]]) -> None:
            failed = written.exception()
            results = written.result() if failed is None else [failed] * len(batch)
            hand_back([done for _, done in batch], results, 0)

        def hand_back(
            dones: list[asyncio.Future[Outcome]], results: list[Outcome | BaseException], at: int
        ) -> None:
            # A slice per turn of the loop: the handlers these wake run before the next slice,
            # with the gateway's reads and every other task in between.
            upto = at + VOTE_RESULTS_PER_TURN
            for done, result in zip(dones[at:upto], results[at:upto], strict=True):
                if done.cancelled():
                    continue
                if isinstance(result, BaseException):
                    done.set_exception(result)
                else:
                    done.set_result(result)
            if upto < len(dones):
                loop.call_soon(hand_back, dones, results, upto)
            elif self._vote_batch:
                self._write_votes()  # the events that came while this batch was written
            else:
                self._votes_busy = False

        self._write(write_all, long=True).add_done_callback(settle)

    def press_vote_button(
        self,
        *,
        definition_id: int,
        guild_id: int,
        channel_id: int | None,
        value: int,
        voter: Voter,
    ) -> asyncio.Future[Outcome]:
        return self._write(
            lambda store: voting.press_vote_button(
                store,
                definition_id=definition_id,
                guild_id=guild_id,
                channel_id=channel_id,
                value=value,
                voter=voter,
                defaults=self.vote_defaults,
            )
        )

    def kept_reactions(self, message_id: int) -> dict[int, set[int]]:
        return self.store.reactions_on(message_id)

    def reconcile_message(
        self, *, message_id: int, standing: dict[int, dict[int, Voter]]
    ) -> asyncio.Future[Outcome]:
        return self._write(
            lambda store: voting.reconcile_message(
                store, message_id=message_id, standing=standing, defaults=self.vote_defaults
            )
        )

    def recent_answers(
        self, *, days: float, guild_id: int | None = None, channel_id: int | None = None
    ) -> list[dict]:
        since = _ago(timedelta(days=days))
        return self.store.recent_answer_messages(
            since=since, guild_id=guild_id, channel_id=channel_id
        )

    def badge_announcements_waiting(self) -> bool:
        return self.store.badge_announcements_waiting()

    def claim_badge_announcements(self) -> asyncio.Future[list[dict]]:
        return self._write(lambda store: store.claim_badge_announcements())

    # -- badges, profiles, the leaderboard ------------------------------------------------

    def badges(self, guild_id: int) -> tuple[Badge, ...]:
        return voting.badges_for(self.store, guild_id)

    def set_badges(self, guild_id: int, badges: tuple[Badge, ...] | None) -> asyncio.Future:
        """A server's badge set (None: back to the defaults); badges earned are kept."""
        stored = karma.badges_json(badges) if badges is not None else None
        return self._write(
            lambda store: store.set_guild_setting(guild_id, voting.BADGES_SETTING, stored)
        )

    def profile(
        self, *, guild_id: int, user_id: int, name: str | None, page: int = 0
    ) -> asyncio.Future[Answer]:
        """What /profile shows, read after the votes and contributions already queued."""

        def build(store: Store) -> Answer:
            definitions = store.member_definitions(guild_id=guild_id, user_id=user_id)
            pages = max(1, -(-len(definitions) // answers.PROFILE_PAGE))
            at = max(0, min(page, pages - 1)) * answers.PROFILE_PAGE
            shown = []
            for definition in definitions[at : at + answers.PROFILE_PAGE]:
                term = store.term(definition.term_id)
                shown.append((definition, term.name if term else "?"))
            stats = store.member_stats(guild_id=guild_id, user_id=user_id)
            return answers.profile_answer(
                name or stats.name or "A member",
                stats,
                user_id=user_id,
                badges=karma.badge_labels(
                    store.badge_labels(guild_id=guild_id, user_id=user_id),
                    voting.badges_for(store, guild_id),
                ),
                shown=shown,
                total=len(definitions),
                page=at // answers.PROFILE_PAGE,
            )

        return self._write(build)

    def leaderboard(
        self, *, guild_id: int, period: str = "all"
    ) -> asyncio.Future[list[MemberStats]]:
        """Every ranked member, best first, by karma from votes cast in the period."""
        days = answers.PERIODS.get(period, 0)
        since = _ago(timedelta(days=days)) if days else None
        return self._write(lambda store: store.leaderboard(guild_id=guild_id, since=since))

    def members_to_check(self, *, guild_id: int, user_ids: list[int], hours: float) -> list[int]:
        """Which of these members were not checked as still in the server for `hours`."""
        return self.store.members_to_check(
            guild_id=guild_id, user_ids=user_ids, before=_ago(timedelta(hours=hours))
        )

    def set_member_present(self, *, guild_id: int, user_id: int, present: bool) -> asyncio.Future:
        return self._write(
            lambda store: store.set_member_present(
                guild_id=guild_id, user_id=user_id, present=present
            )
        )

    def definition_page(self, definition_id: int, *, guild_id: int | None) -> Answer | None:
        """The answer showing this definition of its term (for a private view that votes)."""
        definition = self.store.definition(definition_id, guild_id=guild_id)
        if definition is None:
            return None
        term_definitions = self.store.definitions(definition.term_id, guild_id=guild_id)
        page = next((i for i, d in enumerate(term_definitions) if d.id == definition_id), None)
        if page is None:
            return None
        return self.term_answer(definition.term_id, guild_id=guild_id, page=page)


def _ago(delta: timedelta) -> str:
    return (datetime.now(UTC) - delta).isoformat(timespec="seconds")


def _switch_web_view(store: Store, *, guild_id: int, enabled: bool, new_key: str) -> str | None:
    store.set_guild_setting(guild_id, browse.WEB_VIEW, "on" if enabled else None)
    key = store.guild_setting(guild_id, browse.WEB_KEY)
    if key is None:
        key = new_key
        store.set_guild_setting(guild_id, browse.WEB_KEY, key)
    return key if enabled else None


def _embedder() -> semantic.Embedder | None:
    """The semantic extra's model, or None (the reason logged) to match by words alone."""
    try:
        embedder = semantic.load_embedder()
    except semantic.SemanticUnavailable as exc:
        log.info("FAQs matched by their words only: %s", exc)
        return None
    log.info("FAQs matched by words and meaning (%s)", embedder.model_id)
    return embedder
    # -- votes ----------------------------------------------------------------------------
    # Each of these is one transaction queued in order with every other write, so a reaction
    # is counted after the write that recorded the answer it is on.
