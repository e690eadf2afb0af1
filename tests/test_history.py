"""Definition history in the store: every change keeps the text before it, reverts are
changes too, votes stay with the definition, and loads and exports keep to their own part."""

import pytest
from helpers import SMALL, small_glossary

from bot.core import history, history_store
from bot.core.contributions import Contribution, Refused, delete, save
from bot.core.export import dump_glossary
from bot.core.history_store import Actor
from bot.core.model import Term

GUILD = 111
ALICE, BOB, ADMIN = 1, 2, 3
FIRST = "Someone who pays us for a thing."
SECOND = "Someone who pays us, again and again."


def customer(store) -> int:
    return store.find_term("customer").id


def contribute(store, text, user=ALICE, name="alice"):
    return store.transaction(lambda s: save(s, customer(s), Contribution(GUILD, user, name, text)))


def texts(store, definition_id):
    return [
        (v.number, v.change, v.text, v.changed_by)
        for v in history_store.versions(store, definition_id)
    ]


def test_a_members_edit_keeps_the_text_before_it_who_changed_it_and_when(store):
    saved = contribute(store, FIRST)
    contribute(store, SECOND)
    versions = history_store.versions(store, saved.definition_id)
    assert [(v.number, v.change, v.text, v.changed_by, v.changed_by_name) for v in versions] == [
        (1, "created", FIRST, ALICE, "alice"),
        (2, "edited", SECOND, ALICE, "alice"),
    ]
    assert all(v.changed_at for v in versions)
    assert store.definition(saved.definition_id, guild_id=GUILD).text == SECOND


def test_a_removal_is_kept_in_the_history_with_who_removed_it(store):
    saved = contribute(store, FIRST)
    store.transaction(
        lambda s: delete(
            s, saved.definition_id, guild_id=GUILD, user_id=ADMIN, moderator=True, user_name="mod"
        )
    )
    versions = history_store.versions(store, saved.definition_id)
    assert [(v.change, v.text, v.changed_by_name) for v in versions][-1] == (
        "removed",
        FIRST,
        "mod",
    )


def test_a_reload_that_changes_a_definition_keeps_the_old_text_and_export_writes_the_new(store):
    """The file's first text was never written as a version; it is kept before it changes.
    A reload that changes nothing adds no version. Export writes the current text only."""
    churn = store.find_term("churn").id
    [glossary_definition] = store.definitions(churn, guild_id=None)
    assert len(history_store.versions(store, glossary_definition.id)) == 1  # implied
    assert history_store.versions(store, glossary_definition.id)[0].id is None
    new_text = "Customers who stop buying from us in a period."
    changed = SMALL.replace("definition: Customers who stop buying.", f"definition: {new_text}")
    store.load_glossary(small_glossary(changed))
    store.load_glossary(small_glossary(changed))
    assert texts(store, glossary_definition.id) == [
        (1, "loaded", "Customers who stop buying.", None),
        (2, "loaded", new_text, None),
    ]
    exported = dump_glossary(store.export_glossary("Small Glossary"))
    assert new_text in exported and "Customers who stop buying.\n" not in exported
    # Removed from the file and back: both in the history; the history is never lost.
    without = changed.replace("  - term: Churn\n", "  - term: Attrition\n")
    store.load_glossary(small_glossary(without))
    store.load_glossary(small_glossary(changed))
    assert [v.change for v in history_store.versions(store, glossary_definition.id)] == [
        "loaded",
        "loaded",
        "removed",
        "restored",
    ]


def test_an_admins_edit_of_a_server_term_is_kept_with_the_admin(store):
    admin = Actor(ADMIN, "owner")
    term_id = store.save_server_term(
        GUILD, Term("Zorblax", "Our in-house widget for billing."), by=admin
    )
    store.save_server_term(
        GUILD, Term("Zorblax", "The widget that bills customers."), term_id=term_id, by=admin
    )
    [definition] = store.definitions(term_id, guild_id=GUILD)
    assert texts(store, definition.id) == [
        (1, "created", "Our in-house widget for billing.", ADMIN),
        (2, "edited", "The widget that bills customers.", ADMIN),
    ]
    store.remove_server_term(GUILD, term_id, by=admin)
    assert texts(store, definition.id)[-1][1] == "removed"


def revert(store, definition_id, version_id, *, user, admin=False):
    return store.transaction(
        lambda s: history.revert(
            s, definition_id, version_id, guild_id=GUILD, actor=Actor(user, "x"), admin=admin
        )
    )


