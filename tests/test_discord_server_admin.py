"""A server's own glossary and settings, run by its admins through /glossary, end to end."""

import subprocess
from pathlib import Path

import pytest
from flows import contribute
from helpers import NO_SHARED, SHARED_DATA
from running_bot import bot_command, bot_env
from standin.bare import until
from standin.state import MEMBER_PERMISSIONS

from bot.core.store import Store

DATA = Path(__file__).parent / "data"
MANAGE_MESSAGES = 1 << 13
TERM_BOXES = {
    "name": "Term",
    "definition": "Definition",
    "summary": "Summary (optional): one line",
    "aliases": "Other names (optional), comma-separated",
    "related": "Related terms (optional), comma-separated",
}
SERVER_FILE = """\
name: Acme Terms
terms:
  - term: Zorblax
    aliases: [zbx]
    definition: Our in-house widget for billing.
  - term: Quuxify
    definition: To turn a report into a dashboard.
  - term: Flumpf
    definition: The weekly planning meeting.
    faqs:
      - q: When is the flumpf held?
        a: Mondays at ten.
"""


async def glossary(world, user, sub: str, options=None, guild=None, channel=None):
    """Run /glossary SUB as a member; returns the interaction."""
    guild = guild or world.guild
    return await world.discord.slash(
        guild, channel or guild.general, user, f"glossary {sub}", options or {}
    )


async def define(world, text: str, guild=None, user=None) -> dict:
    guild = guild or world.guild
    ix = await world.discord.slash(
        guild, guild.general, user or world.bob, "define", {"term": text}
    )
    return (await ix.message()).embed


async def add_term(world, name: str, definition: str, *, guild=None, **boxes) -> str:
    ix = await glossary(world, world.discord.owner, "add", {"term": name}, guild=guild)
    modal = await ix.response()
    assert modal["type"] == 9, modal
    values = {TERM_BOXES["definition"]: definition}
    values.update({TERM_BOXES[key]: value for key, value in boxes.items()})
    done = await world.discord.submit_modal(ix, world.discord.owner, values)
    # The submit once raced the bot's keeping of the modal (dropped: no answer at all); the
    # stand-in now leaves a member's time to fill it in (MODAL_FILL_SECONDS).
    return str((await done.message(timeout=15)).embed)


async def import_file(world, text: str, *, filename="acme.yaml", user=None, guild=None):
    ix = await glossary(
        world,
        user or world.discord.owner,
        "import",
        {"file": (filename, text.encode())},
        guild=guild,
    )
    return await ix.message(timeout=10)


async def export_file(world, guild=None) -> bytes:
    ix = await glossary(world, world.discord.owner, "export", guild=guild)
    return (await ix.message()).file()


async def joined(world, name: str, channels=("general",)):
    guild = world.discord.add_guild(name, channels=channels)
    await until(lambda: f"{name} ({guild.id})" in world.bot.output())
    return guild


def server_tables(world) -> list:
    with Store(world.bot.db) as store:
        return [
            list(store.db.query(f"SELECT * FROM {table}"))
            for table in ("glossaries", "terms", "definitions", "guild_settings")
        ]


async def test_a_member_without_manage_server_is_refused_every_admin_action(world):
    """Whatever the command's default permissions let a member see, the bot checks the
    permission itself on every use: each /glossary action is refused and nothing changes."""
    await add_term(world, "Zorblax", "Our in-house widget for billing.")
    before = server_tables(world)
    for sub, options in [
        ("add", {"term": "Sneaky"}),
        ("edit", {"term": "Zorblax"}),
        ("remove", {"term": "Zorblax"}),
        ("import", {"file": ("x.yaml", b"name: X\nterms: []\n")}),
        ("export", {}),
        ("report", {}),
        ("missed", {}),
        ("free-text", {"enabled": False}),
        ("remove-definition", {"definition_id": 1}),
    ]:
        refused = await (await glossary(world, world.alice, sub, options)).message()
        assert refused.ephemeral and "You need the Manage" in refused.content, sub
        assert not refused.attachments and not refused.embeds, sub
    # Buttons of /glossary ask again: a report's "Add" pressed by a member is refused.
    await world.discord.slash(world.guild, world.channel, world.alice, "define", {"term": "qqq"})
    report = await (await glossary(world, world.discord.owner, "report")).message()
    pressed = await world.discord.click(report, report.button("Add “qqq”"), world.alice)
    refused = await pressed.message()
    assert refused.ephemeral and "Manage Server" in refused.content
    assert server_tables(world) == before


