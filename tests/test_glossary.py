"""Reading and validating glossary files."""

from pathlib import Path

import pytest

from bot.core.glossary import GlossaryError, bundled_glossary_path, load_glossary, parse_glossary

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def problems_of(text: str | bytes) -> list[str]:
    with pytest.raises(GlossaryError) as caught:
        parse_glossary(text, filename="g.yaml")
    return [str(p) for p in caught.value.problems]


def test_every_problem_of_a_broken_file_is_listed_with_line_and_column():
    """A broken file reports each problem as FILE:LINE:COL: message, in file order."""
    path = DATA / "broken.yaml"
    with pytest.raises(GlossaryError) as caught:
        load_glossary(path)
    lines = [f"{p.line}:{p.column}: {p.message}" for p in caught.value.problems]
    assert all(str(p).startswith(f"{path}:") for p in caught.value.problems)
    assert lines == [
        "4:22: alias 'Client' of 'Customer' collides with the term 'Client' (at line 9)",
        "6:5: unknown key 'colour' in a term; expected one of: term, aliases, summary,"
        " definition, context, purpose, example, related, faqs, tags, source",
        "7:11: duplicate term 'customer' (first at line 3)",
        "11:15: duplicate alias 'buyer': 'Client' and 'Customer' both use it (first at line 4)",
        "12:5: a term is missing the required key 'definition'",
        "13:14: 'summary' must be text, not a list",
        "14:5: a term is missing the required key 'term'",
        "17:9: unknown key 'nope' in an entry of 'related'; expected one of: term, note",
        "19:5: an entry of 'faqs' is missing the required key 'a'",
    ]


def test_bad_yaml_syntax_names_the_line_and_column():
    """A YAML syntax error is reported at the place the parser stopped."""
    assert problems_of("name: x\nterms:\n  - term: [unclosed\n") == [
        "g.yaml:4:1: invalid YAML: expected ',' or ']', but got '<stream end>'"
    ]


def test_text_that_is_not_utf8_is_rejected_with_its_position():
    """Bytes that are not UTF-8 are reported at the first bad byte."""
    assert problems_of(b"name: caf\xe9\nterms: []\n") == [
        "g.yaml:1:10: file is not valid UTF-8 text"
    ]


def test_a_key_written_twice_is_an_error():
    """YAML would silently keep the last of two equal keys; the loader refuses."""
    assert problems_of("name: a\nname: b\nterms: []\n") == [
        "g.yaml:2:1: key 'name' appears twice in the glossary"
    ]


def test_empty_and_non_mapping_files_are_rejected():
    """An empty file, or one that is a list, is not a glossary."""
    assert problems_of("") == [
        "g.yaml:1:1: file is empty; a glossary needs at least 'name' and 'terms'"
    ]
    assert problems_of("- a\n") == ["g.yaml:1:1: the glossary must be a mapping, not a list"]


def test_missing_file_is_a_problem_not_a_crash(tmp_path):
    """A path that does not exist is reported like any other problem."""
    with pytest.raises(GlossaryError) as caught:
        load_glossary(tmp_path / "nope.yaml")
    assert "cannot read file" in str(caught.value)


def test_source_may_be_a_string_or_a_mapping_and_related_may_carry_notes():
    """The format's optional shapes load into the model."""
    glossary = parse_glossary(
        "name: G\nsource: Example Co.\nterms:\n"
        "  - term: A\n    definition: a\n    source: {name: S, url: https://s}\n"
        "    related: [B, {term: C, note: see C}]\n"
    )
    assert glossary.source.name == "Example Co." and glossary.source.url is None
    term = glossary.terms[0]
    assert (term.source.name, term.source.url) == ("S", "https://s")
    assert [(r.term, r.note) for r in term.related] == [("B", None), ("C", "see C")]


def test_bundled_glossary_is_valid_and_rich():
    """The bundled glossary loads, and Customer carries every field and its five FAQs."""
    glossary = load_glossary(bundled_glossary_path())
    assert len(glossary.terms) >= 60
    assert all(t.summary and t.definition for t in glossary.terms)
    full = [
        t
        for t in glossary.terms
        if t.context and t.purpose and t.example and t.related and 2 <= len(t.faqs) <= 5
    ]
    assert len(full) >= 20
    customer = next(t for t in glossary.terms if t.name == "Customer")
    assert customer in full and customer.tags and len(customer.faqs) == 5


@pytest.mark.skipif(
    not SHARED.is_dir(), reason="../shared/data is absent (only CI and developers have it)"
)
def test_every_shared_glossary_loads():
    """Every real public glossary in ../shared/data passes validation."""
    files = sorted(SHARED.glob("*.yaml"))
    assert files
    terms = sum(len(load_glossary(path).terms) for path in files)
    assert terms > 1000
