"""`glossary-bot copy`: a whole database moved to PostgreSQL and back, nothing lost."""

from __future__ import annotations

import subprocess
import sys

import pytest
from helpers import small_glossary

from bot.core.copy import TABLES
from bot.core.errors import StoreError
from bot.core.glossary import bundled_glossary_path, load_glossary
from bot.core.model import Source
from bot.core.service import GlossaryService
from bot.core.store import Store

GUILD, ALICE, BOB = 111, 222, 333


def filled(path) -> Store:
    """A database holding a row of every kind the bot keeps."""
    store = Store(path)
    store.load_glossary(small_glossary())
    store.load_glossary(load_glossary(bundled_glossary_path()))
    term = store.find_term("customer")
    definition = store.add_definition(
        term_id=term.id,
        guild_id=GUILD,
        author_id=ALICE,
        author_name="alice",
        text="Whoever pays us.",
        source=Source(name="Our wiki", url="https://wiki.example/customer"),
    )
    store.add_member_term(
        guild_id=GUILD, name="Zorblax", author_id=BOB, author_name="bob", text="A widget.",
        source=None,
    )  # fmt: skip
    store.record_answer_message(
        message_id=9001, guild_id=GUILD, channel_id=5, definition_id=definition
    )
    store.add_reaction(
        definition_id=definition, guild_id=GUILD, user_id=BOB, value=1, message_id=9001
    )
    store.set_vote(definition_id=definition, guild_id=GUILD, user_id=BOB, value=1)
    store.award_badge(guild_id=GUILD, user_id=ALICE, badge="first-upvote")
    store.set_guild_setting(GUILD, "free_text", "questions")
    store.record_missed_query(guild_id=GUILD, query="what is a flux capacitor?")
    store.save_embeddings("test-model", {"a question": b"\x00\x01\xff"})
    return store


def contents(store: Store) -> dict[str, list[tuple]]:
    """Every table's rows, in the columns both backends have, sorted."""
    tables = {}
    for table, _key in TABLES:
        if table == "meta":
            continue
        columns = [c for c in _columns(store, table) if c != "rowid"]
        rows = store.sql.tuples(f"SELECT {', '.join(columns)} FROM {table}")
        tables[table] = sorted(rows, key=repr)
    return tables


def _columns(store: Store, table: str) -> list[str]:
    from bot.core import copy

    return sorted(copy._columns(store.sql, table))


def test_a_database_goes_to_postgresql_and_back_unchanged(tmp_path, pg_url):
    original = filled(tmp_path / "original.db")
    expected = contents(original)
    assert all(expected[table] for table in ("definitions", "votes", "badges", "embeddings"))
    source = GlossaryService(original, build_matcher=False)
    target = GlossaryService.open(pg_url, seed=False, answering=False)
    report = source.copy_into(target)
    assert report.rows["votes"] == 1 and report.total > 100
    assert contents(target.store) == expected
    # The copy is a working database: answers, search, and new rows get new ids.
    assert "Whoever pays us." in str(target.term_answer(target.store.find_term("customer").id,
                                                        guild_id=GUILD))  # fmt: skip
    assert target.search_result("customer", guild_id=GUILD).shown
    term = target.store.find_term("customer")
    copied_ids = target.store.sql.value("SELECT max(id) FROM definitions")
    fresh = target.store.add_definition(
        term_id=term.id, guild_id=GUILD, author_id=BOB, author_name="bob", text="Another."
    )
    assert fresh > copied_ids
    back = GlossaryService.open(tmp_path / "back.db", seed=False, answering=False)
    target.store.remove_definition(fresh)
    for table, column in (("definition_versions", "definition_id"), ("definitions", "id")):
        target.store.sql.execute(f"DELETE FROM {table} WHERE {column} = ?", [fresh])
    target.copy_into(back)
    assert contents(back.store) == expected
    for service in (source, target, back):
        service.close()


def test_a_database_that_holds_anything_is_not_a_target(tmp_path, pg_url):
    source = GlossaryService(filled(tmp_path / "original.db"), build_matcher=False)
    target = GlossaryService.open(pg_url, seed=False, answering=False)
    target.load(small_glossary())
    before = contents(target.store)
    with pytest.raises(StoreError, match="not empty"):
        source.copy_into(target)
    assert contents(target.store) == before
    source.close()
    target.close()


def test_a_table_this_version_does_not_know_stops_the_copy(tmp_path, pg_url):
    store = filled(tmp_path / "original.db")
    store.sql.execute("CREATE TABLE later_feature (id INTEGER PRIMARY KEY)")
    source = GlossaryService(store, build_matcher=False)
    target = GlossaryService.open(pg_url, seed=False, answering=False)
    with pytest.raises(StoreError, match="later_feature"):
        source.copy_into(target)
    assert not any(contents(target.store).values())
    source.close()
    target.close()


def test_the_copy_command(tmp_path, pg_url):
    filled(tmp_path / "glossary.db").close()
    command = [sys.executable, "-m", "bot.cli", "copy"]
    done = subprocess.run(
        [*command, "--from", "glossary.db", "--to", pg_url],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "votes" in done.stdout and "every table's count checked" in done.stdout
    again = subprocess.run(
        [*command, "--from", "glossary.db", "--to", pg_url],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert again.returncode == 1 and "is not empty" in again.stderr
    missing = subprocess.run(
        [*command, "--from", "nothing.db", "--to", "new.db"],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert missing.returncode == 1 and "nothing.db: no such database file" in missing.stderr
    assert not (tmp_path / "new.db").exists() and not (tmp_path / "nothing.db").exists()


def test_a_failed_copy_into_a_new_file_leaves_no_file(tmp_path):
    store = filled(tmp_path / "glossary.db")
    store.sql.execute("CREATE TABLE later_feature (id INTEGER PRIMARY KEY)")
    store.close()
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "copy", "--from", "glossary.db", "--to", "new.db"],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 1 and "later_feature" in done.stderr
    assert not list(tmp_path.glob("new.db*"))
