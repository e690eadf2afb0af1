"""What the bot says, as plain data: built once here, then rendered as an embed or as text.

Nothing here knows about Discord's limits: the renderers cut text to fit their medium, so the
console can show everything and Discord can show what fits plus a button for the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from bot.core.model import DefinitionRecord, FaqRecord, MemberStats, Source, TermRecord
from bot.core.search import SearchResult, marked

AnswerKind = Literal["definition", "faq", "suggest", "none", "info", "search"]
# term/faq/page/faqs/more open something; edit/delete act on the viewer's own definition;
# contribute/new-term start a contribution; add-term starts /glossary add for a missed question;
# search shows another page of a search; history opens a definition's versions (a page of
# them), revert brings one back (its id in `text`); approve, reject and reviews (a page of
# them) act on the review queue.
ActionKind = Literal[
    "term",
    "faq",
    "page",
    "faqs",
    "more",
    "edit",
    "delete",
    "contribute",
    "new-term",
    "add-term",
    "search",
    "profile",
    "board",
    "history",
    "revert",
    "approve",
    "reject",
    "reviews",
]
AUTHOR_ACTIONS = ("edit", "delete")


@dataclass(frozen=True, slots=True)
class Action:
    """Something a member can open from an answer: a related term, an FAQ, the next page."""

    kind: ActionKind
    label: str
    target: int
    page: int = 0
    text: str | None = None  # what a target id cannot carry (a new term's name)


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    text: str


@dataclass(slots=True)
class Answer:
    kind: AnswerKind
    title: str
    body: str = ""
    sections: list[Section] = field(default_factory=list)
    url: str | None = None
    footer: str | None = None
    actions: list[Action] = field(default_factory=list)
    # Only-for-you answers: did-you-mean, nothing found, errors.
    private: bool = False
    term_id: int | None = None
    faq_id: int | None = None
    definition_id: int | None = None
    page: int = 0
    pages: int = 1
    votes: tuple[int, int] | None = None
    author_id: int | None = None  # who wrote the definition shown (a member's)
    query: str | None = None  # a search's words, for its page buttons


def for_viewer(answer: Answer, viewer_id: int | None) -> Answer:
    """The answer as its viewer sees it: the author of the definition shown gets buttons to
    edit or delete it (others do not, and are refused if they press them anyway)."""
    if answer.author_id is None or answer.author_id != viewer_id or answer.definition_id is None:
        return answer
    if any(a.kind in AUTHOR_ACTIONS for a in answer.actions):
        return answer  # already the author's view
    own = [
        Action("edit", "Edit my definition", answer.definition_id),
        Action("delete", "Delete my definition", answer.definition_id),
    ]
    return replace(answer, actions=[*answer.actions, *own])


def definition_answer(
    term: TermRecord,
    definitions: list[DefinitionRecord],
    *,
    page: int = 0,
    faqs: list[FaqRecord] | None = None,
    glossary_source: Source | None = None,
    related_ids: dict[str, int] | None = None,
) -> Answer:
    """A term's answer showing one of its definitions (best-voted first) and what surrounds it."""
    if not definitions:
        return not_found_answer(term.name)
    page = max(0, min(page, len(definitions) - 1))
    shown = definitions[page]
    member_text = shown.origin == "member"
    sections = []
    if term.summary and not member_text:
        sections.append(Section("Summary", term.summary))
    sections.append(Section("Definition", shown.text))
    if not member_text:
        for name, text in (
            ("Context", term.context),
            ("Purpose", term.purpose),
            ("Example", term.example),
        ):
            if text:
                sections.append(Section(name, text))
    if term.related:
        lines = [f"{r.term}: {r.note}" if r.note else r.term for r in term.related]
        sections.append(Section("Related terms", "\n".join(lines)))
    if term.tags:
        sections.append(Section("Tags", ", ".join(term.tags)))
    source = source_of(shown, term, glossary_source)
    if source:
        sections.append(
            Section("Source", f"{source.name} ({source.url})" if source.url else source.name)
        )

    footer_parts = []
    if member_text:
        footer_parts.append(f"Contributed by {shown.author_name or 'a member'}")
    else:
        footer_parts.append(term.glossary)
    footer_parts.append(f"👍 {shown.upvotes}  👎 {shown.downvotes}")
    if len(definitions) > 1:
        footer_parts.append(f"definition {page + 1} of {len(definitions)}")

    actions: list[Action] = []
    actions += page_actions("page", term.id, page, len(definitions))
    if faqs:
        actions.append(Action("faqs", f"FAQs ({len(faqs)})", term.id))
    for related in term.related:
        target = (related_ids or {}).get(related.term)
        if target is not None:
            actions.append(Action("term", related.term, target))
    return Answer(
        kind="definition",
        title=term.name,
        body=term.summary if member_text and term.summary else "",
        sections=sections,
        url=source.url if source else None,
        footer=" · ".join(footer_parts),
        actions=actions,
        term_id=term.id,
        definition_id=shown.id,
        page=page,
        pages=len(definitions),
        votes=(shown.upvotes, shown.downvotes),
        author_id=shown.author_id if member_text else None,
    )


