"""Contributions end to end: new terms, the bot's own checks, editing and deleting."""

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest
from flows import contribute, submit_contribution
from standin.bare import until

from bot.console import ConsoleSession
from bot.core.service import GlossaryService
from bot.core.store import Store


def definitions_stored(world) -> list[str]:
    with Store(world.bot.db) as store:
        return [
            r["text"]
            for r in store.sql.rows("SELECT text FROM definitions WHERE origin = 'member'")
        ]


async def open_modal(world, user, term: str) -> tuple:
    """/contribute with the member's own text (not a picked choice); returns (ix, callback)."""
    ix = await world.discord.slash(world.guild, world.channel, user, "contribute", {"term": term})
    return ix, await ix.response()


def modal_values(callback) -> dict[str, str]:
    return {
        row["components"][0]["label"]: row["components"][0].get("value")
        for row in callback["data"]["components"]
    }


async def test_a_term_that_does_not_exist_offers_close_ones_and_a_new_server_term(world):
    """/contribute on an unknown name offers the closest terms and a button that creates it in
    this server, where /define, autocomplete and free text then find it; not elsewhere."""
    ix, _ = await open_modal(world, world.alice, "customer lifetime thing")
    offer = await ix.message()
    assert offer.ephemeral and "not a term" in offer.embed["description"]
    assert offer.button("Create “customer lifetime thing”")
    close = await world.discord.click(offer, offer.button("Customer Lifetime Value"), world.alice)
    modal = await close.response()
    assert modal["type"] == 9 and modal["data"]["title"] == "Define Customer Lifetime Value"
    ix, _ = await open_modal(world, world.alice, "Zorblax")
    offer = await ix.message()
    assert [b for b in offer.custom_ids() if b.startswith("gb:contribute:")] == []
    pressed = await world.discord.click(offer, offer.button("Create “Zorblax”"), world.alice)
    modal = await pressed.response()
    assert modal["type"] == 9 and modal_values(modal)["Term"] == "Zorblax"
    submitted = await world.discord.submit_modal(
        pressed, world.alice, {"Definition": "Our in-house widget for billing."}
    )
    posted = await submitted.message()
    assert posted.embed["title"] == "Zorblax" and not posted.ephemeral
    assert "Contributed by alice" in posted.embed["footer"]["text"]
    ix = await world.discord.slash(
        world.guild, world.channel, world.bob, "define", {"term": "zorblax"}
    )
    assert (await ix.message()).embed["title"] == "Zorblax"
    choices = await world.discord.autocomplete(
        world.guild, world.channel, world.bob, "define", {"term": "zorb"}, focused="term"
    )
    assert choices[0]["name"] == "Zorblax"
    sent = await world.discord.send_message(world.channel, world.bob, "what is zorblax?")
    reply = await world.discord.next_bot_message(world.channel, after=sent.id)
    assert reply.embed["title"] == "Zorblax"
    other = world.discord.add_guild("Other")
    carol = world.discord.add_member(other, "carol")
    await until(lambda: f"Other ({other.id})" in world.bot.output())
    ix = await world.discord.slash(other, other.general, carol, "define", {"term": "zorblax"})
    assert "Zorblax" not in str((await ix.message()).embed)


@pytest.mark.parametrize(
    ("fields", "refusal"),
    [
        ({"text": ""}, "empty"),
        ({"text": "   \n  "}, "empty"),
        ({"text": "Too short"}, "at least 10 characters"),
        ({"text": "x" * 1501}, "at most 1500 characters"),
        ({"source": ("", "javascript:alert(1)")}, "http:// or https://"),
        ({"source": ("", "https://exa mple.com")}, "http:// or https://"),
        ({"source": ("line one\nline two", "")}, "short name"),
    ],
)
async def test_the_bot_checks_every_contribution_itself(world, fields, refusal):
    """What a client can send past the modal's limits is refused privately; nothing stored."""
    submitted = await submit_contribution(world, world.alice, **fields)
    answer = await submitted.message()
    assert answer.ephemeral and refusal in answer.content and "Nothing was saved" in answer.content
    assert definitions_stored(world) == []


async def test_the_same_text_twice_is_stored_once(world):
    """Another member's text again (case and spacing aside) is refused; nothing is added."""
    await contribute(world, world.bob, text="Someone who pays us for a thing.")
    submitted = await submit_contribution(
        world, world.alice, text="someone who  PAYS us for a thing."
    )
    refused = await submitted.message()
    assert refused.ephemeral and "“Customer” already has that definition" in refused.content
    assert definitions_stored(world) == ["Someone who pays us for a thing."]


