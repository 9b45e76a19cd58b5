"""/ask through discord.py's dispatch: the question set scored against the README's figure, the
footnote, the honest "not known", other newsrooms never answering, and hostile questions refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.services.ask_hits import content_words
from db import search as search_index
from tests.cogs.ask_questions import QUESTIONS, Q
from tests.cogs.ask_stories import create_stories
from tests.cogs.log_support import NO_PINGS, entry_logged_by
from tests.harness import GUILD_B_ID, Reply
from tests.newsroom import Desk, db_rows, text_of
from tests.pages import assert_within_limits

README = Path(__file__).resolve().parents[2] / "README.md"
# "answers 83 of 90 questions correctly": the share the README states, which the score must reach.
_SCORE = re.compile(r"answers \*\*(\d+) of (\d+)\*\* questions")


async def ask(desk: Desk, question: str, *, b: bool = False) -> Reply:
    h = desk.harness
    if b:
        return await h.slash("ask", {"question": question}, user=h.other_guild_user, guild=GUILD_B_ID)
    return await h.slash("ask", {"question": question}, user=h.reader)


def answer_parts(reply: Reply) -> tuple[str, str]:
    """The answer's text (the sentence and the evidence) and its footnote."""
    [embed] = reply.embeds
    return embed.get("description") or "", (embed.get("footer") or {}).get("text", "")


def misses(q: Q, reply: Reply, ids: dict[str, int]) -> list[str]:
    """What is wrong with the answer to `q` (nothing: answered correctly)."""
    if reply.ephemeral or not reply.embeds:
        return [f"refused: {reply.content}"]
    body, footnote = answer_parts(reply)
    # The closest entries shown under "Not known" are labelled as no answer: what the answer may not
    # say is checked in the answer above them.
    answer = body.split("**Closest entries**", 1)[0]
    wrong = []
    if not footnote.startswith(f"Read as: {q.intent.value}"):
        wrong.append(f"read as {footnote.split(' (', 1)[0]!r}")
    wrong += [f"lacks {text!r}" for text in q.must if text.casefold() not in body.casefold()]
    wrong += [f"says {text!r}" for text in q.never if text.casefold() in answer.casefold()]
    wrong += [f"does not cite {key}" for key in q.cites if not re.search(rf"#{ids[key]}(?![0-9])", body)]
    return wrong


def readme_share() -> tuple[int, int]:
    found = _SCORE.search(README.read_text(encoding="utf-8"))
    assert found, "the README states the /ask score"
    return int(found.group(1)), int(found.group(2))


async def test_the_question_set_scores_at_least_what_the_readme_states(desk: Desk) -> None:
    ids = await create_stories(desk)
    assert len(QUESTIONS) >= 80
    missed: dict[str, list[str]] = {}
    for q in QUESTIONS:
        reply = await ask(desk, q.question, b=q.b)
        assert_within_limits(reply)
        wrong = misses(q, reply, ids)
        if wrong:
            missed[q.question + (" (newsroom B)" if q.b else "")] = wrong
    correct = len(QUESTIONS) - len(missed)
    stated, out_of = readme_share()
    report = "\n".join(f"{question}: {'; '.join(wrong)}" for question, wrong in missed.items())
    assert out_of == len(QUESTIONS), f"the README's score is out of {out_of}, the set has {len(QUESTIONS)}"
    assert correct >= stated, f"{correct} of {len(QUESTIONS)} correct, README says {stated}:\n{report}"
    # The README lists the questions missed, by their text.
    readme = README.read_text(encoding="utf-8")
    unlisted = [question for question in missed if question.split(" (newsroom B)")[0] not in readme]
    assert not unlisted, f"the README does not list these misses:\n{report}"


async def test_the_answer_is_one_direct_sentence_first_then_cited_evidence(desk: Desk) -> None:
    reply = await ask(desk, "Has ATACMS been approved?")
    assert not reply.ephemeral and reply.callback_data is not None
    assert reply.callback_data.get("allowed_mentions") == NO_PINGS
    body, footnote = answer_parts(reply)
    first, evidence = body.split("\n\n", 1)
    assert first.startswith("No: ATACMS long-range missiles for Ukraine is under review; no decision has been")
    assert first.endswith("(News report, Sep 2023, #1).")
    assert "**Status**" in evidence and "`#1`" in evidence
    assert footnote == 'Read as: whether it has been decided (from "approv") · story atacms ("atacms")'


