"""PostgreSQL's own guarantees: migrating once however many processes start, refusing a newer
schema or another program's database, writes that stay right when two sessions make them at
once, and waits for another process's locks. (The contract suite, every store test on both
backends, is in test_store.py, test_search.py, test_votes.py and test_service.py.)"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time

import pytest
from helpers import SMALL, small_glossary

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed (pip install '.[test]')")

from bot.core.pg import MIGRATIONS_TABLE, display_url, migrations, translate  # noqa: E402
from bot.core.service import GlossaryService  # noqa: E402
from bot.core.store import Store, StoreBusy, StoreError  # noqa: E402

GUILD, ALICE, BOB = 5, 1, 2


def applied_steps(url: str) -> list[tuple[int, str]]:
    with psycopg.connect(url) as conn:
        return conn.execute(f"SELECT version, name FROM {MIGRATIONS_TABLE} ORDER BY 1").fetchall()


def test_parameters_are_translated_for_psycopg():
    assert translate("SELECT ? || '%' WHERE a = :g AND b = :g") == (
        "SELECT %s || '%%' WHERE a = %(g)s AND b = %(g)s"
    )
    assert display_url("postgresql://bot:secret@db.example:5433/glossary") == (
        "postgresql://bot@db.example:5433/glossary"
    )


def test_processes_starting_at_once_migrate_exactly_once(pg_url):
    """Eight processes open a new database at the same moment: every one opens it, and each
    schema step is applied and recorded once."""
    # Each waits, once started and imported, for the same moment to open it.
    opener = (
        "import sys, time; from bot.core.store import Store;"
        " time.sleep(max(0, float(sys.argv[2]) - time.time()));"
        " s = Store(sys.argv[1]); print(s.schema_version); s.close()"
    )
    at = str(time.time() + 4)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", opener, pg_url, at],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    outcomes = [(*p.communicate(timeout=120), p.returncode) for p in processes]
    assert all(code == 0 for _, _, code in outcomes), [err for _, err, _ in outcomes]
    known = [(number, name) for number, name, _ in migrations()]
    assert applied_steps(pg_url) == known


def test_threads_starting_at_once_migrate_exactly_once(pg_url):
    """The same within one process: stores opened by several threads at once."""
    failures: list[BaseException] = []
    start = threading.Barrier(6)

    def open_store():
        start.wait()
        try:
            Store(pg_url).close()
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert applied_steps(pg_url) == [(number, name) for number, name, _ in migrations()]


def test_a_database_from_a_newer_release_is_refused_clearly(pg_url):
    """A schema step this release does not know: not opened, and not touched."""
    Store(pg_url).close()
    with psycopg.connect(pg_url) as conn:
        conn.execute(f"INSERT INTO {MIGRATIONS_TABLE} (version, name) VALUES (9999, '9999_x')")
    with pytest.raises(StoreError, match=r"newer glossary-bot \(schema step '9999_x'\)"):
        Store(pg_url)
    assert applied_steps(pg_url)[-1] == (9999, "9999_x")


def test_another_programs_database_is_refused_and_left_as_it_is(pg_url):
    with psycopg.connect(pg_url) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total NUMERIC)")
        conn.execute("INSERT INTO invoices VALUES (1, 9.5)")
    with pytest.raises(StoreError, match=r"not a glossary-bot database.*\(invoices\)"):
        Store(pg_url)
    with psycopg.connect(pg_url) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        ).fetchall()
    assert tables == [("invoices",)]


def test_a_server_that_cannot_be_reached_is_a_clear_error_naming_no_password():
    shown = r"cannot open postgresql://bot@127\.0\.0\.1:1/x"
    with pytest.raises(StoreError, match=shown) as caught:
        Store("postgresql://bot:hunter2@127.0.0.1:1/x")
    assert "hunter2" not in str(caught.value)


@pytest.fixture
def two_sessions(pg_url):
    """Two stores on one database: the two sessions of a shard during a handover."""
    first, second = Store(pg_url), Store(pg_url)
    first.load_glossary(small_glossary())
    yield first, second
    first.close()
    second.close()


def member_definition(store) -> int:
    return store.add_definition(
        term_id=store.find_term("Customer").id,
        guild_id=GUILD,
        author_id=ALICE,
        author_name="alice",
        text="Pays us.",
    )


def test_the_same_reaction_from_two_sessions_is_kept_once(two_sessions):
    first, second = two_sessions
    definition = member_definition(first)
    reaction = dict(definition_id=definition, guild_id=GUILD, user_id=BOB, value=1, message_id=9)
    assert first.add_reaction(**reaction)
    assert not second.add_reaction(**reaction)
    assert first.settle_vote(definition_id=definition, guild_id=GUILD, user_id=BOB).changed
    assert not second.settle_vote(definition_id=definition, guild_id=GUILD, user_id=BOB).changed
    assert first.member_stats(guild_id=GUILD, user_id=ALICE).upvotes == 1


def race(work, sessions) -> list:
    """Run work(store) on every session at the same moment; what each returned."""
    results: list = []
    failures: list[BaseException] = []
    start = threading.Barrier(len(sessions))

    def run(store):
        start.wait()
        try:
            results.append(work(store))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    return results


def test_a_badge_awarded_by_two_sessions_at_once_is_new_to_one(two_sessions, pg_url):
    sessions = [*two_sessions, Store(pg_url), Store(pg_url)]
    for n in range(5):
        awarded = race(
            lambda store, n=n: store.award_badge(guild_id=GUILD, user_id=ALICE, badge=f"b{n}"),
            sessions,
        )
        assert sorted(awarded) == [False, False, False, True]
    assert len(sessions[0].badges(guild_id=GUILD, user_id=ALICE)) == 5
    for store in sessions[2:]:
        store.close()


def test_a_vote_pressed_in_two_sessions_at_once_changes_once(two_sessions):
    definition = member_definition(two_sessions[0])
    for value in (1, -1, 0):
        changed = race(
            lambda store, value=value: store.transaction(
                lambda s: s.set_vote(
                    definition_id=definition, guild_id=GUILD, user_id=BOB, value=value
                )
            ),
            two_sessions,
        )
        assert sorted(changed) == [False, True]
        assert two_sessions[1].vote_of(definition_id=definition, guild_id=GUILD, user_id=BOB) == (
            value
        )


def test_two_sessions_making_the_same_member_term_make_one(two_sessions):
    def create(store):
        return store.add_member_term(
            guild_id=GUILD,
            name="Widget",
            author_id=ALICE,
            author_name="a",
            text="A thing.",
            source=None,
        )[0]

    terms = race(create, two_sessions)
    assert terms[0] == terms[1]
    assert two_sessions[0].find_term("widget", guild_id=GUILD).id == terms[0]


def test_processes_seeding_a_new_database_at_once_load_the_glossary_once(pg_url):
    """Shard processes started together on an empty database each find it empty and load the
    bundled glossary: the second load waits for the first on the glossary's row, then finds
    its terms there and changes nothing."""
    services = race(lambda _: GlossaryService.open(pg_url, answering=False), range(4))
    try:
        with psycopg.connect(pg_url) as conn:
            [(terms, names)] = conn.execute("SELECT count(*), count(DISTINCT key) FROM terms")
        assert terms == names > 50
    finally:
        for service in services:
            service.close()


def test_a_write_waits_for_another_processs_lock_instead_of_failing(two_sessions, pg_url):
    first, _ = two_sessions
    definition = member_definition(first)
    other = psycopg.connect(pg_url)
    other.execute("LOCK TABLE votes IN EXCLUSIVE MODE")
    threading.Timer(0.5, other.commit).start()
    assert first.set_vote(definition_id=definition, guild_id=GUILD, user_id=BOB, value=1)
    assert first.vote_of(definition_id=definition, guild_id=GUILD, user_id=BOB) == 1
    other.close()


def test_work_that_must_not_wait_is_refused_whole_while_another_process_holds_a_lock(
    two_sessions, pg_url
):
    first, _ = two_sessions

    def two_writes(store):
        store.set_meta("before", "x")
        store.record_missed_query(guild_id=GUILD, query="later")

    other = psycopg.connect(pg_url)
    other.execute("LOCK TABLE missed_queries IN EXCLUSIVE MODE")
    with pytest.raises(StoreBusy):
        first.transaction(two_writes, wait=False)
    other.commit()
    other.close()
    assert first.get_meta("before") is None
    first.transaction(two_writes, wait=False)
    assert first.missed_queries(guild_id=GUILD, limit=5) == [("later", 1)]


def test_a_read_only_store_refuses_writes(pg_url):
    with Store(pg_url) as store:
        store.load_glossary(small_glossary())
        store.forbid_writes()
        assert store.find_term("Customer") is not None
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            store.record_missed_query(guild_id=GUILD, query="nope")


@pytest.mark.postgres
async def test_the_bot_runs_on_postgresql_end_to_end(world):
    """`glossary-bot run --db postgresql://...`: /define answers from the bundled glossary it
    seeded, a contribution is stored, a reaction on it votes, and /profile counts it."""
    from standin.bare import until
    from test_discord_profile import field
    from test_discord_votes import contribute, define, stats

    answer = await define(world, world.bob)
    assert answer.embed["title"] == "Churn"
    contributed = await contribute(world, world.alice)
    await world.discord.react(contributed, world.bob, "👍")
    await until(lambda: stats(world, world.alice) == (1, 0))
    ix = await world.discord.slash(world.guild, world.channel, world.alice, "profile", {})
    embed = (await ix.message()).embed
    assert embed["title"] == "alice's profile"
    assert [field(embed, n) for n in ("Upvotes", "Downvotes", "Karma")] == ["1", "0", "1"]


# -- a load in one process, seen by the others ------------------------------------------------

ZEBRA = SMALL.replace("\nfaqs:", "\n  - term: Zebra Metric\n    definition: Stripes.\nfaqs:")
QUOKKA = ZEBRA.replace("\nfaqs:", "\n  - term: Quokka Rate\n    definition: Smiles.\nfaqs:")


@pytest.fixture
async def bot_and_loader(pg_url):
    """A process answering (following the database as the bot does) and one loading."""
    bot = GlossaryService.open(pg_url, seed=False)
    bot.load(small_glossary())
    loader = GlossaryService.open(pg_url, seed=False, answering=False)
    yield bot, loader
    bot.close()
    loader.close()


async def listening(bot) -> object:
    """Start the bot's change feed; its listener once LISTEN is in force."""
    await bot.wait_for_changes(0)
    assert await asyncio.to_thread(bot._listener.listening.wait, 10)
    await asyncio.sleep(0.1)
    bot._wake.clear()
    return bot._listener