def source_of(
    definition: DefinitionRecord, term: TermRecord, glossary_source: Source | None
) -> Source | None:
    """Where a definition comes from: its own source, else its term's, else its glossary's."""
    return definition.source or term.source or glossary_source


def faq_answer(faq: FaqRecord, *, term_id: int | None = None) -> Answer:
    sections = []
    if faq.term_name:
        sections.append(Section("About", faq.term_name))
    actions = [Action("term", faq.term_name, term_id)] if faq.term_name and term_id else []
    return Answer(
        kind="faq",
        title=faq.question,
        body=faq.answer,
        sections=sections,
        url=faq.source.url if faq.source else None,
        footer=faq.glossary,
        actions=actions,
        faq_id=faq.id,
    )


def faq_list_answer(term: TermRecord, faqs: list[FaqRecord]) -> Answer:
    """The questions asked about a term, each a button that opens its answer."""
    return Answer(
        kind="info",
        title=f"FAQs about {term.name}",
        body="\n".join(f"• {f.question}" for f in faqs) or "No questions yet.",
        actions=[Action("faq", f.question, f.id) for f in faqs],
        private=True,
        term_id=term.id,
    )


def suggest_answer(query: str, choices: list[tuple[str, str, int]]) -> Answer:
    """Did you mean: each choice is (kind, label, target)."""
    return Answer(
        kind="suggest",
        title="Did you mean…",
        body=f"Nothing matches “{query}” exactly. Did you mean one of these?",
        actions=[Action(kind, label, target) for kind, label, target in choices],  # type: ignore[arg-type]
        private=True,
    )


def not_found_answer(query: str, *, faqs_only: bool = False) -> Answer:
    """Nothing found; faqs_only: among the FAQs (/faq), where a question, not a term, is asked."""
    advice = (
        "Try asking in other words, or /define for a term"
        if faqs_only
        else "Try another spelling or a shorter term"
    )
    return Answer(
        kind="none",
        title="No match",
        body=(
            f"I couldn't find “{query}” in the glossary. {advice};"
            " the glossary's maintainers can see what was asked and add it."
        ),
        private=True,
    )


def info_answer(title: str, body: str, *, private: bool = True) -> Answer:
    return Answer(kind="info", title=title, body=body, private=private)


PROFILE_PAGE = 10  # definitions on one page of a profile
LEADERBOARD_PAGE = 10  # members on one page of the leaderboard
PERIODS = {"all": 0, "month": 30, "week": 7}  # leaderboard periods, in days (0: all time)


def page_actions(kind: ActionKind, target: int, page: int, pages: int) -> list[Action]:
    """◀ Previous and Next ▶ for a paged answer."""
    actions = []
    if page > 0:
        actions.append(Action(kind, "◀ Previous", target, page - 1))
    if page < pages - 1:
        actions.append(Action(kind, "Next ▶", target, page + 1))
    return actions


