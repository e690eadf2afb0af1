"""The web site inside `glossary-bot run`: /glossary web, "Open on the web", and a burst of
page requests that must not keep the bot from answering, end to end through the stand-in."""

from __future__ import annotations

import asyncio
import re
import time

import aiohttp
import pytest
from flows import contribute
from helpers import free_port

from bot.core.store import Store

PORT = free_port()
BASE = f"http://127.0.0.1:{PORT}"
LINK_STYLE = 5


def web_link(message) -> str | None:
    """The url of the message's "Open on the web" button, if it has one."""
    for row in message.components:
        for item in row.get("components", []):
            if item.get("style") == LINK_STYLE and item.get("label") == "Open on the web":
                return item["url"]
    return None


async def fetch(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def define(world, user, term: str):
    ix = await world.discord.slash(world.guild, world.channel, user, "define", {"term": term})
    return await ix.message()


def term_id(world, name: str) -> int:
    with Store(world.bot.db) as store:
        found = store.find_term(name)
        assert found is not None
        return found.id


@pytest.mark.bot_env(GLOSSARY_WEB_PORT=str(PORT), GLOSSARY_WEB_URL=BASE)
async def test_admins_turn_the_web_view_on_and_answers_link_to_their_page(world):
    """Answers link to the public page; once an admin turns the server's web view on, to the
    server's page with its members' definitions; off again, the server's pages are gone."""
    customer = term_id(world, "customer")
    answer = await define(world, world.alice, "customer")
    assert web_link(answer) == f"{BASE}/term/{customer}"
    status, html = await fetch(web_link(answer))
    assert status == 200 and "Customer" in html

    ix = await world.discord.slash(
        world.guild, world.channel, world.alice, "glossary web", {"state": "on"}
    )
    refused = await ix.message()
    assert refused.ephemeral and "permission" in refused.content

    ix = await world.discord.slash(
        world.guild, world.channel, world.discord.owner, "glossary web", {"state": "on"}
    )
    reply = (await ix.message()).embed["description"]
    home = re.search(rf"{re.escape(BASE)}/s/[\w-]+/", reply)
    assert home and "display names only" in reply, reply
    assert str(world.guild.id) not in reply

    posted = await contribute(world, world.alice, text="Whoever pays the invoice, here.")
    server_page = f"{home.group(0)}term/{customer}"
    assert web_link(posted) == server_page
    status, html = await fetch(server_page)
    assert status == 200 and "Whoever pays the invoice, here." in html and "alice" in html
    assert str(world.alice.id) not in html

    ix = await world.discord.slash(
        world.guild, world.channel, world.discord.owner, "glossary web", {"state": "off"}
    )
    assert "off" in (await ix.message()).embed["description"]
    assert (await fetch(server_page))[0] == 404
    assert (await fetch(home.group(0)))[0] == 404
    assert web_link(await define(world, world.bob, "customer")) == f"{BASE}/term/{customer}"


async def test_without_a_web_address_answers_have_no_link(world):
    assert web_link(await define(world, world.alice, "customer")) is None


BURST_PORT = free_port()


@pytest.mark.bot_env(GLOSSARY_WEB_PORT=str(BURST_PORT))
async def test_the_bot_keeps_answering_while_the_site_is_under_a_burst(world):
    """16 clients fetch pages as fast as they can; /define still answers in Discord's time."""
    terms = ("customer", "churn", "nps", "crm", "consumer")
    with Store(world.bot.db) as store:
        found = {term: store.find_term(term) for term in terms}
    ids = [t.id for t in found.values()]
    served = {"pages": 0, "errors": 0}
    stop = asyncio.Event()

    async def hammer(session: aiohttp.ClientSession, n: int) -> None:
        while not stop.is_set():
            path = f"/term/{ids[n % len(ids)]}" if n % 3 else "/search?q=what+is+churn"
            async with session.get(f"http://127.0.0.1:{BURST_PORT}{path}") as response:
                await response.read()
                served["pages" if response.status == 200 else "errors"] += 1
            n += 1

    async with aiohttp.ClientSession() as session:
        clients = [asyncio.create_task(hammer(session, n)) for n in range(16)]
        try:
            await asyncio.sleep(0.5)
            round_trips = []
            for term in terms * 2:
                started = time.monotonic()
                answer = await define(world, world.alice, term)
                round_trips.append(time.monotonic() - started)
                assert answer.embed["title"] == found[term].name
        finally:
            stop.set()
            await asyncio.gather(*clients, return_exceptions=True)
    assert served["pages"] > 50, served
    assert max(round_trips) < 3.0, round_trips
    print(f"pages served during the burst: {served}; /define round trips (s): "
          f"max {max(round_trips):.3f}, all {[round(t, 3) for t in round_trips]}")
