"""The web site's pages through aiohttp's test client: every page, every 404, every escape."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
from html import unescape

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from click.testing import CliRunner
from helpers import free_port
from running_bot import bot_command

from bot.cli import main
from bot.core.glossary import parse_glossary
from bot.core.model import Source
from bot.core.pages import member_token
from bot.core.service import GlossaryService
from bot.core.voting import award_badges
from bot.web import app as web_app
from bot.web.app import CSP, http_link, make_app, web_settings

GUILD = 900000000000000001  # Discord ids are snowflakes: 18-19 digits
OTHER_GUILD = 900000000000000002
ALICE, BOB, CAROL = 300000000000000011, 300000000000000012, 300000000000000013

HOSTILE = """\
name: Hostile Glossary
source: {name: "<i>Evil</i> Co.", url: "javascript:alert('glossary')"}
terms:
  - term: "<b>Bold</b> term"
    aliases: ["<script>alias()</script>"]
    summary: '"><img src=x onerror=alert(1)>'
    definition: "<script>alert('definition')</script>"
    context: "<style>body{display:none}</style>"
    purpose: "</p><p onclick=alert(1)>click"
    example: "<a href=javascript:alert(1)>x</a>"
    related:
      - {term: "<svg onload=alert(1)>", note: "<iframe src=//evil.example>"}
    faqs:
      - q: "<marquee>why?</marquee>"
        a: "<object data=x></object>"
    tags: ["<u>tag</u>"]
    source: {name: "<em>src</em>", url: "data:text/html,<script>alert(1)</script>"}
"""
HOSTILE_MARKUP = re.compile(
    r"<(script|img|style|iframe|svg|marquee|object|em|b|i|u)\b|<p onclick|<a href=javascript",
    re.IGNORECASE,
)


@pytest.fixture
def service(service_on_both):
    """The small glossary, on SQLite and on PostgreSQL: every page is read from both."""
    return service_on_both


@pytest.fixture
async def client(service):
    async with TestClient(TestServer(make_app(service))) as client:
        yield client


def term_id(service: GlossaryService, name: str) -> int:
    found = service.store.find_term(name)
    assert found is not None
    return found.id


def contribute(service, name, *, author=ALICE, author_name="alice", guild=GUILD, **fields) -> int:
    return service.store.add_definition(
        term_id=term_id(service, name),
        guild_id=guild,
        author_id=author,
        author_name=author_name,
        text=fields.get("text", f"{author_name}'s words on {name}."),
        source=fields.get("source"),
    )


def vote(service, definition_id, voter, value, guild=GUILD) -> None:
    service.store.set_vote(definition_id=definition_id, guild_id=guild, user_id=voter, value=value)


async def page(client, path: str, status: int = 200) -> str:
    response = await client.get(path)
    text = await response.text()
    assert response.status == status, (path, response.status, text[:500])
    assert response.headers["Content-Security-Policy"] == CSP
    return text


def links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]*)"', html)]


def text_of(html: str) -> str:
    """What a reader sees: the page without its tags, entities decoded."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", html)))


# -- public pages -----------------------------------------------------------------------------


async def test_index_lists_glossaries_letters_and_a_search_box(client):
    html = await page(client, "/")
    assert "Small Glossary" in html and "3 terms" in html
    assert 'action="/search"' in html and 'name="q"' in html
    assert {"/letter/C"} <= set(links(html))
    assert "/letter/Z" not in links(html)  # no term starts with Z: shown, not linked
    assert "https://small.example" in links(html)


async def test_letter_page_lists_its_terms_with_summaries(client, service):
    html = await page(client, "/letter/C")
    assert f"/term/{term_id(service, 'customer')}" in links(html)
    assert f"/term/{term_id(service, 'consumer')}" in links(html)
    assert "Someone who buys." in html and "Churn" in html
    assert await page(client, "/letter/c") == html
    assert "No terms start with Q" in await page(client, "/letter/Q")
    await page(client, "/letter/QQ", 404)
    await page(client, "/letter/C?page=2", 404)
    await page(client, "/letter/C?page=0", 404)
    await page(client, "/letter/C?page=x", 404)