def profile_answer(
    name: str,
    stats: MemberStats,
    *,
    user_id: int,
    badges: list[str],
    shown: list[tuple[DefinitionRecord, str]],
    total: int,
    page: int = 0,
) -> Answer:
    """A member's votes received, karma, badges, and one page of their `total` definitions,
    best first (each with its term's name)."""
    pages = max(1, -(-total // PROFILE_PAGE))
    lines = []
    for d, term in shown:
        source = d.source.name if d.source else "no source"
        if d.source and d.source.url:
            source = f"[{d.source.name}]({d.source.url})"
        lines.append(f"#{d.id} **{term}** 👍 {d.upvotes} 👎 {d.downvotes} · {source}")
    sections = [
        Section("Upvotes received", str(stats.upvotes)),
        Section("Downvotes received", str(stats.downvotes)),
        Section("Karma", str(stats.karma)),
        Section("Badges", ", ".join(badges) or "No badges yet"),
        Section(
            f"Definitions ({total})",
            "\n".join(lines) or "None yet: add one with /contribute",
        ),
    ]
    return Answer(
        kind="info",
        title=f"{name}'s profile",
        sections=sections,
        footer=f"page {page + 1} of {pages}" if pages > 1 else None,
        actions=page_actions("profile", user_id, page, pages),
        page=page,
        pages=pages,
    )


def leaderboard_answer(
    shown: list[MemberStats], *, total: int, page: int = 0, period: str = "all"
) -> Answer:
    """One page of the members ranked by karma from votes cast in the period."""
    pages = max(1, -(-total // LEADERBOARD_PAGE))
    start = page * LEADERBOARD_PAGE
    lines = [
        f"{rank}. {m.name or m.user_id}: {m.karma} karma"
        f" (👍 {m.upvotes} 👎 {m.downvotes}, {m.definitions} definitions)"
        for rank, m in enumerate(shown, start + 1)
    ]
    title = {"all": "Leaderboard", "month": "Leaderboard: last 30 days"}.get(
        period, "Leaderboard: last 7 days"
    )
    empty = (
        "Nobody has contributed a definition yet. Try /contribute!"
        if period == "all"
        else "No votes in this period yet."
    )
    return Answer(
        kind="info",
        title=title,
        body="\n".join(lines) or empty,
        footer=f"page {page + 1} of {pages}" if pages > 1 else None,
        actions=page_actions("board", PERIODS.get(period, 0), page, pages),
        page=page,
        pages=pages,
    )


_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\*_~`|>"})


def search_answer(result: SearchResult) -> Answer:
    """A page of search hits: each its title, where the words were found and a snippet with
    them in bold; a term or FAQ to open for each, and the pages around this one."""
    if not result.shown:
        words = " ".join(result.words + result.unknown) or result.query.strip()
        return Answer(
            kind="none",
            title="Nothing found",
            body=(
                f"Nothing in the glossary mentions “{clip(words, 100)}”. Try fewer words or"
                " other ones; /define finds a term by its name."
            ),
            private=True,
        )
    notes = []
    if result.corrected:
        read = ", ".join(f"**{w}** for “{typed}”" for typed, w in result.corrected.items())
        notes.append(f"Searched for {read}.")
    if result.unknown:
        notes.append(f"No entry uses “{clip(' '.join(result.unknown), 100)}”.")
    if not result.all_words:
        notes.append("No entry has all of these words; these have some of them.")
    lines = [" ".join(notes)] if notes else []
    actions: list[Action] = []
    first = result.page * 10 + 1
    for number, shown in enumerate(result.shown, first):
        hit = shown.hit
        where = ", ".join(shown.fields) or "text"
        snippet = marked(shown.snippet.translate(_MARKDOWN), "**", "**")
        lines.append(f"**{number}. {hit.title.translate(_MARKDOWN)}** · {where}\n{snippet}")
        actions.append(Action(hit.kind, hit.title, hit.target))
    if result.page > 0:
        actions.append(Action("search", "◀ Previous", 0, result.page - 1))
    if result.page < result.pages - 1:
        actions.append(Action("search", "Next ▶", 0, result.page + 1))
    return Answer(
        kind="search",
        title=f"Search: {clip(result.query.strip(), 200)}",
        body="\n\n".join(lines),
        footer=f"page {result.page + 1} of {result.pages} · {result.total} found",
        actions=actions,
        private=True,
        page=result.page,
        pages=result.pages,
        query=result.query.strip(),
    )


def clip(text: str, width: int) -> str:
    """Text cut to `width` characters, marked with an ellipsis where it was cut."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
