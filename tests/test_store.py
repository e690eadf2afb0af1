"""The SQLite store: loading, reloading, contributions, votes, scoping and schema upgrades."""

import sqlite3
import threading

import pytest
from helpers import SMALL, small_glossary

from bot.core.model import Source
from bot.core.store import Store, StoreBusy, StoreError

GUILD, OTHER_GUILD = 111, 222
ALICE, BOB, CAROL = 1, 2, 3


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "glossary.db") as store:
        store.load_glossary(small_glossary())
        yield store


def term_id(store, name):
    return store.find_term(name).id


def test_database_is_in_wal_mode(store):
    """The store keeps its file in WAL mode, so readers never block the bot."""
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_load_counts_what_it_added_and_reload_is_idempotent(store):
    """Loading the same file again changes nothing and says so."""
    report = store.load_glossary(small_glossary())
    assert report.summary() == ("Small Glossary: terms +0 ~0 -0, aliases +0 ~0 -0, faqs +0 ~0 -0")
    assert len(list(store.matcher_entries())) == 3 + 3 + 2


def test_first_load_reports_additions(tmp_path):
    """A first load counts every term, alias and FAQ as added."""
    with Store(tmp_path / "g.db") as store:
        report = store.load_glossary(small_glossary())
    assert report.added == {"terms": 3, "aliases": 3, "faqs": 2}


def test_reload_of_changed_file_keeps_votes_and_contributions(store):
    """Editing, removing and re-adding terms keeps every vote and member definition."""
    customer = term_id(store, "Customer")
    churn = term_id(store, "Churn")
    glossary_def = store.definitions(customer, guild_id=GUILD)[0]
    mine = store.add_definition(
        term_id=customer, guild_id=GUILD, author_id=ALICE, author_name="alice", text="Pays us."
    )
    store.set_vote(definition_id=mine, guild_id=GUILD, user_id=BOB, value=1)
    store.set_vote(definition_id=glossary_def.id, guild_id=GUILD, user_id=CAROL, value=-1)
    churn_def = store.definitions(churn, guild_id=GUILD)[0]
    store.set_vote(definition_id=churn_def.id, guild_id=GUILD, user_id=BOB, value=1)

    edited = SMALL.replace("A person or organisation that buys", "Anyone who buys")
    edited = edited[: edited.index("  - term: Churn")] + edited[edited.index("faqs:\n  - q: How") :]
    report = store.load_glossary(small_glossary(edited))
    assert report.changed["terms"] == 1
    assert report.removed_terms == ["Churn"]
    assert report.kept_votes_on_removed == 1
    assert store.find_term("Churn") is None

    definitions = {d.id: d for d in store.definitions(customer, guild_id=GUILD)}
    assert definitions[mine].upvotes == 1
    assert definitions[glossary_def.id].downvotes == 1
    assert definitions[glossary_def.id].text == "Anyone who buys goods or services."
    assert store.member_stats(guild_id=GUILD, user_id=ALICE).karma == 1

    report = store.load_glossary(small_glossary())
    assert report.removed_terms == [] and store.find_term("Churn").id == churn
    assert store.definitions(churn, guild_id=GUILD)[0].upvotes == 1


def test_failed_load_writes_nothing(store, tmp_path):
    """A load that fails half-way leaves the database as it was."""
    before = store.export_glossary()
    broken = small_glossary()
    broken.terms.append(broken.terms[0].__class__(name="X", definition=None))  # NOT NULL
    with pytest.raises(sqlite3.IntegrityError):
        store.load_glossary(broken)
    assert store.export_glossary() == before


def test_export_returns_the_loaded_glossary(store):
    """What goes in comes back out, field for field."""
    assert store.export_glossary() == small_glossary()


