"""/define end to end: the real bot, started as `glossary-bot run`, answering the stand-in."""

from running_bot import run_cli
from standin.bare import until


async def test_bot_logs_in_and_syncs_its_commands_once(world):
    """On a new database the bot syncs its slash commands; they include /define and /faq."""
    assert world.discord.command_syncs == ["global"]
    names = {c["name"] for c in world.discord.global_commands}
    assert {"define", "faq", "contribute", "profile", "leaderboard", "glossary"} <= names
    await until(lambda: "serving 1 server" in world.bot.output())


async def test_define_answers_with_a_public_embed_that_pings_nobody(world):
    """/define customer posts the Customer embed with its sections, votes and buttons."""
    ix = await world.discord.slash(
        world.guild, world.channel, world.alice, "define", {"term": "customer"}
    )
    message = await ix.message()
    assert not message.ephemeral
    embed = message.embed
    assert embed["title"] == "Customer"
    fields = [f["name"] for f in embed["fields"]]
    assert fields[:6] == ["Summary", "Definition", "Context", "Purpose", "Example", "Related terms"]
    assert "Source" in fields
    assert "👍 0" in embed["footer"]["text"]
    assert "FAQs (5)" in [b.get("label") for row in message.components for b in row["components"]]
    assert message.pinged() == {"users": set(), "roles": set(), "everyone": False}


async def test_autocomplete_offers_terms_best_first_forgiving_typos(world):
    """Typing "custmer" offers Customer first; at most 25 choices, each within 100 characters."""
    choices = await world.discord.autocomplete(
        world.guild, world.channel, world.alice, "define", {"term": "custmer"}, focused="term"
    )
    assert choices[0]["name"] == "Customer"
    empty = await world.discord.autocomplete(
        world.guild, world.channel, world.alice, "define", {"term": ""}, focused="term"
    )
    assert len(empty) == 25


async def test_autocomplete_offers_the_term_for_a_misspelt_beginning(world):
    """The start of a name typed with two letters swapped ("sruve" for Survey) offers it among
    the first five choices, and picking that choice opens it."""
    choices = await world.discord.autocomplete(
        world.guild, world.channel, world.alice, "define", {"term": "sruve"}, focused="term"
    )
    first = [c["name"] for c in choices[:5]]
    assert "Survey" in first, first
    picked = choices[first.index("Survey")]["value"]
    ix = await world.discord.slash(
        world.guild, world.channel, world.alice, "define", {"term": picked}
    )
    assert (await ix.message()).embed["title"] == "Survey"


async def test_picked_autocomplete_choice_opens_exactly_that_term(world):
    """The value of a picked choice names the term, so it opens without guessing."""
    choices = await world.discord.autocomplete(
        world.guild, world.channel, world.alice, "define", {"term": "net prom"}, focused="term"
    )
    picked = next(c for c in choices if c["name"] == "Net Promoter Score")
    ix = await world.discord.slash(
        world.guild, world.channel, world.alice, "define", {"term": picked["value"]}
    )
    assert (await ix.message()).embed["title"] == "Net Promoter Score"


async def test_unsure_define_offers_did_you_mean_buttons_that_answer_publicly(world):
    """A vague query gets a private did-you-mean; picking a choice posts that answer."""
    ix = await world.discord.slash(
        world.guild, world.channel, world.alice, "define", {"term": "customer valu"}
    )
    suggestion = await ix.message()
    assert suggestion.ephemeral and suggestion.embed["title"] == "Did you mean…"
    pick = next(cid for cid in suggestion.custom_ids() if cid.startswith("gb:pick:term:"))
    click = await world.discord.click(suggestion, pick, world.alice)
    answer = await click.message()
    assert not answer.ephemeral and answer.embed["title"]


async def test_nothing_close_gets_a_short_private_note_and_is_recorded(world):
    """A query with no match gets an ephemeral message, kept for the maintainers."""
    from bot.core.store import Store

    ix = await world.discord.slash(
        world.guild, world.channel, world.alice, "define", {"term": "zxqv blorptastic"}
    )
    message = await ix.message()
    assert message.ephemeral and "couldn't find" in message.embed["description"]
    with Store(world.bot.db) as store:
        assert store.missed_queries(guild_id=world.guild.id) == [("zxqv blorptastic", 1)]


async def test_an_interaction_delivered_twice_is_answered_once(world):
    """Discord may deliver an event twice: one answer, no "already acknowledged" error."""
    ix = await world.discord.slash(
        world.guild, world.channel, world.alice, "define", {"term": "customer"}
    )
    answer = await ix.message()
    world.discord.deliver_interaction_again(ix)
    click = await world.discord.click(answer, answer.button("Consumer"), world.bob)
    await click.message()
    world.discord.deliver_interaction_again(click)
    await world.discord.expect_silence(world.channel)
    assert len(ix.callbacks) == 1 and len(click.callbacks) == 1 and not click.followups


