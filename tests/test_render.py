"""Answers rendered as Discord embeds and buttons stay within Discord's limits."""

from bot.core.answers import Action, Answer, Section
from bot.discord.render import (
    embed_for,
    full_text_pages,
    shorten,
    view_for,
)

WORDS = "lorem ipsum dolor sit amet consectetur adipiscing elit " * 400  # ~22,000 characters


def huge_answer(actions=()) -> Answer:
    return Answer(
        kind="definition",
        title="T" * 300,
        body=WORDS,
        sections=[Section(f"Section {i} " + "n" * 300, WORDS) for i in range(30)],
        footer="f" * 3000,
        actions=list(actions),
        term_id=7,
    )


def embed_text_length(embed) -> int:
    data = embed.to_dict()
    return (
        len(data.get("title", ""))
        + len(data.get("description", ""))
        + len(data.get("footer", {}).get("text", ""))
        + sum(len(f["name"]) + len(f["value"]) for f in data.get("fields", []))
    )


def test_shorten_cuts_at_a_word_boundary_with_an_ellipsis():
    """Long text is cut between words and marked with an ellipsis."""
    assert shorten("alpha beta gamma delta", 15) == "alpha beta…"
    assert shorten("short", 15) == "short"


def test_oversized_answer_fits_every_embed_limit():
    """Whatever an answer holds, its embed keeps to Discord's per-field and total limits."""
    embed, cut = embed_for(huge_answer())
    data = embed.to_dict()
    assert cut
    assert len(data["title"]) <= 256
    assert len(data["description"]) <= 4096 and data["description"].endswith("…")
    assert 0 < len(data["fields"]) <= 25
    assert all(len(f["name"]) <= 256 and len(f["value"]) <= 1024 for f in data["fields"])
    assert len(data["footer"]["text"]) <= 2048
    assert embed_text_length(embed) <= 6000


def test_cut_answer_gets_a_read_more_button_and_everything_is_reachable():
    """A cut answer offers Read more, whose pages hold all of the text."""
    answer = huge_answer()
    _, cut = embed_for(answer)
    view = view_for(answer, cut=cut)
    assert "gb:more:7:0" in [item.custom_id for item in view.children]
    pages = full_text_pages(answer)
    assert all(len(page) <= 4096 for page in pages)
    joined = " ".join(" ".join(pages).split())
    assert joined.count("lorem") == 31 * 400


def test_buttons_keep_to_row_and_label_limits_and_many_links_become_a_menu():
    """Many related terms go into one select menu of at most 25 options."""
    links = [Action("term", f"Related term {i} " + "x" * 120, i) for i in range(40)]
    pages = [Action("page", "Next ▶", 7, 1), Action("faqs", "FAQs (3)", 7)]
    view = view_for(huge_answer(pages + links), cut=True)
    rows: dict[int, int] = {}
    for item in view.children:
        rows[item.row] = rows.get(item.row, 0) + 1
        assert len(item.custom_id) <= 100
        if hasattr(item, "options"):
            assert len(item.options) <= 25
            assert all(len(o.label) <= 100 for o in item.options)
        else:
            assert len(item.label) <= 80
    assert len(rows) <= 5 and all(count <= 5 for count in rows.values())


def test_did_you_mean_buttons_pick_the_answer_for_everyone():
    """Choices of a did-you-mean carry 'pick', so the chosen answer is posted publicly."""
    answer = Answer(
        kind="suggest",
        title="Did you mean…",
        actions=[Action("term", "Customer", 1), Action("faq", "Why?", 2)],
    )
    view = view_for(answer)
    assert [item.custom_id for item in view.children] == ["gb:pick:term:1", "gb:pick:faq:2"]
