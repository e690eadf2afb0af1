"""Votes, karma and badges a server can trust, end to end: `glossary-bot run` against the
stand-in, which delivers reactions, clears and deletions as Discord does."""

import asyncio
import random
from pathlib import Path

import pytest
import yaml
from flows import contribute as contribute_only
from standin.bare import until

from bot.core.store import Store

UP, DOWN = "👍", "👎"
GLOSSARY = Path(__file__).resolve().parents[1] / "glossary.yaml"


def stats(world, user):
    with Store(world.bot.db) as store:
        found = store.member_stats(guild_id=world.guild.id, user_id=user.id)
    return found.upvotes, found.downvotes


def votes_on(world, definition_id):
    with Store(world.bot.db) as store:
        found = store.definition(definition_id, guild_id=world.guild.id)
    return found.upvotes, found.downvotes


def shown_definition(world, message):
    with Store(world.bot.db) as store:
        return store.answer_message(message.id)["definition_id"]


async def define(world, user, term="churn"):
    ix = await world.discord.slash(world.guild, world.channel, user, "define", {"term": term})
    message = await ix.message()
    await bot_reacted(world, message)
    return message


async def contribute(world, user, **fields):
    """A member's contribution, once the bot has recorded it and put its 👍 and 👎 on it."""
    answer = await contribute_only(world, user, **fields)
    await bot_reacted(world, answer)
    return answer


async def bot_reacted(world, message):
    bot = world.discord.bot.id
    await until(lambda: all(bot in message.reactions.get(e, ()) for e in (UP, DOWN)))


async def test_contributed_definition_is_posted_with_its_author_and_source(world):
    """A member's definition is shown with their name and source, on its own page; the
    glossary's definition opens privately beside it."""
    answer = await contribute(world, world.alice, source=("Our handbook", "https://example.com/h"))
    assert answer.embed["title"] == "Customer"
    assert "Contributed by alice" in answer.embed["footer"]["text"]
    assert "definition 2 of 2" in answer.embed["footer"]["text"]
    definition = next(f for f in answer.embed["fields"] if f["name"] == "Definition")
    assert definition["value"] == "Someone who pays us for a thing."
    assert "Our handbook (https://example.com/h)" in str(answer.embed["fields"])
    page = await world.discord.click(answer, answer.button("◀ Previous"), world.bob)
    other = await page.message()
    assert (
        other.embed["title"] == "Customer" and "definition 1 of 2" in other.embed["footer"]["text"]
    )


async def test_user_text_never_pings(world):
    """A definition that mentions @everyone and a member is shown without pinging anyone."""
    text = f"Ask <@{world.bob.id}> or @everyone about it, they know."
    answer = await contribute(world, world.alice, text=text)
    assert answer.pinged() == {"users": set(), "roles": set(), "everyone": False}


async def test_public_answers_carry_both_votes_which_the_bot_adds_and_never_counts(world):
    """/define, a channel reply and a contribution get 👍 and 👎 from the bot; an FAQ and a
    private answer do not; the bot's own reactions are no votes."""
    answer = await define(world, world.bob)
    sent = await world.discord.send_message(world.channel, world.bob, "what is churn?")
    reply = await world.discord.next_bot_message(world.channel, after=sent.id)
    await bot_reacted(world, reply)
    contributed = await contribute(world, world.alice)
    await bot_reacted(world, contributed)
    ix = await world.discord.slash(
        world.guild, world.channel, world.bob, "faq", {"question": "how do I measure loyalty"}
    )
    faq = await ix.message()
    assert not faq.reactions  # an FAQ shows no definition: nothing to vote on
    await world.discord.expect_silence(world.channel, 0.3)
    assert votes_on(world, shown_definition(world, answer)) == (0, 0)
    assert "click 👍 or 👎 below to vote" in answer.embed["footer"]["text"]


async def test_another_bots_reaction_never_counts(world):
    answer = await define(world, world.bob)
    other_bot = world.discord.add_member(world.guild, "helperbot", bot=True)
    await world.discord.react(answer, other_bot, UP)
    await world.discord.react(answer, world.alice, UP)
    definition = shown_definition(world, answer)
    await until(lambda: votes_on(world, definition) == (1, 0))
    await world.discord.react(answer, world.bob, DOWN)
    await until(lambda: votes_on(world, definition) == (1, 1))


