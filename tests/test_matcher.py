"""The matcher: question understanding, answers, suggestions, autocomplete and accuracy."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from helpers import SHARED_DATA

from bot.core.glossary import load_glossary
from bot.core.matcher import Entry, Matcher, glossary_entries, understand
from bot.core.question import content_words

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = "glossary.yaml"


CUSTOMER, CONSUMER, CHURN, CRM, NPS, CLV, CLIENT = 1, 2, 3, 4, 5, 6, 7
DIFFERENCE, LOYALTY = 1, 2
DIFFERENCE_Q = "What is the difference between a customer and a consumer?"
LOYALTY_Q = "How do I measure customer loyalty?"


def term(target: int, name: str, *aliases: str, scope: int | None = None) -> list[Entry]:
    entries = [Entry(name, "term", target, name, scope)]
    return entries + [Entry(a, "alias", target, name, scope) for a in aliases]


def faq(target: int, question: str, scope: int | None = None) -> Entry:
    return Entry(question, "faq", target, question, scope)


def small_entries() -> list[Entry]:
    return [
        *term(CUSTOMER, "Customer", "buyer"),
        *term(CONSUMER, "Consumer"),
        *term(CHURN, "Churn", "churn rate", "attrition"),
        *term(CRM, "Customer Relationship Management", "CRM"),
        *term(NPS, "Net Promoter Score", "NPS"),
        *term(CLV, "Customer Lifetime Value (CLV)", "lifetime value"),
        *term(CLIENT, "Client"),
        faq(DIFFERENCE, DIFFERENCE_Q),
        faq(LOYALTY, LOYALTY_Q),
    ]


@pytest.fixture
def matcher() -> Matcher:
    return Matcher(small_entries())


def answer_label(matcher: Matcher, text: str, **kwargs) -> str | None:
    decision = matcher.decide(text, **kwargs)
    return decision.best.label if decision.decision == "answer" and decision.best else None


# -- question understanding ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("what is churn?", "churn"),
        ("What is a CRM?", "crm"),
        ("what's an NPS", "nps"),
        ("whats churn", "churn"),
        ("define NPS", "nps"),
        ("meaning of churn", "churn"),
        ("what is the meaning of churn?", "churn"),
        ("what does CLV stand for?", "clv"),
        ("what does churn mean", "churn"),
        ("explain net promoter score", "net promoter score"),
        ("tell me about the customer lifetime value", "customer lifetime value"),
        ("What are customers?", "customers"),
        ("hey, does anyone know what churn means?", "churn"),
        ("can you explain what a CRM is?", "crm"),
        ("<@123> **what** is ||churn||?", "churn"),
        ("CLV meaning?", "clv"),
        # What members add after the name: where they met it, a guess, a second thought.
        ("what does churn mean in retail", "churn"),
        ("what does CLV mean when people talk about pricing", "clv"),
        ("what is churn, is that a metric?", "churn"),
        ("what's an NPS, like a survey?", "nps"),
        ("can someone explain what a CRM is in sales", "crm"),
    ],
)
def test_frames_are_stripped_from_the_subject(text, subject):
    """The English frame around a definitional question leaves only its subject."""
    question = understand(text)
    assert question.framed
    assert question.subject == subject


def test_a_message_asking_the_room_is_team_talk():
    """ "..., what do you all think?" asks the people in the channel, not the glossary."""
    assert understand("our churn is up again, what do you all think?").instance
    assert understand("churn is up again, thoughts?").instance
    assert not understand("how do we reduce churn?").instance


def test_plain_text_has_no_frame():
    """A message without a question frame keeps its words as the subject."""
    question = understand("my customer called me today")
    assert not question.framed
    assert question.subject == "my customer called me today"


def test_lead_in_is_removed_from_the_body():
    """Lead-ins such as 'does anyone know' do not count against an FAQ question."""
    assert understand("Does anyone know how I measure customer loyalty?").body == (
        "how i measure customer loyalty"
    )


# -- decisions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("what's a CRM?", "Customer Relationship Management"),
        ("whats churn", "Churn"),
        ("define NPS", "Net Promoter Score"),
        ("what does CLV stand for", "Customer Lifetime Value (CLV)"),
        ("what are customers?", "Customer"),
        ("what is the churn rate?", "Churn"),
    ],
)
def test_definitional_questions_are_answered_in_chat(matcher, text, label):
    """Chat mode answers a framed question about a term, its alias or its acronym."""
    assert answer_label(matcher, text, mode="chat") == label


def test_acronym_answers_through_its_alias(matcher):
    """'CRM' resolves to its term, and the candidate says which alias matched."""
    decision = matcher.decide("CRM")
    assert decision.decision == "answer"
    assert decision.best is not None
    assert (decision.best.kind, decision.best.target, decision.best.via) == ("term", CRM, "CRM")


def test_difference_question_hits_the_faq(matcher):
    """The customer/consumer difference question is answered by its FAQ, not by a term."""
    decision = matcher.decide(
        "what is the difference between a customer and a consumer?", mode="chat"
    )
    assert decision.decision == "answer"
    assert decision.best is not None
    assert (decision.best.kind, decision.best.target) == ("faq", DIFFERENCE)


def test_faq_with_lead_in_and_paraphrase(matcher):
    """An FAQ question is found behind a lead-in and when reworded."""
    assert (
        answer_label(matcher, "hey, does anyone know how to measure customer loyalty?", mode="chat")
        == LOYALTY_Q
    )
    assert (
        answer_label(matcher, "how can we measure the loyalty of our customers?", mode="chat")
        == LOYALTY_Q
    )


@pytest.mark.parametrize(
    "text",
    [
        "my customer called me today lol",
        "hello everyone!",
        "thanks!",
        "what time is it?",
        "what's your name?",
        "what is your favourite customer?",
        "```py\nprint('what is churn')\n```",
        "We lost a big customer this week and the churn numbers look bad. The team is meeting "
        "tomorrow to discuss what to do about it, bring ideas please.",
        "what is churn? I mean, I know it is bad. But how bad is it for a company like ours?",
    ],
)
def test_chat_stays_silent_on_chatter(matcher, text):
    """Chat mode neither answers nor suggests on chit-chat, passing mentions or long messages."""
    assert matcher.decide(text, mode="chat").decision == "none"


def test_chat_answers_a_term_name_asked_as_a_question_but_not_a_bare_name(matcher):
    """ "churn?" asks about churn; "Churn." alone is a word of the conversation."""
    assert answer_label(matcher, "churn?", mode="chat") == "Churn"
    assert answer_label(matcher, "Customers ?", mode="chat") == "Customer"
    assert answer_label(matcher, "churn", mode="chat") is None
    assert answer_label(matcher, "Churn.", mode="chat") is None


def test_a_comparison_with_no_faq_for_it_offers_both_terms(matcher):
    """A question about two terms ("churn vs consumer") offers both, not one of them."""
    for text in ("what is the difference between churn and a consumer?", "churn vs consumer"):
        decision = matcher.decide(text)
        assert decision.decision == "suggest", text
        assert [c.label for c in decision.candidates[:2]] == ["Churn", "Consumer"]
    # An FAQ that makes the comparison is still the answer.
    assert answer_label(matcher, "customer vs consumer") == DIFFERENCE_Q


def test_a_whole_word_of_a_name_is_offered_not_answered(matcher):
    """/define lifetime suggests "Customer Lifetime Value" instead of finding nothing."""
    decision = matcher.decide("promoter")
    assert decision.decision == "suggest"
    assert decision.candidates[0].label == "Net Promoter Score"
    assert matcher.decide("promoter", mode="chat").decision == "none"


def test_define_answers_typos(matcher):
    """Define mode forgives a typo in a term's name."""
    assert (
        answer_label(matcher, "custmer relationship managment")
        == "Customer Relationship Management"
    )
    assert answer_label(matcher, "Cosumer") == "Consumer"


