"""Answers to embeds and views, within Discord's limits.

Every limit Discord enforces on what the bot sends is applied here and nowhere else, so whatever a
glossary holds, a message never bounces with a 400. Text that does not fit is cut at a word
boundary with an ellipsis, and a "Read more" button brings the rest.
"""

from __future__ import annotations

import re

import discord

from bot.core.answers import AUTHOR_ACTIONS, Action, Answer

# https://discord.com/developers/docs/resources/message#embed-object-embed-limits
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_COUNT_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
CONTENT_LIMIT = 2000
BUTTON_LABEL_LIMIT = 80
CUSTOM_ID_LIMIT = 100
LINK_URL_LIMIT = 512
SELECT_OPTION_LIMIT = 25
SELECT_LABEL_LIMIT = 100
CHOICE_LIMIT = 25
CHOICE_NAME_LIMIT = 100
ROW_LIMIT = 5
BUTTONS_PER_ROW = 5

# Embed text is capped under 6000 so that rounding and markup never push it over.
EMBED_BUDGET = 5800
FOOTER_NOTE_LIMIT = 300
DESCRIPTION_WITH_FIELDS = 2000

COLOURS = {
    "definition": discord.Colour.blurple(),
    "faq": discord.Colour.green(),
    "suggest": discord.Colour.gold(),
    "none": discord.Colour.light_grey(),
    "info": discord.Colour.light_grey(),
    "search": discord.Colour.blurple(),
}

WEB_LINK_LABEL = "Open on the web"
HISTORY_LABEL = "History"
NO_PINGS = discord.AllowedMentions.none()
# Buttons that open something or start something, laid out in rows 1 to 4.
LINK_KINDS = ("term", "faq", "contribute", "new-term", "add-term")
# Discord rejects an embed whose url is not a well-formed http(s) link.
_LINK = re.compile(r"https?://[^\s<>\"]{1,2000}")


def shorten(text: str, limit: int) -> str:
    """Cut text to at most `limit` characters at a word boundary, marking the cut with '…'."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-\n") + "…"


def embed_for(answer: Answer, *, private: bool = False) -> tuple[discord.Embed, bool]:
    """The answer as an embed, and whether anything had to be cut to fit."""
    cut = False

    def fit(text: str, limit: int) -> str:
        nonlocal cut
        short = shorten(text, limit)
        cut |= short != text.strip()
        return short

    title = fit(answer.title, TITLE_LIMIT)
    footer = fit(answer.footer, FOOTER_NOTE_LIMIT) if answer.footer else ""
    if answer.kind == "definition" and answer.definition_id is not None:
        how = "vote with the buttons below" if private else "click 👍 or 👎 below to vote"
        footer = (footer + " · " + how).strip(" ·")
    # The description shares the 6000-character budget with the fields, so it is kept shorter
    # when there are sections to show.
    room = min(DESCRIPTION_LIMIT, EMBED_BUDGET - len(title) - len(footer))
    if answer.sections:
        room = min(room, DESCRIPTION_WITH_FIELDS)
    embed = discord.Embed(
        title=title,
        description=fit(answer.body, room) if answer.body else None,
        colour=COLOURS[answer.kind],
    )
    if answer.url and _LINK.fullmatch(answer.url):
        embed.url = answer.url
    used = len(title) + len(embed.description or "") + len(footer)
    for section in answer.sections[:FIELD_COUNT_LIMIT]:
        if not section.text.strip() or not section.name.strip():
            continue  # Discord rejects a whole message over one empty field
        name = fit(section.name, FIELD_NAME_LIMIT)
        room = min(FIELD_VALUE_LIMIT, EMBED_BUDGET - used - len(name))
        if room < 40:
            cut = True
            break
        value = fit(section.text, room)
        embed.add_field(name=name, value=value, inline=False)
        used += len(name) + len(value)
    cut |= len(answer.sections) > FIELD_COUNT_LIMIT
    if footer:
        embed.set_footer(text=footer)
    return embed, cut


CUSTOM_ID_LIMIT = 100
SEARCH_PREFIX = "gb:search:"


def search_custom_id(page: int, query: str) -> str:
    """A search's page button carries the words (a /search is at most 80 characters)."""
    head = f"{SEARCH_PREFIX}{page}:"
    return head + query[: CUSTOM_ID_LIMIT - len(head)]


def custom_id(action: Action, *, pick: bool = False, query: str | None = None) -> str:
    """Buttons carry everything they need, so they keep working after a restart."""
    if action.kind == "search":
        return search_custom_id(action.page, query or "")
    if pick:
        return f"gb:pick:{action.kind}:{action.target}"
    if action.kind in ("page", "more", "profile", "board", "history"):
        return f"gb:{action.kind}:{action.target}:{action.page}"
    if action.kind == "revert":  # the definition, and the version to bring back
        return f"gb:revert:{action.target}:{action.text}"
    if action.kind == "new-term":
        return f"gb:new-term:{action.text or ''}"[:CUSTOM_ID_LIMIT]
    return f"gb:{action.kind}:{action.target}"