async def test_admins_add_edit_and_remove_the_servers_own_terms(world):
    """/glossary add, edit and remove; the term is found by /define, autocomplete and free
    text in its server."""
    saved = await add_term(
        world,
        "Zorblax",
        "Our in-house widget for billing.",
        aliases="zbx, zorb",
        summary="A widget.",
    )
    assert "added to this server's glossary" in saved
    assert (await define(world, "zbx"))["title"] == "Zorblax"
    choices = await world.discord.autocomplete(
        world.guild, world.channel, world.bob, "define", {"term": "zorbl"}, focused="term"
    )
    assert choices[0]["name"] == "Zorblax"
    sent = await world.discord.send_message(world.channel, world.bob, "what's a zorblax?")
    reply = await world.discord.next_bot_message(world.channel, after=sent.id)
    assert reply.embed["title"] == "Zorblax"
    # Edit: the modal holds the term as it is; what is changed is saved.
    choices = await world.discord.autocomplete(
        world.guild, world.channel, world.discord.owner, "glossary edit", {"term": "zor"}, "term"
    )
    assert [c["name"] for c in choices] == ["Zorblax"]  # the server's own terms only
    ix = await glossary(world, world.discord.owner, "edit", {"term": choices[0]["value"]})
    modal = await ix.response()
    shown = {
        row["components"][0]["label"]: row["components"][0].get("value")
        for row in modal["data"]["components"]
    }
    assert (
        shown[TERM_BOXES["aliases"]] == "zbx, zorb" and shown[TERM_BOXES["summary"]] == "A widget."
    )
    done = await world.discord.submit_modal(
        ix, world.discord.owner, {TERM_BOXES["definition"]: "The widget that bills customers."}
    )
    assert "changed in" in str((await done.message()).embed)
    assert "The widget that bills customers." in str(await define(world, "zorblax"))
    # A name taken by another server term is refused, nothing saved.
    refused = await add_term(world, "Zorb", "Something else entirely.")
    assert refused == "{}"
    removed = await (
        await glossary(world, world.discord.owner, "remove", {"term": "zorblax"})
    ).message()
    assert "no longer in this server's glossary" in removed.embed["description"]
    assert "Zorblax" not in str(await define(world, "zorblax"))