def test_define_suggests_when_unsure(matcher):
    """A query close to several names gets suggestions, the closest first."""
    decision = matcher.decide("custom")
    assert decision.decision == "suggest"
    assert decision.best is None
    assert decision.candidates[0].label == "Customer"
    assert len(decision.candidates) <= 5
    assert len({(c.kind, c.target) for c in decision.candidates}) == len(decision.candidates)


def test_define_finds_nothing_for_unrelated_words(matcher):
    """A query far from every name is 'none' in define mode too."""
    assert matcher.decide("zebra crossing").decision == "none"


def test_kinds_limit_what_is_searched(matcher):
    """kinds=('term',) never answers with an FAQ, kinds=('faq',) never with a term."""
    only_terms = matcher.decide(DIFFERENCE_Q, kinds=("term",))
    assert all(c.kind == "term" for c in only_terms.candidates)
    only_faqs = matcher.decide("churn", kinds=("faq",))
    assert only_faqs.decision != "answer"
    assert all(c.kind == "faq" for c in only_faqs.candidates)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "🙂🎉👍",
        "<:blob:123> <a:party:456>",
        "x" * 10_000,
        "churn " * 2_000,
        "\u200b\u200d\ufeff",
        "\u0301\u0301",
        "\x00\x01",
        "\ud800",
        "𝔠𝔥𝔲𝔯𝔫 " * 3_000,
        "ﷺ‮",
    ],
)
def test_odd_queries_do_not_fail(matcher, text):
    """Empty, blank, emoji-only, 10,000-character and odd Unicode queries give 'none'."""
    for mode in ("define", "chat"):
        assert matcher.decide(text, mode=mode).decision == "none"
    assert len(matcher.complete(text)) <= 25


