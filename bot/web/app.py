"""The glossary on the web: read-only pages on aiohttp's server, built from the service.

Public pages show the loaded glossaries. A server's pages (its own terms, its members'
definitions, profiles and leaderboard) live under ``/s/<key>/``, where the key is made when the
server's admins turn the web view on; while it is off, none of them is served. Pages show
display names only, never Discord ids.

Safe by construction: every text goes through autoescaped templates, links to sources are
kept only when they are plain http(s), a Content-Security-Policy forbids any script, unknown
pages are a 404 page and errors a 500 page (never a traceback), and each request is small,
short and one of a few at a time, so a burst of them leaves the bot's gateway room to answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from urllib.parse import urlsplit

import jinja2
from aiohttp import web
from markupsafe import Markup, escape

from bot.core import browse, pages
from bot.core.search import marked
from bot.core.service import GlossaryService

log = logging.getLogger(__name__)

REQUEST_SECONDS = 5.0  # a request not answered by then gets a 503 page
QUEUE_SECONDS = 2.0  # how long a request waits for one of the page slots before a 503
CONCURRENT_PAGES = 8  # pages built at once; the rest wait, so the gateway keeps its turns
MAX_QUERY = 200  # characters of a search that are read
MAX_PAGE = 10_000
PAGE_CACHE_SIZE = 2048
# Requests are GETs: a line, a few headers, no body.
HANDLER_LIMITS: dict[str, object] = {
    "max_line_size": 4096,
    "max_field_size": 4096,
    "max_headers": 64,
    "keepalive_timeout": 15.0,
    "lingering_time": 1.0,
}
CLIENT_MAX_SIZE = 4096


class _BadRequestsQuietly(logging.Filter):
    """aiohttp logs a malformed or oversized request with its traceback; in the bot's log
    that is noise from the internet, so it becomes one line at DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        first_line = (str(error).splitlines() or [type(error).__name__])[0] if error else ""
        log.debug("bad request refused: %s", first_line or record.getMessage())
        return False


_requests_log = logging.getLogger("bot.web.requests")
_requests_log.addFilter(_BadRequestsQuietly())
HANDLER_LIMITS["logger"] = _requests_log
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self';"
    " base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # A server's pages' address is its key: never hand it to the sites its sources link to.
    "Referrer-Policy": "no-referrer",
}

SERVICE = web.AppKey("service", GlossaryService)
SITE = web.AppKey("site", "Site")


def http_link(url: str | None) -> str | None:
    """The URL if it is a plain http(s) link, else None (javascript:, data:, relative, ...)."""
    if not url or len(url) > 2000 or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("bot.web", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,  # templates are package data: never re-read them for each page
)
_templates.filters["http_link"] = http_link
_templates.globals["LETTERS"] = browse.LETTERS
_templates.globals["member_token"] = pages.member_token


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a page is read: the public glossary, or one server's view of it."""

    base: str  # "" or "/s/<key>"
    guild_id: int | None = None
    web_key: str | None = None


class Site:
    """The pages, their cache and the limits on how many are built at once."""

    def __init__(self, service: GlossaryService):
        self.service = service
        self.slots = asyncio.Semaphore(CONCURRENT_PAGES)
        self._pages: dict[str, str] = {}
        self._members: dict[int, dict[str, int]] = {}
        self._version = -1

    def _follow(self) -> None:
        """Forget what was built from an older state of the database."""
        version = self.service.version
        if version != self._version:
            self._pages.clear()
            self._members.clear()
            self._version = version

    async def cached(self, key: str, build: Callable[[], str]) -> str:
        """A page as built for the current state of the database (built through the
        service's seam, as the site may share the bot's event loop)."""
        self._follow()
        page = self._pages.get(key)
        if page is None:
            page = await self.service.call(build)
            if len(self._pages) >= PAGE_CACHE_SIZE:
                self._pages.clear()
            self._pages[key] = page
        return page

    async def member(self, scope: Scope, token: str) -> int | None:
        """The member of the scope's server whose profile address holds this token."""
        assert scope.guild_id is not None and scope.web_key is not None
        self._follow()
        tokens = self._members.get(scope.guild_id)
        if tokens is None:
            tokens = await self.service.call(
                self.service.member_tokens, guild_id=scope.guild_id, web_key=scope.web_key
            )
            self._members[scope.guild_id] = tokens
        return tokens.get(token)


def render(template: str, scope: Scope, **context: object) -> str:
    return _templates.get_template(template).render(scope=scope, **context)


def html(body: str, *, status: int = 200, private: bool = False) -> web.Response:
    response = web.Response(text=body, status=status, content_type="text/html", charset="utf-8")
    # A server's pages must stop being shown the moment its admins turn them off.
    response.headers["Cache-Control"] = "no-store" if private else "public, max-age=60"
    return response