async def load_wakes(bot, loader, text: str, term: str) -> None:
    """A load by the other process wakes the bot within 5 s though it waits up to 30 s (a
    pace no poll of its own would beat), and the bot then answers from it."""

    async def woken() -> float:
        started = time.monotonic()
        await asyncio.wait_for(bot.wait_for_changes(30), 10)
        return time.monotonic() - started

    waited = asyncio.ensure_future(woken())
    await asyncio.sleep(0.1)
    loader.load(small_glossary(text))
    assert await waited < 5
    assert await bot.follow_other_writers()
    assert bot.ask(term).answer.title.lower() == term


async def polled(bot, started: float) -> None:
    """Look at the database as the bot does until it follows a load (at most 10 s)."""
    while not await bot.follow_other_writers():
        assert time.monotonic() - started < 10
        await bot.wait_for_changes(0.2)


async def test_a_load_elsewhere_wakes_the_listening_bot_at_once(bot_and_loader):
    bot, loader = bot_and_loader
    await listening(bot)
    await load_wakes(bot, loader, ZEBRA, "zebra metric")


async def test_the_poll_alone_follows_a_load_within_seconds(bot_and_loader):
    """Without any wake-up (the bot never listened), the generation row polled is enough."""
    bot, loader = bot_and_loader
    loader.load(small_glossary(ZEBRA))
    await polled(bot, time.monotonic())
    assert bot.ask("zebra metric").answer.title == "Zebra Metric"


