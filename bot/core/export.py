"""Write a glossary back in the file format, so that loading the output gives the same glossary."""

from __future__ import annotations

from typing import Any

import yaml

from bot.core.model import Faq, Glossary, Source, Term


class _Dumper(yaml.SafeDumper):
    """Block scalars for multi-line text, so exported files stay reviewable in git."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def _source(source: Source | None) -> Any:
    if source is None:
        return None
    return {"name": source.name, "url": source.url} if source.url else source.name


def _faqs(faqs: list[Faq]) -> list[dict[str, str]]:
    return [{"q": f.question, "a": f.answer} for f in faqs]


def _term(term: Term) -> dict[str, Any]:
    entry: dict[str, Any] = {"term": term.name}
    if term.aliases:
        entry["aliases"] = list(term.aliases)
    if term.summary:
        entry["summary"] = term.summary
    entry["definition"] = term.definition
    for key in ("context", "purpose", "example"):
        if getattr(term, key):
            entry[key] = getattr(term, key)
    if term.related:
        entry["related"] = [
            {"term": r.term, "note": r.note} if r.note else r.term for r in term.related
        ]
    if term.faqs:
        entry["faqs"] = _faqs(term.faqs)
    if term.tags:
        entry["tags"] = list(term.tags)
    if term.source:
        entry["source"] = _source(term.source)
    return entry


def dump_glossary(glossary: Glossary) -> str:
    data: dict[str, Any] = {"name": glossary.name}
    if glossary.source:
        data["source"] = _source(glossary.source)
    data["terms"] = [_term(t) for t in glossary.terms]
    if glossary.faqs:
        data["faqs"] = _faqs(glossary.faqs)
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