def test_same_name_in_two_glossaries():
    """Two terms with one name both become candidates; the answer is always the lower id."""
    entries = [*term(20, "Abstraction"), *term(10, "Abstraction"), *term(30, "Abstract class")]
    for order in (entries, entries[::-1]):
        decision = Matcher(order).decide("abstraction")
        assert decision.decision == "answer"
        assert decision.best is not None and decision.best.target == 10
        assert {c.target for c in decision.candidates} >= {10, 20}


def test_the_name_beats_a_lookalike_that_folds_the_same():
    """'mention' answers the term typed, not '@mention' which folds to the same words."""
    matcher = Matcher([*term(1, "@mention"), *term(2, "mention")])
    assert answer_label(matcher, "mention") == "mention"
    assert answer_label(matcher, "@mention") == "@mention"


def test_scores_do_not_depend_on_the_glossary_size(matcher):
    """A query scores the same against a name whatever else is indexed."""
    alone = Matcher(term(CUSTOMER, "Customer"))
    for text in ("custmer", "customers", "what is a customer?"):
        big = matcher.decide(text).candidates[0]
        small = alone.decide(text).candidates[0]
        assert (big.target, big.score) == (small.target, small.score)


# -- maintenance and scope -------------------------------------------------------------------


def test_add_and_remove_update_results(matcher):
    """An added term is found at once; a removed one, with its aliases, is gone at once."""
    assert matcher.decide("Cohort analysis").decision != "answer"
    count = len(matcher)
    matcher.add(Entry("Cohort analysis", "term", 99, "Cohort analysis"))
    assert len(matcher) == count + 1
    assert answer_label(matcher, "cohort analysis") == "Cohort analysis"
    assert matcher.complete("coh")[0].target == 99
    matcher.remove("term", CHURN)
    for text in ("churn", "churn rate", "attrition"):
        assert all(c.target != CHURN for c in matcher.decide(text).candidates)
    assert all(c.target != CHURN for c in matcher.complete("chu"))
    matcher.remove("faq", DIFFERENCE)
    assert answer_label(matcher, DIFFERENCE_Q, mode="chat") is None
    assert len(matcher) == count + 1 - 3 - 1  # churn had a name and two aliases