async def test_a_dropped_listening_connection_is_made_again(bot_and_loader, pg_url):
    """The server drops the listening connection: a load meanwhile is still followed (the
    poll), and once the listener is back a later load wakes the bot again."""
    bot, loader = bot_and_loader
    listener = await listening(bot)
    dropped = listener.pid
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [dropped])
    loader.load(small_glossary(ZEBRA))
    started = time.monotonic()
    await polled(bot, started)
    assert bot.ask("zebra metric").answer.title == "Zebra Metric"
    while not (listener.listening.is_set() and listener.pid != dropped):
        assert time.monotonic() - started < 10
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.1)
    bot._wake.clear()  # the wake-up a reconnection gives, in case a NOTIFY was lost
    await load_wakes(bot, loader, QUOKKA, "quokka rate")


async def test_the_bots_writes_never_run_on_its_event_loop(pg_url):
    """Each is a network round trip: queued for the writer's thread, even when nothing waits."""
    service = GlossaryService.open(pg_url, seed=False)
    service.load(small_glossary())
    service.write_in_background()
    try:
        ran_on = []
        written = service._write(lambda store: ran_on.append(threading.current_thread().name))
        assert not written.done()
        await written
        assert ran_on[0].startswith("glossary-writer")
    finally:
        service.close()


