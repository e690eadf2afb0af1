"""Server administration, errors, Discord's limits and console parity, end to end."""

from running_bot import BotProcess
from standin import Message
from standin.bare import until
from standin.state import snowflake

from bot.console import ConsoleSession
from bot.core.glossary import parse_glossary
from bot.core.service import GlossaryService
from bot.core.store import Store

MANAGE_GUILD = 1 << 5


async def test_members_without_permission_cannot_change_settings(world):
    """/glossary free-text is refused to a member without Manage Server."""
    commands = {c["name"]: c for c in world.discord.global_commands}
    assert int(commands["glossary"]["default_member_permissions"]) == MANAGE_GUILD
    ix = await world.discord.slash(
        world.guild, world.channel, world.alice, "glossary free-text", {"enabled": False}
    )
    refused = await ix.message()
    assert refused.ephemeral and "permission" in refused.content
    await world.discord.send_message(world.channel, world.alice, "what is churn?")
    await world.discord.next_bot_message(world.channel, after=refused.id)


async def test_admin_can_turn_free_text_off_and_read_missed_queries(world):
    """An admin turns free-text answers off; then questions in channels get silence."""
    owner = world.discord.owner
    ix = await world.discord.slash(
        world.guild, world.channel, owner, "glossary free-text", {"enabled": False}
    )
    assert "Free text is off" in (await ix.message()).embed["description"]
    await world.discord.send_message(world.channel, world.alice, "what is churn?")
    await world.discord.expect_silence(world.channel)
    await world.discord.slash(
        world.guild, world.channel, world.alice, "define", {"term": "qqqzzz wibble"}
    )
    ix = await world.discord.slash(world.guild, world.channel, owner, "glossary missed")
    assert "1× qqqzzz wibble" in (await ix.message()).embed["description"]


async def test_an_error_reaches_the_member_briefly_and_the_bot_keeps_running(world):
    """A failing button gets a short private message; the log has the traceback."""
    world.bot.tracebacks_expected = True
    broken = Message(
        snowflake(),
        world.channel.id,
        world.guild.id,
        world.discord.bot,
        content="old",
        components=[
            {
                "type": 1,
                "components": [
                    {
                        "type": 2,
                        "style": 2,
                        "label": "x",
                        "custom_id": "gb:term:99999999999999999999999",
                    }
                ],
            }
        ],
    )
    world.discord.messages[broken.id] = broken
    ix = await world.discord.click(broken, "gb:term:99999999999999999999999", world.alice)
    reply = await ix.message()
    assert reply.ephemeral and "something went wrong" in reply.content
    await until(lambda: "Traceback" in world.bot.output())
    ix = await world.discord.slash(
        world.guild, world.channel, world.alice, "define", {"term": "churn"}
    )
    assert (await ix.message()).embed["title"] == "Churn"


LONG = """\
name: Long Glossary
terms:
  - term: Verbose
    summary: {summary}
    definition: |
{definition}
    context: {context}
"""


async def test_overlong_glossary_text_fits_discords_limits_with_read_more(
    discord_standin, tmp_path
):
    """Text far past Discord's limits is cut at a word, and Read more shows the rest."""
    paragraph = "A definition that goes on and on about customers and their needs. " * 120
    text = LONG.format(
        summary="s " * 200,
        context="c " * 900,
        definition="\n".join("      " + paragraph for _ in range(3)),
    )
    db = tmp_path / "g.db"
    with Store(db) as store:
        store.load_glossary(parse_glossary(text))
    guild = discord_standin.add_guild()
    alice = discord_standin.add_member(guild, "alice")
    bot = await BotProcess(discord_standin, db, tmp_path / "bot.log").start()
    try:
        ix = await discord_standin.slash(guild, guild.general, alice, "define", {"term": "verbose"})
        answer = await ix.message()
        definition = next(f for f in answer.embed["fields"] if f["name"] == "Definition")
        assert definition["value"].endswith("…") and len(definition["value"]) <= 1024
        more = await discord_standin.click(answer, answer.button("Read more"), alice)
        first = await more.message()

        def shown() -> str:
            return " ".join(p.embed["description"] for p in [first, *more.followups])

        # Every page arrives, each private, and together they hold the whole text.
        await until(lambda: shown().count("goes on and on") >= 360)
        assert shown().count("goes on and on") == 360
        assert first.ephemeral and more.followups and all(p.ephemeral for p in more.followups)
    finally:
        assert await bot.stop() == 0


async def test_console_gives_the_same_answers_as_discord(world):
    """The same inputs give the same answer in the console and as an embed on Discord."""
    inputs = ["customer", "nps", "churn rate"]
    service = GlossaryService.open(world.bot.db)
    console = ConsoleSession(service)
    try:
        for text in inputs:
            ix = await world.discord.slash(
                world.guild, world.channel, world.alice, "define", {"term": text}
            )
            embed = (await ix.message()).embed
            answer = console.handle(f"/define {text}")
            assert embed["title"] == answer.title
            assert [(f["name"], f["value"]) for f in embed["fields"]] == [
                (s.name, s.text) for s in answer.sections
            ]
        sent = await world.discord.send_message(world.channel, world.alice, "whats a touchpoint?")
        reply = await world.discord.next_bot_message(world.channel, after=sent.id)
        assert reply.embed["title"] == console.handle("whats a touchpoint?").title
        assert console.handle("hello everyone!") is None
    finally:
        service.close()