def test_removing_an_alias_keeps_the_term(matcher):
    """remove('alias', id) forgets only the aliases of that term."""
    matcher.remove("alias", CHURN)
    assert answer_label(matcher, "churn") == "Churn"
    assert all(
        c.target != CHURN or c.via == "Churn" for c in matcher.decide("attrition").candidates
    )


def test_scopes_are_isolated():
    """A server's own term is visible in that server only; global names everywhere."""
    matcher = Matcher([*term(1, "Churn"), *term(2, "Standup notes", scope=111)])
    assert answer_label(matcher, "standup notes", scope=111) == "Standup notes"
    for scope in (None, 222):
        assert all(c.target != 2 for c in matcher.decide("standup notes", scope=scope).candidates)
        assert all(c.target != 2 for c in matcher.complete("stand", scope=scope))
        assert all(c.target != 2 for c in matcher.complete("", scope=scope))
    assert answer_label(matcher, "churn", scope=111) == "Churn"
    assert [c.target for c in matcher.complete("stand", scope=111)] == [2]


# -- autocomplete ----------------------------------------------------------------------------


@pytest.fixture
def many() -> Matcher:
    words = ["market", "customer", "price", "value", "service", "growth", "data", "risk"]
    entries = []
    for i, first in enumerate(words):
        for j, second in enumerate(words):
            if first != second:
                name = f"{first} {second}"
                entries += term(100 + i * 10 + j, name.title())
    return Matcher([*small_entries(), *entries])


def test_complete_returns_at_most_the_limit(many):
    """complete() never returns more than 25 names (or the limit asked for)."""
    assert len(many.complete("")) == 25
    for text in ("c", "e", "xqz", "market"):
        assert len(many.complete(text)) <= 25
    assert len(many.complete("c", limit=5)) == 5


def test_complete_puts_exact_prefixes_first(many):
    """Names that start with the input come before names that only contain it."""
    labels = [c.label for c in many.complete("custo")]
    starts = [label.casefold().startswith("custo") for label in labels]
    assert starts[0] and starts == sorted(starts, reverse=True)
    assert "Customer" in labels[:3]


def test_complete_forgives_typos(many):
    """A misspelt input still offers the name meant."""
    assert many.complete("custmer")[0].label == "Customer"
    assert "Net Promoter Score" in [c.label for c in many.complete("net promotr")]


def test_complete_empty_lists_names_alphabetically(many):
    """With nothing typed, the first names in alphabetical order, distinct targets."""
    labels = [c.label for c in many.complete("")]
    assert labels == sorted(labels, key=str.casefold)
    assert len({c.target for c in many.complete("")}) == 25


def test_complete_faq_questions(matcher):
    """kind='faq' completes FAQ questions."""
    found = matcher.complete("what is the diff", kind="faq")
    assert [c.label for c in found] == [DIFFERENCE_Q]
    assert matcher.complete("loyalty", kind="faq")[0].label == LOYALTY_Q


def test_complete_forgives_a_typo_in_a_beginning(many):
    """A few letters typed, one of them wrong, missing or swapped: the name is offered."""
    for typed in ("cusotm", "cstom", "cuxtomer", "nte prom", "markte val", "atrition"):
        labels = [c.label for c in many.complete(typed)]
        meant = {"n": "Net Promoter Score", "m": "Market Value", "a": "Churn"}
        assert meant.get(typed[0], "Customer") in labels[:5], (typed, labels)


def test_complete_offers_exact_then_word_prefixes_then_typos(many):
    """Names starting with the input come first, then a word starting with it, then names one
    edit away."""
    labels = [c.label for c in many.complete("valu")]
    assert labels[0].startswith("Value")
    assert "Customer Value" in labels
    assert labels.index("Customer Value") > max(
        i for i, label in enumerate(labels) if label.startswith("Value")
    )
    labels = [c.label for c in many.complete("cusotmer")]
    assert labels[0] == "Customer"