async def test_paging_opens_a_private_view_that_votes_and_leaves_the_public_answer_alone(world):
    """Another definition opens privately, with its own 👍/👎 buttons; the public message others
    voted on keeps its definition, and their votes stay on it."""
    answer = await contribute(world, world.alice)
    mine = shown_definition(world, answer)
    await world.discord.react(answer, world.bob, DOWN)
    await until(lambda: votes_on(world, mine) == (0, 1))
    edits, embed = answer.edits, answer.embed
    page = await world.discord.click(answer, answer.button("◀ Previous"), world.discord.owner)
    private = await page.message()
    assert private.ephemeral and "definition 1 of 2" in private.embed["footer"]["text"]
    assert answer.edits == edits and answer.embed == embed
    vote = await world.discord.click(private, private.button("👍 0"), world.discord.owner)
    assert (await vote.response())["type"] == 7  # the private view is updated in place
    assert private.button("👍 1")
    glossary = next(d for d in _definitions_of(world, "Customer") if d != mine)
    assert votes_on(world, glossary) == (1, 0) and votes_on(world, mine) == (0, 1)
    await world.discord.unreact(answer, world.bob, DOWN)
    await until(lambda: votes_on(world, mine) == (0, 0))
    assert votes_on(world, glossary) == (1, 0)


def _definitions_of(world, term):
    with Store(world.bot.db) as store:
        found = store.find_term(term)
        return [d.id for d in store.definitions(found.id, guild_id=world.guild.id)]


async def test_the_vote_is_the_latest_standing_reaction(world):
    """👍 then 👎 is a downvote; taking the 👎 off leaves the 👍 as the vote; taking the last
    off withdraws it. Super reactions are not votes."""
    answer = await contribute(world, world.alice)
    await world.discord.react(answer, world.bob, UP)
    await world.discord.react(answer, world.bob, DOWN)
    await until(lambda: stats(world, world.alice) == (0, 1))
    await world.discord.unreact(answer, world.bob, DOWN)
    await until(lambda: stats(world, world.alice) == (1, 0))
    await world.discord.react(answer, world.bob, DOWN, burst=True)
    await world.discord.unreact(answer, world.bob, DOWN, burst=True)
    await world.discord.unreact(answer, world.bob, UP)
    await until(lambda: stats(world, world.alice) == (0, 0))
    await world.discord.react(answer, world.discord.owner, UP, burst=True)
    await world.discord.react(answer, world.bob, DOWN)
    await until(lambda: stats(world, world.alice) == (0, 1))


async def test_clearing_reactions_or_deleting_answers_withdraws_their_votes(world):
    """REMOVE_EMOJI, REMOVE_ALL, a deleted answer and a bulk delete each withdraw the votes
    made on those answers, and only those."""
    answers = [await define(world, world.bob) for _ in range(5)]
    definition = shown_definition(world, answers[0])
    voters = [world.discord.add_member(world.guild, f"voter{n}") for n in range(5)]
    for answer, voter in zip(answers, voters, strict=True):
        await world.discord.react(answer, voter, UP)
    await world.discord.react(answers[0], world.alice, DOWN)
    await until(lambda: votes_on(world, definition) == (5, 1))
    await world.discord.clear_emoji(answers[0], DOWN)
    await until(lambda: votes_on(world, definition) == (5, 0))
    await world.discord.clear_reactions(answers[0])
    await until(lambda: votes_on(world, definition) == (4, 0))
    await world.discord.delete_message(answers[1])
    await until(lambda: votes_on(world, definition) == (3, 0))
    await world.discord.delete_messages(answers[2:4])
    await until(lambda: votes_on(world, definition) == (1, 0))


async def test_an_authors_own_reaction_counts_nowhere_not_even_in_the_count_shown(world):
    answer = await contribute(world, world.alice)
    mine = shown_definition(world, answer)
    await world.discord.react(answer, world.alice, UP)
    await world.discord.react(answer, world.bob, DOWN)
    await until(lambda: votes_on(world, mine) == (0, 1))
    first = await define(world, world.bob, "customer")
    page = await world.discord.click(first, first.button("Next ▶"), world.bob)
    shown = await page.message()
    assert "👍 0  👎 1" in shown.embed["footer"]["text"]
    assert stats(world, world.alice) == (0, 1)


