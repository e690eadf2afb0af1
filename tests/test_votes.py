"""Votes applied to a real store: reactions kept, the latest standing one is the vote."""

import asyncio
from datetime import UTC, datetime, timedelta

from helpers import small_glossary

from bot.core import voting
from bot.core.karma import VoteLimits
from bot.core.service import VOTE_RESULTS_PER_TURN, GlossaryService
from bot.core.voting import Voter

GUILD, CHANNEL = 5, 50
ALICE, BOB, CAROL = 1, 2, 3
DEFAULTS = VoteLimits(min_account_days=0, min_member_hours=0)
UP, DOWN = 1, -1


def contribute(store, author=ALICE, name="alice", term="Customer", message_id=100) -> int:
    """A member's definition, shown in an answer message; returns the definition's id."""
    definition = store.add_definition(
        term_id=store.find_term(term).id,
        guild_id=GUILD,
        author_id=author,
        author_name=name,
        text="Buys things.",
    )
    show(store, definition, message_id)
    return definition


def show(store, definition, message_id):
    store.record_answer_message(
        message_id=message_id, guild_id=GUILD, channel_id=CHANNEL, definition_id=definition
    )


def react(store, user, value, message_id=100, limits=DEFAULTS, **voter):
    return voting.add_reaction(
        store, message_id=message_id, value=value, voter=Voter(user, **voter), defaults=limits
    )


def unreact(store, user, value, message_id=100):
    return voting.remove_reactions(store, message_id=message_id, user_id=user, value=value)


def karma_of(store, user=ALICE):
    stats = store.member_stats(guild_id=GUILD, user_id=user)
    return stats.upvotes, stats.downvotes


def vote(store, definition, user=BOB):
    return store.vote_of(definition_id=definition, guild_id=GUILD, user_id=user)


def test_the_vote_is_the_latest_standing_reaction(store):
    """👍 then 👎 is a downvote; taking the 👎 off leaves the 👍; taking it off withdraws."""
    mine = contribute(store)
    react(store, BOB, UP)
    react(store, BOB, DOWN)
    assert vote(store, mine) == DOWN and karma_of(store) == (0, 1)
    unreact(store, BOB, DOWN)
    assert vote(store, mine) == UP and karma_of(store) == (1, 0)
    unreact(store, BOB, UP)
    assert vote(store, mine) == 0 and karma_of(store) == (0, 0)


def test_one_vote_per_member_across_answers_showing_the_same_definition(store):
    """Reactions on two answers of one definition make one vote: the latest standing."""
    mine = contribute(store)
    show(store, mine, 101)
    react(store, BOB, UP, message_id=100)
    react(store, BOB, DOWN, message_id=101)
    assert karma_of(store) == (0, 1)
    unreact(store, BOB, DOWN, message_id=101)
    assert karma_of(store) == (1, 0)


def test_replayed_events_change_nothing(store):
    """The same add twice is one reaction; it does not become 'latest' again."""
    mine = contribute(store)
    react(store, BOB, UP)
    react(store, BOB, DOWN)
    assert react(store, BOB, UP).changes == []  # a replay of the first
    assert vote(store, mine) == DOWN
    unreact(store, BOB, DOWN)
    assert unreact(store, BOB, DOWN).changes == []
    assert vote(store, mine) == UP


def test_authors_never_vote_on_their_own_definitions(store):
    """The author's reaction counts nowhere: not in karma, not in the definition's count."""
    mine = contribute(store)
    outcome = react(store, ALICE, UP)
    assert outcome.refused == "their own definition"
    definition = store.definition(mine, guild_id=GUILD)
    assert (definition.upvotes, definition.downvotes) == (0, 0)
    assert karma_of(store) == (0, 0)


def test_bots_never_vote(store):
    mine = contribute(store)
    assert react(store, BOB, UP, bot=True).refused == "a bot"
    assert vote(store, mine) == 0


def test_glossary_definitions_collect_votes_and_give_karma_to_no_one(store):
    glossary = store.definitions(store.find_term("Churn").id, guild_id=GUILD)[0]
    show(store, glossary.id, 200)
    react(store, BOB, UP, message_id=200)
    assert store.definition(glossary.id, guild_id=GUILD).upvotes == 1
    assert store.leaderboard(guild_id=GUILD) == []


def test_a_removed_definition_gives_no_karma_either_way_and_keeps_its_votes(store):
    """Up and down votes on a removed definition leave karma; the votes stay recorded."""
    kept = contribute(store)
    removed = contribute(store, term="Churn", message_id=101)
    react(store, BOB, UP, message_id=100)
    react(store, BOB, UP, message_id=101)
    react(store, CAROL, DOWN, message_id=101)
    assert karma_of(store) == (2, 1)
    store.remove_definition(removed)
    assert karma_of(store) == (1, 0)
    assert vote(store, removed) == UP and vote(store, kept) == UP
    react(store, 4, DOWN, message_id=101)  # votes on it after removal give nothing either
    assert karma_of(store) == (1, 0)


