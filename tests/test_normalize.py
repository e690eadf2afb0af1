"""Normalisation: Discord markup, Unicode, case, punctuation and plurals."""

import pytest

from bot.core.normalize import canonical, fold, key, normalize, stem, strip_markup


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<@123> what is churn", "what is churn"),
        ("<@!123> <@&456> <#789> churn", "churn"),
        ("<:blob:123> <a:party:456> churn", "churn"),
        ("`CRM` and ```py\nawait\n```", "crm and await"),
        ("||spoiler|| **bold** *it* __under__ ~~gone~~", "spoiler bold it under gone"),
        ("[docs](https://example.com/x) at https://example.com", "docs at"),
        ("> quoted churn", "quoted churn"),
    ],
)
def test_markup_is_removed(text, expected):
    """Mentions, custom emoji, links, code ticks, spoilers and emphasis leave only the words."""
    assert fold(strip_markup(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Café CRÈME", "cafe creme"),
        ("ＡＰＩ", "api"),  # full-width letters
        ("ﬁle", "file"),  # ligature
        ("Straße", "strasse"),
        ("what's a CRM?", "whats a crm"),
        ("customer’s", "customers"),
        ("  lots\tof \n space  ", "lots of space"),
        ("C++ and C# and F#", "c++ and c# and f#"),
        ("e-mail / kube-apiserver", "e mail kube apiserver"),
        ("snake_case_name", "snake case name"),
        ("🙂 + 🎉", ""),
    ],
)
def test_fold(text, expected):
    """Case, accents, width, apostrophes and punctuation fold to plain spaced words."""
    assert fold(text) == expected


@pytest.mark.parametrize(
    ("plural", "singular"),
    [
        ("customers", "customer"),
        ("companies", "company"),
        ("caches", "cache"),
        ("boxes", "box"),
        ("churches", "church"),
        ("statuses", "status"),
        ("databases", "database"),
        ("keys", "key"),
    ],
)
def test_plurals_meet_their_singular(plural, singular):
    """A plural and its singular stem alike."""
    assert stem(plural) == stem(singular)


def test_stem_keeps_words_ending_in_s_that_are_not_plurals():
    """'status', 'analysis' and 'business' are not cut down to another word."""
    assert [stem(w) for w in ("status", "analysis", "business")] == [
        "status",
        "analysis",
        "business",
    ]


def test_acronym_plural_and_possessive():
    """'APIs' meets 'API' and "customer's" meets 'customer'."""
    assert key("APIs") == key("API")
    assert key("customer's") == key("customer")


def test_canonical_merges_inflections_and_synonyms():
    """FAQ comparison treats 'creating'/'make' and 'pictures'/'image' as the same word."""
    assert canonical("creating") == canonical("make")
    assert canonical("pictures") == canonical("image")
    assert canonical("displayed") == canonical("display")


def test_normalize_is_idempotent():
    """Normalising twice changes nothing, so stored keys and query keys agree."""
    text = "<@1> **What's** the Net-Promoter Scores?"
    assert normalize(normalize(text)) == normalize(text)


def test_very_long_input_is_cut():
    """A 10,000-character message is folded without error and without keeping all of it."""
    assert len(fold("word " * 2000)) < 2100