def test_server_names_with_typos_are_offered_in_their_server_only():
    """A server's own term, typed with a typo, is offered there and nowhere else, also when
    it was added after the first load; a removed one is not offered."""
    matcher = Matcher(
        [
            *term(1, "Churn"),
            *term(2, "Standup notes", scope=111),
            *term(4, "Sprint plan", scope=111),
        ]
    )
    matcher.add(Entry("Sprint review", "term", 3, "Sprint review", 111))
    for typed, target in (("stnadup", 2), ("stadnup no", 2), ("sprnit", 3), ("sprint", 3)):
        assert target in [c.target for c in matcher.complete(typed, scope=111)], typed
        for scope in (None, 222):
            assert all(c.target != target for c in matcher.complete(typed, scope=scope))
    assert [c.target for c in matcher.complete("cuhrn", scope=111)] == [1]
    matcher.remove("term", 3)
    assert all(c.target != 3 for c in matcher.complete("sprnit", scope=111))


# -- accuracy on the labelled set ------------------------------------------------------------


def glossary_path(name: str) -> Path:
    return ROOT / name if name == BUNDLED else SHARED_DATA / name


@cache
def labels_of(files: tuple[str, ...]) -> frozenset[str]:
    glossaries = (load_glossary(glossary_path(f)) for f in files)
    return frozenset(e.label for e in glossary_entries(glossaries))


# -- issue 9: names inside questions, far-ahead typos, the FAQ model -------------------------


@pytest.fixture(scope="module")
def bundled() -> Matcher:
    from bot.core.glossary import bundled_glossary_path, load_glossary
    from bot.core.matcher import glossary_entries

    return Matcher(glossary_entries([load_glossary(bundled_glossary_path())]))


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("What is A/B testing?", "A/B Testing"),
        ("what is word of mouth?", "Word of Mouth"),
        ("what is word-of-mouth marketing?", "Word of Mouth"),  # an alias
        ("what is a touchpoint in marketing?", "Touchpoint"),
        ("Touchpoint? what is that", "Touchpoint"),
        ("hi! what is churn?", "Churn"),
        ("our team wonders what churn is", "Churn"),
        ("what is churn and why does it matter", "Churn"),
    ],
)
def test_names_inside_questions_are_answered_in_chat(bundled, text, label):
    """A name with punctuation or several words, or asked about in a field, is answered."""
    assert answer_label(bundled, text, mode="chat") == label


def test_a_two_typo_name_far_ahead_is_answered_in_define(bundled):
    """/define answers a name with two typos when nothing else comes near it."""
    assert answer_label(bundled, "Prsna") == "Persona"  # 71, the next name 38
    # The beginning of a name is offered, not answered: it is unfinished, not misspelt.
    assert Matcher(small_entries()).decide("custom").decision == "suggest"


@pytest.mark.parametrize(
    "text",
    [
        "the journey map is on the wall",
        "our nps went up!",
        "is the crm down?",
        "who is the account manager for acme?",
    ],
)
def test_talk_that_shares_an_faqs_words_is_not_answered(bundled, text):
    """Chat mode stays silent on team talk that shares words with an FAQ or a name."""
    assert bundled.decide(text, mode="chat").decision == "none"


def test_an_faq_in_other_words_is_answered_in_chat(bundled):
    """A paraphrase that covers the FAQ's words well is answered, by the FAQ model."""
    assert answer_label(bundled, "how do you work out the churn rate", mode="chat") == (
        "How do you calculate churn rate?"
    )


