"""The rules of votes, karma and badges, judged on the figures alone (no database)."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.core import karma
from bot.core.karma import (
    DEFAULT_BADGES,
    Badge,
    BadgeFigures,
    Ballot,
    VoteLimits,
    account_age,
    badge_set,
    badges_json,
    earned,
    limits_from_env,
    refusal,
    vote_value,
)

LIMITS = VoteLimits()
OLD = timedelta(days=400)


def ballot(**figures) -> Ballot:
    values = {
        "voter_is_bot": False,
        "own_definition": False,
        "changes_a_vote": False,
        "account_age": OLD,
        "membership_age": OLD,
        "rate_limited": False,
        "given_to_author_today": 0,
    }
    return Ballot(**{**values, **figures})


def test_thumbs_are_votes_whatever_their_skin_tone():
    """👍 and 👎 (with or without modifiers) vote; other emoji do not."""
    assert vote_value("👍") == 1 and vote_value("👍🏽") == 1 and vote_value("👎🏿") == -1
    assert vote_value("❤️") is None and vote_value("") is None


def test_karma_is_upvotes_minus_downvotes():
    assert karma.karma(7, 3) == 4 and karma.karma(0, 2) == -2


def test_an_ordinary_members_vote_counts():
    assert refusal(ballot(), LIMITS) is None


def test_bots_never_vote():
    assert refusal(ballot(voter_is_bot=True), LIMITS) == "a bot"
    assert refusal(ballot(voter_is_bot=True, changes_a_vote=True), LIMITS) == "a bot"


def test_authors_never_vote_on_their_own_definitions():
    assert refusal(ballot(own_definition=True), LIMITS) == "their own definition"


@pytest.mark.parametrize(
    "figures",
    [
        {"account_age": timedelta(days=1)},
        {"membership_age": timedelta(hours=1)},
        {"rate_limited": True},
        {"given_to_author_today": 20},
        {"in_server": False},
    ],
)
def test_each_limit_refuses_a_new_vote_but_never_a_change(figures):
    """A young account or membership, the rate, the daily cap: a new vote is refused; changing
    or withdrawing one's vote is never limited."""
    assert refusal(ballot(**figures), LIMITS) is not None
    assert refusal(ballot(changes_a_vote=True, **figures), LIMITS) is None


def test_limits_are_exact_at_their_edges():
    """Old enough is allowed; the cap allows exactly `daily_per_author` votes."""
    assert refusal(ballot(account_age=timedelta(days=7)), LIMITS) is None
    assert refusal(ballot(account_age=timedelta(days=6.9)), LIMITS) is not None
    assert refusal(ballot(membership_age=timedelta(hours=24)), LIMITS) is None
    assert refusal(ballot(given_to_author_today=19), LIMITS) is None
    assert refusal(ballot(given_to_author_today=None), LIMITS) is None  # a glossary definition
    assert refusal(ballot(account_age=timedelta(days=1)), VoteLimits(min_account_days=0)) is None


def test_account_age_is_read_from_the_snowflake():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    created_ms = int((now - timedelta(days=3)).timestamp() * 1000)
    user_id = (created_ms - karma.DISCORD_EPOCH_MS) << 22
    assert abs(account_age(user_id, now) - timedelta(days=3)) < timedelta(seconds=1)


def test_limits_come_from_the_environment_with_defaults():
    """Every limit has a default; an environment variable changes it; a bad one is named."""
    assert limits_from_env({}) == VoteLimits()
    limits = limits_from_env({"GLOSSARY_VOTES_PER_MINUTE": "3", "GLOSSARY_RECONCILE_DAYS": "2"})
    assert (limits.per_minute, limits.reconcile_days) == (3, 2)
    with pytest.raises(ValueError, match="GLOSSARY_MIN_ACCOUNT_DAYS='soon'"):
        limits_from_env({"GLOSSARY_MIN_ACCOUNT_DAYS": "soon"})
    with pytest.raises(ValueError, match="GLOSSARY_VOTES_PER_MINUTE='0'"):
        limits_from_env({"GLOSSARY_VOTES_PER_MINUTE": "0"})


def test_a_servers_limits_override_the_defaults():
    defaults = VoteLimits(per_minute=5)
    mine = karma.limits_from({"daily_per_author": "3"}, defaults)
    stored = karma.limits_json(mine, defaults)
    assert karma.guild_limits(defaults, stored) == VoteLimits(per_minute=5, daily_per_author=3)
    assert karma.limits_json(defaults, defaults) is None


def test_default_badges_are_the_ones_a_crowd_dictionary_gives():
    """First definition, 10 and 100 upvotes, karma 10/50/250, 50 votes cast, best of a term."""
    assert {(b.measure, b.threshold) for b in DEFAULT_BADGES} == {
        ("definitions", 1),
        ("upvotes", 10),
        ("upvotes", 100),
        ("karma", 10),
        ("karma", 50),
        ("karma", 250),
        ("votes_cast", 50),
        ("best_definitions", 1),
    }
    assert all(b.name and b.emoji for b in DEFAULT_BADGES)


def test_badges_are_earned_at_their_thresholds():
    figures = BadgeFigures(definitions=1, upvotes=10, karma=9, votes_cast=50, best_definitions=0)
    assert earned(DEFAULT_BADGES, figures) == ["first-definition", "upvotes-10", "votes-50"]
    assert earned(DEFAULT_BADGES, BadgeFigures()) == []
    assert "best-of-term" in earned(DEFAULT_BADGES, BadgeFigures(best_definitions=1))


def test_a_server_can_change_its_badges():
    """A server's own set is stored as data and read back; a broken one falls back."""
    mine = (Badge("karma-3", "Rising", "🌱", "karma", 3),)
    assert badge_set(badges_json(mine)) == mine
    assert badge_set(None) == DEFAULT_BADGES and badges_json(DEFAULT_BADGES) is None
    assert badge_set('[{"key": "x"}]') == DEFAULT_BADGES
    with pytest.raises(ValueError, match="counts one of"):
        karma.check_badge(Badge("k", "n", "🌱", "smiles", 3))
    with pytest.raises(ValueError, match="threshold"):
        karma.check_badge(Badge("k", "n", "🌱", "karma", 0))