async def scope_of(request: web.Request) -> Scope:
    key = request.match_info.get("key")
    if key is None:
        return Scope(base="")
    service = request.app[SERVICE]
    guild_id = await service.call(service.guild_of_web_key, key)
    if guild_id is None:
        raise web.HTTPNotFound()
    return Scope(base=f"/s/{key}", guild_id=guild_id, web_key=key)


def page_number(request: web.Request) -> int:
    text = request.query.get("page", "1")
    if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
        raise web.HTTPNotFound()
    return int(text) - 1


# -- pages ------------------------------------------------------------------------------------


async def index(request: web.Request) -> web.Response:
    scope = await scope_of(request)
    service = request.app[SERVICE]

    def build() -> str:
        return render(
            "index.html",
            scope,
            glossaries=service.glossaries(),
            letters=service.letter_counts(guild_id=scope.guild_id),
        )

    page = await request.app[SITE].cached(request.path_qs, build)
    return html(page, private=bool(scope.guild_id))


async def letter(request: web.Request) -> web.Response:
    scope = await scope_of(request)
    service = request.app[SERVICE]
    name = request.match_info["letter"].upper()
    if name not in browse.LETTERS:
        raise web.HTTPNotFound()
    page = page_number(request)

    def build() -> str:
        counts = service.letter_counts(guild_id=scope.guild_id)
        total = counts.get(name, 0)
        terms = service.terms_by_letter(name, guild_id=scope.guild_id, page=page)
        if page and not terms:
            raise web.HTTPNotFound()
        return render(
            "letter.html",
            scope,
            letter=name,
            letters=counts,
            terms=terms,
            page=page,
            pages=pages.pages_of(total, pages.INDEX_PAGE_SIZE),
            several_glossaries=len(service.glossaries()) > 1,
        )

    body = await request.app[SITE].cached(request.path_qs, build)
    return html(body, private=bool(scope.guild_id))


async def search(request: web.Request) -> web.Response:
    """The words searched as /search searches them; when nothing holds them, the names the
    matcher would offer ("did you mean")."""
    scope = await scope_of(request)
    service = request.app[SERVICE]
    query = request.query.get("q", "").strip()[:MAX_QUERY]
    page = page_number(request)

    def build() -> str:
        result = service.search_result(query, guild_id=scope.guild_id, page=page) if query else None
        if result is not None and page and page >= result.pages:
            raise web.HTTPNotFound()
        suggestions = []
        if result is not None and not result.shown:
            decision = service.decide(
                query, mode="define", guild_id=scope.guild_id, kinds=("term",)
            )
            suggestions = decision.candidates if decision.decision != "none" else []
        return render(
            "search.html",
            scope,
            query=query,
            result=result,
            suggestions=suggestions,
            faq_answer=service.faq_answer,
        )

    # Not cached: the words searched are the visitor's, too many to keep pages of.
    return html(await service.call(build), private=bool(scope.guild_id))


def marked_snippet(snippet: str) -> Markup:
    """A search snippet, escaped, with the words it found in <mark>."""
    return Markup(marked(str(escape(snippet)), "<mark>", "</mark>"))


_templates.filters["marked"] = marked_snippet


async def term(request: web.Request) -> web.Response:
    scope = await scope_of(request)
    service = request.app[SERVICE]
    term_id = int(request.match_info["term_id"])

    def build() -> str:
        page = service.term_page(term_id, guild_id=scope.guild_id)
        if page is None:
            raise web.HTTPNotFound()
        return render("term.html", scope, page=page)

    body = await request.app[SITE].cached(request.path_qs, build)
    return html(body, private=bool(scope.guild_id))


async def member(request: web.Request) -> web.Response:
    scope = await scope_of(request)
    site = request.app[SITE]
    user_id = await site.member(scope, request.match_info["token"])
    if user_id is None or scope.guild_id is None:
        raise web.HTTPNotFound()
    guild_id = scope.guild_id
    page = page_number(request)

    def build() -> str:
        profile = site.service.member_profile(guild_id=guild_id, user_id=user_id, page=page)
        if page >= profile.pages:
            raise web.HTTPNotFound()
        return render("profile.html", scope, profile=profile, token=request.match_info["token"])

    return html(await site.cached(request.path_qs, build), private=True)


async def leaderboard(request: web.Request) -> web.Response:
    scope = await scope_of(request)
    guild_id = scope.guild_id
    assert guild_id is not None  # the route has a key

    def build() -> str:
        ranked = request.app[SERVICE].ranked_members(guild_id=guild_id)
        return render("leaderboard.html", scope, ranked=ranked)

    return html(await request.app[SITE].cached(request.path_qs, build), private=True)


async def stylesheet(request: web.Request) -> web.Response:
    response = web.Response(body=_STYLESHEET, content_type="text/css", charset="utf-8")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


_STYLESHEET = files("bot.web").joinpath("site.css").read_bytes()


