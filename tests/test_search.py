"""Search inside the glossary (/search, `glossary-bot search`): ranking, typos, scope, upkeep."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner
from helpers import SMALL, small_glossary

from bot.cli import main
from bot.console import ConsoleSession
from bot.core.search import PAGE_SIZE, Vocabulary, query_words
from bot.core.service import GlossaryService
from bot.core.store import Store

GUILD, OTHER, ALICE = 1, 2, 10

SEARCHABLE = """\
name: Search Glossary
terms:
  - term: Retention
    summary: Keeping customers.
    definition: How many customers keep buying over time.
  - term: Loyalty Program
    definition: Rewards that encourage repeat purchases and retention of members.
  - term: Onboarding
    aliases: [welcome flow]
    definition: Helping new customers start. Good onboarding improves retention.
    example: A welcome email with three setup steps.
faqs:
  - q: How do we measure retention?
    a: Count the customers still buying after a year.
"""


@pytest.fixture
def store(db_url):
    with Store(db_url) as store:
        store.load_glossary(small_glossary(SEARCHABLE))
        yield store


def titles(store, text, *, guild_id=None, page=0):
    return [s.hit.title for s in store.search(text, guild_id=guild_id, page=page).shown]


def test_a_name_hit_ranks_above_any_text_hit(store):
    """'retention' is in four entries' texts; the term named Retention comes first."""
    found = titles(store, "retention")
    assert found[0] == "Retention"
    assert set(found) == {
        "Retention",
        "Loyalty Program",
        "Onboarding",
        "How do we measure retention?",
    }


def test_a_long_name_holding_the_word_outranks_a_text_full_of_it(db_url):
    """bm25 alone prefers the short text that repeats the word; the name still comes first."""
    text = (
        "name: N\nterms:\n"
        "  - term: Gadget Maintenance Schedule Planner Extended Edition\n"
        "    definition: A plan for servicing equipment over the year, in many long words.\n"
        "  - term: Widget\n    definition: gadget gadget gadget.\n"
    )
    with Store(db_url) as store:
        store.load_glossary(small_glossary(text))
        hits = store.search("gadget", guild_id=None).shown
        assert [h.hit.title for h in hits] == [
            "Gadget Maintenance Schedule Planner Extended Edition",
            "Widget",
        ]
        assert hits[1].hit.score > hits[0].hit.score


def test_an_alias_hit_is_a_name_hit(store):
    """'welcome' is in Onboarding's alias and in its example: found once, as a name."""
    result = store.search("welcome", guild_id=None)
    assert [s.hit.title for s in result.shown] == ["Onboarding"]
    assert result.shown[0].fields[0] == "alias"
    assert "example" in result.shown[0].fields


def test_every_word_must_be_found_else_any_word_is_shown(store):
    result = store.search("repeat retention", guild_id=None)
    assert [s.hit.title for s in result.shown] == ["Loyalty Program"]
    assert result.all_words
    some = store.search("repeat setup", guild_id=None)
    assert not some.all_words
    assert {s.hit.title for s in some.shown} == {"Loyalty Program", "Onboarding"}


def test_plurals_and_common_words_do_not_get_in_the_way(store):
    """'what are purchases' finds 'purchases'; 'customer' finds 'customers'."""
    assert query_words("What are the purchases?") == ["purchases"]
    assert "Loyalty Program" in titles(store, "What are the purchases?")
    assert "Retention" in titles(store, "customer")


def test_a_typo_is_read_as_the_closest_word_the_glossary_uses(store):
    result = store.search("retension", guild_id=None)
    assert result.corrected == {"retension": "retention"}
    assert result.shown[0].hit.title == "Retention"
    words = Vocabulary({"retention": 3, "retentive": 1, "cart": 1, "cards": 5, "carts": 2})
    assert words.closest("zzzzzzz") is None
    assert words.closest("cat") is None  # too short to guess at
    assert words.closest("retenton") == "retention"
    assert words.closest("carte") == "carts"  # one edit from cart and carts: the more used