async def test_replayed_and_duplicated_events_change_nothing(world):
    """An add delivered twice, a remove delivered twice, and a resume's replay: one vote."""
    answer = await contribute(world, world.alice)
    await world.discord.react(answer, world.bob, UP)
    await world.discord.react(answer, world.discord.owner, DOWN)
    world.discord.deliver_reaction_again(answer, world.bob, UP)
    await until(lambda: stats(world, world.alice) == (1, 1))
    await world.discord.unreact(answer, world.discord.owner, DOWN)
    world.discord.deliver_reaction_again(answer, world.discord.owner, DOWN, added=False)
    await world.discord.drop_connection()
    await until(lambda: world.discord.gateway.session.resumes == 1, timeout=15)
    await until(lambda: stats(world, world.alice) == (1, 0))
    await asyncio.sleep(0.5)  # whatever else the replay held has been handled
    assert stats(world, world.alice) == (1, 0)


async def test_reactions_made_while_the_bot_was_down_count_when_it_starts(world):
    """Stopped, the bot misses 👍s from 130 members (read back a page of 100 at a time) and a
    changed vote; started again, it counts them and withdraws the one taken off."""
    answer = await contribute(world, world.alice)
    await world.discord.react(answer, world.bob, UP)
    await until(lambda: stats(world, world.alice) == (1, 0))
    assert await world.bot.stop() == 0
    crowd = [world.discord.add_member(world.guild, f"m{n}") for n in range(130)]
    for member in crowd:
        await world.discord.react(answer, member, UP)
    await world.discord.unreact(answer, world.bob, UP)
    await world.discord.react(answer, world.bob, DOWN)
    pages_before = world.discord.reaction_pages
    await world.bot.start()
    await until(lambda: stats(world, world.alice) == (130, 1), timeout=20)
    assert world.discord.reaction_pages - pages_before >= 3  # 👍 took two pages, 👎 one


async def test_after_a_resume_the_bot_reconciles_what_it_never_heard(world):
    answer = await contribute(world, world.alice)
    await world.discord.react(answer, world.bob, UP, deliver=False)
    await world.discord.expect_silence(world.channel, 0.3)
    assert stats(world, world.alice) == (0, 0)
    await world.discord.drop_connection()
    await until(lambda: world.discord.gateway.session.resumes == 1, timeout=15)
    await until(lambda: stats(world, world.alice) == (1, 0), timeout=10)


@pytest.mark.bot_env(GLOSSARY_VOTES_PER_MINUTE="2", GLOSSARY_LOG_LEVEL="DEBUG")
async def test_a_members_new_votes_are_rate_limited_but_changes_never_are(world):
    answers = [await define(world, world.alice, t) for t in ("churn", "customer", "consumer")]
    for answer in answers:
        await world.discord.react(answer, world.bob, UP)
    await world.discord.react(answers[0], world.bob, DOWN)  # a change: never limited
    counted = [shown_definition(world, a) for a in answers]
    await until(lambda: [votes_on(world, d) for d in counted] == [(0, 1), (1, 0), (0, 0)])
    await until(lambda: "not counted: more than 2 votes a minute" in world.bot.output())
    await world.discord.expect_silence(world.channel, 0.3)  # a refused vote gets no reply


@pytest.mark.bot_env(GLOSSARY_VOTES_PER_AUTHOR_DAILY="2")
async def test_a_member_gives_one_author_at_most_the_daily_cap(world):
    answers = []
    for term in ("churn", "customer", "consumer"):
        answers.append(await contribute(world, world.alice, term=term, text=f"My own {term}."))
    for answer in answers:
        await world.discord.react(answer, world.bob, UP)
    await world.discord.react(answers[0], world.discord.owner, UP)
    await until(lambda: stats(world, world.alice) == (3, 0))
    await asyncio.sleep(0.3)
    assert stats(world, world.alice) == (3, 0)


async def test_young_accounts_and_newcomers_cannot_vote_until_an_admin_allows_it(world):
    answer = await contribute(world, world.alice)
    fresh = world.discord.add_member(world.guild, "fresh", account_days=1)
    newcomer = world.discord.add_member(world.guild, "newcomer", member_days=0.1)
    await world.discord.react(answer, fresh, UP)
    await world.discord.react(answer, newcomer, UP)
    await world.discord.react(answer, world.bob, DOWN)
    await until(lambda: stats(world, world.alice) == (0, 1))
    ix = await world.discord.slash(
        world.guild, world.channel, world.bob, "glossary vote-limits", {"min_account_days": 0}
    )
    assert "permission" in (await ix.message()).content
    ix = await world.discord.slash(
        world.guild,
        world.channel,
        world.discord.owner,
        "glossary vote-limits",
        {"min_account_days": 0, "min_member_hours": 0},
    )
    shown = (await ix.message()).embed["description"]
    assert "days a Discord account must have existed to vote: **0**" in shown
    for member in (fresh, newcomer):
        await world.discord.unreact(answer, member, UP)
        await world.discord.react(answer, member, UP)
    await until(lambda: stats(world, world.alice) == (2, 1))