def test_member_definitions_are_visible_only_in_their_server(store):
    """A contributed definition shows in its own server and nowhere else."""
    customer = term_id(store, "Customer")
    store.add_definition(
        term_id=customer,
        guild_id=GUILD,
        author_id=ALICE,
        author_name="alice",
        text="Pays us.",
        source=Source("Alice's notes"),
    )
    assert [d.origin for d in store.definitions(customer, guild_id=GUILD)] == ["glossary", "member"]
    assert [d.origin for d in store.definitions(customer, guild_id=OTHER_GUILD)] == ["glossary"]
    assert store.leaderboard(guild_id=OTHER_GUILD) == []


def test_votes_are_one_per_member_and_replays_change_nothing(store):
    """A member's later vote replaces the earlier one; the same vote twice is one vote."""
    customer = term_id(store, "Customer")
    mine = store.add_definition(
        term_id=customer, guild_id=GUILD, author_id=ALICE, author_name="alice", text="Pays us."
    )
    assert store.set_vote(definition_id=mine, guild_id=GUILD, user_id=BOB, value=1)
    assert not store.set_vote(definition_id=mine, guild_id=GUILD, user_id=BOB, value=1)
    assert store.set_vote(definition_id=mine, guild_id=GUILD, user_id=BOB, value=-1)
    stats = store.member_stats(guild_id=GUILD, user_id=ALICE)
    assert (stats.upvotes, stats.downvotes, stats.karma) == (0, 1, -1)
    assert store.set_vote(definition_id=mine, guild_id=GUILD, user_id=BOB, value=0)
    assert not store.set_vote(definition_id=mine, guild_id=GUILD, user_id=BOB, value=0)
    assert store.member_stats(guild_id=GUILD, user_id=ALICE).karma == 0


def test_self_votes_earn_no_karma_and_leaderboard_ranks_by_karma(store):
    """Voting for your own definition earns nothing; the leaderboard orders by karma."""
    customer = term_id(store, "Customer")
    a = store.add_definition(
        term_id=customer, guild_id=GUILD, author_id=ALICE, author_name="alice", text="A."
    )
    b = store.add_definition(
        term_id=customer, guild_id=GUILD, author_id=BOB, author_name="bob", text="B."
    )
    store.set_vote(definition_id=a, guild_id=GUILD, user_id=ALICE, value=1)
    store.set_vote(definition_id=b, guild_id=GUILD, user_id=ALICE, value=1)
    store.set_vote(definition_id=b, guild_id=GUILD, user_id=CAROL, value=1)
    assert [(m.name, m.karma) for m in store.leaderboard(guild_id=GUILD)] == [
        ("bob", 2),
        ("alice", 0),
    ]


def test_badges_are_awarded_once(store):
    """A badge is new the first time only."""
    assert store.award_badge(guild_id=GUILD, user_id=ALICE, badge="first-definition")
    assert not store.award_badge(guild_id=GUILD, user_id=ALICE, badge="first-definition")
    assert store.badges(guild_id=GUILD, user_id=ALICE) == ["first-definition"]
    assert store.badges(guild_id=OTHER_GUILD, user_id=ALICE) == []


def test_missed_queries_are_counted_per_server(store):
    """Queries that found nothing are kept per server for the maintainers."""
    for query in ("loyalty ladder", "Loyalty ladder", "zebra"):
        store.record_missed_query(guild_id=GUILD, query=query)
    store.record_missed_query(guild_id=OTHER_GUILD, query="zebra")
    assert store.missed_queries(guild_id=GUILD) == [("Loyalty ladder", 2), ("zebra", 1)]


def test_data_survives_reopening(tmp_path):
    """Closing and reopening the file keeps everything (nothing lost on restart)."""
    path = tmp_path / "g.db"
    with Store(path) as store:
        store.load_glossary(small_glossary())
        mine = store.add_definition(
            term_id=term_id(store, "Customer"),
            guild_id=GUILD,
            author_id=ALICE,
            author_name="alice",
            text="Pays us.",
        )
        store.set_vote(definition_id=mine, guild_id=GUILD, user_id=BOB, value=1)
    with Store(path) as store:
        assert store.member_stats(guild_id=GUILD, user_id=ALICE).karma == 1