async def test_letter_pages_page_through_long_letters(client, service):
    names = [f"Alpha {n:03}" for n in range(web_app.pages.INDEX_PAGE_SIZE + 5)]
    terms = "".join(f"  - term: {name}\n    definition: d\n" for name in names)
    service.load(parse_glossary(f"name: Long\nterms:\n{terms}", filename="long.yaml"))
    first = await page(client, "/letter/A")
    assert "page 1 of 2" in first and "/letter/A?page=2" in links(first)
    second = await page(client, "/letter/A?page=2")
    assert text_of(second).count("Alpha ") == 5 and "/letter/A?page=1" in links(second)
    assert "(Long)" in second  # several glossaries: each term says which


async def test_term_page_shows_every_field_and_links_related_terms(client, service):
    customer = term_id(service, "customer")
    html = await page(client, f"/term/{customer}")
    text = text_of(html)
    for expected in (
        "Customer",
        "also: customers, buyer",
        "Someone who buys.",
        "A person or organisation that buys goods or services.",
        "Sales and marketing.",
        "What is the difference between a customer and a consumer?",
        "A customer buys; a consumer uses.",
        "sales",
        "from Small Glossary",
        "👍 0 👎 0",
        "Client: A customer in an ongoing relationship.",
    ):
        assert expected in text, expected
    for section in ("definitions", "context", "related", "faqs", "tags"):
        assert f'id="{section}"' in html
    assert f"/term/{term_id(service, 'consumer')}" in links(html)
    assert "Client" not in " ".join(links(html))  # no such term: named, not linked
    assert "https://small.example" in links(html)  # the glossary's source, as a link
    consumer = await page(client, f"/term/{term_id(service, 'consumer')}")
    assert "A person who uses a product." in consumer


async def test_public_pages_never_show_a_servers_definitions(client, service):
    contribute(service, "customer", text="Only our server says this.")
    html = await page(client, f"/term/{term_id(service, 'customer')}")
    assert "Only our server says this." not in html and "Definitions (1)" in html


async def test_search_finds_what_slash_search_finds(client, service):
    """The words in every text, typos read as glossary words, the words found marked."""
    customer = term_id(service, "customer")
    html = await page(client, "/search?q=custmer")
    assert links(html).index(f"/term/{customer}") < links(html).index(
        f"/term/{term_id(service, 'churn')}"
    )  # the name first, then a text that holds the word
    assert "<strong>customer</strong> for “custmer”" in html and "<mark>" in html
    faq = service.store.faqs_of_term(customer)[0]
    assert f"/term/{customer}#faq-{faq.id}" in links(html)  # a term's FAQ, on its page
    html = await page(client, "/search?q=measure+loyalty")
    assert "How do I measure loyalty?" in html and "Track repeat purchases." in html


async def test_search_offers_names_when_no_text_holds_the_words(client, service):
    html = await page(client, "/search?q=churnrate")
    assert "Nothing in the glossary mentions “churnrate”" in html and "Did you mean" in html
    assert f"/term/{term_id(service, 'churn')}" in links(html)
    html = await page(client, "/search?q=qqqzzz+wibble")
    assert "Nothing in the glossary mentions “qqqzzz wibble”" in html
    assert "Did you mean" not in html
    assert "Type words to find" in await page(client, "/search")
    long = await page(client, "/search?q=" + "a" * 3000)
    assert "a" * 201 not in long


async def test_search_results_are_paged_with_the_words_kept(client, service):
    terms = "".join(f"  - term: Widget {n:02}\n    definition: A gadget, number {n}.\n"
                    for n in range(25))
    service.load(parse_glossary(f"name: Gadgets\nterms:\n{terms}", filename="g.yaml"))
    first = await page(client, "/search?q=gadget")
    assert "25 found" in first and "page 1 of 3" in first
    assert "/search?q=gadget&page=2" in links(first)
    third = await page(client, "/search?q=gadget&page=3")
    assert text_of(third).count("Widget") == 5
    await page(client, "/search?q=gadget&page=4", 404)


