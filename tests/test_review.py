"""The review queue in the store: off by default; while on, members' definitions wait,
unseen by anyone else, until approved (public, credited) or rejected (with a reason)."""

import pytest

from bot.core import review, review_store
from bot.core.contributions import Contribution, Refused, create_term, save
from bot.core.history_store import Actor

GUILD = 111
ALICE, BOB, ADMIN = 1, 2, 3
TEXT = "Someone who pays us for a thing."
REVIEWER = Actor(ADMIN, "owner")


def customer(store) -> int:
    return store.find_term("customer").id


def contribute(store, text=TEXT, user=ALICE, name="alice"):
    return store.transaction(lambda s: save(s, customer(s), Contribution(GUILD, user, name, text)))


def turn_on(store, skip=None):
    store.transaction(lambda s: review.set_review(s, GUILD, on=True, skip=skip))


def public_texts(store) -> list[str]:
    return [d.text for d in store.definitions(customer(store), guild_id=GUILD)]


def test_off_by_default_a_definition_is_public_at_once(store):
    saved = contribute(store)
    assert saved.waiting is None and TEXT in public_texts(store)


def test_a_waiting_definition_is_nowhere_a_reader_looks_until_approved(store):
    turn_on(store)
    saved = contribute(store)
    assert saved.waiting is not None
    assert TEXT not in public_texts(store)
    assert store.member_definitions(guild_id=GUILD, user_id=ALICE) == []
    assert store.member_stats(guild_id=GUILD, user_id=ALICE).definitions == 0
    assert store.leaderboard(guild_id=GUILD) == []
    assert store.search("pays thing", guild_id=GUILD).total == 0
    assert store.badges(guild_id=GUILD, user_id=ALICE) == []
    # Its author sees it beside the term's answer; another member does not.
    from bot.core.service import GlossaryService

    service = GlossaryService(store)
    answer = service.term_answer(customer(store), guild_id=GUILD)
    mine = review.with_waiting(store, answer, viewer_id=ALICE, guild_id=GUILD)
    assert mine.private and TEXT in mine.sections[-1].text
    assert review.with_waiting(store, answer, viewer_id=BOB, guild_id=GUILD) is answer
    # Sent again while it waits: the same place in the queue, the new text.
    again = contribute(store, text="Someone who pays us, again and again.")
    assert again.waiting == saved.waiting
    [waiting] = review_store.waiting(store, GUILD)
    assert waiting.text == "Someone who pays us, again and again."
    decided = store.transaction(
        lambda s: review.approve(s, saved.waiting, guild_id=GUILD, reviewer=REVIEWER)
    )
    assert "approved" in decided.author_message("Acme")
    assert "Someone who pays us, again and again." in public_texts(store)
    assert store.member_stats(guild_id=GUILD, user_id=ALICE).definitions == 1
    assert "first-definition" in store.badges(guild_id=GUILD, user_id=ALICE)  # credited
    assert review_store.waiting(store, GUILD) == []
    with pytest.raises(Refused, match="no longer waits"):
        store.transaction(
            lambda s: review.approve(s, saved.waiting, guild_id=GUILD, reviewer=REVIEWER)
        )


def test_a_rejection_keeps_its_reason_and_publishes_nothing(store):
    turn_on(store)
    saved = contribute(store)
    decided = store.transaction(
        lambda s: review.reject(
            s, saved.waiting, guild_id=GUILD, reviewer=REVIEWER, reason="  Too vague,\n sorry. "
        )
    )
    assert decided.reason == "Too vague, sorry."
    assert "Too vague, sorry." in decided.author_message("Acme")
    assert TEXT not in public_texts(store) and review_store.waiting(store, GUILD) == []
    assert review_store.review(store, saved.waiting, guild_id=GUILD).state == "rejected"
    with pytest.raises(Refused):
        store.transaction(
            lambda s: review.reject(s, saved.waiting, guild_id=GUILD, reviewer=REVIEWER, reason="")
        )


def test_members_above_the_karma_threshold_skip_review(store):
    bob_text = contribute(store, text="A member of our family of buyers.", user=BOB, name="bob")
    for voter in (10, 11):
        store.set_vote(definition_id=bob_text.definition_id, guild_id=GUILD, user_id=voter, value=1)
    turn_on(store, skip=1)  # bob has 2 karma, alice none
    assert contribute(store).waiting is not None
    edited = contribute(store, text="A member of our family of loyal buyers.", user=BOB)
    assert edited.waiting is None and "A member of our family of loyal buyers." in public_texts(
        store
    )
    with pytest.raises(Refused, match="from -1"):
        store.transaction(lambda s: review.set_review(s, GUILD, on=None, skip=-2))