def terminate_other_connections(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def test_connections_the_server_dropped_are_made_again(pg_url):
    """A restart (here: every connection terminated) costs nothing: the next read and the
    next write connect again."""
    with Store(pg_url) as store:
        store.load_glossary(small_glossary())
        terminate_other_connections(pg_url)
        assert store.find_term("Customer") is not None
        terminate_other_connections(pg_url)
        store.record_missed_query(guild_id=GUILD, query="still here")
        assert store.missed_queries(guild_id=GUILD) == [("still here", 1)]


def test_a_connection_lost_in_a_transaction_is_a_store_error_and_nothing_is_written(pg_url):
    def cut_off(store):
        store.record_missed_query(guild_id=GUILD, query="lost")
        store.sql.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    with Store(pg_url) as store:
        with pytest.raises(StoreError, match=r"lost postgresql://.*; try again"):
            store.transaction(cut_off)
        assert store.missed_queries(guild_id=GUILD) == []


def test_one_store_serves_several_threads_at_once(pg_url):
    """The bot's read threads share one store: each thread's transaction has a connection
    of its own, so their work neither mixes nor waits for the others'."""
    with Store(pg_url) as store:
        store.load_glossary(small_glossary())
        definition = member_definition(store)

        def votes(voter_base):
            for n in range(40):
                store.transaction(
                    lambda s, n=n: s.set_vote(
                        definition_id=definition, guild_id=GUILD, user_id=voter_base + n, value=1
                    )
                )
                assert store.find_term("Customer") is not None
            return True

        assert race(votes, [1000, 2000, 3000, 4000]) == [True] * 4
        assert store.member_stats(guild_id=GUILD, user_id=ALICE).upvotes == 160


async def test_the_bots_reads_run_off_its_event_loop(pg_url):
    """The seam (`GlossaryService.call`) runs reads on worker threads once the bot starts."""
    service = GlossaryService.open(pg_url, seed=False)
    service.load(small_glossary())
    service.write_in_background()
    try:
        ran_on = await service.call(lambda: threading.current_thread().name)
        assert ran_on.startswith("glossary-read")
        assert (await service.call(service.term_answer, 1, guild_id=None)).title
    finally:
        service.close()


async def test_the_sites_reads_run_off_its_event_loop_too(pg_url):
    """`glossary-bot web` alone (no writer): its page reads go to worker threads as well."""
    service = GlossaryService.open(pg_url, seed=False)
    service.load(small_glossary())
    service.forbid_writes()
    service.serve_from_event_loop()
    try:
        assert (await service.call(threading.current_thread)).name.startswith("glossary-read")
    finally:
        service.close()


async def test_remembering_an_answer_keeps_the_answers_cached(pg_url):
    """Bookkeeping no answer shows (which message shows what, a question that found nothing)
    leaves the cached answers alone; a vote drops them (an answer shows its votes)."""
    service = GlossaryService.open(pg_url, seed=False)
    service.load(small_glossary())
    service.write_in_background()
    try:
        term_id = service.store.find_term("customer").id
        first = await service.call(service.term_answer, term_id, guild_id=1)
        await service.record_answer_message(
            message_id=5, guild_id=1, channel_id=2, definition_id=first.definition_id
        )
        await service.record_missed(1, "what is a flux capacitor?")
        assert await service.call(service.term_answer, term_id, guild_id=1) is first
        await service._write(
            lambda store: store.set_vote(
                definition_id=first.definition_id, guild_id=1, user_id=9, value=1
            )
        )
        assert await service.call(service.term_answer, term_id, guild_id=1) is not first
    finally:
        service.close()