# -- limits, headers and error pages ------------------------------------------------------------


@web.middleware
async def guard(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Every answer gets the security headers; no request takes long or many resources."""
    site = request.app[SITE]
    try:
        if request.method not in ("GET", "HEAD"):
            raise web.HTTPMethodNotAllowed(request.method, ["GET", "HEAD"])
        async with asyncio.timeout(QUEUE_SECONDS):
            await site.slots.acquire()
        try:
            async with asyncio.timeout(REQUEST_SECONDS):
                response = await handler(request)
        finally:
            site.slots.release()
    except TimeoutError:
        response = error_page(503, "Busy", "The site is busy; try again in a moment.")
        response.headers["Retry-After"] = "5"
    except web.HTTPException as exc:
        if exc.status == 404:
            response = error_page(404, "Not found", "There is no such page here.")
        else:
            response = error_page(exc.status, exc.reason, "That request cannot be answered.")
            if isinstance(exc, web.HTTPMethodNotAllowed):
                response.headers["Allow"] = "GET, HEAD"
    except Exception:
        log.exception("error building %s", request.path)
        response = error_page(500, "Something went wrong", "The error has been logged.")
    response.headers.update(SECURITY_HEADERS)
    return response


def error_page(status: int, title: str, text: str) -> web.Response:
    body = render("error.html", Scope(base=""), status=status, title=title, text=text)
    response = html(body, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def make_app(service: GlossaryService) -> web.Application:
    app = web.Application(
        middlewares=[guard], client_max_size=CLIENT_MAX_SIZE, handler_args=HANDLER_LIMITS
    )
    app[SERVICE] = service
    app[SITE] = Site(service)
    for prefix in ("", "/s/{key}"):
        app.router.add_get(prefix + "/", index)
        app.router.add_get(prefix + "/letter/{letter}", letter)
        app.router.add_get(prefix + "/search", search)
        app.router.add_get(prefix + r"/term/{term_id:\d{1,18}}", term)
    app.router.add_get("/s/{key}/member/{token}", member)
    app.router.add_get("/s/{key}/leaderboard", leaderboard)
    app.router.add_get("/site.css", stylesheet)
    return app


async def start_site(service: GlossaryService, *, host: str, port: int) -> web.AppRunner:
    """Serve the site on the running event loop until the returned runner is cleaned up."""
    runner = web.AppRunner(make_app(service), access_log=None, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError:
        await runner.cleanup()
        raise
    log.info("web site on http://%s:%d/", host, port)
    return runner


FOLLOW_DATABASE_SECONDS = 2.0


class WebSettingError(ValueError):
    """GLOSSARY_WEB_PORT, GLOSSARY_WEB_HOST or GLOSSARY_WEB_URL cannot be used as given."""


@dataclass(frozen=True, slots=True)
class WebSettings:
    host: str | None  # None: the bot serves no pages itself
    port: int | None
    url: str | None  # the public address: answers get an "Open on the web" button


def web_settings(environ: Mapping[str, str]) -> WebSettings:
    """The web settings of `glossary-bot run`, checked before the bot starts."""
    port_text = environ.get("GLOSSARY_WEB_PORT", "").strip()
    port = None
    if port_text:
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise WebSettingError(f"GLOSSARY_WEB_PORT={port_text!r} is not a port (1-65535)")
        port = int(port_text)
    url = environ.get("GLOSSARY_WEB_URL", "").strip().rstrip("/") or None
    if url is not None and http_link(url) is None:
        raise WebSettingError(
            f"GLOSSARY_WEB_URL={url!r} is not an http(s) address like https://glossary.example.org"
        )
    host = environ.get("GLOSSARY_WEB_HOST", "").strip() or "127.0.0.1"
    return WebSettings(host if port else None, port, url)


async def serve_forever(service: GlossaryService, *, host: str, port: int) -> None:
    """`glossary-bot web`: the site alone, following what the bot writes to the database,
    until SIGTERM or Ctrl-C."""
    service.serve_from_event_loop()
    runner = await start_site(service, host=host, port=port)
    stopping = asyncio.Event()
    with contextlib.suppress(NotImplementedError, RuntimeError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    try:
        while not stopping.is_set():
            # The next look is due after a while, or sooner when another process says it
            # changed the glossary (PostgreSQL's NOTIFY), or at once when asked to stop.
            waiting = asyncio.ensure_future(service.wait_for_changes(FOLLOW_DATABASE_SECONDS))
            stop = asyncio.ensure_future(stopping.wait())
            await asyncio.wait({waiting, stop}, return_when=asyncio.FIRST_COMPLETED)
            for task in (waiting, stop):
                task.cancel()
            if stopping.is_set():
                break
            try:
                await service.follow_other_writers()
            except Exception:
                log.exception("could not catch up with the database; trying again shortly")
    finally:
        await runner.cleanup()
