"""The Discord stand-in, exercised with a bare discord.py client."""

import asyncio
import io

import discord
import pytest
from standin import DiscordStandin
from standin.bare import BareClient, BareShardedClient, running, until


@pytest.fixture
async def world(discord_standin):
    guild = discord_standin.add_guild()
    alice = discord_standin.add_member(guild, "alice")
    return discord_standin, guild, alice


async def test_client_logs_in_and_syncs_its_commands(world):
    """The client identifies, gets READY and its server, and its command sync is recorded."""
    standin, guild, _ = world
    async with running(BareClient(), standin) as client:
        await until(lambda: client.get_guild(guild.id) is not None)
        assert standin.command_syncs == ["global"]
        assert [c["name"] for c in standin.global_commands] == ["ping"]
        assert client.user.id == standin.application_id


async def test_slash_command_and_autocomplete_are_answered(world):
    """A slash command gets its callback and message; autocomplete gets its choices."""
    standin, guild, alice = world
    async with running(BareClient(), standin):
        ix = await standin.slash(guild, guild.general, alice, "ping", {"word": "hi"})
        assert (await ix.message()).content == "pong hi"
        choices = await standin.autocomplete(
            guild, guild.general, alice, "ping", {"word": "ab"}, focused="word"
        )
        assert [c["name"] for c in choices] == ["ab0", "ab1", "ab2"]


async def test_message_content_arrives_only_with_the_intent():
    """With the intent a message's text arrives; without it, the client sees it empty."""
    for intent in (True, False):
        async with DiscordStandin(message_content_intent=intent) as standin:
            guild = standin.add_guild()
            alice = standin.add_member(guild, "alice")
            async with running(BareClient(message_content=intent), standin) as client:
                await standin.send_message(guild.general, alice, "hello there")
                await until(lambda: client.seen_messages)
                assert client.seen_messages[0].content == ("hello there" if intent else "")


async def test_disallowed_intent_closes_the_connection():
    """Asking for message content when the app lacks it ends with Discord's 4014."""
    async with DiscordStandin(message_content_intent=False) as standin:
        standin.add_guild()
        client = BareClient(message_content=True)
        with pytest.raises(discord.PrivilegedIntentsRequired):
            async with running(client, standin):
                pass
        assert standin.refused_intents == ["message content"]


async def test_reactions_reach_the_client_and_the_bot_sees_its_own(world):
    """Members' reactions and the bot's own reaction arrive as raw events."""
    standin, guild, alice = world
    async with running(BareClient(), standin) as client:
        sent = await standin.send_message(guild.general, alice, "!echo hi")
        reply = await standin.next_bot_message(guild.general, after=sent.id)
        await standin.react(reply, alice, "👍")
        await standin.unreact(reply, alice, "👍")
        channel = client.get_channel(guild.general.id)
        await (await channel.fetch_message(reply.id)).add_reaction("⭐")
        await until(lambda: len(client.seen_reactions) == 3)
        assert client.seen_reactions == [("add", "👍"), ("remove", "👍"), ("add", "⭐")]


async def test_dropped_connection_resumes_and_delivers_a_missed_event_once(world):
    """An event sent while the connection is down arrives after RESUME, exactly once."""
    standin, guild, alice = world
    async with running(BareClient(), standin) as client:
        await standin.drop_connection()
        await standin.send_message(guild.general, alice, "while you were away")
        await until(lambda: client.seen_messages, timeout=10)
        await asyncio.sleep(0.3)
        assert [m.content for m in client.seen_messages] == ["while you were away"]
        assert standin.gateway.session.resumes == 1 and standin.identify_count == 1


async def test_reconnect_request_resumes_and_invalid_session_reidentifies(world):
    """Op 7 makes the client resume; op 9 makes it identify again."""
    standin, guild, alice = world
    async with running(BareClient(), standin) as client:
        await standin.request_reconnect()
        await until(lambda: standin.gateway.session.resumes == 1, timeout=10)
        await standin.invalidate_session()
        await until(lambda: standin.identify_count == 2, timeout=15)
        await standin.send_message(guild.general, alice, "after")
        await until(lambda: [m.content for m in client.seen_messages] == ["after"], timeout=10)


@pytest.mark.parametrize("compression", ["zstd-stream", "zlib-stream"])
async def test_both_gateway_compressions_work(world, monkeypatch, compression):
    """The client's zstd-stream and zlib-stream gateways both carry events."""
    import discord.utils

    if compression == "zlib-stream":
        # discord.py picks zstd when zstandard is importable; force its zlib context instead.
        import zlib

        class Zlib:
            COMPRESSION_TYPE = "zlib-stream"

            def __init__(self):
                self.buffer, self.context = bytearray(), zlib.decompressobj()

            def decompress(self, data):
                self.buffer.extend(data)
                if data[-4:] != b"\x00\x00\xff\xff":
                    return None
                text, self.buffer = self.context.decompress(self.buffer), bytearray()
                return text.decode()

        monkeypatch.setattr(discord.utils, "_ActiveDecompressionContext", Zlib)
    standin, guild, alice = world
    async with running(BareClient(), standin) as client:
        await standin.send_message(guild.general, alice, "compressed")
        await until(lambda: client.seen_messages)
    assert set(standin.compressions) == {compression}


