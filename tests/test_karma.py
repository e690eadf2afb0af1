"""Karma and badges earned from votes on members' definitions."""

import pytest
from helpers import small_glossary

from bot.core.karma import award_badges, profile_answer, vote_value
from bot.core.store import Store

GUILD = 5


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "g.db") as store:
        store.load_glossary(small_glossary())
        yield store


def test_thumbs_are_votes_whatever_their_skin_tone():
    """👍 and 👎 (with or without modifiers) vote; other emoji do not."""
    assert vote_value("👍") == 1 and vote_value("👍🏽") == 1 and vote_value("👎🏿") == -1
    assert vote_value("❤️") is None and vote_value("") is None


def test_badges_follow_definitions_and_karma_and_are_given_once(store):
    """A first definition and 5 karma earn badges, each only once."""
    term = store.find_term("Customer").id
    definition = store.add_definition(
        term_id=term, guild_id=GUILD, author_id=1, author_name="ann", text="Buys things."
    )
    assert [b.key for b in award_badges(store, guild_id=GUILD, user_id=1)] == ["first-definition"]
    for voter in range(100, 105):
        store.set_vote(definition_id=definition, guild_id=GUILD, user_id=voter, value=1)
    assert [b.key for b in award_badges(store, guild_id=GUILD, user_id=1)] == ["helpful"]
    assert award_badges(store, guild_id=GUILD, user_id=1) == []
    assert store.badges(guild_id=GUILD, user_id=1) == ["first-definition", "helpful"]


def test_a_long_profile_lists_the_first_definitions_and_counts_the_rest(store):
    """20 definitions: the profile names 15 of them with their terms and says 5 more."""
    term = store.find_term("Churn").id
    for n in range(20):
        store.add_definition(
            term_id=term, guild_id=GUILD, author_id=1, author_name="ann", text=f"Leaving, {n}."
        )
    answer = profile_answer(store, guild_id=GUILD, user_id=1, name="ann")
    listed = next(s for s in answer.sections if s.name == "Definitions (20)").text
    assert listed.count("**Churn**") == 15 and listed.endswith("… and 5 more")