def test_a_moderator_clearing_reactions_or_deleting_the_answer_withdraws_the_votes(store):
    mine = contribute(store)
    react(store, BOB, UP)
    react(store, CAROL, DOWN)
    voting.remove_reactions(store, message_id=100, value=DOWN)  # one emoji cleared
    assert karma_of(store) == (1, 0)
    voting.remove_reactions(store, message_id=100)  # all cleared
    assert karma_of(store) == (0, 0)
    react(store, BOB, UP)
    voting.forget_messages(store, message_ids=[100])
    assert vote(store, mine) == 0 and karma_of(store) == (0, 0)
    assert react(store, BOB, UP).changes == []  # a deleted answer takes no more votes


def test_the_daily_cap_is_counted_from_stored_votes(store):
    """One member gives one author at most `daily_per_author` votes a day; changing one's
    vote is never limited."""
    limits = VoteLimits(min_account_days=0, min_member_hours=0, daily_per_author=2)
    for n, term in enumerate(("Customer", "Consumer", "Churn")):
        contribute(store, term=term, message_id=100 + n)
        react(store, BOB, UP, message_id=100 + n, limits=limits)
    assert karma_of(store) == (2, 0)
    react(store, BOB, DOWN, message_id=100, limits=limits)
    assert karma_of(store) == (1, 1)
    other = contribute(store, author=CAROL, name="carol", term="Churn", message_id=110)
    react(store, BOB, UP, message_id=110, limits=limits)
    assert vote(store, other) == UP  # another author: a cap of its own


def test_young_accounts_and_new_members_cannot_vote(store):
    contribute(store)
    limits = VoteLimits()
    new_id = int(datetime.now(UTC).timestamp() * 1000 - 1420070400000) << 22
    assert "account" in react(store, new_id, UP, limits=limits).refused
    old_id = 1 << 22  # an account from 2015
    joined = datetime.now(UTC) - timedelta(hours=2)
    assert "member" in react(store, old_id, UP, limits=limits, joined_at=joined).refused
    assert react(store, old_id + 1, UP, limits=limits, joined_at=joined - timedelta(days=2))
    assert karma_of(store) == (1, 0)


def test_reacting_and_unreacting_never_farms_karma_or_badges(store):
    """Forty toggles of one 👍 leave one upvote at most, and each badge is given once."""
    contribute(store)
    awarded = []
    for _ in range(40):
        awarded += react(store, BOB, UP).badges
        unreact(store, BOB, UP)
    assert karma_of(store) == (0, 0)
    assert len(awarded) == len(set(awarded))


def test_badges_are_awarded_once_announced_once_and_kept_when_karma_drops(store):
    contribute(store)
    assert voting.award_badges(store, guild_id=GUILD, user_id=ALICE, channel_id=CHANNEL) == [
        "first-definition"
    ]
    for voter in range(1000, 1010):
        react(store, voter, UP)
    assert "karma-10" in store.badges(guild_id=GUILD, user_id=ALICE)
    assert "upvotes-10" in store.badges(guild_id=GUILD, user_id=ALICE)
    assert "best-of-term" in store.badges(guild_id=GUILD, user_id=ALICE)
    announced = store.claim_badge_announcements()
    assert sorted(r["badge"] for r in announced) == [
        "best-of-term",
        "first-definition",
        "karma-10",
        "upvotes-10",
    ]
    assert {r["channel_id"] for r in announced} == {CHANNEL}
    assert store.claim_badge_announcements() == []
    for voter in range(1000, 1010):
        react(store, voter, DOWN)
    assert "karma-10" in store.badges(guild_id=GUILD, user_id=ALICE)
    assert store.claim_badge_announcements() == []


def test_casting_fifty_votes_earns_the_voters_badge(store):
    for n in range(50):
        definition = store.add_definition(
            term_id=store.find_term("Churn").id,
            guild_id=GUILD,
            author_id=10_000 + n,
            author_name=f"m{n}",
            text="Leaving.",
        )
        show(store, definition, 500 + n)
        outcome = react(store, BOB, UP, message_id=500 + n)
    assert (BOB, "votes-50") in outcome.badges


def test_a_server_changes_its_badges(store):
    """A server's own badge set is what it awards (a badge at karma 2 here)."""
    store.set_guild_setting(
        GUILD,
        voting.BADGES_SETTING,
        '[{"key": "karma-2", "name": "Rising", "emoji": "🌱", "measure": "karma", "threshold": 2}]',
    )
    contribute(store)
    react(store, BOB, UP)
    assert store.badges(guild_id=GUILD, user_id=ALICE) == []
    react(store, CAROL, UP)
    assert store.badges(guild_id=GUILD, user_id=ALICE) == ["karma-2"]