async def test_related_terms_and_faqs_open_from_the_answer(world):
    """The answer's related-term and FAQ buttons open those answers for the clicker."""
    ix = await world.discord.slash(
        world.guild, world.channel, world.alice, "define", {"term": "customer"}
    )
    answer = await ix.message()
    related = await world.discord.click(answer, answer.button("Consumer"), world.bob)
    consumer = await related.message()
    assert consumer.embed["title"] == "Consumer" and consumer.ephemeral
    faqs = await world.discord.click(answer, answer.button("FAQs (5)"), world.bob)
    listing = await faqs.message()
    assert listing.embed["title"] == "FAQs about Customer" and len(listing.custom_ids()) == 5
    first = await world.discord.click(listing, listing.custom_ids()[0], world.bob)
    faq = await first.message()
    assert faq.embed["title"] == "What is the difference between a customer and a consumer?"


async def test_buttons_keep_working_after_a_restart(world):
    """A button on an answer posted before a restart still opens its term afterwards."""
    ix = await world.discord.slash(
        world.guild, world.channel, world.alice, "define", {"term": "churn"}
    )
    answer = await ix.message()
    assert await world.bot.stop() == 0
    syncs = list(world.discord.command_syncs)
    await world.bot.start()
    assert world.discord.command_syncs == syncs  # unchanged commands: no sync on restart
    click = await world.discord.click(answer, answer.button("Customer Retention"), world.alice)
    assert (await click.message()).embed["title"] == "Customer Retention"


async def test_faq_command_answers_the_best_matching_question(world):
    """/faq in the member's own words answers with the FAQ as title and the answer."""
    ix = await world.discord.slash(
        world.guild, world.channel, world.alice, "faq", {"question": "how is churn rate calculated"}
    )
    message = await ix.message()
    assert message.embed["title"] == "How do you calculate churn rate?"
    assert "Divide the customers lost" in message.embed["description"]
    choices = await world.discord.autocomplete(
        world.guild, world.channel, world.alice, "faq", {"question": "nps"}, focused="question"
    )
    assert 0 < len(choices) <= 25 and all(len(c["name"]) <= 100 for c in choices)


async def test_a_question_asked_while_disconnected_is_answered_once_after_resume(world):
    """A dropped gateway connection resumes, replays the missed message, and logs it."""
    await world.discord.drop_connection()
    sent = await world.discord.send_message(world.channel, world.alice, "what is churn?")
    reply = await world.discord.next_bot_message(world.channel, after=sent.id, timeout=15)
    assert reply.embed["title"] == "Churn"
    await world.discord.expect_silence(world.channel, 0.5)
    await until(lambda: "reconnected to Discord" in world.bot.output())


async def test_sync_command_syncs_on_request(world, tmp_path):
    """`glossary-bot sync` pushes the commands even when nothing changed."""
    before = len(world.discord.command_syncs)
    status, output = await run_cli(world.discord, "sync", "--db", str(world.bot.db))
    assert status == 0, output
    assert "Slash commands synced." in output
    assert len(world.discord.command_syncs) == before + 1


async def test_a_glossary_loaded_while_the_bot_runs_is_answered_from_at_once(world, tmp_path):
    """`glossary-bot load` into the running bot's database: new terms answer, no restart."""
    glossary = tmp_path / "extra.yaml"
    glossary.write_text(
        "name: Extra\nterms:\n"
        "  - term: Zebra Metric\n    aliases: [ZM]\n"
        "    definition: A made-up measure of stripes per customer.\n"
    )
    ix = await world.discord.slash(
        world.guild, world.channel, world.alice, "define", {"term": "ZM"}
    )
    assert (await ix.message()).embed["title"] != "Zebra Metric"
    status, output = await run_cli(world.discord, "load", str(glossary), "--db", str(world.bot.db))
    assert status == 0, output
    await until(lambda: "answering from the new one" in world.bot.output(), timeout=10)
    ix = await world.discord.slash(
        world.guild, world.channel, world.alice, "define", {"term": "ZM"}
    )
    assert (await ix.message()).embed["title"] == "Zebra Metric"
    choices = await world.discord.autocomplete(
        world.guild, world.channel, world.alice, "define", {"term": "zebra"}, focused="term"
    )
    assert choices[0]["name"] == "Zebra Metric"
