"""The glossary service: store and matcher kept in step, answers that follow every change.

Every test here runs on SQLite and on PostgreSQL (`db_url`).
"""

import sqlite3
import threading

import pytest
from helpers import SMALL, small_glossary

from bot.core.service import GlossaryService
from bot.core.store import Store

GUILD = 9


@pytest.fixture
def service(service_on_both):
    """A service over a fresh database (of each backend) holding the small test glossary."""
    return service_on_both


def hold_write_lock(db_url):
    """Another process writing: SQLite's write lock, or PostgreSQL's locks on the tables a
    vote and a missed question write. Returns what releases it."""
    if db_url.startswith("postgresql://"):
        import psycopg

        other = psycopg.connect(db_url)
        other.execute("LOCK TABLE reactions, votes, missed_queries IN EXCLUSIVE MODE")
    else:
        other = sqlite3.connect(db_url, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")

    def release():
        other.commit()
        other.close()

    return release


def test_answers_show_new_votes_and_definitions_at_once(service):
    """A vote or a contribution changes the next answer, though answers are cached."""
    term = service.store.find_term("Customer").id
    before = service.term_answer(term, guild_id=GUILD)
    assert before.votes == (0, 0) and before.pages == 1
    service.store.set_vote(definition_id=before.definition_id, guild_id=GUILD, user_id=1, value=1)
    assert service.term_answer(term, guild_id=GUILD).votes == (1, 0)
    service.store.add_definition(
        term_id=term, guild_id=GUILD, author_id=2, author_name="b", text="Pays."
    )
    assert service.term_answer(term, guild_id=GUILD).pages == 2


def test_a_reload_is_seen_by_the_next_question(service):
    """A term added by a later load is found; one removed is no longer answered."""
    assert service.ask("what is a shopper?", mode="chat").answer is None
    service.load(small_glossary(SMALL.replace("  - term: Consumer\n", "  - term: Shopper\n")))
    assert service.ask("what is a shopper?", mode="chat").answer.title == "Shopper"
    assert service.ask("consumer").answer.kind != "definition"


def test_chat_mode_is_silent_and_define_mode_explains_when_nothing_matches(service):
    """Free text that matches nothing gets None; /define gets a clear no-match answer."""
    assert service.ask("good morning all", mode="chat").answer is None
    answer = service.ask("qqzzxv", mode="define").answer
    assert answer.kind == "none" and "couldn't find" in answer.body


async def test_background_writes_keep_their_order_and_none_is_lost_on_close(db_url):
    """Writes that find the database busy wait on the writer, in order; close waits for all."""
    service = GlossaryService.open(db_url, seed=False)
    service.load(small_glossary())
    service.write_in_background()
    customer = service.store.find_term("Customer")
    definition = service.term_answer(customer.id, guild_id=GUILD).definition_id
    release = hold_write_lock(db_url)  # another process is writing
    threading.Timer(0.3, release).start()
    queued = []
    for value in (1, -1, 0, 1, -1):  # a member changes their mind; the last vote stands
        queued.append(
            service._write(
                lambda store, value=value: store.set_vote(
                    definition_id=definition, guild_id=GUILD, user_id=7, value=value
                )
            )
        )
    for n in range(200):
        service.record_missed(GUILD, f"q{n}")
    assert not any(future.done() for future in queued)  # nothing ran on the event loop
    service.close()
    with Store(db_url) as store:
        assert store.vote_of(definition_id=definition, guild_id=GUILD, user_id=7) == -1
        assert len(store.missed_queries(guild_id=GUILD, limit=500)) == 200


async def test_answers_follow_writes_made_in_the_background(service):
    """An answer cached before a background write shows what the write changed."""
    service.write_in_background()
    term = service.store.find_term("Customer").id
    before = service.term_answer(term, guild_id=GUILD)
    await service._write(
        lambda store: store.add_definition(
            term_id=term, guild_id=GUILD, author_id=2, author_name="b", text="Pays."
        )
    )
    assert before.pages == 1 and service.term_answer(term, guild_id=GUILD).pages == 2


async def test_a_glossary_loaded_by_another_process_is_followed(db_url):
    """A second process loads a changed file; the first answers from it once it catches up."""
    first = GlossaryService.open(db_url, seed=False)
    first.load(small_glossary())
    customer = first.store.find_term("Customer").id
    before = first.term_answer(customer, guild_id=GUILD)
    assert not await first.follow_other_writers()  # nothing changed: nothing to do
    second = GlossaryService.open(db_url, seed=False)
    second.load(small_glossary(SMALL.replace("\nfaqs:", "\n" + EXTRA + "faqs:")))
    second.store.add_definition(
        term_id=customer, guild_id=GUILD, author_id=2, author_name="b", text="Pays."
    )
    assert first.ask("zebra metric").answer.title != "Zebra Metric"
    assert await first.follow_other_writers()
    assert first.ask("zebra metric").answer.title == "Zebra Metric"
    assert before.pages == 1 and first.term_answer(customer, guild_id=GUILD).pages == 2
    second.store.add_definition(
        term_id=customer, guild_id=GUILD, author_id=3, author_name="c", text="Buys."
    )
    assert not await first.follow_other_writers()  # no new load: the matcher stays
    assert first.term_answer(customer, guild_id=GUILD).pages == 3
    first.close()
    second.close()


EXTRA = """\
  - term: Zebra Metric
    definition: A made-up measure of stripes per customer.
"""


async def test_another_processs_vote_contribution_and_setting_show_in_answers_here(db_url):
    """What a second process writes (a vote, a contribution, a server's vote limits) shows in
    the first one's answers once it catches up, though it had them cached."""
    first = GlossaryService.open(db_url, seed=False)
    first.load(small_glossary())
    second = GlossaryService.open(db_url, seed=False, answering=False)
    try:
        term = first.store.find_term("Customer").id
        before = first.term_answer(term, guild_id=GUILD)
        assert first.vote_limits(GUILD).per_minute == 10
        glossary_definition = before.definition_id
        second.store.set_vote(definition_id=glossary_definition, guild_id=GUILD, user_id=1, value=1)
        second.store.add_definition(
            term_id=term, guild_id=GUILD, author_id=2, author_name="b", text="Pays."
        )
        await second.set_vote_limits(GUILD, {"per_minute": "3"})
        assert not await first.follow_other_writers()  # no load: the matcher stays
        after = first.term_answer(term, guild_id=GUILD)
        assert (after.votes, after.pages) == ((1, 0), 2)
        assert first.vote_limits(GUILD).per_minute == 3
    finally:
        first.close()
        second.close()
