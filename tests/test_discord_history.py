"""A definition's History button end to end: versions after a member's edit, an admin's edit
and a glossary reload; reverting by the author and an admin, refused to anyone else; votes
stay; export writes the current texts only."""

import yaml
from flows import contribute, submit_contribution
from running_bot import run_cli
from standin.bare import until
from test_discord_server_admin import add_term, define, export_file, glossary

from bot.core.store import Store

FIRST = "Someone who pays us for a thing."
SECOND = "Someone who pays us, again and again."


async def history_of(world, answer, user):
    """The History button pressed on an answer: the private history page."""
    pressed = await world.discord.click(answer, answer.button("History"), user)
    return await pressed.message()


def edited_id(answer) -> int:
    """The id of the definition an answer shows (its History button carries it)."""
    return int(answer.button("History").split(":")[2])


def version_names(page) -> list[str]:
    return [field["name"] for field in page.embed.get("fields", [])]


async def test_a_members_edit_shows_in_the_history_and_the_author_reverts_it(world):
    """Two versions after an edit; bob sees them without Revert buttons and is refused if he
    presses one anyway; alice reverts; the revert is a version; bob's vote stays."""
    first = await contribute(world, world.alice, text=FIRST)
    await world.discord.react(first, world.bob, "👍")

    def upvotes():
        with Store(world.bot.db) as store:
            return store.member_stats(guild_id=world.guild.id, user_id=world.alice.id).upvotes

    await until(lambda: upvotes() == 1)
    edited = await (await submit_contribution(world, world.alice, text=SECOND)).message()
    page = await history_of(world, edited, world.bob)
    assert page.ephemeral and page.embed["title"] == "History: Customer"
    names = version_names(page)
    assert len(names) == 2
    assert names[0].startswith("v2 (current) · edited by alice")
    assert names[1].startswith("v1 · written by alice")
    assert FIRST in page.embed["fields"][1]["value"]
    assert not [c for c in page.custom_ids() if c.startswith("gb:revert:")]
    mine = await history_of(world, edited, world.alice)
    revert = mine.button("Revert to v1")
    # A stranger pressing the author's button (its id is no secret) is refused, nothing changes.
    refused = await (await world.discord.click(mine, revert, world.bob)).message()
    assert refused.ephemeral and "Only the definition's author" in refused.content
    assert SECOND in str(await define(world, "customer", user=world.bob))
    reverted = await world.discord.click(mine, revert, world.alice)
    await reverted.response()
    after = world.discord.messages[mine.id]  # the history page, updated in place
    assert "Reverted to v1" in after.embed["description"]
    assert version_names(after)[0].startswith("v3 (current) · reverted to v1 by alice")
    shown = await define(world, "customer", user=world.bob)
    assert FIRST in str(shown) and SECOND not in str(shown)
    assert "👍 1" in shown["footer"]["text"]  # the vote stayed with the definition
    assert upvotes() == 1


async def test_an_admin_reverts_a_members_definition_and_a_server_terms_edit(world):
    """The owner (Manage Server) may revert a member's definition and the server's own term;
    the term's history shows the admin's edit."""
    await contribute(world, world.alice, text=FIRST)
    edited = await (await submit_contribution(world, world.alice, text=SECOND)).message()
    page = await history_of(world, edited, world.discord.owner)
    reverted = await world.discord.click(page, page.button("Revert to v1"), world.discord.owner)
    await reverted.response()
    assert "reverted to v1 by owner" in version_names(world.discord.messages[page.id])[0]
    with Store(world.bot.db) as store:
        assert store.definition(edited_id(edited), guild_id=world.guild.id).text == FIRST

    await add_term(world, "Zorblax", "Our in-house widget for billing.")
    ix = await glossary(world, world.discord.owner, "edit", {"term": "Zorblax"})
    await ix.response()
    done = await world.discord.submit_modal(
        ix, world.discord.owner, {"Definition": "The widget that bills customers."}
    )
    await done.message()
    ix = await world.discord.slash(
        world.guild, world.channel, world.bob, "define", {"term": "zorblax"}
    )
    term = await ix.message()
    seen_by_bob = await history_of(world, term, world.bob)
    assert version_names(seen_by_bob)[0].startswith("v2 (current) · edited by owner")
    assert not [c for c in seen_by_bob.custom_ids() if c.startswith("gb:revert:")]
    by_owner = await history_of(world, term, world.discord.owner)
    pressed = await world.discord.click(
        by_owner, by_owner.button("Revert to v1"), world.discord.owner
    )
    await pressed.response()
    assert "Our in-house widget for billing." in str(await define(world, "zorblax"))
    # Export writes the current text only, not its history.
    exported = yaml.safe_load(await export_file(world))
    [zorblax] = exported["terms"]
    assert zorblax["definition"].strip() == "Our in-house widget for billing."


async def test_a_glossary_reload_keeps_the_old_text_in_the_history(world, tmp_path):
    """`glossary-bot load` of a changed file while the bot runs: the definition shows the new
    text and its history holds the old one; nobody reverts a shared glossary's text."""
    export = tmp_path / "bundled.yaml"
    status, output = await run_cli(
        world.discord, "export", "-o", str(export), "--db", str(world.bot.db)
    )
    assert status == 0, output
    data = yaml.safe_load(export.read_text())
    churn = next(t for t in data["terms"] if t["term"] == "Churn")
    old = " ".join(churn["definition"].split())
    churn["definition"] = "Customers who leave us, counted per month."
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    status, output = await run_cli(world.discord, "load", str(changed), "--db", str(world.bot.db))
    assert status == 0, output
    await until(lambda: "answering from the new one" in world.bot.output(), timeout=10)
    ix = await world.discord.slash(
        world.guild, world.channel, world.alice, "define", {"term": "churn"}
    )
    answer = await ix.message()
    assert "Customers who leave us" in str(answer.embed)
    page = await history_of(world, answer, world.discord.owner)
    names = version_names(page)
    assert names[0].startswith("v2 (current) · loaded from its glossary file · ")
    assert " ".join(page.embed["fields"][1]["value"].split()).startswith(old[:100])
    # Shared by every server: not even an admin reverts it here.
    assert not [c for c in page.custom_ids() if c.startswith("gb:revert:")]
    # The file's export writes the current text only.
    again = tmp_path / "again.yaml"
    status, output = await run_cli(
        world.discord, "export", "-o", str(again), "--db", str(world.bot.db)
    )
    assert status == 0, output
    text = again.read_text()
    assert "Customers who leave us, counted per month." in text and old[:60] not in text