async def test_a_blank_definition_already_stored_never_reaches_discord_as_an_empty_field(world):
    """Even a blank text stored by an older release shows without an empty field."""
    with Store(world.bot.db) as store:
        customer = store.find_term("customer").id
    db = sqlite3.connect(world.bot.db)
    db.execute(
        "INSERT INTO definitions (term_id, origin, guild_id, author_id, author_name, text,"
        " created_at) VALUES (?, 'member', ?, ?, 'alice', '   ', 'x')",
        [customer, world.guild.id, world.alice.id],
    )
    db.commit()
    db.close()

    async def answer():
        ix = await world.discord.slash(
            world.guild, world.channel, world.bob, "define", {"term": "customer"}
        )
        return await ix.message()

    # The bot notices another process's write within a few seconds.
    shown = await answer()
    for _ in range(20):
        if "of 2" in shown.embed["footer"]["text"]:
            break
        await asyncio.sleep(0.5)
        shown = await answer()
    assert "definition 1 of 2" in shown.embed["footer"]["text"]
    page = await world.discord.click(shown, shown.button("Next ▶"), world.bob)
    other = await page.message()  # another definition opens privately: the answer stays
    assert "definition 2 of 2" in other.embed["footer"]["text"]
    assert all(field["value"].strip() for field in other.embed["fields"])


async def test_contributing_again_edits_the_authors_definition_and_keeps_its_votes(world):
    """/contribute on a term where the member has a definition opens it pre-filled; the edit
    replaces it (no second copy) and keeps its votes."""
    first = await contribute(world, world.alice, text="Someone who pays us for a thing.")
    await world.discord.react(first, world.bob, "👍")
    with Store(world.bot.db) as store:
        customer = store.find_term("customer").id

    def votes():
        with Store(world.bot.db) as store:
            return store.member_stats(guild_id=world.guild.id, user_id=world.alice.id).upvotes

    await until(lambda: votes() == 1)
    ix = await world.discord.slash(
        world.guild, world.channel, world.alice, "contribute", {"term": f"#term:{customer}"}
    )
    modal = await ix.response()
    assert modal_values(modal)["Definition"] == "Someone who pays us for a thing."
    fields = [row["components"][0]["custom_id"] for row in modal["data"]["components"]]
    submitted = await world.discord.submit_modal(
        ix, world.alice, {fields[0]: "Someone who pays us, again and again."}
    )
    edited = await submitted.message()
    assert "Someone who pays us, again and again." in str(edited.embed["fields"])
    assert "👍 1" in edited.embed["footer"]["text"]
    assert definitions_stored(world) == ["Someone who pays us, again and again."]
    # The same text as the member's own is no duplicate: it is their definition, saved again.
    again = await submit_contribution(
        world, world.alice, text="Someone who pays us, again and again."
    )
    assert not (await again.message()).ephemeral


async def test_an_author_edits_and_deletes_with_buttons_others_are_refused(world):
    """The author sees Edit and Delete on their definition; another member pressing them is
    refused; a delete takes it out of /define."""
    posted = await contribute(world, world.alice, text="Someone who pays us for a thing.")
    edit, delete = posted.button("Edit my definition"), posted.button("Delete my definition")
    for button in (edit, delete):
        refused = await (await world.discord.click(posted, button, world.bob)).message()
        assert refused.ephemeral and "Only its author" in refused.content
    pressed = await world.discord.click(posted, edit, world.alice)
    modal = await pressed.response()
    assert modal["type"] == 9
    assert modal_values(modal)["Definition"] == "Someone who pays us for a thing."
    ix = await world.discord.slash(
        world.guild, world.channel, world.bob, "define", {"term": "customer"}
    )
    seen_by_bob = await ix.message()
    assert "Delete my definition" not in str(seen_by_bob.components)
    gone = await (await world.discord.click(posted, delete, world.alice)).message()
    assert gone.ephemeral and "deleted" in gone.content
    ix = await world.discord.slash(
        world.guild, world.channel, world.bob, "define", {"term": "customer"}
    )
    after = await ix.message()
    assert "Someone who pays us" not in str(after.embed) and "of 2" not in str(after.embed)
    assert definitions_stored(world) == ["Someone who pays us for a thing."]  # hidden, not lost


async def test_the_console_refuses_what_discord_refuses_in_the_same_words(world):
    """The same bad contributions get the same messages on Discord and in the console."""
    # The console runs as it does in a terminal: on a thread of its own, with no event loop.
    terminal = ThreadPoolExecutor(max_workers=1)
    loop = asyncio.get_running_loop()
    service = await loop.run_in_executor(terminal, GlossaryService.open, world.bot.db)
    console = ConsoleSession(service)
    try:
        for text, source in [
            ("Too short", ("", "")),
            ("   ", ("", "")),
            ("A fine definition of it.", ("", "ftp://example.com/x")),
            ("A fine definition of it.", ("Our wiki", "https://exa mple.com")),
        ]:
            submitted = await submit_contribution(world, world.alice, text=text, source=source)
            on_discord = (await submitted.message()).content
            for line in ("/contribute customer", text, *source):
                in_console = await loop.run_in_executor(terminal, console.handle, line)
            assert in_console.body == on_discord, text
    finally:
        await loop.run_in_executor(terminal, service.close)
        terminal.shutdown()
