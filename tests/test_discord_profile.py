"""/profile, its context menu, and /leaderboard, end to end: figures from the store, paged."""

from datetime import UTC, datetime, timedelta

from flows import contribute
from standin.bare import until

from bot.core.store import Store

UP, DOWN = "👍", "👎"


def seed_definitions(world, author, count, term="Churn"):
    """`count` definitions by `author`, written straight into the bot's database."""
    with Store(world.bot.db) as store:
        term_id = store.find_term(term).id
        return [
            store.add_definition(
                term_id=term_id,
                guild_id=world.guild.id,
                author_id=author.id,
                author_name=author.name,
                text=f"Definition number {n}.",
            )
            for n in range(count)
        ]


def seed_votes(world, definition_id, ups, downs=0, *, days_ago=0):
    with Store(world.bot.db) as store:
        for n in range(ups + downs):
            store.set_vote(
                definition_id=definition_id,
                guild_id=world.guild.id,
                user_id=900_000 + n,
                value=1 if n < ups else -1,
            )
        if days_ago:
            when = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat(timespec="seconds")
            store.transaction(
                lambda s: s.sql.execute(
                    "UPDATE votes SET voted_at = ? WHERE definition_id = ?", [when, definition_id]
                )
            )


def field(embed, name):
    return next(f["value"] for f in embed["fields"] if f["name"].startswith(name))


async def test_profile_shows_votes_karma_badges_and_every_definition_paged(world):
    """Upvotes and downvotes received, karma, badges, the count, then all definitions best
    first with their votes and source, ten a page; another member pages privately."""
    answer = await contribute(world, world.alice, source=("Handbook", "https://example.com/h"))
    await world.discord.react(answer, world.bob, UP)
    extra = seed_definitions(world, world.alice, 11)
    seed_votes(world, extra[3], 2, 3)
    await until(lambda: _karma(world) == 0)
    ix = await world.discord.slash(
        world.guild, world.channel, world.bob, "profile", {"member": world.alice}
    )
    profile = await ix.message()
    embed = profile.embed
    assert embed["title"] == "alice's profile"
    assert [field(embed, n) for n in ("Upvotes", "Downvotes", "Karma")] == ["3", "3", "0"]
    assert field(embed, "Badges") == "✍️ First definition, 🥇 Best definition"
    listed = field(embed, "Definitions (12)").splitlines()
    assert len(listed) == 10 and "[Handbook](https://example.com/h)" in listed[0]
    assert "**Customer** 👍 1 👎 0" in listed[0]  # best first
    assert embed["footer"]["text"] == "page 1 of 2"
    page = await world.discord.click(profile, profile.button("Next ▶"), world.bob)
    second = await page.message()
    assert second.ephemeral and len(field(second.embed, "Definitions (12)").splitlines()) == 2
    assert "👍 2 👎 3 · no source" in field(second.embed, "Definitions (12)").splitlines()[-1]
    assert profile.embed == embed and profile.edits == 0  # others still see page 1
    back = await world.discord.click(second, second.button("◀ Previous"), world.bob)
    assert (await back.response())["type"] == 7  # a private page turns in place


def _karma(world):
    with Store(world.bot.db) as store:
        return store.member_stats(guild_id=world.guild.id, user_id=world.alice.id).karma


async def test_profile_is_a_members_context_menu_too(world):
    """Apps > Profile on a member shows their profile privately; no badges says so."""
    ix = await world.discord.user_command(
        world.guild, world.channel, world.alice, "Profile", world.bob
    )
    shown = await ix.message()
    assert shown.ephemeral and shown.embed["title"] == "bob's profile"
    assert field(shown.embed, "Badges") == "No badges yet"
    assert field(shown.embed, "Definitions (0)").startswith("None yet")


async def test_leaderboard_ranks_by_karma_in_a_period_paged_with_stable_ties(world):
    """Karma from votes cast this week, this month or ever; ties by upvotes, then stably;
    eleven members make two pages."""
    members = [world.discord.add_member(world.guild, f"m{n:02}") for n in range(11)]
    for n, member in enumerate(members):
        (definition,) = seed_definitions(world, member, 1)
        # m00 and m01 tie on karma; m10 earned everything 20 days ago, m09 60 days ago.
        seed_votes(world, definition, ups=5 if n < 2 else n, downs=1 if n == 1 else 0)
    with Store(world.bot.db) as store:
        when = (datetime.now(UTC) - timedelta(days=20)).isoformat(timespec="seconds")
        old = (datetime.now(UTC) - timedelta(days=60)).isoformat(timespec="seconds")
        for member, at in ((members[10], when), (members[9], old)):
            store.transaction(
                lambda s, at=at, member=member: s.sql.execute(
                    "UPDATE votes SET voted_at = ? WHERE definition_id IN"
                    " (SELECT id FROM definitions WHERE author_id = ?)",
                    [at, member.id],
                )
            )
    ix = await world.discord.slash(world.guild, world.channel, world.bob, "leaderboard")
    board = await ix.message()
    lines = board.embed["description"].splitlines()
    assert lines[0].startswith("1. m10: 10 karma") and lines[1].startswith("2. m09: 9 karma")
    assert len(lines) == 10 and board.embed["footer"]["text"] == "page 1 of 2"
    page = await world.discord.click(board, board.button("Next ▶"), world.bob)
    rest = (await page.message()).embed["description"].splitlines()
    # m00 and m05 tie (5 karma, 5 up): the lower id first; m01 beats m04 on upvotes.
    assert [line.split(":")[0] for line in lines[5:9]] == ["6. m00", "7. m05", "8. m01", "9. m04"]
    assert rest == ["11. m02: 2 karma (👍 2 👎 0, 1 definitions)"]
    ix = await world.discord.slash(
        world.guild, world.channel, world.bob, "leaderboard", {"period": "month"}
    )
    month = (await ix.message()).embed
    assert month["title"] == "Leaderboard: last 30 days" and "m09" not in month["description"]
    assert month["description"].startswith("1. m10: 10 karma")
    ix = await world.discord.slash(
        world.guild, world.channel, world.bob, "leaderboard", {"period": "week"}
    )
    week = (await ix.message()).embed["description"]
    assert "m10" not in week and "m09" not in week and week.startswith("1. m08: 8 karma")