def test_an_edit_of_a_public_definition_waits_and_the_public_one_stays(store):
    first = contribute(store)
    store.set_vote(definition_id=first.definition_id, guild_id=GUILD, user_id=BOB, value=1)
    turn_on(store)
    edit = contribute(store, text="Someone who pays us, again and again.")
    assert edit.waiting is not None and public_texts(store).count(TEXT) == 1
    store.transaction(lambda s: review.approve(s, edit.waiting, guild_id=GUILD, reviewer=REVIEWER))
    shown = store.definition(first.definition_id, guild_id=GUILD)
    assert shown.text == "Someone who pays us, again and again." and shown.upvotes == 1


def test_a_new_term_waits_and_approving_creates_it(store):
    turn_on(store)
    sent = Contribution(GUILD, ALICE, "alice", "Our in-house widget for billing.")
    saved = store.transaction(lambda s: create_term(s, "Zorblax", sent))
    assert saved.waiting is not None and store.find_term("zorblax", guild_id=GUILD) is None
    decided = store.transaction(
        lambda s: review.approve(s, saved.waiting, guild_id=GUILD, reviewer=REVIEWER)
    )
    assert decided.saved.new_term
    assert store.find_term("zorblax", guild_id=GUILD).id == decided.saved.term_id


def test_the_queue_lists_oldest_first_and_the_report_says_how_many_wait(store):
    turn_on(store)
    assert review.report_line(store, GUILD) is None
    for user in range(20, 26):
        contribute(store, text=f"A text for review number {user}.", user=user, name=f"m{user}")
    page = review.queue_answer(store, GUILD)
    assert [s.name.split(" ")[0] for s in page.sections] == ["#1", "#2", "#3", "#4"]
    assert page.pages == 2 and "6 waiting, oldest first" in page.body
    assert [a.label for a in page.actions][:2] == ["Approve #1", "Reject #1"]
    store.sql.execute("UPDATE reviews SET submitted_at = '2020-01-01T00:00:00+00:00' WHERE id = 1")
    line = review.report_line(store, GUILD)
    assert line.startswith("6 definition(s) wait for review; the oldest for ") and "days" in line
    # Another server's queue is its own.
    assert review.queue_answer(store, 999).sections == []


def test_the_console_runs_the_queue_as_the_local_servers_admin(service):
    """/glossary review on in the console; a contribution waits; the queue's numbered options
    approve or reject it (a reason is asked for); the report says what waits."""
    from bot.console import ConsoleSession

    console = ConsoleSession(service)
    assert "Review is on" in console.handle("/glossary review on").body
    assert "from -1" in console.handle("/glossary review 99999999999999").body
    for line in ("/contribute customer", TEXT, "", ""):
        answer = console.handle(line)
    assert answer.title == "Waiting for review" and TEXT in answer.sections[0].text
    assert "1 definition(s) wait for review" in console.handle("/glossary report").body
    listed = console.handle("/glossary review")
    [number] = [i for i, a in enumerate(listed.actions, 1) if a.label == "Reject #1"]
    assert "Reason" in console.handle(str(number)).body
    rejected = console.handle("Too vague.")
    assert "#1 (“Customer” by" in rejected.body and "is rejected" in rejected.body
    for line in ("/contribute customer", "Someone who pays us, again and again.", "", ""):
        console.handle(line)
    listed = console.handle("/glossary review")
    [number] = [i for i, a in enumerate(listed.actions, 1) if a.label == "Approve #2"]
    assert "is approved" in console.handle(str(number)).body
    term = customer(service.store)
    shown = [d.text for d in service.store.definitions(term, guild_id=0)]
    assert "Someone who pays us, again and again." in shown and TEXT not in shown


def test_a_definition_sent_after_an_answer_was_read_shows_to_its_author(store):
    """Whether anything waits is cached with the answers: sending one makes it stale."""
    from bot.core.service import GlossaryService

    turn_on(store)
    answer = GlossaryService(store).term_answer(customer(store), guild_id=GUILD)
    assert review.with_waiting(store, answer, viewer_id=ALICE, guild_id=GUILD) is answer
    contribute(store)
    mine = review.with_waiting(store, answer, viewer_id=ALICE, guild_id=GUILD)
    assert mine.private and TEXT in mine.sections[-1].text
