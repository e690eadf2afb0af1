"""/search end to end: the real bot, started as `glossary-bot run`, answering the stand-in."""

from bot.core.store import Store


async def test_search_lists_hits_privately_pages_and_opens_one(world):
    """/search customer: ten hits, private; Next shows the next ten in the same message; the
    menu opens a hit's answer."""
    ix = await world.discord.slash(
        world.guild, world.channel, world.alice, "search", {"text": "customer"}
    )
    results = await ix.message()
    assert results.ephemeral and results.embed["title"] == "Search: customer"
    assert results.embed["description"].startswith("**1. Customer** · ")
    assert "**customer**" in results.embed["description"].lower()
    assert "page 1 of" in results.embed["footer"]["text"]
    menu = next(
        item for row in results.components for item in row["components"] if item["type"] == 3
    )
    assert len(menu["options"]) == 10 and menu["options"][0]["label"] == "Customer"
    assert menu["options"][0]["value"].startswith("term:")

    page = await world.discord.click(results, results.button("Next ▶"), world.alice)
    await page.response()
    assert results.edits == 1 and "page 2 of" in results.embed["footer"]["text"]
    assert results.embed["description"].startswith("**11. ")

    opened = await world.discord.click(
        results, menu["custom_id"], world.alice, values=[menu["options"][0]["value"]]
    )
    answer = await opened.message()
    assert answer.ephemeral and answer.embed["title"] == "Customer"


async def test_search_forgives_a_typo_and_says_what_it_searched(world):
    ix = await world.discord.slash(
        world.guild, world.channel, world.alice, "search", {"text": "retension rate"}
    )
    results = await ix.message()
    text = results.embed["description"]
    assert "**retention**" in text and "retension" in text
    assert "**1. Customer Retention**" in text


async def test_search_that_finds_nothing_is_a_private_note_and_is_recorded(world):
    ix = await world.discord.slash(
        world.guild, world.channel, world.alice, "search", {"text": "zxqv blorptastic"}
    )
    message = await ix.message()
    assert message.ephemeral and message.embed["title"] == "Nothing found"
    assert not message.components
    with Store(world.bot.db) as store:
        assert store.missed_queries(guild_id=world.guild.id) == [("zxqv blorptastic", 1)]