async def test_unknown_pages_are_a_404_page_never_a_traceback(client, service):
    for path in (
        "/nope",
        "/term/999999",
        "/term/abc",
        "/term/" + "9" * 40,
        "/member/x",
        "/leaderboard",
        "/s/not-a-key/",
        "/s/not-a-key/term/1",
        "/site.css/x",
    ):
        html = await page(client, path, 404)
        assert "There is no such page here." in html and "Traceback" not in html


async def test_only_get_and_head_are_answered(client):
    response = await client.post("/", data=b"x" * 100)
    assert response.status == 405 and response.headers["Allow"] == "GET, HEAD"
    assert response.headers["Content-Security-Policy"] == CSP
    response = await client.head("/")
    assert response.status == 200


async def test_every_answer_carries_the_security_headers(client):
    for path, status in (("/", 200), ("/site.css", 200), ("/nope", 404)):
        response = await client.get(path)
        assert response.status == status
        assert response.headers["Content-Security-Policy"] == CSP
        assert "script-src" not in CSP and "default-src 'none'" in CSP
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Frame-Options"] == "DENY"
    css = await client.get("/site.css")
    assert css.content_type == "text/css" and "max-width" in await css.text()


async def test_oversized_requests_are_refused_quietly(client, caplog):
    """Refused by the HTTP parser, and logged as one line at DEBUG, not a traceback."""
    response = await client.get("/", headers={"X-Big": "x" * 10_000})
    assert response.status in (400, 431)
    response = await client.get("/search?q=" + "x" * 10_000)
    assert response.status in (400, 414)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "Traceback" not in caplog.text


async def test_a_busy_site_answers_503_instead_of_queueing_forever(client, monkeypatch):
    monkeypatch.setattr(web_app, "QUEUE_SECONDS", 0.05)
    slots = client.app[web_app.SITE].slots
    for _ in range(web_app.CONCURRENT_PAGES):
        await slots.acquire()
    try:
        response = await client.get("/")
        assert response.status == 503 and response.headers["Retry-After"] == "5"
        assert "busy" in await response.text()
    finally:
        for _ in range(web_app.CONCURRENT_PAGES):
            slots.release()
    assert (await client.get("/")).status == 200


async def test_a_request_that_takes_too_long_is_cut_off_with_a_503(service, monkeypatch):
    monkeypatch.setattr(web_app, "REQUEST_SECONDS", 0.05)
    app = make_app(service)

    async def slow(request):
        await asyncio.sleep(5)

    app.router.add_get("/slow", slow)
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/slow")
        assert response.status == 503 and "busy" in await response.text()
        assert response.headers["Content-Security-Policy"] == CSP
        assert (await client.get("/")).status == 200  # its page slot was given back