def test_a_word_no_entry_uses_is_left_out_and_said(store):
    result = store.search("retention qqqqqqqq", guild_id=None)
    assert result.unknown == ["qqqqqqqq"]
    assert result.all_words and result.shown[0].hit.title == "Retention"


def test_snippets_mark_the_words_and_prefer_texts_over_the_name(store):
    welcome = store.search("welcome", guild_id=None).shown[0]
    assert welcome.fields[0] == "alias"
    assert welcome.snippet.startswith("A \x02welcome\x03 email")  # the example, not the alias
    retention = store.search("retention", guild_id=None).shown[0]
    assert retention.snippet == "\x02Retention\x03"  # only its name holds the word
    onboarding = store.search("improves", guild_id=None).shown[0]
    assert "\x02improves\x03" in onboarding.snippet


def test_members_definitions_are_searched_only_in_their_server(store):
    onboarding = store.find_term("Onboarding").id
    store.add_definition(
        term_id=onboarding,
        guild_id=GUILD,
        author_id=ALICE,
        author_name="alice",
        text="The zebracorn checklist every new buyer follows.",
    )
    assert titles(store, "zebracorn", guild_id=GUILD) == ["Onboarding"]
    assert titles(store, "zebracorn", guild_id=OTHER) == []
    assert titles(store, "zebracorn") == []


def test_a_servers_own_glossary_is_searched_in_that_server_only(store):
    own = (
        "name: Ours\nterms:\n  - term: Quasar Desk\n    definition: Our helpdesk.\n"
        "faqs:\n  - q: Where is the quasar room?\n    a: Second floor.\n"
    )
    store.load_glossary(small_glossary(own), guild_id=GUILD)
    assert set(titles(store, "quasar", guild_id=GUILD)) == {
        "Quasar Desk",
        "Where is the quasar room?",
    }
    assert titles(store, "quasar", guild_id=OTHER) == []
    assert titles(store, "quasar") == []


def test_the_index_follows_loads_and_removals(store):
    """A reload that changes a text is searched by its new words only; a removed term and a
    removed definition are not found."""
    changed = SEARCHABLE.replace("Rewards that encourage", "Points and perks that drive")
    store.load_glossary(small_glossary(changed))
    assert "Loyalty Program" in titles(store, "perks")
    assert "Loyalty Program" not in titles(store, "rewards")
    without = changed.replace(
        "  - term: Retention\n    summary: Keeping customers.\n"
        "    definition: How many customers keep buying over time.\n",
        "",
    )
    store.load_glossary(small_glossary(without))
    assert "Retention" not in titles(store, "retention")
    onboarding = store.find_term("Onboarding").id
    mine = store.add_definition(
        term_id=onboarding, guild_id=GUILD, author_id=ALICE, author_name="a", text="Quokka steps."
    )
    store.remove_definition(mine)
    assert titles(store, "quokka", guild_id=GUILD) == []


def test_results_are_paged_ten_at_a_time(db_url):
    many = "name: Many\nterms:\n" + "".join(
        f"  - term: Widget {n:02}\n    definition: A gizmo numbered {n}.\n" for n in range(23)
    )
    with Store(db_url) as store:
        store.load_glossary(small_glossary(many))
        first = store.search("gizmo", guild_id=None)
        assert (first.total, first.pages, len(first.shown)) == (23, 3, PAGE_SIZE)
        last = store.search("gizmo", guild_id=None, page=2)
        assert len(last.shown) == 3
        seen = [
            s.hit.title
            for p in range(3)
            for s in store.search("gizmo", guild_id=None, page=p).shown
        ]
        assert sorted(seen) == sorted(f"Widget {n:02}" for n in range(23))
        assert store.search("gizmo", guild_id=None, page=99).page == 2


