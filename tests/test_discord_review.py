"""The review queue end to end: off by default; /glossary review on makes members'
definitions wait, seen by their author and the reviewers only; approving publishes and
tells the author by direct message; rejecting sends the reason; karma skips it; the report
says how many wait."""

from flows import contribute, submit_contribution
from standin.bare import until
from test_discord_server_admin import define, glossary

from bot.core.store import Store

TEXT = "Someone who pays us for a thing."
REASON_BOX = "Reason (optional), sent to its author"


async def review_on(world, **options):
    done = await glossary(world, world.discord.owner, "review", {"state": "on", **options})
    page = await done.message()
    assert page.ephemeral and "Review is on" in page.embed["description"], page.embed
    return page


async def queue(world):
    return await (await glossary(world, world.discord.owner, "review")).message()


async def waiting_contribution(world, user=None, text=TEXT):
    submitted = await submit_contribution(world, user or world.alice, text=text)
    told = await submitted.message()
    assert told.ephemeral and told.embed["title"] == "Waiting for review", told.embed
    return told


async def test_a_waiting_definition_is_seen_by_its_author_and_the_reviewers_only(world):
    """Bob's /define, free text and /search do not show it; alice's /define does, privately;
    the queue lists it; approving makes it public and tells alice by direct message."""
    refused = await (await glossary(world, world.alice, "review", {"state": "on"})).message()
    assert "You need the Manage" in refused.content
    await review_on(world)
    told = await waiting_contribution(world)
    assert TEXT in str(told.embed) and "only you and they" in told.embed["description"]
    assert TEXT not in str(await define(world, "customer", user=world.bob))
    sent = await world.discord.send_message(world.channel, world.bob, "what is a customer?")
    reply = await world.discord.next_bot_message(world.channel, after=sent.id)
    assert reply.embed["title"] == "Customer" and TEXT not in str(reply.embed)
    ix = await world.discord.slash(
        world.guild, world.channel, world.bob, "search", {"text": "pays thing"}
    )
    assert TEXT not in str((await ix.message()).embed)
    ix = await world.discord.slash(
        world.guild, world.channel, world.alice, "define", {"term": "customer"}
    )
    mine = await ix.message()
    assert mine.ephemeral and "Your definition, waiting for review" in str(mine.embed)
    listed = await queue(world)
    assert "1 waiting" in listed.embed["description"]
    assert "“Customer” by alice" in listed.embed["fields"][0]["name"]
    # A member pressing Approve (its id is no secret) is refused; nothing changes.
    approve = listed.button("Approve #1")
    refused = await (await world.discord.click(listed, approve, world.bob)).message()
    assert refused.ephemeral and "Manage Server" in refused.content
    pressed = await world.discord.click(listed, approve, world.discord.owner)
    await pressed.response()
    await until(lambda: "is approved" in str(world.discord.messages[listed.id].embed))
    assert "alice was told by direct message" in str(world.discord.messages[listed.id].embed)
    [dm] = world.discord.direct_messages(world.alice)
    assert "was approved: it is public now" in dm.content and not dm.pinged()["users"]
    shown = await define(world, "customer", user=world.bob)
    assert "definition 1 of 2" in shown["footer"]["text"]  # public now, beside the glossary's
    with Store(world.bot.db) as store:
        term = store.find_term("customer").id
        assert TEXT in [d.text for d in store.definitions(term, guild_id=world.guild.id)]
        assert store.member_stats(guild_id=world.guild.id, user_id=world.alice.id).definitions
        assert "first-definition" in store.badges(guild_id=world.guild.id, user_id=world.alice.id)


async def test_a_rejection_sends_its_reason_and_closed_messages_are_reported(world):
    """Reject asks for a reason, which alice gets by direct message; bob's messages are
    closed, so the reviewer is told he was not told. Neither is published."""
    await review_on(world)
    await waiting_contribution(world)
    await waiting_contribution(world, world.bob, text="A person who buys from us at the kiosk.")
    world.discord.dms_closed.add(world.bob.id)
    listed = await queue(world)
    pressed = await world.discord.click(listed, listed.button("Reject #1"), world.discord.owner)
    modal = await pressed.response()
    assert modal["type"] == 9
    done = await world.discord.submit_modal(
        pressed, world.discord.owner, {REASON_BOX: "Too vague: say what they pay for."}
    )
    after = await done.message()
    assert "#1 (“Customer” by alice) is rejected" in after.embed["description"]
    [dm] = world.discord.direct_messages(world.alice)
    assert "not accepted" in dm.content and "Too vague: say what they pay for." in dm.content
    listed = await queue(world)
    pressed = await world.discord.click(listed, listed.button("Reject #2"), world.discord.owner)
    await pressed.response()
    done = await world.discord.submit_modal(pressed, world.discord.owner, {})
    after = await done.message()
    assert "bob's direct messages are closed, so they were not told" in str(after.embed)
    assert world.discord.direct_messages(world.bob) == []
    shown = str(await define(world, "customer", user=world.bob))
    assert TEXT not in shown and "kiosk" not in shown and " of 2" not in shown
    assert "Nothing waits for review" in (await queue(world)).embed["description"]


async def test_members_above_the_karma_threshold_skip_review(world):
    """With skip_karma 0, bob (1 karma from alice's vote) publishes at once; alice waits."""
    posted = await contribute(world, world.bob, text="A person who buys from us, often.")
    await world.discord.react(posted, world.alice, "👍")

    def karma():
        with Store(world.bot.db) as store:
            return store.member_stats(guild_id=world.guild.id, user_id=world.bob.id).karma

    await until(lambda: karma() == 1)
    page = await review_on(world, skip_karma=0)
    assert "more than 0 karma skip it" in page.embed["description"]
    edited = await (
        await submit_contribution(world, world.bob, text="A person who buys from us, weekly.")
    ).message()
    assert not edited.ephemeral and "weekly" in str(edited.embed)
    await waiting_contribution(world)


async def test_the_report_says_how_many_wait_and_for_how_long(world):
    await review_on(world)
    await waiting_contribution(world)
    await waiting_contribution(world, world.bob, text="A person who buys from us, often.")
    with Store(world.bot.db) as store:
        store.db.execute(
            "UPDATE reviews SET submitted_at = '2020-01-01T00:00:00+00:00' WHERE id = 1"
        )
        store.db.conn.commit()
    report = await (await glossary(world, world.discord.owner, "report")).message()
    text = report.embed["description"]
    assert "2 definition(s) wait for review; the oldest for" in text and "days" in text
    # Off again: nothing new waits; what waits still does, for the reviewers to decide.
    off = await (await glossary(world, world.discord.owner, "review", {"state": "off"})).message()
    assert "Review is off" in off.embed["description"] and "2 waiting" in off.embed["description"]
    posted = await contribute(world, world.discord.owner, text="Whoever pays the invoice.")
    assert not posted.ephemeral
