"""Free text end to end: glossary questions in a channel get answers, anything else silence."""

import pytest
from running_bot import BotProcess
from standin import DiscordStandin


@pytest.mark.parametrize(
    ("question", "title"),
    [
        ("what's a CRM?", "Customer Relationship Management"),
        ("whats churn", "Churn"),
        ("define NPS", "Net Promoter Score"),
        (
            "what is the difference between a customer and a consumer?",
            "What is the difference between a customer and a consumer?",
        ),
    ],
)
async def test_glossary_questions_in_a_channel_get_an_answer(world, question, title):
    """A question about a term or an FAQ gets a reply with its embed, pinging nobody."""
    sent = await world.discord.send_message(world.channel, world.alice, question)
    reply = await world.discord.next_bot_message(world.channel, after=sent.id)
    assert reply.embed["title"] == title
    assert reply.reference == sent.id
    assert reply.pinged(replied_author=world.alice.id) == {
        "users": set(),
        "roles": set(),
        "everyone": False,
    }


@pytest.mark.parametrize(
    "text",
    [
        "hello everyone!",
        "thanks, that helped",
        "what time is the meeting tomorrow?",
        "my customer called me today lol",
        "```what is churn```",
        "so I was thinking about our churn numbers and whether the customer success team "
        "should look at onboarding again before the next quarter, what do you all think?",
    ],
)
async def test_anything_else_gets_no_reply(world, text):
    """Chit-chat, off-topic questions, code blocks and long messages get silence."""
    await world.discord.send_message(world.channel, world.alice, text)
    await world.discord.expect_silence(world.channel)


async def test_other_bots_are_ignored(world):
    """A question asked by another bot gets no reply."""
    robot = world.discord.add_member(world.guild, "robot", bot=True)
    await world.discord.send_message(world.channel, robot, "what is churn?")
    await world.discord.expect_silence(world.channel)


async def test_a_mention_always_gets_an_answer_even_when_unsure(world):
    """Mentioning the bot with a vague question gets suggestions instead of silence."""
    me = world.discord.bot.id
    sent = await world.discord.send_message(world.channel, world.alice, f"<@{me}> customer valu")
    reply = await world.discord.next_bot_message(world.channel, after=sent.id)
    assert reply.embed["title"] in ("Did you mean…", "Customer Lifetime Value")
    sent = await world.discord.send_message(world.channel, world.alice, f"<@{me}>")
    hello = await world.discord.next_bot_message(world.channel, after=sent.id)
    assert "/define" in hello.embed["description"]


async def test_the_same_answer_is_not_repeated_in_a_row(world):
    """Asking the same thing twice in a channel gets one answer (a per-channel cooldown)."""
    first = await world.discord.send_message(world.channel, world.alice, "what is churn?")
    await world.discord.next_bot_message(world.channel, after=first.id)
    await world.discord.send_message(world.channel, world.bob, "whats churn")
    await world.discord.expect_silence(world.channel)


async def test_a_message_delivered_twice_is_answered_once(world):
    """Discord may deliver an event again; a question, even one addressed to the bot, gets one
    reply."""
    me = world.discord.bot.id
    sent = await world.discord.send_message(world.channel, world.alice, f"<@{me}> what is NPS?")
    await world.discord.next_bot_message(world.channel, after=sent.id)
    world.discord.deliver_again(sent)
    await world.discord.expect_silence(world.channel)


async def test_without_message_content_intent_slash_commands_still_work(tmp_path):
    """Refused the intent, the bot runs on, says how to enable it, and answers /define."""
    async with DiscordStandin(message_content_intent=False) as discord:
        guild = discord.add_guild()
        alice = discord.add_member(guild, "alice")
        bot = BotProcess(discord, tmp_path / "g.db", tmp_path / "bot.log")
        await bot.start()
        ix = await discord.slash(guild, guild.general, alice, "define", {"term": "churn"})
        assert (await ix.message()).embed["title"] == "Churn"
        await discord.send_message(guild.general, alice, "what is churn?")
        await discord.expect_silence(guild.general)
        assert await bot.stop() == 0
        assert "Message Content Intent" in bot.output()
        assert discord.refused_intents == ["message content"]
        assert not discord.violations


async def test_a_rejected_token_says_so_and_exits_2(discord_standin, tmp_path):
    """A token Discord refuses ends the bot with a one-line explanation and status 2."""
    import asyncio

    from running_bot import bot_command, bot_env

    command, _ = bot_command()
    env = bot_env(discord_standin, token="MTIz.bad.token")
    process = await asyncio.create_subprocess_exec(
        *command,
        "run",
        "--db",
        str(tmp_path / "g.db"),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert "Discord rejected the token" in output.decode()
    assert "Traceback" not in output.decode()