def test_an_older_database_gains_the_index_on_upgrade(tmp_path):
    """A file from before search opens with every stored text searchable."""
    path = tmp_path / "old.db"
    with Store(path) as store:
        store.load_glossary(small_glossary(SEARCHABLE))
    db = sqlite3.connect(path)
    for table in ("terms", "aliases", "definitions", "faqs"):
        for suffix in ("_ai", "_ad", "_au"):
            db.execute(f"DROP TRIGGER {table}_fts{suffix}")
        db.execute(f"DROP TABLE {table}_fts_vocab")
        db.execute(f"DROP TABLE {table}_fts")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm007_search_index'")
    db.commit()
    db.close()
    with Store(path) as store:
        assert titles(store, "retention")[0] == "Retention"
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_search_answer_is_private_escapes_markdown_and_pages(db_url):
    tricky = (
        "name: T\nterms:\n  - term: Star_Rating\n"
        "    definition: Uses **bold** and *stars* ratings.\n"
    )
    service = GlossaryService(Store(db_url))
    try:
        service.store.load_glossary(small_glossary(tricky))
        answer = service.search("stars", guild_id=None)
        assert answer.private and answer.kind == "search"
        assert "Star\\_Rating" in answer.body
        assert "\\*\\*bold\\*\\*" in answer.body and "**stars**" in answer.body
        nothing = service.search("qqqqqqqq", guild_id=None)
        assert nothing.kind == "none" and nothing.private and "qqqqqqqq" in nothing.body
    finally:
        service.close()


def test_console_searches_and_pages(db_url):
    many = "name: Many\nterms:\n" + "".join(
        f"  - term: Widget {n:02}\n    definition: A gizmo numbered {n}.\n" for n in range(12)
    )
    service = GlossaryService(Store(db_url))
    try:
        service.store.load_glossary(small_glossary(many))
        session = ConsoleSession(service)
        first = session.handle("/search gizmo")
        assert first is not None and "page 1 of 2" in (first.footer or "")
        nxt = [i for i, a in enumerate(first.actions, 1) if a.kind == "search"]
        second = session.handle(str(nxt[0]))
        assert second is not None and "page 2 of 2" in (second.footer or "")
        assert session.handle("/search").title == "Usage"
    finally:
        service.close()


def test_cli_search_prints_hits_and_json(tmp_path, db_url):
    runner = CliRunner()
    path = tmp_path / "g.yaml"
    path.write_text(SMALL)
    db = db_url
    assert runner.invoke(main, ["load", str(path), "--db", db]).exit_code == 0
    text = runner.invoke(main, ["search", "repeat purchases", "--db", db])
    assert text.exit_code == 0 and "How do I measure loyalty?" in text.output
    out = runner.invoke(main, ["search", "custmer", "--json", "--db", db])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["corrected"] == {"custmer": "customer"}
    assert data["hits"][0]["title"] == "Customer" and "[" in data["hits"][0]["snippet"]
    help_text = runner.invoke(main, ["search", "--help"]).output
    assert "--json" in help_text and "--page" in help_text and "Typos" in help_text


def test_a_word_in_very_many_texts_still_finds_the_name_stored_last(db_url, monkeypatch):
    """Past RANKED_AT_MOST matches only the first texts are ranked, never fewer names."""
    from bot.core import search_index

    monkeypatch.setattr(search_index, "RANKED_AT_MOST", 5)
    many = "name: Many\nterms:\n" + "".join(
        f"  - term: Entry {n:02}\n    definition: A gizmo numbered {n}.\n" for n in range(30)
    )
    many += "  - term: Gizmo\n    definition: The thing itself.\n"
    with Store(db_url) as store:
        store.load_glossary(small_glossary(many))
        result = store.search("gizmo", guild_id=None)
        assert result.shown[0].hit.title == "Gizmo"
        assert result.total == 6  # the name, and the first five texts ranked
