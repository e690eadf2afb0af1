"""The web site in a real browser: headless Chromium from the system's packages, driven by
Selenium through the system chromedriver (nothing is downloaded), at a phone's width, against
the site that `glossary-bot run` serves beside the bot.

Screenshots of the term page and a profile page are saved in test-artefacts/ (or
$GLOSSARY_TEST_ARTEFACTS) for a person to look at.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from flows import contribute
from helpers import free_port
from running_bot import REPO
from standin.bare import until

from bot.core.store import Store

T = TypeVar("T")
PORT = free_port()
BASE = f"http://127.0.0.1:{PORT}"
PHONE = (390, 844)  # CSS pixels of a common phone held upright
ARTEFACTS = Path(os.environ.get("GLOSSARY_TEST_ARTEFACTS") or REPO / "test-artefacts")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
HOSTILE = (
    "<script>document.title='pwned'</script>"
    "<img src=x onerror=\"document.title='pwned'\"> is what they typed."
)
HOSTILE_SOURCE = "https://example.com/\" onmouseover=\"document.title='pwned'"


def _browser_parts() -> tuple[str, str]:
    """The system Chromium and chromedriver; skipped with the reason where they cannot be had,
    but never in CI, whose .ci/run installs them."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    missing = [name for name, path in (("chromium", chromium), ("chromium-driver", driver))
               if path is None]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip install '.[test]')")
    if missing:
        reason = f"no headless browser here: {', '.join(missing)} missing (apt-get install" \
            " chromium chromium-driver)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests: {reason}")
        pytest.skip(reason)
    assert chromium and driver
    return chromium, driver