async def test_a_member_who_left_drops_out_of_the_leaderboard_and_their_votes_stay(world):
    """Without the members intent, the bot asks Discord about the members a board shows."""
    mine = await contribute(world, world.alice)
    bobs = await contribute(world, world.bob, term="churn", text="Customers who stop buying.")
    await world.discord.react(mine, world.bob, UP)
    await world.discord.react(bobs, world.alice, UP)
    await until(lambda: stats(world, world.alice) == (1, 0) and stats(world, world.bob) == (1, 0))
    world.discord.remove_member(world.guild, world.bob)
    ix = await world.discord.slash(world.guild, world.channel, world.alice, "leaderboard")
    board = (await ix.message()).embed["description"]
    assert "alice: 1 karma" in board and "bob" not in board
    assert stats(world, world.alice) == (1, 0)  # bob's vote for alice stays


async def test_badges_are_announced_once_where_earned_without_pinging(world):
    """The first-definition badge is announced in the channel, naming alice without a ping;
    a restart (which reconciles) and a recount announce nothing again."""
    answer = await contribute(world, world.alice)
    notice = await world.discord.next_bot_message(world.channel, after=answer.id, timeout=10)
    assert f"<@{world.alice.id}> earned **✍️ First definition**" in notice.content
    assert notice.pinged() == {"users": set(), "roles": set(), "everyone": False}
    await world.discord.react(answer, world.bob, UP)
    await until(lambda: stats(world, world.alice) == (1, 0))
    await world.bot.stop()
    await world.bot.start()
    ix = await world.discord.slash(
        world.guild, world.channel, world.discord.owner, "glossary recount"
    )
    await ix.message()
    await world.discord.expect_silence(world.channel, ANNOUNCE_WAIT)
    notices = [
        m.content for m in world.discord.bot_messages(world.channel) if "earned" in m.content
    ]
    assert len(notices) == len(set(notices))  # bob's 👍 made it the best: announced once too
    assert sum("First definition" in n for n in notices) == 1


ANNOUNCE_WAIT = 6.0  # longer than the bot's announcement sweep


async def test_votes_stay_in_their_server(world):
    """A vote in one server shows in no other: the other's answer counts 0 and it has no
    definition of this server's members."""
    answer = await define(world, world.bob, "customer")
    await world.discord.react(answer, world.alice, UP)
    definition = shown_definition(world, answer)
    await until(lambda: votes_on(world, definition) == (1, 0))
    await contribute(world, world.alice)
    other = world.discord.add_guild("Other")
    carol = world.discord.add_member(other, "carol")
    await until(lambda: f"Other ({other.id})" in world.bot.output())
    ix = await world.discord.slash(other, other.general, carol, "define", {"term": "customer"})
    there = await ix.message()
    footer = there.embed["footer"]["text"]
    assert "👍 0  👎 0" in footer and "definition 1 of" not in footer
    here = await define(world, world.bob, "customer")
    assert "👍 1  👎 0" in here.embed["footer"]["text"]
    assert "definition 1 of 2" in here.embed["footer"]["text"]
    ix = await world.discord.slash(other, other.general, carol, "leaderboard")
    assert "Nobody" in (await ix.message()).embed["description"]


async def test_a_definition_a_moderator_removes_gives_no_karma_from_then_on(world):
    answer = await contribute(world, world.alice)
    mine = shown_definition(world, answer)
    await world.discord.react(answer, world.bob, UP)
    await world.discord.react(answer, world.discord.owner, DOWN)
    await until(lambda: stats(world, world.alice) == (1, 1))
    ix = await world.discord.slash(
        world.guild,
        world.channel,
        world.discord.owner,
        "glossary remove-definition",
        {"definition_id": mine},
    )
    await ix.message()
    assert stats(world, world.alice) == (0, 0)
    with Store(world.bot.db) as store:
        assert store.vote_of(definition_id=mine, guild_id=world.guild.id, user_id=world.bob.id) == 1
    ix = await world.discord.slash(world.guild, world.channel, world.bob, "leaderboard")
    assert "alice" not in (await ix.message()).embed["description"]