async def test_late_and_double_answers_are_refused_and_recorded():
    """Answering after the deadline, or twice, gets Discord's errors and a violation."""
    async with DiscordStandin(interaction_deadline=0.2) as standin:
        guild = standin.add_guild()
        alice = standin.add_member(guild, "alice")
        client = BareClient()

        @client.tree.command(name="slow", description="Too slow")
        async def slow(interaction: discord.Interaction) -> None:
            await asyncio.sleep(0.4)
            await interaction.response.send_message("late")

        @client.tree.command(name="twice", description="Answers twice")
        async def twice(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("one")
            route = discord.http.Route(
                "POST",
                "/interactions/{id}/{token}/callback",
                id=interaction.id,
                token=interaction.token,
            )
            with pytest.raises(discord.HTTPException):
                await interaction.client.http.request(
                    route, json={"type": 4, "data": {"content": "two"}}
                )

        async with running(client, standin):
            await standin.slash(guild, guild.general, alice, "slow")
            await standin.slash(guild, guild.general, alice, "twice")
            await until(lambda: len(standin.violations) == 2, timeout=5)
        assert sorted(v.rule for v in standin.violations) == [
            "3-second deadline",
            "double acknowledgement",
        ]


async def test_oversized_payloads_get_discords_400_and_are_recorded(world):
    """26 choices or an embed over 6000 characters are refused with Invalid Form Body."""
    standin, guild, alice = world
    client = BareClient()

    @client.tree.command(name="big", description="Too big")
    async def big(interaction: discord.Interaction, word: str) -> None:
        embed = discord.Embed(title="t", description="x" * 4000)
        embed.add_field(name="f", value="y" * 1024).add_field(name="g", value="z" * 1024)
        await interaction.response.send_message(embed=embed)

    @big.autocomplete("word")
    async def many(interaction: discord.Interaction, current: str):
        return [discord.app_commands.Choice(name=str(i), value=str(i)) for i in range(26)]

    async with running(client, standin):
        with pytest.raises(AssertionError):
            await standin.autocomplete(
                guild, guild.general, alice, "big", {"word": ""}, "word", timeout=1
            )
        await standin.slash(guild, guild.general, alice, "big", {"word": "a"})
        await until(lambda: len(standin.violations) == 2)
    assert all(v.rule == "invalid form body" for v in standin.violations)
    assert "MAX_EMBED_SIZE_EXCEEDED" in str(standin.violations[1])
    standin.violations.clear()


async def test_ephemeral_messages_cannot_be_reacted_to(world):
    """Reacting to an ephemeral message fails with Unknown Message and a violation."""
    standin, guild, alice = world
    client = BareClient()

    @client.tree.command(name="secret", description="Ephemeral")
    async def secret(interaction: discord.Interaction) -> None:
        callback = await interaction.response.send_message("psst", ephemeral=True)
        with pytest.raises(discord.NotFound):
            await callback.resource.add_reaction("👍")

    async with running(client, standin):
        ix = await standin.slash(guild, guild.general, alice, "secret")
        assert (await ix.message()).ephemeral
        await until(lambda: standin.violations)
    assert standin.violations[0].rule == "reaction on a message that cannot have one"
    standin.violations.clear()


async def test_allowed_mentions_decide_who_is_pinged(world):
    """A reply with allowed mentions none pings nobody, though the text mentions people."""
    standin, guild, alice = world
    async with running(BareClient(), standin):
        text = f"!echo <@{alice.id}> @everyone"
        sent = await standin.send_message(guild.general, alice, text)
        reply = await standin.next_bot_message(guild.general, after=sent.id)
        assert reply.pinged(replied_author=alice.id) == {
            "users": set(),
            "roles": set(),
            "everyone": False,
        }
        assert reply.content == f"<@{alice.id}> @everyone"


async def test_unknown_routes_answer_404_and_fail_the_test(world):
    """A call to a route Discord does not have is recorded as a violation."""
    standin, _, _ = world
    async with running(BareClient(), standin) as client:
        with pytest.raises(discord.NotFound):
            await client.http.request(discord.http.Route("GET", "/no/such/route"))
    assert [v.rule for v in standin.violations] == ["unknown route"]
    standin.violations.clear()


async def test_files_are_uploaded_served_and_threads_are_announced(world):
    """A file the client sends is kept on the message and served at its URL, as Discord's CDN
    does; a thread started under a channel reaches the client with its parent."""
    import aiohttp

    standin, guild, alice = world
    async with running(BareClient(), standin) as client:
        await until(lambda: client.get_guild(guild.id) is not None)
        channel = client.get_channel(guild.general.id)
        sent = await channel.send("here", file=discord.File(io.BytesIO(b"name: X\n"), "x.yaml"))
        stored = standin.messages[sent.id]
        assert stored.file("x.yaml") == b"name: X\n"
        assert sent.attachments[0].filename == "x.yaml"
        async with aiohttp.ClientSession() as session, session.get(sent.attachments[0].url) as got:
            assert got.status == 200 and await got.read() == b"name: X\n"
        thread = standin.add_thread(guild.general, "a question", alice)
        await until(lambda: client.get_channel(thread.id) is not None)
        assert client.get_channel(thread.id).parent_id == guild.general.id


@pytest.fixture
async def two_shards():
    """A stand-in whose bot must run two shards, with a server on each."""
    async with DiscordStandin(shard_count=2) as standin:
        first = standin.add_guild("on shard 0", shard=0)
        second = standin.add_guild("on shard 1", shard=1)
        members = [standin.add_member(g, "alice") for g in (first, second)]
        yield standin, (first, second), members
    assert not standin.violations, standin.violations


async def test_gateway_bot_says_how_many_shards_and_a_client_runs_them_all(two_shards):
    """GET /gateway/bot gives the shard count the test set; an AutoShardedClient that asks runs
    every shard, and each server arrives on the shard its id routes it to."""
    standin, guilds, _ = two_shards
    async with running(BareShardedClient(), standin) as client:
        shards, url, _ = await client.http.get_bot_gateway()
        assert (shards, url) == (2, standin.gateway_url)
        assert sorted(standin.gateway.sessions) == [0, 1]
        await until(lambda: len(client.guilds) == 2)
        for shard_id, guild in enumerate(guilds):
            assert (guild.id >> 22) % 2 == shard_id
            assert client.get_guild(guild.id).shard_id == shard_id


async def test_events_of_a_server_go_only_to_the_session_of_its_shard(two_shards):
    """A client running shard 1 of 2 gets shard 1's server and its messages, nothing of the
    server on shard 0 (its events wait in shard 0's session)."""
    standin, (first, second), (alice0, alice1) = two_shards
    async with running(BareShardedClient(shard_ids=[1], shard_count=2), standin) as client:
        assert [g.id for g in client.guilds] == [second.id]
        await standin.send_message(first.general, alice0, "to shard 0")
        await standin.send_message(second.general, alice1, "to shard 1")
        await until(lambda: client.seen_messages)
        await asyncio.sleep(0.3)
        assert client.seen_messages == [(1, "to shard 1")]
        assert list(standin.gateway.sessions) == [1]
        logged = [e["d"].get("guild_id") for e in standin.gateway.sessions[1].log]
        assert str(first.id) not in logged and str(second.id) in logged


async def test_one_shard_resumes_alone(two_shards):
    """A dropped connection of one shard resumes that shard's session only, and the event
    sent while it was away arrives after the RESUME."""
    standin, (_, second), (_, alice1) = two_shards
    async with running(BareShardedClient(), standin) as client:
        await standin.drop_connection(shard_id=1)
        await standin.send_message(second.general, alice1, "while shard 1 was away")
        await until(lambda: client.seen_messages, timeout=10)
        assert client.seen_messages == [(1, "while shard 1 was away")]
        assert client.resumed_shards == [1]
        assert [s.resumes for s in standin.gateway.sessions.values()] == [0, 1]


@pytest.mark.parametrize(
    ("client", "code"),
    [
        # Fewer shards than Discord asks for: 4011 Sharding required.
        (lambda: BareShardedClient(shard_count=1), 4011),
        (lambda: BareClient(), 4011),
        # A shard id the count has no room for: 4010 Invalid shard.
        (lambda: BareShardedClient(shard_ids=[2], shard_count=2), 4010),
    ],
    ids=["one shard of two", "unsharded", "shard 2 of 2"],
)
async def test_identify_with_a_wrong_shard_is_refused_as_discord_does(two_shards, client, code):
    """IDENTIFY with too few shards, or a shard outside the count, is closed with Discord's
    close code, and discord.py gives up rather than reconnecting."""
    standin, _, _ = two_shards
    with pytest.raises(discord.ConnectionClosed) as refused:
        async with running(client(), standin):
            pass
    assert refused.value.code == code
    assert [c for _, c in standin.gateway.refused] == [code]
    assert not standin.gateway.sessions


def test_link_buttons_need_an_http_url_and_no_custom_id():
    """Discord's rule for link buttons (style 5), and custom ids for every other button."""
    from standin.limits import check_components

    def row(**button):
        return [{"type": 1, "components": [{"type": 2, "label": "x", **button}]}]

    assert not check_components(row(style=5, url="https://example.com/t/1"))
    assert "URL_TYPE_INVALID_URL" in str(check_components(row(style=5, url="javascript:x")))
    assert "URL_TYPE_INVALID_URL" in str(check_components(row(style=5)))
    assert "BASE_TYPE_MAX_LENGTH" in str(
        check_components(row(style=5, url="https://e.com/" + "a" * 600))
    )
    assert "custom_id" in str(check_components(row(style=5, url="https://e.com", custom_id="a")))
    assert "BASE_TYPE_REQUIRED" in str(check_components(row(style=1)))
    assert not check_components(row(style=1, custom_id="gb:term:1"))