async def test_a_failing_page_is_a_500_page_and_is_logged(client, service, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("the disk fell off")

    monkeypatch.setattr(service, "glossaries", broken)
    html = await page(client, "/", 500)
    assert "Something went wrong" in html and "disk fell off" not in html
    assert "the disk fell off" in caplog.text


# -- a server's pages ---------------------------------------------------------------------------


@pytest.fixture
async def server_view(service):
    """alice (3 definitions) and bob (1) in a server whose web view is on; carol voted."""
    first = contribute(service, "customer", text="Alice: a customer pays.")
    second = contribute(service, "churn", text="Alice: churn is leaving.")
    contribute(service, "consumer", text="Alice: a consumer uses.")
    bobs = contribute(service, "customer", author=BOB, author_name="bob", text="Bob: buyer.")
    vote(service, first, BOB, 1)
    vote(service, first, CAROL, 1)
    vote(service, second, BOB, -1)
    vote(service, bobs, ALICE, 1)
    award_badges(service.store, guild_id=GUILD, user_id=ALICE)
    key = await service.set_web_view(GUILD, True)
    assert key
    return key


async def test_server_term_page_has_members_definitions_best_voted_first(
    client, service, server_view
):
    html = await page(client, f"/s/{server_view}/term/{term_id(service, 'customer')}")
    text = text_of(html)
    order = [text.index(t) for t in ("Alice: a customer pays.", "Bob: buyer.", "A person or")]
    assert order == sorted(order)
    assert "by alice" in text and "👍 2 👎 0" in text and "by bob" in text
    assert f"/s/{server_view}/member/{member_token(server_view, ALICE)}" in links(html)
    assert f"/s/{server_view}/term/{term_id(service, 'consumer')}" in links(html)
    assert str(ALICE) not in html and str(GUILD) not in html  # display names only


async def test_profile_shows_the_figures_profile_counts(client, service, server_view):
    path = f"/s/{server_view}/member/{member_token(server_view, ALICE)}"
    stats = service.store.member_stats(guild_id=GUILD, user_id=ALICE)
    html = await page(client, path)
    assert re.search(r'id="upvotes">2<', html) and stats.upvotes == 2
    assert re.search(r'id="downvotes">1<', html) and stats.downvotes == 1
    assert re.search(r'id="karma">1<', html) and stats.karma == 1
    assert re.search(r'id="definition-count">3<', html)
    assert "First definition" in html
    assert "Alice: a customer pays." in html and "Customer" in html


async def test_profile_and_term_page_give_a_definition_the_same_source(
    client, service, server_view
):
    """A definition without a source of its own shows its glossary's, as /define shows it."""
    term_page = await page(client, f"/s/{server_view}/term/{term_id(service, 'churn')}")
    profile = await page(client, f"/s/{server_view}/member/{member_token(server_view, ALICE)}")
    for html in (term_page, profile):
        meta = re.search(r'churn is leaving\.</p>\s*<p class="meta">(.*?)</p>', html, re.DOTALL)
        assert meta and 'source: <a href="https://small.example"' in meta.group(1), html


async def test_profile_definitions_are_paged(client, service, server_view):
    for n in range(web_app.pages.PROFILE_PAGE_SIZE):
        contribute(service, "churn", text=f"Alice, take {n:02}.")
    path = f"/s/{server_view}/member/{member_token(server_view, ALICE)}"
    first = await page(client, path)
    total = web_app.pages.PROFILE_PAGE_SIZE + 3
    assert f"Definitions ({total})" in first and "page 1 of 2" in first
    assert f"{path}?page=2" in links(first)
    second = await page(client, f"{path}?page=2")
    assert text_of(second).count("👍") == 3 and f"{path}?page=1" in links(second)
    shown = re.findall(r"Alice, take (\d\d)", first + second)
    assert len(shown) == len(set(shown)) == web_app.pages.PROFILE_PAGE_SIZE
    await page(client, f"{path}?page=3", 404)


async def test_leaderboard_ranks_members_by_karma_with_profile_links(client, server_view):
    html = await page(client, f"/s/{server_view}/leaderboard")
    text = text_of(html)
    assert text.index("alice") < text.index("bob")  # both 1 karma; alice has more upvotes
    assert "alice: 1 karma (3 definitions)" in text and "bob: 1 karma (1 definitions)" in text
    assert f"/s/{server_view}/member/{member_token(server_view, BOB)}" in links(html)


async def test_server_pages_are_private_to_caches(client, server_view):
    response = await client.get(f"/s/{server_view}/leaderboard")
    assert response.headers["Cache-Control"] == "no-store"
    assert (await client.get("/")).headers["Cache-Control"].startswith("public")


async def test_a_server_with_its_web_view_off_serves_none_of_its_pages(
    client, service, server_view
):
    paths = [
        f"/s/{server_view}/",
        f"/s/{server_view}/letter/C",
        f"/s/{server_view}/search?q=customer",
        f"/s/{server_view}/term/{term_id(service, 'customer')}",
        f"/s/{server_view}/member/{member_token(server_view, ALICE)}",
        f"/s/{server_view}/leaderboard",
    ]
    for path in paths:
        await page(client, path)
    assert await service.set_web_view(GUILD, False) is None
    for path in paths:
        await page(client, path, 404)
    assert await service.set_web_view(GUILD, True) == server_view  # the same address again
    await page(client, paths[-1])


async def test_a_server_never_sees_another_servers_members(client, service, server_view):
    contribute(service, "customer", guild=OTHER_GUILD, author=CAROL, author_name="carol",
               text="Carol's other-server words.")
    other = await service.set_web_view(OTHER_GUILD, True)
    assert other != server_view
    html = await page(client, f"/s/{server_view}/term/{term_id(service, 'customer')}")
    assert "Carol's other-server words." not in html
    await page(client, f"/s/{server_view}/member/{member_token(server_view, CAROL)}", 404)
    await page(client, f"/s/{other}/member/{member_token(other, ALICE)}", 404)
    await page(client, f"/s/{server_view}/member/{member_token(other, ALICE)}", 404)


# -- untrusted text -------------------------------------------------------------------------------


HOSTILE_DEFINITIONS = [
    "<script>alert('pwned')</script>",
    '"><img src=x onerror=alert(1)>',
    "<a href=\"javascript:alert(1)\">click me</a>",
    "{{ 7 * 7 }} {% raw %}",
    "' onmouseover='alert(1)",
]


async def test_hostile_member_text_is_shown_as_text_on_every_page(client, service, server_view):
    for text in HOSTILE_DEFINITIONS:
        contribute(
            service,
            "customer",
            author=CAROL,
            author_name='<img src=x onerror="alert(1)">carol',
            text=text,
            source=Source("<b>handbook</b>", "javascript:alert(document.cookie)"),
        )
    carol = f"/s/{server_view}/member/{member_token(server_view, CAROL)}"
    for path in (f"/s/{server_view}/term/{term_id(service, 'customer')}", carol,
                 f"/s/{server_view}/leaderboard"):
        html = await page(client, path)
        assert not HOSTILE_MARKUP.search(html), path
        assert "javascript:" not in " ".join(links(html)), path
        assert '<img src=x onerror="alert(1)">carol' in text_of(html), path
    html = await page(client, carol)
    for text in HOSTILE_DEFINITIONS:
        assert text in text_of(html)
    assert "49" not in html  # no template code ran
    assert "<b>handbook</b> (javascript:alert(document.cookie))" in text_of(html)


async def test_hostile_glossary_fields_are_shown_as_text(client, service):
    service.load(parse_glossary(HOSTILE, filename="hostile.yaml"))
    bold = term_id(service, "<b>Bold</b> term")
    for path in ("/", "/letter/%23", f"/term/{bold}", "/search?q=bold+term",
                 "/search?q=alert", "/search?q=evil+iframe", "/search?q=marquee"):
        html = await page(client, path)
        assert not HOSTILE_MARKUP.search(html), path
        assert not [link for link in links(html) if not link.startswith(("/", "http"))], path
    html = await page(client, f"/term/{bold}")
    text = text_of(html)
    for field in ("<script>alert('definition')</script>", "</p><p onclick=alert(1)>click",
                  "<iframe src=//evil.example>", "<marquee>why?</marquee>", "<u>tag</u>"):
        assert field in text, field


async def test_a_search_is_reflected_as_text(client):
    html = await page(client, '/search?q="><script>alert(1)</script>')
    assert "<script>alert" not in html
    assert '"><script>alert(1)</script>' in text_of(html)


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://example.com/a?b=c#d", True),
        ("http://example.com", True),
        ("HTTPS://EXAMPLE.COM", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        (" javascript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("data:text/html,<script>x</script>", False),
        ("vbscript:x", False),
        ("//evil.example/x", False),
        ("/relative", False),
        ("https://", False),
        ("https://exa mple.com", False),
        ("https://example.com/\x00", False),
        ("https://[::1", False),
        ("", False),
        (None, False),
    ],
)
def test_only_plain_http_links_are_kept(url, kept):
    assert (http_link(url) is not None) is kept
    assert http_link(url) in (url, None)


# -- read only ----------------------------------------------------------------------------------


async def test_the_site_never_writes_to_the_database(client, service, server_view):
    if service.store.backend != "sqlite":
        pytest.skip("counts SQLite's changes; a read-only store on PostgreSQL refuses writes")
    before = service.store.db.conn.total_changes
    token = member_token(server_view, ALICE)
    for path in ("/", "/letter/C", "/search?q=what+is+churn", "/search?q=qqqzzz",
                 f"/term/{term_id(service, 'customer')}", f"/s/{server_view}/",
                 f"/s/{server_view}/member/{token}", f"/s/{server_view}/leaderboard", "/nope"):
        await client.get(path)
    assert service.store.db.conn.total_changes == before
    assert service.store.missed_queries(guild_id=None) == []


def test_a_read_only_service_refuses_every_write(service):
    service.forbid_writes()
    with pytest.raises(Exception, match=r"readonly|read-only") as refused:
        service.store.record_missed_query(guild_id=None, query="x")
    assert type(refused.value).__name__ in ("OperationalError", "ReadOnlySqlTransaction")


async def test_pages_follow_new_votes(client, service, server_view):
    path = f"/s/{server_view}/term/{term_id(service, 'churn')}"
    assert "👍 0 👎 1" in text_of(await page(client, path))
    churn = service.store.definitions(term_id(service, "churn"), guild_id=GUILD)
    alices = next(d for d in churn if d.author_id == ALICE)
    vote(service, alices.id, BOB, 1)
    assert "👍 1 👎 0" in text_of(await page(client, path))


# -- settings -----------------------------------------------------------------------------------


def test_web_settings_are_checked_before_the_bot_starts():
    assert web_settings({}).port is None
    settings = web_settings({"GLOSSARY_WEB_PORT": "8081", "GLOSSARY_WEB_URL": "https://g.example/"})
    assert (settings.host, settings.port, settings.url) == ("127.0.0.1", 8081, "https://g.example")
    anywhere = web_settings({"GLOSSARY_WEB_PORT": "80", "GLOSSARY_WEB_HOST": "0.0.0.0"})
    assert anywhere.host == "0.0.0.0"
    for bad in ({"GLOSSARY_WEB_PORT": "http"}, {"GLOSSARY_WEB_PORT": "70000"},
                {"GLOSSARY_WEB_URL": "javascript:alert(1)"}, {"GLOSSARY_WEB_URL": "g.example"}):
        with pytest.raises(web_app.WebSettingError, match="GLOSSARY_WEB_"):
            web_settings(bad)


async def test_web_link_points_at_the_servers_view_while_it_is_on(service):
    customer = term_id(service, "customer")
    assert service.web_path(customer, guild_id=GUILD) == f"/term/{customer}"
    assert service.web_path(customer, guild_id=None) == f"/term/{customer}"
    key = await service.set_web_view(GUILD, True)
    assert service.web_path(customer, guild_id=GUILD) == f"/s/{key}/term/{customer}"
    assert service.web_path(customer, guild_id=OTHER_GUILD) == f"/term/{customer}"


# -- the command line ---------------------------------------------------------------------------


async def until_served(url: str, process: asyncio.subprocess.Process, timeout: float = 30) -> str:
    async with aiohttp.ClientSession() as session:
        for _ in range(int(timeout / 0.1)):
            assert process.returncode is None, "glossary-bot web exited"
            try:
                async with session.get(url) as response:
                    return await response.text()
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
    raise AssertionError(f"nothing served at {url}")


async def test_glossary_bot_web_serves_the_pages_and_stops_on_sigterm(db_url):
    command, _ = bot_command()
    port = free_port()
    db = db_url
    process = await asyncio.create_subprocess_exec(
        *command, "web", "--db", str(db), "--port", str(port),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={k: v for k, v in os.environ.items() if k != "GLOSSARY_DB"},
    )
    try:
        html = await until_served(f"http://127.0.0.1:{port}/letter/C", process)
        assert "Customer" in html  # made from the bundled glossary on first use
        taken = await asyncio.create_subprocess_exec(
            *command, "web", "--db", str(db), "--port", str(port),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(taken.communicate(), 30)
        assert taken.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in output.decode()
        assert "Traceback" not in output.decode()
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, output.decode()
    assert f"Serving the glossary on http://127.0.0.1:{port}/" in output.decode()


def test_run_refuses_bad_web_settings_before_starting(monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "not-used")
    for name, value in (("GLOSSARY_WEB_PORT", "eighty"), ("GLOSSARY_WEB_URL", "ftp://x")):
        result = CliRunner().invoke(main, ["run"], env={name: value})
        assert result.exit_code == 2 and name in result.output, result.output