def test_names_written_short_are_answered_in_chat():
    """A name with its later words cut short ("remote repo") is the name meant, in chat and
    in /define; not when its first word is cut short too, or a word begins no word of it."""
    names = [*term(1, "Remote repository"), *term(2, "Remote URL")]
    matcher = Matcher([*names, *term(3, "Recurrent neural network")])
    assert answer_label(matcher, "what is a remote repo?", mode="chat") == "Remote repository"
    assert answer_label(matcher, "recurrent neural net") == "Recurrent neural network"
    assert answer_label(matcher, "what is a rem repo?", mode="chat") is None
    assert answer_label(matcher, "what is a remote control?", mode="chat") is None


def test_one_typo_in_a_seven_letter_name_is_answered_in_chat():
    """ "what is rvenue" (one letter left out of seven) is a question about Revenue; "what
    do economists mean by ..." is a definitional frame, whoever means it."""
    matcher = Matcher([*term(1, "Revenue"), *term(2, "Fiat money")])
    assert answer_label(matcher, "what is rvenue in simple terms", mode="chat") == "Revenue"
    asked = "what do economists mean by fiat money?"
    assert answer_label(matcher, asked, mode="chat") == "Fiat money"


def test_chat_answers_an_faq_asked_after_a_sentence_of_context(bundled):
    """Members set the scene before they ask ("we are a tiny shop. do we even need a crm?");
    a term's name in a message of more than one sentence is still a word of the conversation,
    unless a sentence of its own asks about it."""
    assert (
        answer_label(bundled, "we are a tiny shop. do we even need a crm?", mode="chat")
        == "Does a small business need a CRM?"
    )
    talk = "we talked about churn. it came up again today."
    assert answer_label(bundled, talk, mode="chat") is None
    # Nor in a sentence longer than a question about a name (more than twenty words).
    long = (
        "what is churn and why does everyone on the sales team keep talking about it in every"
        " single meeting we have lately?"
    )
    assert answer_label(bundled, long, mode="chat") is None


def answered_faq(question: str, answer: str, target: int, scope: int | None = None) -> Entry:
    return Entry(question, "faq", target, question, scope, answer=answer)


def answer_entries() -> list[Entry]:
    return [
        answered_faq(
            "How can you reduce churn?",
            "Onboard customers well and call the ones who stop using the product before they"
            " cancel their subscription.",
            1,
        ),
        answered_faq("How do we measure churn?", "Count the customers lost in a month.", 2),
    ]


def test_words_found_only_in_an_faqs_answer_rank_it_first_in_chat():
    """A member who describes their problem in the answer's words ("customers cancel their
    subscription") is matched with that FAQ in chat mode, though its question shares only
    "customers" with a rival's answer; /define compares questions alone."""
    matcher = Matcher(answer_entries())
    text = "how do i stop customers who cancel their subscription"
    chat = matcher.decide(text, mode="chat")
    assert chat.candidates and chat.candidates[0].label == "How can you reduce churn?"
    scores = matcher.index.faq_scores(understand(text).body, None, answers=True)
    plain = matcher.index.faq_scores(understand(text).body, None)
    assert max(scores.values()) > max(plain.values(), default=0.0)
    assert not any(c.kind == "faq" and c.score > 0 for c in matcher.decide(text).candidates)


def test_answer_words_never_make_a_score_near_verbatim():
    """The answer's words add to a score, short of the near-verbatim scores that are answered
    without the FAQ model: only a question's own wording earns those."""
    answer = "Onboarding calls, before they cancel their subscription."
    question = "How do we reduce customer churn?"
    matcher = Matcher([answered_faq(question, answer, 1)])
    body = understand("reduce customer churn cancel").body
    plain = max(matcher.index.faq_scores(body, None).values())
    raised = max(matcher.index.faq_scores(body, None, answers=True).values())
    assert plain < raised < 88.0