async def test_import_reports_problems_as_glossary_bot_check_does_and_changes_nothing(
    world, tmp_path
):
    """A broken file: every problem as FILE:LINE:COL, the same lines as `glossary-bot check`;
    a long list comes as a file; nothing is imported."""
    broken = (DATA / "broken.yaml").read_text()
    reply = await import_file(world, broken, filename="broken.yaml")
    (tmp_path / "broken.yaml").write_text(broken)
    command, _ = bot_command()
    checked = subprocess.run(
        [*command, "check", "broken.yaml"],
        cwd=tmp_path,
        env=bot_env(world.discord),
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 2
    lines = reply.content.strip("`\n").splitlines()
    assert lines[:-1] == checked.stderr.splitlines()[:-1] and "broken.yaml:7:11:" in reply.content
    many = "name: Many\nterms:\n" + "".join(
        f"  - term: T{i}\n    colour: red\n" for i in range(120)
    )
    reply = await import_file(world, many, filename="many.yaml")
    assert "problem(s) found; nothing was imported" in reply.content
    listed = reply.file("problems.txt").decode()
    assert listed.count("many.yaml:") == 240 and "many.yaml:4:5: unknown key 'colour'" in listed
    assert "Zorblax" not in str(await define(world, "zorblax"))
    assert (await export_file(world)).decode() == "name: Server glossary\nterms: []\n"


async def test_import_applies_a_file_whole_and_confirms_before_removing_terms(world):
    """A good file becomes the server's glossary; a new version that drops a term asks first,
    and keeps members' definitions and votes of the terms it keeps."""
    reply = await import_file(world, SERVER_FILE)
    assert "Terms: 3 added, 0 changed, 0 removed." in reply.embed["description"]
    assert (await define(world, "zbx"))["title"] == "Zorblax"
    ix = await world.discord.slash(
        world.guild, world.channel, world.bob, "faq", {"question": "when is the flumpf held"}
    )
    assert "Mondays at ten." in str((await ix.message()).embed)
    mine = await contribute(
        world, world.alice, term="zorblax", text="The billing widget, in short."
    )
    await world.discord.react(mine, world.bob, "👍")
    changed = SERVER_FILE.replace("Our in-house widget for billing.", "Billing's widget.")
    changed = changed[: changed.index("  - term: Flumpf")]
    ask = await import_file(world, changed)
    assert "Removed terms: Flumpf." in ask.embed["description"] and ask.ephemeral
    assert (await define(world, "flumpf"))["title"] == "Flumpf"  # nothing yet
    refused = await (
        await world.discord.click(ask, ask.button("Import and remove those terms"), world.alice)
    ).message()
    assert "Manage Server" in refused.content
    confirmed = await world.discord.click(
        ask, ask.button("Import and remove those terms"), world.discord.owner
    )
    await confirmed.response()
    assert "Terms: 0 added, 1 changed, 1 removed." in ask.embed["description"]
    assert "Flumpf" not in str(await define(world, "flumpf"))
    assert "of 2" in (await define(world, "zorblax"))["footer"]["text"]
    assert b"Billing's widget." in await export_file(world)
    with Store(world.bot.db) as store:
        stats = store.member_stats(guild_id=world.guild.id, user_id=world.alice.id)
    assert (stats.definitions, stats.upvotes) == (1, 1)
    assert ask.components == []  # answered: no button left to press twice


async def test_export_imports_back_unchanged(world):
    """Export, import the export: nothing changes, and the next export is the same file."""
    await import_file(world, SERVER_FILE)
    await add_term(world, "Blip", "A short spike on the sales chart.", related="Zorblax")
    # A member's own term is the member's: not in the file, and kept by an import.
    ix = await world.discord.slash(
        world.guild, world.channel, world.alice, "contribute", {"term": "Wibblet"}
    )
    offer = await ix.message()
    pressed = await world.discord.click(offer, offer.button("Create “Wibblet”"), world.alice)
    await pressed.response()
    made = await world.discord.submit_modal(
        pressed, world.alice, {"Definition": "A very small wibble."}
    )
    assert (await made.message()).embed["title"] == "Wibblet"
    exported = await export_file(world)
    assert b"term: Blip" in exported and b"Mondays at ten." in exported
    assert b"Wibblet" not in exported
    before = server_tables(world)
    reply = await import_file(world, exported.decode(), filename="acme-terms.yaml")
    assert reply.embed["description"] == "Nothing changed."
    assert await export_file(world) == exported
    assert server_tables(world)[1:] == before[1:]  # terms, definitions, settings as they were
    assert (await define(world, "wibblet"))["title"] == "Wibblet"


async def test_a_moderator_removes_a_members_definition(world):
    """Manage Messages is enough for /glossary remove-definition; the definition leaves
    /define."""
    moderator = world.discord.add_member(
        world.guild, "mod", permissions=MEMBER_PERMISSIONS | MANAGE_MESSAGES
    )
    posted = await contribute(world, world.alice, text="Someone who pays us for a thing.")
    with Store(world.bot.db) as store:
        (definition,) = store.member_definitions(guild_id=world.guild.id, user_id=world.alice.id)
    ix = await glossary(world, moderator, "remove-definition", {"definition_id": definition.id})
    removed = await ix.message()
    assert "no longer count in its author's karma" in removed.embed["description"]
    assert "Someone who pays us" not in str(await define(world, "customer"))
    assert posted.embed


async def test_a_removed_definition_leaves_its_authors_karma(world):
    """The author's karma on /profile drops once a moderator removes the definition."""
    posted = await contribute(world, world.alice, text="Someone who pays us for a thing.")
    await world.discord.react(posted, world.bob, "👍")
    with Store(world.bot.db) as store:
        (definition,) = store.member_definitions(guild_id=world.guild.id, user_id=world.alice.id)

    async def karma() -> str:
        ix = await world.discord.slash(
            world.guild, world.channel, world.bob, "profile", {"member": world.alice}
        )
        return str((await ix.message()).embed["fields"])

    def upvoted() -> bool:
        with Store(world.bot.db) as store:
            return store.member_stats(guild_id=world.guild.id, user_id=world.alice.id).upvotes == 1

    await until(upvoted)
    assert "'name': 'Karma', 'value': '1'" in await karma()
    ix = await glossary(
        world, world.discord.owner, "remove-definition", {"definition_id": definition.id}
    )
    await ix.message()
    assert "'name': 'Karma', 'value': '0'" in await karma()


async def test_free_text_only_in_chosen_channels_and_threads_under_them(world):
    """/glossary free-text with channels: answered there and in threads under them, silent
    elsewhere; an unknown channel is refused with nothing changed."""
    guild = await joined(world, "Channels", channels=("general", "help"))
    general, help_channel = guild.channels.values()
    owner = world.discord.owner
    carol = world.discord.add_member(guild, "carol")
    refused = await (
        await glossary(
            world, owner, "free-text", {"enabled": True, "channels": "#help #nope"}, guild=guild
        )
    ).message()
    assert refused.ephemeral and "Not a channel of this server: #nope" in refused.content
    ix = await glossary(
        world,
        owner,
        "free-text",
        {"enabled": True, "channels": f"<#{help_channel.id}>"},
        guild=guild,
    )
    assert "on in #help only" in (await ix.message()).embed["description"]
    thread = world.discord.add_thread(help_channel, "Question about churn", carol)
    for channel in (help_channel, thread):
        sent = await world.discord.send_message(channel, carol, "what is churn?")
        reply = await world.discord.next_bot_message(channel, after=sent.id)
        assert reply.embed["title"] == "Churn"
    await world.discord.send_message(general, carol, "what is churn?")
    await world.discord.expect_silence(general)
    # The first server is untouched: free text still everywhere there.
    sent = await world.discord.send_message(world.channel, world.bob, "what is churn?")
    assert (await world.discord.next_bot_message(world.channel, after=sent.id)).embed


async def test_report_lists_missed_questions_with_a_button_to_add_each(world):
    """/glossary report: most asked first, with counts and when last asked; its button opens
    /glossary add for that question."""
    for text in ("qqq wibble", "zzz frob", "QQQ wibble"):
        await world.discord.slash(world.guild, world.channel, world.alice, "define", {"term": text})
    await until(lambda: len(_missed(world)) == 3)
    report = await (await glossary(world, world.discord.owner, "report")).message()
    lines = report.embed["description"].splitlines()
    assert lines[1].startswith("2× QQQ wibble (last asked 20") and lines[2].startswith(
        "1× zzz frob"
    )
    pressed = await world.discord.click(
        report, report.button("Add “QQQ wibble”"), world.discord.owner
    )
    modal = await pressed.response()
    assert modal["type"] == 9
    assert modal["data"]["components"][0]["components"][0]["value"] == "QQQ wibble"


def _missed(world) -> list:
    with Store(world.bot.db) as store:
        return list(store.db.query("SELECT * FROM missed_queries"))


async def test_two_servers_never_see_each_others_terms_contributions_settings_or_reports(world):
    """Everything a server makes stays in it: each side checks the other's texts are absent."""
    a = world.guild
    b = await joined(world, "Beta")
    carol = world.discord.add_member(b, "carol")
    texts = {
        a.id: ("Zorblax", "Our in-house widget for billing.", "Alpha pays us money.", "qqq alpha"),
        b.id: ("Quuxify", "To turn a report into a dashboard.", "Beta pays us money.", "qqq beta"),
    }
    members = {a.id: world.alice, b.id: carol}
    # A's own FAQ, imported with its file; B's /faq and a crafted button must not show it.
    await import_file(
        world,
        SERVER_FILE[: SERVER_FILE.index("  - term: Zorblax")]
        + SERVER_FILE[SERVER_FILE.index("  - term: Flumpf") :],
        guild=a,
    )
    with Store(world.bot.db) as store:
        (faq_id,) = [
            r["id"]
            for r in store.db.query("SELECT id FROM faqs WHERE question LIKE 'When is the flumpf%'")
        ]
    ix = await world.discord.slash(
        b, b.general, carol, "faq", {"question": "when is the flumpf held"}
    )
    asked = (await ix.message()).embed
    # Not found at all (rather than found, then hidden): B's matcher does not know A's FAQ.
    assert asked["title"] in ("No match", "Did you mean…") and "Mondays" not in str(asked)
    assert "When is the flumpf held?" not in str(asked)
    ix = await world.discord.slash(b, b.general, carol, "faq", {"question": f"#faq:{faq_id}"})
    assert "Mondays at ten." not in str((await ix.message()).embed)
    ix = await world.discord.slash(a, a.general, world.alice, "faq", {"question": f"#faq:{faq_id}"})
    assert "Mondays at ten." in str((await ix.message()).embed)
    for guild in (a, b):
        name, definition, contribution, missed = texts[guild.id]
        await add_term(world, name, definition, guild=guild)
        world.channel, world.guild = guild.general, guild  # contribute() acts in world.guild
        await contribute(world, members[guild.id], text=contribution)
        await world.discord.slash(
            guild, guild.general, members[guild.id], "define", {"term": missed}
        )
    world.channel, world.guild = a.general, a
    await glossary(world, world.discord.owner, "free-text", {"enabled": False}, guild=a)
    for guild, other in ((a, b), (b, a)):
        name, definition, contribution, missed = texts[other.id]
        user = members[guild.id]
        # The report and the export first: asking for the other's term below is itself a
        # question that finds nothing here.
        report = await (await glossary(world, world.discord.owner, "report", guild=guild)).message()
        seen = [str(report.embed), (await export_file(world, guild=guild)).decode()]
        own_export = seen[-1]
        asked = await define(world, name, guild=guild, user=user)
        assert asked["title"] == "No match"  # it echoes the question, and says no more
        seen.append(str(asked).replace(f"“{name}”", ""))
        seen.append(str(await define(world, "customer", guild=guild, user=user)))
        choices = await world.discord.autocomplete(
            guild, guild.general, user, "define", {"term": name[:4]}, focused="term"
        )
        seen.append(str(choices))
        for text in (name, definition, contribution, missed):
            assert all(text not in shown for shown in seen), (text, guild.name, seen)
        assert texts[guild.id][0] in own_export  # its own term is there
    # A's "off" is A's: B still answers free text.
    sent = await world.discord.send_message(b.general, carol, "what is churn?")
    assert (await world.discord.next_bot_message(b.general, after=sent.id)).embed[
        "title"
    ] == "Churn"
    await world.discord.send_message(a.general, world.alice, "what is churn?")
    await world.discord.expect_silence(a.general)


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=NO_SHARED)
async def test_a_real_public_glossary_imports_and_exports_back_unchanged(world):
    """A real glossary file (GitHub's) as a server's glossary: its terms answer in that server,
    and its export imports back with nothing changed."""
    text = (SHARED_DATA / "github-glossary.yaml").read_text()
    reply = await import_file(world, text, filename="github-glossary.yaml")
    assert "added" in reply.embed["description"] and "0 removed." in reply.embed["description"]
    assert (await define(world, "pull request"))["title"].lower() == "pull request"
    exported = await export_file(world)
    again = await import_file(world, exported.decode(), filename="github-glossary.yaml")
    assert again.embed["description"] == "Nothing changed."
    assert await export_file(world) == exported