class Browser:
    """Selenium blocks; its calls run on a thread, so the stand-in keeps serving the bot."""

    def __init__(self, chromium: str, chromedriver: str, profile: str):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        self.driver = webdriver.Chrome(service=Service(chromedriver), options=options)
        self.driver.set_page_load_timeout(20)
        self.screen(*PHONE)

    def screen(self, width: int, height: int) -> None:
        """Be a phone: its width and height in CSS pixels, mobile viewport rules."""
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True},
        )

    async def __call__(self, work: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(work, *args)

    async def open(self, url: str) -> None:
        await self(self.driver.get, url)

    async def click(self, text: str) -> None:
        """Follow the link whose text is exactly `text`, as a reader taps it."""
        from selenium.webdriver.common.by import By

        def tap() -> None:
            self.driver.find_element(By.LINK_TEXT, text).click()

        await self(tap)

    async def js(self, script: str) -> Any:
        return await self(self.driver.execute_script, script)

    async def texts(self, css: str) -> list[str]:
        from selenium.webdriver.common.by import By

        def read() -> list[str]:
            return [e.text for e in self.driver.find_elements(By.CSS_SELECTOR, css)]

        return await self(read)

    async def text(self, css: str) -> str:
        found = await self.texts(css)
        assert found, f"nothing matches {css!r} on {self.driver.current_url}"
        return found[0]

    async def fits_the_phone(self) -> None:
        """Nothing is wider than the screen: a reader never scrolls sideways."""
        wide = await self.js("return document.documentElement.scrollWidth")
        inner = await self.js("return window.innerWidth")
        assert inner == PHONE[0], inner
        assert wide <= inner, f"{self.driver.current_url}: {wide}px wide on a {inner}px screen"

    async def screenshot(self, name: str) -> Path:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTEFACTS / name
        # The whole page, not just the first screen: as tall as the document.
        height = await self.js("return document.documentElement.scrollHeight")
        await self(self.screen, PHONE[0], min(max(height, PHONE[1]), 8000))
        await self(self.driver.save_screenshot, str(path))
        await self(self.screen, *PHONE)
        return path

    def quit(self) -> None:
        self.driver.quit()


@pytest.fixture
async def browser():
    chromium, chromedriver = _browser_parts()
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        browser = await asyncio.to_thread(Browser, chromium, chromedriver, profile)
        try:
            yield browser
        finally:
            await asyncio.to_thread(browser.quit)


def karma_figures(profile_embed: dict) -> tuple[int, int, int, int]:
    """(upvotes, downvotes, karma, definitions) as /profile states them."""
    fields = {f["name"]: f["value"] for f in profile_embed["fields"]}
    up, down, score = (
        int(fields[name]) for name in ("Upvotes received", "Downvotes received", "Karma")
    )
    total = next(k for k in fields if k.startswith("Definitions"))
    return up, down, score, int(re.search(r"\d+", total).group(0))


@pytest.mark.bot_env(GLOSSARY_WEB_PORT=str(PORT), GLOSSARY_WEB_URL=BASE)
async def test_a_reader_browses_the_glossary_and_a_members_profile_on_a_phone(world, browser):
    """Index, a letter, "Customer" with every section and working related links; a member's
    profile whose figures equal /profile's, paged; a <script> in a definition never runs;
    and once the server's web view is off, none of its pages is served."""
    ix = await world.discord.slash(
        world.guild, world.channel, world.discord.owner, "glossary web", {"state": "on"}
    )
    home = re.search(rf"{re.escape(BASE)}/s/[\w-]+/", (await ix.message()).embed["description"])
    assert home
    home_url = home.group(0)
    posted = await contribute(
        world, world.alice, text=HOSTILE, source=("<b>Our handbook</b>", "")
    )
    await world.discord.react(posted, world.bob, "👍")
    await world.discord.react(posted, world.discord.owner, "👍")
    extra = 24  # more than one page of a profile's definitions
    with Store(world.bot.db) as store:
        # /contribute refuses such a link; one stored by other means must still be harmless.
        store.db.execute(
            "UPDATE definitions SET source_url = ? WHERE author_id = ?",
            [HOSTILE_SOURCE, world.alice.id],
        )
        store.db.conn.commit()
        for number in range(extra):
            term = store.find_term(["churn", "nps", "crm", "consumer"][number % 4])
            store.add_definition(
                term_id=term.id,
                guild_id=world.guild.id,
                author_id=world.alice.id,
                author_name="alice",
                text=f"Alice's note number {number:02}.",
            )

    def counted() -> bool:
        with Store(world.bot.db) as store:
            stats = store.member_stats(guild_id=world.guild.id, user_id=world.alice.id)
        return (stats.upvotes, stats.definitions) == (2, extra + 1)

    await until(counted, timeout=10)

    # The index, a letter, the term.
    await browser.open(home_url)
    assert await browser.text("h1") == "Glossary"
    await browser.fits_the_phone()
    await browser.click("C")
    assert await browser.text("main h1") == "C"
    await browser.click("Customer")
    assert await browser.text("main h1") == "Customer"
    term_url = browser.driver.current_url
    for section in ("summary", "definitions", "context", "purpose", "example", "related",
                    "faqs", "tags"):
        assert await browser.texts(f"#{section}"), f"no {section} on the term page"
    faqs = await browser.text("#faqs")
    assert "What is the difference between a customer and a consumer?" in faqs
    definitions = await browser.text("#definitions")
    assert "by alice" in definitions and "👍 2 👎 0" in definitions
    assert "<script>document.title='pwned'</script>" in definitions  # shown, as text
    assert HOSTILE_SOURCE in definitions  # not a link: it is no plain http(s) address
    assert await browser.js("return document.title") == "Customer · Glossary"
    assert await browser.js("return document.querySelectorAll('script, main img').length") == 0
    await browser.fits_the_phone()
    shot = await browser.screenshot("web-term.png")
    assert shot.stat().st_size > 10_000

    related = await browser.js(
        "return [...document.querySelectorAll('#related a')].map(a => [a.textContent, a.href])"
    )
    assert len(related) >= 3, related
    for name, url in related:
        await browser.open(url)
        assert (await browser.text("main h1")).casefold() == name.casefold()
    await browser.open(term_url)

    # The member's profile, from their name on the definition.
    await browser.click("alice")
    assert await browser.text("main h1") == "alice"
    profile_url = browser.driver.current_url
    shown = tuple(
        [
            int(await browser.text(f"#{figure}"))
            for figure in ("upvotes", "downvotes", "karma", "definition-count")
        ]
    )
    ix = await world.discord.slash(
        world.guild, world.channel, world.bob, "profile", {"member": world.alice}
    )
    assert shown == karma_figures((await ix.message()).embed) == (2, 0, 2, extra + 1)
    assert "First definition" in await browser.text("#badges")
    first_page = await browser.texts("#definitions .definition")
    await browser.fits_the_phone()
    await browser.screenshot("web-profile.png")
    await browser.click("Next ▶")
    second_page = await browser.texts("#definitions .definition")
    assert len(first_page) + len(second_page) == extra + 1
    assert not set(first_page) & set(second_page)
    assert "page 2 of 2" in await browser.text(".pager")
    assert await browser.js("return document.title") != "pwned"

    # The leaderboard links back to the profile.
    await browser.click("Leaderboard")
    assert "alice: 2 karma" in await browser.text("main ol")

    # Off: none of the server's pages is served any more.
    ix = await world.discord.slash(
        world.guild, world.channel, world.discord.owner, "glossary web", {"state": "off"}
    )
    await ix.message()
    for url in (home_url, term_url, profile_url, home_url + "leaderboard"):
        await browser.open(url)
        assert await browser.text("main h1") == "Not found", url
