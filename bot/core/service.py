"""The glossary service: the store and the matcher kept in step, answering in plain data.

Every front end (Discord, the console, ``glossary-bot ask``) goes through this class, so the same
question gets the same answer everywhere.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

from bot.core import answers, semantic
from bot.core.answers import Answer
from bot.core.glossary import bundled_glossary_path, load_glossary
from bot.core.matcher import Candidate, Decision, Matcher
from bot.core.model import Entry, Glossary, LoadReport
from bot.core.store import BUSY_TIMEOUT, Store, StoreBusy, StoreError
from bot.core.writer import StoreWriter

log = logging.getLogger(__name__)

DEFAULT_DB = "glossary.db"
ANSWER_CACHE_SIZE = 4096
DECISION_CACHE_SIZE = 4096
Mode = Literal["define", "chat"]
T = TypeVar("T")


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


def database_path(explicit: str | Path | None = None) -> Path:
    """--db wins, then GLOSSARY_DB, then glossary.db in the working directory."""
    return Path(explicit or os.environ.get("GLOSSARY_DB") or DEFAULT_DB)


@dataclass(slots=True)
class Reply:
    """A decision and what to say about it (None: say nothing)."""

    decision: Decision
    answer: Answer | None
    missed: str | None = None


class GlossaryService:
    def __init__(self, store: Store):
        self.store = store
        self._generation = store.glossary_generation()
        self._data_version = store.data_version()
        self._embedder = _embedder()
        self.matcher = self._built(list(store.matcher_entries()))
        self._answers: dict[tuple[int, int | None, int], Answer] = {}
        self._decisions: dict[tuple[str, str, int | None, tuple[str, ...]], Decision] = {}
        self._cached_version = -1
        self._writer: StoreWriter | None = None
        self._queued = 0

    @classmethod
    def open(cls, path: str | Path | None = None, *, seed: bool = True) -> GlossaryService:
        """Open (or create) the database; a new one is filled from the bundled glossary."""
        store = Store(database_path(path), busy_timeout=busy_timeout())
        if seed and store.is_empty():
            report = store.load_glossary(load_glossary(bundled_glossary_path()))
            log.info("created %s from the bundled glossary (%s)", store.path, report.summary())
        return cls(store)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self.store.close()

    # -- writing --------------------------------------------------------------------------

    def write_in_background(self) -> None:
        """From now on `run` works on a thread of its own (for the bot's event loop)."""
        if self._writer is None:
            self._writer = StoreWriter(self.store.path, busy_timeout=self.store.busy_timeout)

    def run(self, work: Callable[[Store], T]) -> asyncio.Future[T]:
        """Run `work` (writes, or reads that must see them) as one transaction, after all the
        work asked for before it.

        Its place in line is taken at the call, so the caller may answer a member first and
        await the result after. In the background, work runs at once when nothing is queued
        and the database is free (the usual case, and the quickest), else on the writer's
        thread, so that waiting for another process's write never stalls the event loop.
        """
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        if self._writer is None or not self._queued:
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
        future.add_done_callback(self._written)
        return future

    def _written(self, _: asyncio.Future) -> None:
        self._queued -= 1
        # Written through another connection: answers cached from this one are stale.
        self.store.changed_elsewhere()

    # -- loading --------------------------------------------------------------------------

    def load(
        self, glossary: Glossary, *, progress: Callable[[int], None] | None = None
    ) -> LoadReport:
        report = self.store.load_glossary(glossary, progress=progress)
        # A load can touch thousands of names; one rebuild is cheaper than diffing them here.
        generation = self.store.glossary_generation()
        self._use(self._built(list(self.store.matcher_entries())), generation)
        return report

    def _built(self, entries: list[Entry]) -> Matcher:
        matcher = self._matcher(entries, self._stored_vectors())
        self._keep_vectors(matcher)
        return matcher

    def _stored_vectors(self) -> dict[str, bytes]:
        return self.store.embeddings(self._embedder.model_id) if self._embedder else {}

    def _matcher(self, entries: list[Entry], stored: dict[str, bytes]) -> Matcher:
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

    def _use(self, matcher: Matcher, generation: int) -> None:
        self.matcher = matcher
        self._generation = generation
        self._decisions.clear()

    async def follow_other_writers(self) -> bool:
        """Catch up with what other processes wrote to the database since the last call.

        Cached answers are dropped when anything changed. When another process loaded a
        changed glossary (`glossary-bot load` while the bot runs), the matcher is rebuilt on
        a worker thread and swapped in, and this returns True. When nothing changed it costs
        one cheap query, so a bot can call it every few seconds.
        """
        version = self.store.data_version()
        if version == self._data_version:
            return False
        self._data_version = version
        self.store.changed_elsewhere()
        generation = self.store.glossary_generation()
        if generation == self._generation:
            return False
        entries = list(self.store.matcher_entries())
        matcher = await asyncio.to_thread(self._matcher, entries, self._stored_vectors())
        self._keep_vectors(matcher)
        self._use(matcher, generation)
        return True

    # -- asking ---------------------------------------------------------------------------

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
        if index is not None and key not in self._decisions:
            vector = await asyncio.to_thread(index.embed_query, text)
        return self.ask(text, mode="chat", guild_id=guild_id, record_missed=False, vector=vector)

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
        reply = Reply(decision, answers.not_found_answer(_shorten(text.strip(), 100)))
        if text.strip():
            reply.missed = text.strip()
            if record_missed:
                self.store.record_missed_query(guild_id=guild_id, query=reply.missed)
        return reply

    def open_candidate(self, candidate: Candidate, *, guild_id: int | None) -> Answer:
        if candidate.kind == "faq":
            return self.faq_answer(candidate.target)
        return self.term_answer(candidate.target, guild_id=guild_id)

    def term_answer(self, term_id: int, *, guild_id: int | None, page: int = 0) -> Answer:
        # Answers are asked for far more often than votes or loads change them.
        key = (term_id, guild_id, page)
        if self._cached_version != self.store.version:
            self._answers.clear()
            self._cached_version = self.store.version
        if key not in self._answers:
            if len(self._answers) > ANSWER_CACHE_SIZE:
                self._answers.clear()
            self._answers[key] = self._term_answer(term_id, guild_id=guild_id, page=page)
        return self._answers[key]

    def _term_answer(self, term_id: int, *, guild_id: int | None, page: int) -> Answer:
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

    def faq_answer(self, faq_id: int) -> Answer:
        faq = self.store.faq(faq_id)
        if faq is None:
            return answers.info_answer("Gone", "That question is no longer in the glossary.")
        return answers.faq_answer(faq, term_id=faq.term_id)

    def faq_list(self, term_id: int) -> Answer:
        term = self.store.term(term_id)
        if term is None:
            return answers.info_answer("Gone", "That term is no longer in the glossary.")
        return answers.faq_list_answer(term, self.store.faqs_of_term(term_id))


def _embedder() -> semantic.Embedder | None:
    """The semantic extra's model, or None (the reason logged) to match by words alone."""
    try:
        embedder = semantic.load_embedder()
    except semantic.SemanticUnavailable as exc:
        log.info("FAQs matched by their words only: %s", exc)
        return None
    log.info("FAQs matched by words and meaning (%s)", embedder.model_id)
    return embedder


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
