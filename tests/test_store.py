"""The store: loading, reloading, contributions, votes, scoping and schema upgrades.

Tests taking `store` or `db_url` are the contract suite: they run on SQLite and on PostgreSQL.
The others are about SQLite's file (WAL, its lock, older files' migrations).
"""

import sqlite3
import threading

import pytest
from helpers import INTEGRITY_ERRORS, SMALL, small_glossary

from bot.core.model import Source, Term
from bot.core.store import APPLICATION_ID, Store, StoreBusy, StoreError

GUILD, OTHER_GUILD = 111, 222
ALICE, BOB, CAROL = 1, 2, 3


@pytest.fixture
def sqlite_store(tmp_path):
    with Store(tmp_path / "glossary.db") as store:
        store.load_glossary(small_glossary())
        yield store


def term_id(store, name):
    return store.find_term(name).id


def test_database_is_in_wal_mode(sqlite_store):
    """The store keeps its file in WAL mode, so readers never block the bot."""
    assert sqlite_store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_load_counts_what_it_added_and_reload_is_idempotent(store):
    """Loading the same file again changes nothing and says so."""
    report = store.load_glossary(small_glossary())
    assert report.summary() == ("Small Glossary: terms +0 ~0 -0, aliases +0 ~0 -0, faqs +0 ~0 -0")
    assert len(list(store.matcher_entries())) == 3 + 3 + 2


def test_first_load_reports_additions(db_url):
    """A first load counts every term, alias and FAQ as added."""
    with Store(db_url) as store:
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
    with pytest.raises(INTEGRITY_ERRORS):
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


def test_leaderboard_ranks_by_karma_and_drops_members_who_left(store):
    """Karma orders the board, ties by upvotes then stably; a member who left drops out."""
    customer = term_id(store, "Customer")
    a = store.add_definition(
        term_id=customer, guild_id=GUILD, author_id=ALICE, author_name="alice", text="A."
    )
    b = store.add_definition(
        term_id=customer, guild_id=GUILD, author_id=BOB, author_name="bob", text="B."
    )
    c = store.add_definition(
        term_id=customer, guild_id=GUILD, author_id=CAROL, author_name="carol", text="C."
    )
    store.set_vote(definition_id=b, guild_id=GUILD, user_id=9, value=1)
    store.set_vote(definition_id=b, guild_id=GUILD, user_id=8, value=1)
    store.set_vote(definition_id=a, guild_id=GUILD, user_id=9, value=1)
    store.set_vote(definition_id=c, guild_id=GUILD, user_id=9, value=1)
    assert [(m.name, m.karma) for m in store.leaderboard(guild_id=GUILD)] == [
        ("bob", 2),
        ("alice", 1),
        ("carol", 1),
    ]
    store.set_member_present(guild_id=GUILD, user_id=BOB, present=False)
    assert [m.name for m in store.leaderboard(guild_id=GUILD)] == ["alice", "carol"]
    assert store.vote_of(definition_id=a, guild_id=GUILD, user_id=9) == 1  # bob's votes stay


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


def test_data_survives_reopening(db_url):
    """Closing and reopening the database keeps everything (nothing lost on restart)."""
    path = db_url
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


def _database_at(path, last: str) -> None:
    """A database made by an earlier release, whose last schema step was `last`."""
    from sqlite_utils import Database

    from bot.core import store as store_module

    names = [m.name for m in store_module.migrations._migrations]
    store_module.migrations.apply(Database(path), stop_before=names[names.index(last) + 1])


def test_older_schema_is_migrated_in_place(tmp_path):
    """A database made by the first release opens and gains the later steps."""
    from bot.core import store as store_module

    path = tmp_path / "old.db"
    _database_at(path, "m001_initial")
    with Store(path) as store:
        assert store.schema_version == [m.name for m in store_module.migrations._migrations]
        store.load_glossary(small_glossary())
        applied = store.schema_version
    # Undo the guild settings step and the application id, as if the file came from the
    # first release.
    later = ["m002_guild_settings", "m005_application_id"]
    assert set(later) <= set(applied)
    db = sqlite3.connect(path)
    db.execute("DROP TABLE guild_settings")
    db.execute("DELETE FROM _sqlite_migrations WHERE name IN (?, ?)", later)
    db.execute("PRAGMA application_id = 0")
    db.commit()
    db.close()
    with Store(path) as store:
        assert sorted(store.schema_version) == sorted(
            m.name for m in store_module.migrations._migrations
        )
        assert store.db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert store.find_term("Customer") is not None
        store.set_guild_setting(GUILD, "free_text", "off")
        assert store.guild_setting(GUILD, "free_text") == "off"