async def test_the_footnote_says_a_close_spelling_and_the_dates_read(desk: Desk) -> None:
    _body, footnote = answer_parts(await ask(desk, "what changed on atcms since 1 Sep 2023?"))
    assert footnote.startswith("Read as: what changed since a date")
    assert 'story atacms (closest to "atcms")' in footnote and "since 1 Sep 2023" in footnote
    _body, footnote = answer_parts(await ask(desk, "What did Kirbey say?"))
    assert 'speaker John Kirby ("kirbey")' in footnote or 'speaker John Kirby (closest to "kirbey")' in footnote


async def test_with_no_grounded_answer_it_says_not_known_and_shows_the_closest_entries(desk: Desk) -> None:
    body, _footnote = answer_parts(await ask(desk, "Who manufactures ATACMS missiles?"))
    assert body.startswith("Not known: no background fact on ATACMS")
    assert "**Closest entries**" in body and "`#" in body
    body, _footnote = answer_parts(await ask(desk, "What is the price of Taurus?"))
    assert body.startswith("Not known") and "No entry comes close." in body


async def test_newsroom_b_never_hears_of_newsroom_a(desk: Desk) -> None:
    for question in ("Has ATACMS been approved?", "What did Kirby say?", "atacms", "Who manufactures ATACMS?"):
        body, _footnote = answer_parts(await ask(desk, question, b=True))
        assert body.startswith("Not known"), question
        assert "No entry comes close." in body and "Kirby" not in body and "#" not in body, question


async def test_hostile_questions_are_refused_clearly_and_change_nothing(desk: Desk) -> None:
    h = desk.harness
    before = await db_rows(desk.database)
    overlong = await h.slash_forged("ask", {"question": "x"}, {"question": "Is ATACMS approved? " * 200})
    assert overlong.ephemeral and "the maximum is 300" in text_of(overlong)
    for question, expected in (
        ("@everyone is atacms approved?", "mention syntax"),
        ("<@123456789012345678> status of atacms", "mention syntax"),
        ("\x00\x01\x02", "can't be empty"),
    ):
        reply = await ask(desk, question)
        assert reply.ephemeral and expected in text_of(reply), question
    # Control characters inside a question are dropped and the rest is answered.
    body, _footnote = answer_parts(await ask(desk, "Has\x00 ATACMS\x07 been approved?"))
    assert body.startswith("No: ATACMS")
    assert await db_rows(desk.database) == before


async def test_the_closest_entries_rank_the_latest_matches_by_how_much_of_the_question_they_hold(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = desk.harness
    logged = []
    for headline in ("Pontoon bridges reach Kherson", "Pontoon bridges delivered", "Pontoon bridges ordered"):
        reply = await h.slash(
            "log event", {"topic": "atacms", "headline": headline, "date": "2023-09-02", "source": "Reuters"},
            user=h.editor,
        )  # fmt: skip
        assert not reply.ephemeral, reply.content
        logged.append((await entry_logged_by(desk.database, reply)).id)
    kherson, delivered, ordered = logged
    question = "What is the price of the pontoon bridges at Kherson? What's next?"

    def shown(reply: Reply) -> list[int]:
        body, _footnote = answer_parts(reply)
        assert body.startswith("Not known") and "**Closest entries**" in body
        return [int(found) for found in re.findall(r"`#(\d+)`", body.split("**Closest entries**", 1)[1])]

    # The entry holding every word of the question comes first; the others match fewer of its words.
    assert shown(await ask(desk, question))[:3] == [kherson, ordered, delivered]
    # Only the newsroom's latest matches are ranked: with room for two, the oldest is left out.
    monkeypatch.setattr(search_index, "CLOSEST_WINDOW", 2)
    assert shown(await ask(desk, question)) == [ordered, delivered]


def test_a_questions_content_words_split_at_apostrophes_as_the_index_does() -> None:
    # "What's" is the stop word "what" (its "s" would match nearly every document); "Biden's" is "biden".
    assert content_words("What's next for Biden's F-16 plan?") == ["next", "biden", "f-16", "plan"]