def test_a_removed_faqs_answer_words_are_forgotten():
    """An FAQ removed while the bot runs is found by its answer's words no more, and the
    other FAQs' rarity weights no longer count it."""
    matcher = Matcher(answer_entries())
    text = "how do i stop customers who cancel their subscription"
    matcher.remove("faq", 1)
    left = matcher.decide(text, mode="chat").candidates
    assert all(c.label != "How can you reduce churn?" for c in left)
    index = matcher.index._indexes[("faq", None)]
    only_removed = set(content_words("onboard well call ones using before subscription"))
    assert only_removed and not only_removed & set(index.odf)
    assert all(n > 0 for n in index.odf.values())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("what is churn? it came up again today.", "Churn"),
        ("can someone explain what NPS is? keeps coming up in the all-hands", "Net Promoter Score"),
        ("sorry if this is basic. what's a CRM?", "Customer Relationship Management"),
        ("NPS?? saw it on the support dashboard", "Net Promoter Score"),
        ("churn was up again. the dashboard is red.", None),
        ("is the crm down? nobody can log in.", None),
    ],
)
def test_a_sentence_of_its_own_that_asks_about_a_term_is_answered(bundled, text, expected):
    """In a message of a few sentences, one that asks about a term on its own is answered as
    if it had been sent alone; sentences that only mention a term are conversation."""
    assert answer_label(bundled, text, mode="chat") == expected


def test_team_talk_holding_all_of_an_faqs_content_words_is_not_answered():
    """ "is the web server down for you too?" shares every content word of "What is a web
    server?" but is team talk about our own server: chat answers only the FAQ's own wording."""
    matcher = Matcher([faq(1, "What is a web server?"), faq(2, "How do I deploy my site?")])
    talk = "is the web server down for you too or just me?"
    assert matcher.decide(talk, mode="chat").decision == "none"
    assert answer_label(matcher, "what is a web server?", mode="chat") == "What is a web server?"


def test_a_name_that_begins_with_the_answers_without_it():
    """ "The Keynesian Perspective (economics FAQ)" is asked about as "keynesian perspective",
    in /define and in chat, however the question ends."""
    names = [
        *term(1, "The Keynesian Perspective (economics FAQ)"),
        *term(2, "The Neoclassical Perspective (economics FAQ)"),
    ]
    matcher = Matcher(names)
    wanted = "The Keynesian Perspective (economics FAQ)"
    assert answer_label(matcher, "keynesian perspective") == wanted
    assert answer_label(matcher, "keynesian perspective = ?", mode="chat") == wanted


def test_an_faq_asked_more_closely_than_a_name_is_the_answer_in_chat():
    """ "what is chrn rate?" reads closer to the FAQ "What is churn rate?" (97) than to the
    term "Churn rate" (90, a typo): chat answers the FAQ, not the term behind it."""
    matcher = Matcher([*term(1, "Churn rate"), faq(1, "What is churn rate?")])
    assert answer_label(matcher, "what is chrn rate?", mode="chat") == "What is churn rate?"


def test_an_answer_word_few_faqs_hold_says_more_than_a_common_one():
    """Among answers, "subscription" (in one) says more than "customers" (in three): the FAQ
    whose answer holds the rare word ranks first."""
    common = "Most customers ask this."
    entries = [
        answered_faq("How do I start?", common, 1),
        answered_faq("Where are the docs?", common, 2),
        answered_faq("Who runs the project?", common, 3),
        answered_faq("How do I pay?", "Pick a subscription on the billing page.", 4),
    ]
    matcher = Matcher(entries)
    body = understand("customers and their subscription").body
    ranked = matcher.index.ranked(matcher.index.faq_scores(body, None, answers=True))
    assert ranked[0].label == "How do I pay?"


def test_team_talk_in_an_faqs_own_wording_is_answered():
    """A yes/no question about our own things that is an FAQ's own wording, give or take a
    letter or two ("is the free plan enuf for us?"), is that FAQ."""
    matcher = Matcher([faq(1, "Is the free plan enough for us?"), faq(2, "How do I pay?")])
    asked = "is the free plan enuf for us?"
    assert answer_label(matcher, asked, mode="chat") == "Is the free plan enough for us?"