def test_the_author_reverts_a_stranger_is_refused_an_admin_may_and_votes_stay(store):
    saved = contribute(store, FIRST)
    contribute(store, SECOND)
    store.set_vote(definition_id=saved.definition_id, guild_id=GUILD, user_id=BOB, value=1)
    first, second = history_store.versions(store, saved.definition_id)
    with pytest.raises(Refused, match="Only the definition's author"):
        revert(store, saved.definition_id, first.id, user=BOB)
    assert store.definition(saved.definition_id, guild_id=GUILD).text == SECOND
    answer = revert(store, saved.definition_id, first.id, user=ALICE)
    assert "Reverted to v1" in answer.body
    reverted = store.definition(saved.definition_id, guild_id=GUILD)
    assert reverted.text == FIRST and reverted.upvotes == 1  # the same row: its votes stay
    assert texts(store, saved.definition_id)[-1] == (3, "reverted", FIRST, ALICE)
    assert history_store.versions(store, saved.definition_id)[-1].reverted_to == first.id
    with pytest.raises(Refused, match="already reads"):
        revert(store, saved.definition_id, first.id, user=ALICE)
    revert(store, saved.definition_id, second.id, user=ADMIN, admin=True)
    assert store.definition(saved.definition_id, guild_id=GUILD).text == SECOND
    # A version of another definition is no version of this one.
    other = contribute(store, "A member of our family of buyers.", user=BOB, name="bob")
    with pytest.raises(Refused, match="no longer in this definition's history"):
        revert(store, other.definition_id, first.id, user=BOB)


def test_a_shared_glossarys_definition_is_reverted_by_nobody_here(store):
    churn = store.find_term("churn").id
    [definition] = store.definitions(churn, guild_id=None)
    store.load_glossary(small_glossary(SMALL.replace("stop buying.", "stop buying from us.")))
    first = history_store.versions(store, definition.id)[0]
    with pytest.raises(Refused, match="glossary file that every server shares"):
        revert(store, definition.id, first.id, user=ADMIN, admin=True)


def test_the_history_page_pages_and_offers_revert_only_to_who_may(store):
    saved = contribute(store, FIRST)
    for i in range(6):
        contribute(store, f"{SECOND} Take {i}.")
    page = history.show(store, saved.definition_id, guild_id=GUILD, user_id=BOB, admin=False)
    assert page.pages == 2 and len(page.sections) == history.HISTORY_PAGE
    assert page.sections[0].name.startswith("v7 (current)")
    assert not [a for a in page.actions if a.kind == "revert"]
    mine = history.show(store, saved.definition_id, guild_id=GUILD, user_id=ALICE, admin=False)
    reverts = [a.label for a in mine.actions if a.kind == "revert"]
    assert reverts == ["Revert to v6", "Revert to v5", "Revert to v4", "Revert to v3"]
    last = history.show(
        store, saved.definition_id, guild_id=GUILD, user_id=ALICE, admin=False, page=1
    )
    assert [s.name.split(" ")[0] for s in last.sections] == ["v2", "v1"]
    with pytest.raises(Refused):
        history.show(store, saved.definition_id, guild_id=999, user_id=ALICE, admin=True)


def test_the_console_shows_a_history_and_reverts_by_number(service):
    """/history TERM in the console: the versions, and a numbered Revert (the console's
    member is its local server's admin)."""
    from bot.console import ConsoleSession, render_text
    from bot.console_server import LOCAL_SERVER, LOCAL_USER

    store = service.store
    term = customer(store)
    definition_id = store.add_definition(
        term_id=term, guild_id=LOCAL_SERVER, author_id=LOCAL_USER, author_name="you", text=FIRST
    )
    store.edit_definition(definition_id, text=SECOND, source=None, by=Actor(LOCAL_USER, "you"))
    store.set_vote(definition_id=definition_id, guild_id=LOCAL_SERVER, user_id=BOB, value=1)
    console = ConsoleSession(service)
    page = console.handle("/history customer")
    text = render_text(page)
    assert "v2 (current) · edited by you" in text and FIRST in text
    [number] = [i for i, a in enumerate(page.actions, 1) if a.label == "Revert to v1"]
    after = console.handle(str(number))
    assert "Reverted to v1" in after.body
    assert store.definition(definition_id, guild_id=LOCAL_SERVER).text == FIRST
    assert "Usage" in console.handle("/history").title