def test_votes_of_an_older_release_are_kept_and_give_way_to_reactions(tmp_path):
    """m003 keeps every vote, karma and badge of an older file, in place; the member's next
    reaction on that definition replaces the old vote, and old badges are not announced."""
    path = tmp_path / "old.db"
    _database_at(path, "m002_guild_settings")
    db = sqlite3.connect(path)
    db.execute("INSERT INTO glossaries (id, key, name) VALUES (1, 'g', 'G')")
    db.execute("INSERT INTO terms (id, glossary_id, key, name) VALUES (1, 1, 'churn', 'Churn')")
    db.execute(
        "INSERT INTO definitions (id, term_id, origin, guild_id, author_id, author_name, text,"
        " created_at) VALUES (1, 1, 'member', ?, ?, 'alice', 'Leaving.', 'x')",
        [GUILD, ALICE],
    )
    db.execute(
        "INSERT INTO members (guild_id, user_id, name) VALUES (?, ?, 'alice')", [GUILD, ALICE]
    )
    for voter, value in ((BOB, 1), (CAROL, 1), (4, -1)):
        db.execute(
            "INSERT INTO votes (definition_id, user_id, guild_id, value, voted_at)"
            " VALUES (1, ?, ?, ?, '2025-01-01T00:00:00+00:00')",
            [voter, GUILD, value],
        )
    db.execute(
        "INSERT INTO answer_messages (message_id, guild_id, channel_id, definition_id,"
        " created_at) VALUES (77, ?, 5, 1, '2025-01-01T00:00:00+00:00')",
        [GUILD],
    )
    db.execute(
        "INSERT INTO badges VALUES (?, ?, 'helpful', '2025-01-01T00:00:00+00:00')", [GUILD, ALICE]
    )
    db.commit()
    db.close()
    with Store(path) as store:
        stats = store.member_stats(guild_id=GUILD, user_id=ALICE)
        assert (stats.upvotes, stats.downvotes, stats.karma) == (2, 1, 1)
        assert store.badges(guild_id=GUILD, user_id=ALICE) == ["helpful"]
        assert store.claim_badge_announcements() == []
        # Bob takes his 👍 off the old answer: his old vote goes with it.
        store.remove_reactions(message_id=77, user_id=BOB, value=1)
        assert store.vote_of(definition_id=1, guild_id=GUILD, user_id=BOB) == 0
        assert store.vote_of(definition_id=1, guild_id=GUILD, user_id=CAROL) == 1
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


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


def test_a_write_waits_for_another_processs_write_instead_of_failing(sqlite_store):
    """A vote (which reads, then writes) waits while another connection holds the lock."""
    store = sqlite_store
    definition = store.definitions(term_id(store, "Customer"), guild_id=GUILD)[0].id
    other = sqlite3.connect(store.path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(0.5, other.commit).start()
    assert store.set_vote(definition_id=definition, guild_id=GUILD, user_id=BOB, value=1)
    assert store.vote_of(definition_id=definition, guild_id=GUILD, user_id=BOB) == 1
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


def test_work_that_must_not_wait_is_refused_whole_while_another_process_writes(sqlite_store):
    """transaction(wait=False) raises StoreBusy at once, having written nothing."""
    store = sqlite_store
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


def test_a_database_from_before_server_glossaries_is_upgraded_in_place(tmp_path):
    """A file made before m004 (its glossary, a member's definition and its vote) opens, keeps
    all of it, and takes server terms."""
    from sqlite_utils import Database

    from bot.core import store as store_module

    path = tmp_path / "before.db"
    db = Database(path)
    store_module.migrations.apply(db, stop_before="m004_server_glossaries")
    db["glossaries"].insert({"id": 1, "key": "small glossary", "name": "Small Glossary"})
    db["terms"].insert(
        {"id": 1, "glossary_id": 1, "key": "customer", "name": "Customer", "position": 0}
    )
    db["definitions"].insert_all(
        [
            {"id": 1, "term_id": 1, "origin": "glossary", "text": "Buys.", "created_at": "x"},
            {
                "id": 2,
                "term_id": 1,
                "origin": "member",
                "guild_id": GUILD,
                "author_id": ALICE,
                "author_name": "alice",
                "text": "Pays us money.",
                "created_at": "x",
            },
        ]
    )
    db["members"].insert({"guild_id": GUILD, "user_id": ALICE, "name": "alice"})
    db["votes"].insert(
        {"definition_id": 2, "user_id": BOB, "guild_id": GUILD, "value": 1, "voted_at": "x"}
    )
    db.close()
    with Store(path) as store:
        assert "m004_server_glossaries" in store.schema_version
        assert [d.text for d in store.definitions(1, guild_id=GUILD)] == ["Pays us money.", "Buys."]
        assert store.member_stats(guild_id=GUILD, user_id=ALICE).karma == 1
        assert store.export_glossary().terms[0].name == "Customer"
        term = store.save_server_term(GUILD, Term(name="Widget", definition="A small thing."))
        assert store.find_term("widget", guild_id=GUILD).id == term
        assert store.find_term("widget", guild_id=OTHER_GUILD) is None
        assert store.glossary_names() == ["Small Glossary"]