async def test_recount_rebuilds_an_answers_votes_and_says_what_changed(world):
    """/glossary recount (Manage Server) on a message link or a channel: the result is what
    live counting gives, and it says what it changed."""
    answer = await contribute(world, world.alice)
    await world.discord.react(answer, world.bob, UP)
    await until(lambda: stats(world, world.alice) == (1, 0))
    await world.discord.react(answer, world.discord.owner, UP, deliver=False)
    await world.discord.unreact(answer, world.bob, UP, deliver=False)
    link = f"https://discord.com/channels/{world.guild.id}/{world.channel.id}/{answer.id}"
    ix = await world.discord.slash(
        world.guild, world.channel, world.bob, "glossary recount", {"message": link}
    )
    assert "permission" in (await ix.message()).content
    ix = await world.discord.slash(
        world.guild, world.channel, world.discord.owner, "glossary recount", {"message": link}
    )
    said = (await ix.message()).embed["description"]
    assert said == "Checked 1 answer(s): 1 vote(s) added, 1 withdrawn, 0 changed."
    assert stats(world, world.alice) == (1, 0)
    ix = await world.discord.slash(
        world.guild, world.channel, world.discord.owner, "glossary recount"
    )
    said = (await ix.message()).embed["description"]
    assert said.endswith("every vote was already counted.")
    ix = await world.discord.slash(
        world.guild, world.channel, world.discord.owner, "glossary recount", {"message": "nope"}
    )
    assert "link" in (await ix.message()).content


async def test_a_sigkill_in_a_burst_leaves_a_sound_database_and_the_standing_totals(world):
    """Killed with SIGKILL halfway through a burst of reactions (and missing the rest), the
    bot restarts to a database that passes integrity_check, its totals equal to the reactions
    that stand on the messages: the reconcile on start covers what was in flight."""
    names = [t["term"] for t in yaml.safe_load(GLOSSARY.read_text())["terms"][:8]]
    answers = [await define(world, world.bob, name) for name in names]
    crowd = [world.discord.add_member(world.guild, f"m{n}") for n in range(30)]
    rng = random.Random(14)
    plan = [(a, m, rng.choice((UP, DOWN))) for m in crowd for a in rng.sample(answers, 6)]
    rng.shuffle(plan)
    for n, (answer, member, emoji) in enumerate(plan):
        await world.discord.react(answer, member, emoji)
        if n % 7 == 3:
            await world.discord.unreact(answer, member, emoji)
        if n == len(plan) // 2:
            world.bot.process.kill()  # SIGKILL: no clean shutdown
    await world.bot.process.wait()
    with Store(world.bot.db) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    await world.bot.start()
    bot = world.discord.bot.id

    def standing():
        return {
            shown_definition(world, a): tuple(
                len(a.reactions.get(e, set()) - {bot}) for e in (UP, DOWN)
            )
            for a in answers
        }

    def counted():
        return {d: votes_on(world, d) for d in standing()}

    await until(lambda: counted() == standing(), timeout=30)
    with Store(world.bot.db) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


async def test_an_admin_changes_the_servers_badges_and_members_keep_theirs(world):
    """/glossary badges set adds a badge (announced when earned); remove stops awarding it,
    and whoever earned it keeps it; members without Manage Server cannot change them."""
    ix = await world.discord.slash(
        world.guild,
        world.channel,
        world.bob,
        "glossary badges set",
        {"key": "x", "name": "X", "emoji": "🌱", "measure": "karma", "threshold": 1},
    )
    assert "permission" in (await ix.message()).content
    ix = await world.discord.slash(
        world.guild,
        world.channel,
        world.discord.owner,
        "glossary badges set",
        {"key": "karma-1", "name": "Sprout", "emoji": "🌱", "measure": "karma", "threshold": 1},
    )
    assert "🌱 Sprout (`karma-1`): 1 karma" in (await ix.message()).embed["description"]
    answer = await contribute(world, world.alice)
    await world.discord.react(answer, world.bob, UP)

    def announced():
        return [
            m.content for m in world.discord.bot_messages(world.channel) if "Sprout" in m.content
        ]

    await until(lambda: len(announced()) == 1, timeout=10)
    ix = await world.discord.slash(
        world.guild,
        world.channel,
        world.discord.owner,
        "glossary badges remove",
        {"key": "karma-1"},
    )
    assert "Sprout" not in (await ix.message()).embed["description"]
    ix = await world.discord.slash(
        world.guild, world.channel, world.bob, "profile", {"member": world.alice}
    )
    assert "🌱 Sprout" in str((await ix.message()).embed["fields"])
