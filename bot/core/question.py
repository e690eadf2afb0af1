"""Question understanding: what a member's message asks, read from its English form alone.

``understand`` splits a message into the frame around it ("hey, quick question: what is ...")
and what it is about, in folded text: the body that is compared with FAQ questions and the
subject that is compared with term names. A Question also says what form the message has (a
definitional frame, a question mark, a yes/no question about our own things, social noise),
which the decision (bot/core/decision.py) weighs. Nothing here looks at a glossary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.normalize import MAX_INPUT, canonical, fold, strip_markup

__all__ = [
    "STOP",
    "Question",
    "compared_sides",
    "content_words",
    "is_comparison",
    "question_sentences",
    "typed",
    "understand",
]

_GREETING = (
    r"(?:(?:hi+|hey+|hello+|hiya|heya|yo|howdy|greetings|gm|good (?:morning|afternoon|evening)"
    r"|ok(?:ay)?|so|but|um+|uh+|hm+|btw|sorry|excuse me|please|pls|plz|quick q|wait|lol|ngl)"
    # Addressees only count after a greeting: "Team plan" is a name, "hi team" is not.
    r"(?: (?:all|everyone|folks|guys|team|there|friends|yall|y all|bot|glossary bot))*)"
)
_LEADIN = (
    r"(?:(?:a )?(?:quick|random|dumb|stupid|noob|silly|simple|basic|small|newbie) question"
    r"|(?:i have a |got a )?question(?: for you)?"
    r"|(?:does|do) (?:any(?:one|body)|some(?:one|body)|you|u|you guys|any of you|yall)"
    r"(?: here| else)? (?:know|remember|understand)"
    r"|any(?:one|body)(?: here)? (?:know|knows|remember)"
    r"|i (?:was|am|m) (?:just )?(?:wondering|curious)|im (?:just )?(?:wondering|curious)"
    r"|(?:just )?wondering|i wonder|curious"
    r"|i (?:want|wanna|would like|d like|need) to (?:know|understand)|id like to know"
    r"|i (?:dont|do not|still dont|never) (?:know|understand|get)"
    r"|(?:can|may) i ask"
    # Members asking for others, or about a word they keep meeting.
    r"|(?:our|my|the) (?:team|boss|manager|colleague|friend)s? (?:wonders|wondered|asks|asked"
    r"|(?:is|was|are|were) (?:wondering|asking))|we (?:are|were|re) (?:wondering|curious)"
    r"|i (?:keep|kept) (?:hearing|seeing|reading) (?:about|of)?"
    r"|(?:people|everyone|everybody) (?:keeps?|are|is) (?:saying|talking about|mentioning))"
)
# Lead-ins that are themselves a request for a definition ("can you explain churn").
_ASK = (
    r"(?:(?:can|could|would|will) (?:some(?:one|body)|any(?:one|body)|you|u|you guys|someone here)"
    r" (?:please )?|please |pls )?"
    r"(?:explain(?: to me)?|tell me(?: more)? about|tell me|remind me(?: of)?|describe"
    r"|define|help me understand|give me (?:a |the )?(?:definition|meaning) of|clarify)"
)
_FRAME = (
    r"(?:(?:whats|what is) (?:the )?(?:meaning|definition|defn) of"
    r"|what (?:exactly |really |actually |even )?(?:is|are|was|were|r)(?: meant by)?"
    r"|(?:whats|wats|whatre|what re|wat is|wot is|wht is|waht is|whta is|what s)(?: exactly)?"
    r"|what do (?:you|we|they|people|u|ppl|folks) mean by"
    # "what do economists mean by", "what does the docs team mean by": whoever says it.
    r"|what (?:do|does) (?:the )?[a-z]+(?: [a-z]+)? mean by"
    r"|what does(?: the (?:term|word|acronym|abbreviation))?|what do|what did"
    r"|(?:the )?(?:meaning|definition|defn) of"
    r"|define|explain|describe|tell me (?:more )?about|(?:info|information|details) (?:on|about)"
    r"|who (?:is|are)|whos|what counts as|what (?:would|do) you call"
    r"|how (?:do|would|should|can|does) (?:you|we|i|one|someone|u) define"
    r"|eli5|wtf (?:is|are)|what the (?:heck|hell) (?:is|are))"
)
_ARTICLE = (
    r"(?:(?:a|an|the|some|term|word|acronym|abbreviation|abbr|concept(?: of)?|idea of"
    r"|(?:meaning|definition|defn) of) )*"
)
_SUFFIX = (
    r"(?: (?:mean|means|meant|stand for|stands for|standing for|refer to|refers to|do|does"
    r"|is|are|used for|exactly|again|actually|really|definition|meaning|defn|here|in this context"
    r"|please|pls|plz|thanks|thank you|thx|ty|anyone|someone|lol|haha|anyway|to me|for me|about"
    r"|like (?:i m|im|i am) (?:five|5)|in (?:simple|plain) (?:terms|english|words)"
    r"|in a nutshell|even|anyway|tho|though))+"
)
_GREETING_RE = re.compile(rf"^(?:{_GREETING} )+")
_LEADIN_RE = re.compile(rf"^{_LEADIN}(?: (?:if|whether|about|that))?(?: |$)")
_ASK_RE = re.compile(rf"^{_ASK}(?: |$)")
_FRAME_RE = re.compile(rf"^{_FRAME} {_ARTICLE}(?P<subject>.+?)(?P<suffix>{_SUFFIX})?$")
# The same without dropping articles: "what is A/B testing" folds to "what is a b testing" and
# "what is word of mouth" holds "word", both of which _ARTICLE would take for filler.
_FRAME_BARE_RE = re.compile(rf"^{_FRAME} (?P<subject>.+?)(?P<suffix>{_SUFFIX})?$")
_ONE_ARTICLE_RE = re.compile(r"^(?:a|an|the) ")
# "a touchpoint in marketing", "churn in business": the field a term is asked about in.
# Also where or when it is met ("a protected branch on github", "squash when merging",
# "PPP with exchange rates"); not "for": "the account manager for acme" is a person.
_CONTEXT_RE = re.compile(
    r" (?:in|on|with|when|within|inside|during)"
    r" (?:the |a |an )?(?:context of |world of |field of )?\S+(?: \S+){0,3}$"
)
# "in econ, what's a free rider", "for git: what is a rebase": the field named first.
_FIELD_FIRST_RE = re.compile(
    r"^(?:in|for) (?:\S+ ){1,2}(?=(?:what|whats|what s|wtf|define|explain|eli5)\b)"
)
# A piece that only asks for the meaning of what came before: "tree shaking?? meaning?".
_MEANING_ONLY_RE = re.compile(
    r"^(?:meaning|definition|defn|means what|what(?: is| does)? (?:it|that|this)(?: mean)?"
    r"|what|anyone|pls|please)$"
)
_WHAT_IS_RE = re.compile(
    rf"^(?:what|whats) {_ARTICLE}(?P<subject>.+?) (?:is|are|means|mean)"
    r"(?: (?:in|on|for|with) \S+(?: \S+){0,2})?$"
)
_SUFFIX_ONLY_RE = re.compile(
    r"^(?P<subject>.+?) (?:meaning|definition|defn|means what(?: exactly| again)?"
    r"|mean what(?: exactly| again)?|stands for what|meaning pls"
    r"|meaning please|definition pls|definition please)(?: (?:in|on|for) \S+(?: \S+)?)?$"
)
_SUFFIX_RE = re.compile(rf"{_SUFFIX}$")
# "Mirror Pod? what is that", "Fuzz testing - what is it?": the name first, the frame after.
_TAIL_FRAME_RE = re.compile(
    r"^(?P<subject>.+?) (?:what|whats|what s) (?:is|are|does|do)? ?(?:that|it|this|those|they"
    r"|these)(?: mean| means| exactly| again)?$"
)
# "what is unitary elasticity and why does it matter": a second question about the same name.
_AND_MORE_RE = re.compile(r" and (?:why|how|what|when|where|who|is|does|do|can) .+$")
# What members add after the name they ask about: where they met it ("what does omnichannel
# mean in retail", "what does M2 mean when people talk about money"), a guess ("an inferior
# good, like bad quality stuff"), a second thought ("customer success, is that a department").
_AFTERTHOUGHT_RE = re.compile(
    r" (?:(?:mean|means|meant|stand for|stands for|refer to|refers to)"
    r" (?:in|for|when|on|with|to|if|here) .+"
    r"|(?:is|isnt) (?:that|it|this) .+|like .+|lol .+|haha .+|thing .+)$"
)
# "is GATT a thing?"
_THING_RE = re.compile(r"^is (?P<subject>.+?) (?:a|an) (?:real )?(?:thing|term|word|concept)$")
# A sentence that is only a greeting ("hi!") does not make a message long.
_GREETING_ONLY_RE = re.compile(rf"^(?:{_GREETING} ?)+$")
# A yes/no question about a particular thing or about us ("is the CRM down?", "do we track
# detractors", "did you update the personas?"): team talk, not a question for the glossary.
_INSTANCE_RE = re.compile(
    r"^(?:(?:is|are|was|were|did|has|have|had) (?:the|our|your|ur|their|this|that|these|those)"
    r"|(?:do|does|did|can|could|should|will|would|shall|are|were|have|had) (?:we|you|u|they))\b"
)
# A message that asks the room for its view ("... what do you all think?", "thoughts?"):
# members talking to each other, however many glossary words it holds.
_TO_THE_ROOM_RE = re.compile(
    r"\b(?:what do (?:you|u|yall|you all|you guys|y all|everyone|people|others) think"
    r"|(?:any )?thoughts|anyone else|who else|am i the only one|what about you)$"
)
# "the difference between X and Y", "X vs Y": a question about two things at once.
_COMPARISON_RE = re.compile(
    rf"^(?:(?:whats|what is|what s) )?(?:the )?(?:main |real |key )?differences? between"
    rf" {_ARTICLE}(?P<a>.+?) and {_ARTICLE}(?P<b>.+?)(?: exactly| again| please)?$"
    rf"|^{_ARTICLE}(?P<c>.+?) (?:vs|versus) {_ARTICLE}(?P<d>.+?)(?: whats the difference)?$"
)
_COMPARISON_WORDS = frozenset(
    ["difference", "differences", "differ", "vs", "versus", "same", "compare", "compared"]
)
_ARTICLE_RE = re.compile(rf"^{_ARTICLE}")
_TRAILING_RE = re.compile(
    r"(?: (?:please|pls|plz|thanks|thank you|thx|ty|lol|haha|anyone|someone|guys|folks|again))+$"
)
_SENTENCE_END = re.compile(r"[.!?]+(?=\s+\S)|\n+(?=\S)")
_CODE_BLOCK = re.compile(r"```")


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _phrases(text: str) -> frozenset[str]:
    return frozenset(" ".join(phrase.split()) for phrase in text.split(","))


# Function words: a subject made only of these names nothing ("what is it", "whats up").
STOP = _wordset(
    """a about above after again all also am an and any are as at be been before being below
    between both but by can could did do does doing down during each either else even ever every
    few for from further get gets got had has have having he her here hers herself him himself his
    how i if in into is it its itself just let like me might mine more most much must my myself no
    nor not now of off on once one only or other our ours out over own per please quite rather
    really same she should so some such than that thats the their theirs them then there these
    they this those through to too under until up upon us very via was we were what whats when
    where which while who whom whose why will with within without would yet you your yours
    yourself yourselves going happening gonna wanna u ur ya yo im ive id youre dont doesnt didnt
    cant wont isnt arent hey hi hello lol ok okay thanks thank yes yeah yep nope mean means
    meaning meant stand stands exactly actually thing things something anything stuff"""
)
# In a question's content "get" means something ("get more customers" is "attract" them), but
# little: the index weighs it lightly.
_CONTENT_STOP = STOP - {"get", "gets", "got"}
# Subjects that a chat-mode "what is X" almost always uses about the conversation, not a term.
_CHAT_SUBJECTS = _wordset(
    """time weather plan point deal matter problem issue news date day today tonight tomorrow
    answer link password best worst next score result update difference reason name
    status"""
)
_QUESTION_WORDS = _wordset(
    """what whats how why when where which who whom whose is are was were can could do does did
    should shall will would may might has have had must any anyone anybody"""
)
_PERSONAL = _wordset("my your our his her their its ur yo")
# Whole chat messages that are social noise even when a glossary happens to define them.
_CHITCHAT = _phrases(
    """hi, hello, hey, thanks, thank you, thx, ty, ok, okay, yes, no, yep, nope, lol,
    lmao, rofl, gg, gm, gn, bye, welcome, nice, cool, great, awesome, sure, maybe, wow, oops,
    sorry, please, 1, +1, agreed, same, true, false, help, test, good morning, good night,
    good job, well done, me too, of course, no problem, np"""
)


@dataclass(frozen=True, slots=True)
class Question:
    """What ``understand`` makes of a message, all in folded text."""

    text: str  # the whole message, markup stripped and folded
    body: str  # without greetings and lead-ins: what is compared with FAQ questions
    subject: str  # without the question frame: what is compared with term names
    framed: bool  # a definitional frame was found ("what is", "define", "X stands for")
    asked: bool  # ends with a question mark
    words: int
    sentences: int
    code: bool  # holds a code block
    # Other readings of the subject, looked up by exact name only: without the articles that
    # belong to a name ("a b testing", "word of mouth"), without a field ("touchpoint" for
    # "touchpoint in marketing").
    alternatives: tuple[str, ...] = ()

    @property
    def topic(self) -> str:
        """What the message is about: the subject of a framed question, else the body."""
        return self.subject if self.framed else self.body

    @property
    def interrogative(self) -> bool:
        """Asked, or opening with a question word ("how", "why", "can")."""
        words = self.body.split()
        return self.asked or (bool(words) and words[0] in _QUESTION_WORDS)

    @property
    def instance(self) -> bool:
        """Team talk: a yes/no question about our own things ("is the CRM down?"), or a
        message that asks the room what it thinks."""
        return bool(_INSTANCE_RE.match(self.body) or _TO_THE_ROOM_RE.search(self.body))

    @property
    def personal(self) -> bool:
        """ "what is your ...": about a person, not a term."""
        words = self.topic.split()
        return bool(words) and words[0] in _PERSONAL

    @property
    def idle(self) -> bool:
        """ "what is it", "what's the plan": no term could be meant."""
        subjects = (self.topic, *self.alternatives)
        return not any(w not in STOP for w in self.topic.split()) or any(
            s in _CHAT_SUBJECTS for s in subjects
        )

    @property
    def chitchat(self) -> bool:
        """The whole message is social noise ("thanks", "ok")."""
        return self.body in _CHITCHAT


def understand(text: str) -> Question:
    """Split a message into its subject and the English frame around it."""
    raw = text[:MAX_INPUT]
    code = bool(_CODE_BLOCK.search(raw))
    clean = strip_markup(raw)
    asked = clean.rstrip().endswith("?")
    pieces = (fold(s) for s in _SENTENCE_END.split(clean.strip()))
    sentences = len(
        [
            s
            for s in pieces
            if s and not _GREETING_ONLY_RE.match(s) and not _MEANING_ONLY_RE.match(s)
        ]
    )
    folded = fold(clean)
    words = len(folded.split())
    body = _GREETING_RE.sub("", folded)
    framed = False
    for _ in range(2):  # "hey, quick question: can you explain ..." has two layers of lead-in
        stripped = _LEADIN_RE.sub("", body, count=1)
        ask = _ASK_RE.match(stripped)
        if ask and ask.end() < len(stripped):
            stripped, framed = stripped[ask.end() :].lstrip(), True
        stripped = _GREETING_RE.sub("", stripped)
        if stripped == body:
            break
        body = stripped
    body = _TRAILING_RE.sub("", body)
    body = _FIELD_FIRST_RE.sub("", body, count=1)
    subject = body
    match = (
        _FRAME_RE.match(body)
        or _WHAT_IS_RE.match(body)
        or _SUFFIX_ONLY_RE.match(body)
        or _TAIL_FRAME_RE.match(body)
        or _THING_RE.match(body)
    )
    if match:
        subject, framed = match.group("subject"), True
        if match.re is _TAIL_FRAME_RE:
            sentences = 1  # "Mirror Pod? what is that" is one question in two pieces
    elif framed:
        subject = _SUFFIX_RE.sub("", body)
    if framed:
        subject = _ARTICLE_RE.sub("", subject)
        subject = _AND_MORE_RE.sub("", subject) or subject
        subject = _AFTERTHOUGHT_RE.sub("", subject) or subject
    subject = subject.strip()
    alternatives = _alternatives(body, subject) if framed else ()
    return Question(folded, body, subject, framed, asked, words, sentences, code, alternatives)


_PIECE_END = re.compile(r"(?<=[.!?])\s+(?=\S)|\n+(?=\S)")


def question_sentences(text: str) -> list[str]:
    """The sentences of a message that are questions on their own ("FCR?? saw it on the
    dashboard": "FCR??"), as typed, each with its punctuation."""
    clean = strip_markup(text[:MAX_INPUT]).strip()
    pieces = [p.strip() for p in _PIECE_END.split(clean) if p.strip()]
    if len(pieces) < 2:
        return []
    return [p for p in pieces if p.endswith("?") or understand(p).framed]


def _alternatives(body: str, subject: str) -> tuple[str, ...]:
    bare = _FRAME_BARE_RE.match(body)
    found = [subject, _AFTERTHOUGHT_RE.sub("", _SUFFIX_RE.sub("", body))]
    if bare:
        whole = bare.group("subject").strip()
        found += [whole, _ONE_ARTICLE_RE.sub("", whole)]
    found += [_SUFFIX_RE.sub("", s) for s in found]
    found += [_CONTEXT_RE.sub("", s) for s in found]
    found += [_SUFFIX_RE.sub("", s) for s in found]
    found += [_AND_MORE_RE.sub("", s) for s in found]
    return tuple(s for s in dict.fromkeys(found) if s and s != subject)


def content_words(folded: str) -> list[str]:
    """The words of a question that carry its meaning, stemmed harder than names are."""
    return [canonical(w) for w in folded.split() if w not in _CONTENT_STOP]


def compared_sides(question: Question) -> tuple[str, str] | None:
    """The two things a comparison asks about ("the difference between X and Y", "X vs Y")."""
    match = _COMPARISON_RE.match(question.body)
    if not match:
        return None
    return (
        (match.group("a") or match.group("c")).strip(),
        (match.group("b") or match.group("d")).strip(),
    )


def is_comparison(folded: str) -> bool:
    """A folded question that compares things ("what is the difference between ...")."""
    return bool(set(folded.split()) & _COMPARISON_WORDS)


def typed(text: str) -> str:
    """Text as typed, case-folded only: "@mention" and "mention" fold alike, but differ here."""
    return " ".join(text.casefold().split())
