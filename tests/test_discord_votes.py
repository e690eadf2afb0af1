"""Contributions, votes, karma, badges, profiles and the leaderboard, end to end."""

from flows import contribute
from standin.bare import until

from bot.core.store import Store


async def test_contributed_definition_is_posted_with_its_author_and_source(world):
    """A member's definition is shown with their name and source, on its own page."""
    answer = await contribute(world, world.alice, source=("Our handbook", "https://example.com/h"))
    assert answer.embed["title"] == "Customer"
    assert "Contributed by alice" in answer.embed["footer"]["text"]
    assert "definition 2 of 2" in answer.embed["footer"]["text"]
    definition = next(f for f in answer.embed["fields"] if f["name"] == "Definition")
    assert definition["value"] == "Someone who pays us for a thing."
    assert "Our handbook (https://example.com/h)" in str(answer.embed["fields"])
    page = await world.discord.click(answer, answer.button("◀ Previous"), world.bob)
    await page.response()
    assert (
        answer.embed["title"] == "Customer"
        and "definition 1 of 2" in answer.embed["footer"]["text"]
    )


async def test_user_text_never_pings(world):
    """A definition that mentions @everyone and a member is shown without pinging anyone."""
    text = f"Ask <@{world.bob.id}> or @everyone about it, they know."
    answer = await contribute(world, world.alice, text=text)
    assert answer.pinged() == {"users": set(), "roles": set(), "everyone": False}


async def test_reactions_vote_and_feed_the_authors_karma(world):
    """👍 from others raises the author's karma; replays and self-votes change nothing."""
    answer = await contribute(world, world.alice)
    await world.discord.react(answer, world.bob, "👍")
    await world.discord.react(answer, world.bob, "👍")  # a replayed event
    await world.discord.react(answer, world.alice, "👍")  # the author's own vote
    await world.discord.react(answer, world.discord.owner, "👎")
    await world.discord.unreact(answer, world.discord.owner, "👎")

    def karma():
        with Store(world.bot.db) as store:
            return store.member_stats(guild_id=world.guild.id, user_id=world.alice.id)

    await until(lambda: (karma().upvotes, karma().downvotes) == (1, 0))
    ix = await world.discord.slash(
        world.guild, world.channel, world.bob, "profile", {"member": world.alice}
    )
    profile = (await ix.message()).embed
    assert profile["title"] == "alice's profile"
    text = str(profile["fields"])
    assert "1 (👍 1 received, 👎 0)" in text and "First definition" in text and "Customer" in text
    ix = await world.discord.slash(world.guild, world.channel, world.bob, "leaderboard")
    assert "1. alice: 1 karma (1 definitions)" in (await ix.message()).embed["description"]


async def test_votes_stay_in_their_server(world):
    """A definition contributed in one server is not shown in another."""
    answer = await contribute(world, world.alice)
    assert "definition 2 of 2" in answer.embed["footer"]["text"]
    other = world.discord.add_guild("Other")
    carol = world.discord.add_member(other, "carol")
    await until(lambda: f"Other ({other.id})" in world.bot.output())
    ix = await world.discord.slash(other, other.general, carol, "define", {"term": "customer"})
    assert "definition" not in (await ix.message()).embed["footer"]["text"].split("·")[-1]