def view_for(
    answer: Answer, *, cut: bool = False, link: str | None = None, private: bool = False
) -> discord.ui.View | None:
    """Buttons for the answer's actions; related terms go in a select menu when there are many.

    A link (to the answer's web page) is a link button after the first row's buttons. A private
    view of a definition gets 👍 and 👎 buttons (its own way to vote, since only public messages
    carry reactions) on the row under the page buttons.
    """
    view = discord.ui.View(timeout=None)
    nav = [
        a
        for a in answer.actions
        if a.kind in ("page", "faqs", "search", "profile", "board", "history")
    ]
    if cut and answer.term_id is not None:
        nav.append(Action("more", "Read more", answer.term_id, answer.page))
    if link is not None and _LINK.fullmatch(link) and len(link) <= LINK_URL_LIMIT:
        nav = nav[: BUTTONS_PER_ROW - 1]
    else:
        link = None
    for action in nav[:BUTTONS_PER_ROW]:
        view.add_item(
            _button(action, row=0, style=discord.ButtonStyle.primary, query=answer.query)
        )
    if link is not None:
        view.add_item(discord.ui.Button(label=WEB_LINK_LABEL, url=link, row=0))
    links = [a for a in answer.actions if a.kind in LINK_KINDS]
    # A history page's Revert buttons: one row, as a page shows at most five versions.
    for action in [a for a in answer.actions if a.kind == "revert"][:BUTTONS_PER_ROW]:
        view.add_item(_button(action, row=1, style=discord.ButtonStyle.danger))
    if answer.kind == "search":
        view.add_item(_related_select(links, row=1, placeholder="Open a result…"))
    elif answer.kind == "definition" and len(links) > BUTTONS_PER_ROW:
        view.add_item(_related_select(links, row=1))
    else:
        rows = range(1, ROW_LIMIT)
        for index, action in enumerate(links[: len(rows) * BUTTONS_PER_ROW]):
            view.add_item(
                _button(action, row=rows[index // BUTTONS_PER_ROW], pick=answer.kind == "suggest")
            )
    # A definition uses rows 0 and 1; its author's own buttons go below them.
    own = [a for a in answer.actions if a.kind in AUTHOR_ACTIONS]
    for action in own:
        style = (
            discord.ButtonStyle.danger if action.kind == "delete" else discord.ButtonStyle.secondary
        )
        view.add_item(_button(action, row=2, style=style))
    if private and not own and answer.kind == "definition" and answer.definition_id is not None:
        # A private view votes with buttons (reactions go on public messages only); an author
        # never votes on their own, so these take the row their Edit and Delete would.
        up, down = answer.votes or (0, 0)
        for label, value in ((f"👍 {up}", "up"), (f"👎 {down}", "down")):
            view.add_item(
                discord.ui.Button(
                    label=label,
                    style=discord.ButtonStyle.secondary,
                    row=2,
                    custom_id=f"gb:vote:{answer.definition_id}:{value}",
                )
            )
    if answer.kind == "definition" and answer.definition_id is not None:
        # Every definition's versions, for anyone to read; its author and admins revert there.
        view.add_item(
            discord.ui.Button(
                label=HISTORY_LABEL,
                style=discord.ButtonStyle.secondary,
                row=2,
                custom_id=f"gb:history:{answer.definition_id}:open",
            )
        )
    if not view.children:
        return None
    # The bot's dynamic items answer these buttons by their custom ids; a stopped view is sent
    # as plain components and not kept in discord.py's view store for every message forever.
    view.stop()
    return view


def _button(
    action: Action,
    *,
    row: int,
    style: discord.ButtonStyle = discord.ButtonStyle.secondary,
    pick: bool = False,
    query: str | None = None,
) -> discord.ui.Button:
    return discord.ui.Button(
        label=shorten(action.label, BUTTON_LABEL_LIMIT),
        style=style,
        row=row,
        custom_id=custom_id(action, pick=pick, query=query),
    )


def _related_select(
    links: list[Action], *, row: int, placeholder: str = "Related terms…"
) -> discord.ui.Select:
    select: discord.ui.Select = discord.ui.Select(
        placeholder=placeholder, custom_id="gb:related", row=row, min_values=1, max_values=1
    )
    # Two options may not share a value: an FAQ listed twice is offered once.
    values = {f"{a.kind}:{a.target}": a for a in links}
    for value, action in list(values.items())[:SELECT_OPTION_LIMIT]:
        select.add_option(label=shorten(action.label, SELECT_LABEL_LIMIT), value=value)
    return select


def split_text(text: str, limit: int) -> list[str]:
    """Split text into chunks of at most `limit`, at line or word boundaries where possible."""
    chunks = []
    while len(text) > limit:
        at = text.rfind("\n", 0, limit)
        if at < limit // 2:
            at = text.rfind(" ", 0, limit)
        if at < limit // 2:
            at = limit
        chunks.append(text[:at].rstrip())
        text = text[at:].lstrip()
    chunks.append(text)
    return chunks


def full_text_pages(answer: Answer, limit: int = DESCRIPTION_LIMIT) -> list[str]:
    """Everything an answer says, split into description-sized pages (for "Read more")."""
    parts = [answer.body] if answer.body else []
    parts += [f"**{s.name}**\n{s.text}" for s in answer.sections]
    pages: list[str] = []
    for part in parts:
        for chunk in split_text(part, limit):
            if pages and len(pages[-1]) + 2 + len(chunk) <= limit:
                pages[-1] += "\n\n" + chunk
            else:
                pages.append(chunk)
    return pages or [""]


def choice_name(label: str) -> str:
    return shorten(label, CHOICE_NAME_LIMIT)
