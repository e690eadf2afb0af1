"""The autocomplete index (bot/core/completion.py) and the trigram postings (bot/core/grams.py):
what a member typing is offered, typo and all, checked against brute force."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest
from rapidfuzz.distance import OSA

from bot.core import completion as completion_module
from bot.core import grams as grams_module
from bot.core.completion import FIRST, SLIP, WRONG, CompletionIndex
from bot.core.grams import GramPostings, grams, most_shared
from bot.core.matcher import Entry, Matcher


def brute_one_edit(typed: str, names: list[str]) -> set[str]:
    """Names whose beginning is exactly one edit (a swap counting as one) from ``typed``."""
    return {
        name
        for name in names
        if not name.startswith(typed)
        and min(OSA.distance(typed, name[:size]) for size in range(len(typed) - 1, len(typed) + 2))
        == 1
    }


def slipped(typed: str, name: str) -> bool:
    """``name`` begins as ``typed`` would with a letter left out or two letters swapped."""
    size = len(typed)
    left_out = any(typed == name[:i] + name[i + 1 : size + 1] for i in range(size + 1))
    swapped = any(
        typed == name[:i] + name[i + 1] + name[i] + name[i + 2 : size]
        for i in range(min(size, len(name)) - 1)
    )
    return (len(name) > size and left_out) or (len(name) >= size and swapped)


def expected_kind(typed: str, name: str) -> int:
    if name[0] != typed[0]:
        return FIRST
    return SLIP if slipped(typed, name) else WRONG


def with_typos(typed_set: set[str], rng: random.Random) -> set[str]:
    """The inputs, and each with a letter changed, left out, doubled, or swapped with the
    next, anywhere (the first letter too)."""
    found = set(typed_set)
    for typed in sorted(typed_set):
        for _ in range(4):
            at = rng.randrange(0, len(typed))
            found.add(
                rng.choice(
                    [
                        typed[:at] + rng.choice("aeiourstx") + typed[at + 1 :],
                        typed[:at] + typed[at + 1 :],
                        typed[:at] + typed[at] + typed[at:],
                        typed[:at] + typed[at + 1 : at + 2] + typed[at] + typed[at + 2 :],
                    ]
                )
            )
    return {t for t in found if len(t) >= 3}


def check_against_brute_force(index: CompletionIndex, names: list[str], typed_set: set[str]):
    for typed in sorted(typed_set):
        hits = index.one_edit(typed, len(names))
        assert {name for _, _, name, _ in hits} == brute_one_edit(typed, names), typed
        for kind, _, name, _ in hits:
            assert kind == expected_kind(typed, name), (typed, name)
        assert hits == sorted(hits)


@pytest.mark.parametrize("whole", [completion_module.WHOLE_TEST_ROWS, 0])
def test_one_edit_finds_exactly_the_names_one_edit_from_the_input(monkeypatch, whole):
    """Every name whose beginning is one edit from the input, whatever the letter (first,
    second, third, later, past the 16 the matrix keeps), and none that is further; a typo in
    the first letter is of its own kind. Also when the rows sharing three letters are
    narrowed before the whole test (as in a big glossary: ``whole`` 0)."""
    monkeypatch.setattr(completion_module, "WHOLE_TEST_ROWS", whole)
    rng = random.Random(3)
    words = ["market", "marker", "mark", "customer", "custom", "cost", "coast", "ab", "a"]
    words += ["café crème", "naïve", "über", "kubernetes controller manager", "co", "arket"]
    names = sorted(
        {" ".join(rng.sample(words, rng.randint(1, 3))) for _ in range(300)} | set(words)
    )
    index = CompletionIndex()
    index.build([(name, rid) for rid, name in enumerate(names)])
    clean = {name[:size] for name in names for size in (3, 4, 5, 6, 9, 15, 16, 17, 22)}
    typed_set = {t for t in clean if len(t) >= 3} | {"xarket", "kubernetes controler m"}
    check_against_brute_force(index, names, with_typos(typed_set, rng))


@pytest.mark.parametrize("build_slice", [completion_module.BUILD_SLICE, 5])
def test_one_edit_is_exact_with_more_characters_than_a_byte_codes(monkeypatch, build_slice):
    """Names written in more than 254 distinct characters (the matrix then takes two bytes a
    character) are found exactly as with a small alphabet, beyond the 16-bit range too; also
    when they are coded a few names at a time (new characters, and two bytes, met midway)."""
    monkeypatch.setattr(completion_module, "BUILD_SLICE", build_slice)
    rng = random.Random(11)
    letters = [chr(0x4E00 + i) for i in range(400)] + ["\U0001f600", "\U0001f601"]
    names = sorted({"".join(rng.choices(letters[:40], k=rng.randint(3, 8))) for _ in range(60)})
    names += ["".join(letters[i : i + 6]) for i in range(0, 400, 6)]
    # Sorted first, so coded first: a few plain names, then higher code points.
    names += ["custom", "customer", "cost", "mark", "marker", "market"]
    names += ["zb\U0001f600cd", "zb\U0001f601cd"]
    clean = {name[:size] for name in names for size in (3, 6)}
    typed_set = {t for t in clean if len(t) >= 3} | {"zb\U0001f601c"}
    # Every character thrice then "x", typed ending in "y": only that name is one edit away
    # (codes that wrapped at 256 would make others look alike).
    names = sorted(set(names) | {letter * 3 + "x" for letter in letters})
    index = CompletionIndex()
    index.build([(name, rid) for rid, name in enumerate(names)])
    check_against_brute_force(index, names, with_typos(typed_set, rng))
    check_against_brute_force(index, names, {letter * 3 + "y" for letter in letters})


def test_a_first_letter_typo_comes_after_every_later_one():
    """A wrong, missing, swapped or extra first letter finds the name; for "sost", a later
    typo (sorts, sort order) is the likelier reading and comes before a first-letter one
    (cost, most), whatever their lengths."""
    index = CompletionIndex()
    index.build([("customer", 1), ("most", 2), ("cost", 3), ("sort order", 4), ("sorts", 5)])
    for typed in ("xustomer", "ustomer", "ucstomer", "acustomer"):
        assert [(kind, rid) for kind, _, _, rid in index.one_edit(typed, 5)] == [(FIRST, 1)]
    assert [rid for *_, rid in index.one_edit("sost", 5)] == [5, 4, 3, 2]
    assert [kind for kind, *_ in index.one_edit("sost", 5)] == [WRONG, WRONG, FIRST, FIRST]


def test_one_edit_offers_shortest_first_and_honours_removals_and_additions():
    """Shorter names first, then by name; removed names are gone, added ones found (a
    first-letter typo in an added name too)."""
    index = CompletionIndex()
    index.build([("markets", 1), ("marked", 2), ("mark", 3), ("marker board", 4)])
    assert [name for _, _, name, _ in index.one_edit("mrak", 10)] == [
        "mark",
        "marked",
        "markets",
        "marker board",
    ]
    assert [name for _, _, name, _ in index.one_edit("mrak", 2)] == ["mark", "marked"]
    index.remove("mark", 3)
    index.add("marks", 5)
    assert [rid for *_, rid in index.one_edit("mrak", 10)] == [5, 2, 1, 4]
    assert [rid for *_, rid in index.prefixed("mark", 10)] == [5, 2, 1, 4]
    assert [(kind, rid) for kind, *_, rid in index.one_edit("narks", 10)] == [(FIRST, 5)]
    index.remove("marks", 5)
    assert [rid for *_, rid in index.prefixed("mark", 10)] == [2, 1, 4]
    assert index.one_edit("narks", 10) == []


def test_an_empty_index_offers_nothing():
    index = CompletionIndex()
    index.build([])
    assert index.prefixed("cus", 5) == [] and index.one_edit("xustomer", 5) == []
    assert CompletionIndex().one_edit("xustomer", 5) == []


def test_autocomplete_forgives_a_wrong_first_letter():
    """The matcher offers Customer for "xustomer" and "ustomer", and the name a later typo
    makes before those a first-letter typo makes."""
    entries = [
        Entry(name, "term", target, name)
        for target, name in enumerate(
            ["Customer", "Customer Lifetime Value", "Cost", "Most Valued", "Sort Order"], 1
        )
    ]
    matcher = Matcher(entries)
    for typed in ("xustomer", "Ustomer", "xustomer lif"):
        labels = [c.label for c in matcher.complete(typed)]
        assert labels and labels[0].startswith("Customer"), (typed, labels)
    labels = [c.label for c in matcher.complete("sost")]
    assert labels == ["Sort Order", "Cost", "Most Valued"]


def test_most_shared_counts_as_counter_does():
    """The records most postings hold, ties in the order first read, as Counter orders them."""
    rng = random.Random(5)
    for _ in range(200):
        postings = [
            sorted(rng.sample(range(40), rng.randint(0, 15))) for _ in range(rng.randint(1, 8))
        ]
        counts: Counter[int] = Counter()
        for posting in postings:
            counts.update(posting)
        for count in (1, 5, 96):
            expected = [rid for rid, _ in counts.most_common(count)]
            assert most_shared([np.array(p, dtype=np.int32) for p in postings], count) == expected


def test_trigram_postings_built_at_once_or_one_by_one_agree(monkeypatch):
    """A first load's numpy postings, built a few records at a time, hold what adding the
    records one by one would."""
    monkeypatch.setattr(grams_module, "FREEZE_SLICE", 3)
    keys = ["custom", "customer", "cost", "café", "aa", "a", "", "custom custom"]
    bulk, single = GramPostings(), GramPostings()
    for rid, key in enumerate(keys):
        bulk.defer(rid, key)
        single.add(rid, key)
    bulk.freeze()
    every = {gram for key in keys for gram in grams(key)} | {"zzz"}
    for gram in every:
        one, other = bulk.get(gram), single.get(gram)
        assert (None if one is None else list(one)) == (None if other is None else list(other))
    bulk.add(8, "cust")
    assert list(bulk.get("cus")) == [0, 1, 7, 8]