def test_older_schema_is_migrated_in_place(tmp_path):
    """A database made by an earlier schema opens and gains the later steps, keeping its data."""
    from bot.core import store as store_module

    path = tmp_path / "old.db"
    with Store(path) as store:
        store.load_glossary(small_glossary())
        applied = store.schema_version
    # Undo the guild settings step, as if the file came from the first release.
    assert "m002_guild_settings" in applied
    db = sqlite3.connect(path)
    db.execute("DROP TABLE guild_settings")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = ?", ["m002_guild_settings"])
    db.commit()
    db.close()
    with Store(path) as store:
        assert sorted(store.schema_version) == sorted(
            m.name for m in store_module.migrations._migrations
        )
        assert store.find_term("Customer") is not None
        store.set_guild_setting(GUILD, "free_text", "off")
        assert store.guild_setting(GUILD, "free_text") == "off"


def test_database_from_a_newer_release_is_refused_clearly(tmp_path):
    """A file written by a newer schema is not opened (and not damaged)."""
    path = tmp_path / "new.db"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
        " VALUES ('glossary-bot', 'm999_future', 'x')"
    )
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer glossary-bot"):
        Store(path)


def test_a_write_waits_for_another_processs_write_instead_of_failing(store):
    """A vote (which reads, then writes) waits while another connection holds the lock."""
    definition = store.definitions(term_id(store, "Customer"), guild_id=GUILD)[0].id
    other = sqlite3.connect(store.path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(0.5, other.commit).start()
    assert store.set_vote(definition_id=definition, guild_id=GUILD, user_id=BOB, value=1)
    assert store.vote_of(definition_id=definition, user_id=BOB) == 1
    other.close()


def test_a_failed_write_leaves_nothing_half_written(store):
    """Work that fails midway is rolled back whole, and the store goes on working."""
    customer = term_id(store, "Customer")

    def half_done(store):
        store.record_missed_query(guild_id=GUILD, query="half")
        store.add_definition(
            term_id=customer, guild_id=GUILD, author_id=ALICE, author_name="a", text="Counted."
        )
        raise RuntimeError("the process dies here")

    with pytest.raises(RuntimeError):
        store.transaction(half_done)
    assert store.missed_queries(guild_id=GUILD, limit=5) == []
    assert len(store.definitions(customer, guild_id=GUILD)) == 1
    store.add_definition(
        term_id=customer, guild_id=GUILD, author_id=ALICE, author_name="a", text="Still works."
    )
    assert len(store.definitions(customer, guild_id=GUILD)) == 2


def test_work_that_must_not_wait_is_refused_whole_while_another_process_writes(store):
    """transaction(wait=False) raises StoreBusy at once, having written nothing."""
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(StoreBusy):
        store.transaction(
            lambda s: s.record_missed_query(guild_id=GUILD, query="later"), wait=False
        )
    other.commit()
    other.close()
    assert store.missed_queries(guild_id=GUILD, limit=5) == []
    store.transaction(lambda s: s.record_missed_query(guild_id=GUILD, query="later"), wait=False)
    assert store.missed_queries(guild_id=GUILD, limit=5) == [("later", 1)]


def test_embedding_vectors_are_kept_per_model(tmp_path):
    """Stored FAQ vectors come back for their model only, and a second save replaces one."""
    with Store(tmp_path / "g.db") as store:
        store.save_embeddings("model-a", {"k1": b"\x00" * 8, "k2": b"\x01" * 8})
        store.save_embeddings("model-a", {"k2": b"\x02" * 8})
        store.save_embeddings("model-b", {"k1": b"\x03" * 8})
    with Store(tmp_path / "g.db") as store:
        assert store.embeddings("model-a") == {"k1": b"\x00" * 8, "k2": b"\x02" * 8}
        assert store.embeddings("model-b") == {"k1": b"\x03" * 8}
        assert store.embeddings("model-c") == {}