def test_reconciling_makes_votes_what_discord_reports_and_a_recount_changes_nothing(store):
    """Reactions missed while away count, ones taken off go; recounting what live counting
    saw changes nothing."""
    mine = contribute(store)
    react(store, BOB, UP)
    react(store, CAROL, UP)
    standing = {UP: {CAROL: Voter(CAROL), 7: Voter(7)}, DOWN: {BOB: Voter(BOB)}}
    voting.reconcile_message(store, message_id=100, standing=standing, defaults=DEFAULTS)
    assert (vote(store, mine, BOB), vote(store, mine, CAROL), vote(store, mine, 7)) == (-1, 1, 1)
    again = voting.reconcile_message(store, message_id=100, standing=standing, defaults=DEFAULTS)
    assert again.changes == []
    refused = {UP: {ALICE: Voter(ALICE), 8: Voter(8, bot=True), 9: Voter(9, in_server=False)}}
    voting.reconcile_message(store, message_id=100, standing=refused, defaults=DEFAULTS)
    assert karma_of(store) == (0, 0)


def test_vote_buttons_toggle_and_follow_the_same_rules(store):
    mine = contribute(store)

    def press(user, value):
        return voting.press_vote_button(
            store,
            definition_id=mine,
            guild_id=GUILD,
            channel_id=CHANNEL,
            value=value,
            voter=Voter(user),
            defaults=DEFAULTS,
        )

    press(BOB, UP)
    assert vote(store, mine) == UP
    press(BOB, DOWN)
    assert vote(store, mine) == DOWN
    press(BOB, DOWN)  # pressing the standing vote again withdraws it
    assert vote(store, mine) == 0
    assert press(ALICE, UP).refused == "their own definition"


def test_an_answer_message_shows_one_definition_for_its_whole_life(store):
    """Recording a message again with another definition changes nothing: its reactions
    always mean the definition first shown."""
    mine = contribute(store)
    other = contribute(store, author=CAROL, name="carol", message_id=101)
    show(store, other, 100)
    react(store, BOB, UP)
    assert (vote(store, mine), vote(store, other)) == (UP, 0)


def test_best_definition_of_its_term_means_strictly_ahead_of_every_other(store):
    """A tie with another definition of the term is not best; one vote ahead is."""
    mine = contribute(store)
    theirs = contribute(store, author=CAROL, name="carol", message_id=101)
    react(store, BOB, UP, message_id=101)
    react(store, BOB, UP, message_id=100)
    assert "best-of-term" not in store.badges(guild_id=GUILD, user_id=ALICE)
    react(store, 4, UP, message_id=100)
    assert "best-of-term" in store.badges(guild_id=GUILD, user_id=ALICE)
    assert (vote(store, mine, 4), vote(store, theirs)) == (UP, UP)


# -- a burst through the service, written on its writer's thread ---------------------------

BURST = 300


async def burst_service(db_url):
    """A service writing in the background, with one member's definition shown in an answer."""
    service = GlossaryService.open(db_url, seed=False)
    service.vote_defaults = DEFAULTS
    service.load(small_glossary())
    service.write_in_background()
    definition = contribute(service.store)
    return service, definition


def upvote(service, user):
    return service.add_reaction(message_id=100, value=UP, voter=Voter(user))


async def test_a_write_queued_after_a_burst_of_votes_sees_every_one_of_them(db_url):
    """Votes wait to be batched; a write asked for after them still runs after them."""
    service, _ = await burst_service(db_url)
    try:
        votes = [upvote(service, 1000 + n) for n in range(BURST)]
        seen = service._write(lambda store: karma_of(store))
        assert await seen == (BURST, 0)
        assert all(o.refused is None for o in await asyncio.gather(*votes))
    finally:
        service.close()


async def test_a_bursts_results_are_handed_back_a_slice_per_turn_of_the_loop(db_url):
    """The handlers a burst's results wake never all run in one turn of the event loop."""
    service, _ = await burst_service(db_url)
    turn, stop = [0], asyncio.Event()

    async def count_turns():
        while not stop.is_set():
            turn[0] += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(count_turns())
    try:
        votes = [upvote(service, 2000 + n) for n in range(BURST)]
        done_in_turn = []
        for vote in votes:
            vote.add_done_callback(lambda _: done_in_turn.append(turn[0]))
        await asyncio.gather(*votes)
        assert len(set(done_in_turn)) >= BURST // VOTE_RESULTS_PER_TURN
        assert karma_of(service.store) == (BURST, 0)
    finally:
        stop.set()
        await ticker
        service.close()


async def test_an_event_that_fails_in_a_burst_fails_alone(db_url):
    """A burst is written in one go; should one event fail, the others are still kept and
    nothing of the failed one is."""
    service, _ = await burst_service(db_url)

    def broken(store):
        store.record_missed_query(guild_id=GUILD, query="half written")
        raise RuntimeError("this event cannot be written")

    try:
        before = [upvote(service, 3000 + n) for n in range(5)]
        failing = service._vote(broken)
        after = [upvote(service, 3100 + n) for n in range(5)]
        outcomes = await asyncio.gather(*before, failing, *after, return_exceptions=True)
        assert isinstance(outcomes[5], RuntimeError)
        assert all(o.refused is None for o in outcomes[:5] + outcomes[6:])
        assert await service._write(lambda store: karma_of(store)) == (10, 0)
        missed = await service._write(lambda store: store.missed_queries(guild_id=GUILD))
        assert missed == []
    finally:
        service.close()
