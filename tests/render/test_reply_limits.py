"""Every renderer, fed the largest data the bot accepts (each text at its stated maximum, the most items
a reply can hold), answers within every Discord limit, on every page. The digest post has its own
property test (tests/digest/test_render.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import discord
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.fuzzydate import FuzzyDate
from bot.core.status_axes import Quantity
from bot.core.validation import LIMITS, MAX_ALIASES, clean_text
from bot.digest import views as digest_views
from bot.render import editor, history
from bot.render import entries as reader
from bot.render.entries import page_count
from bot.render.text import CONTENT_MAX, EMBED_TOTAL_MAX
from bot.services.digests import Notice, SubscriptionView
from bot.services.reader import StatusNow, TopicCard, TopicRow
from db.audit import snapshot
from db.digest_models import DigestSubscription
from db.models import AuditRecord, Entry, EntryRead, Newsroom, Topic, TopicRead
from tests.hostile.messages import message_problems

AT = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)
ZONES = ("UTC", "America/St_Johns", "Asia/Kathmandu", "Pacific/Chatham")
# Pieces whose rendering grows: markdown to escape, mention syntax to defang, wide and combining characters.
PIECES = (
    "deliberation ",
    "*",
    "_",
    "a@everyone.com ",
    "<#x>",
    "`",
    "\\",
    "|",
    "~",
    "é\u0301",
    "🛰️",
    "[x](y) ",
    "\n",
    "-",
)


# What Hypothesis draws stays small (which pieces make each text, and a zone); the world is built from it.
PIECE_LISTS = st.lists(st.sampled_from(PIECES), min_size=1, max_size=4)


@st.composite
def worlds(draw: st.DrawFn) -> tuple[dict[str, tuple[str, ...]], str]:
    return {field: tuple(draw(PIECE_LISTS)) for field in LIMITS}, draw(st.sampled_from(ZONES))


def build(drawn: tuple[dict[str, tuple[str, ...]], str]) -> dict[str, Any]:
    """Every text at its field's stated maximum, built from its repeated pieces, as validation stores it."""
    pieces, zone = drawn
    text = {
        field: clean_text(field, ("x" + "".join(pieces[field]) * limit)[:limit]) or ""
        for field, limit in LIMITS.items()
    }
    slug = ("s" * 32)[: LIMITS["slug"]]
    topic = Topic(
        id=2**31 - 1,
        newsroom_id=2**63 - 1,
        slug=slug,
        title=text["title"],
        aliases=[text["alias"]] * MAX_ALIASES,
        summary=text["summary"],
        next_step=text["next_step"],
        background=[{"fact": text["summary"], "source": text["source"]}] * 10,
        archived=len(pieces["slug"]) % 2 == 0,
    )
    date = FuzzyDate.from_storage("part_of_month", dt.date(2023, 9, 11), dt.date(2023, 9, 20))
    url = ("https://example.org/" + "a" * LIMITS["url"])[: LIMITS["url"]]
    common: dict[str, Any] = {"newsroom_id": topic.newsroom_id, "topic_id": topic.id, "source_url": url}
    common |= {"source_name": text["source"], "created_by": 2**63 - 1, "edited_at": AT}
    common |= {"retraction_reason": text["reason"]}
    statement: dict[str, Any] = {"kind": "statement", "speaker": text["speaker"], "speaker_role": text["role"]}
    statement |= {"speaker_org": text["organisation"], "text": text["text"], "context": text["context"]}
    statement |= {"statement_kind": "paraphrase"}
    status: dict[str, Any] = {"kind": "status", "decision": "under_review", "delivery": "partly_delivered"}
    status |= {"committed": 1e12, "delivered": 999_999_999_999.5, "unit": text["unit"], "note": text["note"]}
    event: dict[str, Any] = {"kind": "event", "headline": text["headline"], "details": text["details"]}
    made: list[Entry] = []
    for n, columns in enumerate([statement, status, event] * 17):
        entry = Entry(id=10**9 + n, **common, **columns, retracted_at=AT if n % 2 else None)
        entry.set_date(date)
        entry.set_end_date(date if columns is event else None)
        made.append(entry)
    return {"text": text, "topic": topic, "entries": made, "zone": zone}


def status_now(entry: EntryRead) -> StatusNow:
    """Both axes and both quantities at their longest, with units that differ (each then shown)."""
    unit = entry.unit or ""
    return StatusNow(entry, entry, Quantity(entry.committed or 0, unit), Quantity(entry.delivered or 0, unit[::-1]))


def body(content: str | None, embeds: list[discord.Embed], view: discord.ui.View | None = None) -> dict[str, Any]:
    assert content is None or len(content) <= CONTENT_MAX
    return {
        "content": content,
        "embeds": [e.to_dict() for e in embeds],
        "components": view.to_components() if view is not None else [],
        "allowed_mentions": {"parse": []},
    }


def assert_fits(content: str | None, embeds: list[discord.Embed], view: discord.ui.View | None = None) -> None:
    problems = message_problems(body(content, embeds, view))
    assert problems == [], [e.title for e in embeds]


FAST = settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FAST
@given(worlds())
def test_reader_replies_fit(drawn: tuple[dict[str, tuple[str, ...]], str]) -> None:
    w = build(drawn)
    topic = TopicRead.model_validate(w["topic"], from_attributes=True)
    read = [EntryRead.model_validate(e, from_attributes=True) for e in w["entries"]]
    statements = [e for e in read if e.kind == "statement"]
    sources = [(w["text"]["source"], e.source_url) for e in read[:10]]
    now = status_now(read[1])
    card = TopicCard(topic, now, statements[0], AT, 10**6, sources)
    embed, view = reader.status_card(card, timezone=w["zone"])
    assert_fits(None, [embed], view)
    embed, view = reader.status_card(card, timezone=w["zone"], room=EMBED_TOTAL_MAX - reader.HISTORY_ROOM)
    statuses = [e for e in read if e.kind == "status"]
    more = reader.status_history(topic, statuses, timezone=w["zone"], room=EMBED_TOTAL_MAX - len(embed))
    assert_fits(None, [embed, more], view)
    total = 10**6
    for page in (0, 1, page_count(total, 10) - 1):
        embeds, view = reader.latest_page(
            topic, statements[:10], total=total, page=page, per_page=10, speaker="S" * 40, timezone=w["zone"]
        )
        assert_fits(None, embeds, view)
        one, view = reader.chronology_page(
            topic, read[:10], total=total, page=page, per_page=10, since=AT.date(), until=AT.date(), timezone=w["zone"]
        )
        assert_fits(None, [one], view)
        rows = [TopicRow(topic, status_now(e) if e.kind == "status" else StatusNow()) for e in read[:15]]
        one, view = reader.topics_page(rows, total=total, page=page, per_page=15, guild_name="G" * 100)
        assert_fits(None, [one], view)


@FAST
@given(worlds())
def test_editor_replies_fit_and_history_pages_hold_every_record(drawn: tuple[dict[str, tuple[str, ...]], str]) -> None:
    w = build(drawn)
    topic, zone = w["topic"], w["zone"]
    for entry in w["entries"][:3]:
        content, embed, view = editor.logged_entry(entry, topic, timezone=zone, created=True, undo_expires=AT)
        assert_fits(content, [embed], view)
        for action in ("entry.edit", "entry.retract", "entry.restore"):
            content, embed = editor.changed_entry(entry, topic, timezone=zone, action=action)
            assert_fits(content, [embed])
    # Forty records, each changing every field at its maximum (from an entry of another kind to this one).
    records = [
        AuditRecord(
            id=n,
            newsroom_id=1,
            entry_id=w["entries"][0].id,
            action=action,
            actor_id=2**63 - 1,
            at=AT,
            before=snapshot(other),
            after=snapshot(w["entries"][0]),
            reason=w["text"]["reason"],
        )
        for n, (action, other) in enumerate(
            zip(["entry.create", "entry.edit", "entry.retract", "entry.undo"] * 10, w["entries"], strict=False)
        )
    ]
    shown: list[str] = []
    page, pages = 0, 1
    while page < pages:
        embed, view = history.entry_history(w["entries"][0], topic, records, timezone=zone, page=page)
        assert_fits(None, [embed], view)
        shown += [f.name or "" for f in embed.fields]
        indicator = str(getattr(view.children[1], "label", "")) if view else "1/1"  # "page/pages"
        pages = int(indicator.split("/")[1])
        page += 1
    assert len(shown) == len(records)
    content, embed = editor.topic_saved(topic, verb="Created")
    assert_fits(content, [embed])
    assert_fits(None, [editor.settings_embed(Newsroom(id=1, timezone="America/Argentina/ComodRivadavia"))])


@FAST
@given(worlds())
def test_digest_editor_replies_fit(drawn: tuple[dict[str, tuple[str, ...]], str]) -> None:
    w = build(drawn)
    slugs = ["s" * LIMITS["slug"]] * 25
    subs = [
        SubscriptionView(
            DigestSubscription(
                id=2**31 - n,
                newsroom_id=1,
                channel_id=2**63 - 1,
                local_time="23:59",
                timezone="America/Argentina/ComodRivadavia",
                topic_ids=list(range(25)),
                weekdays=[0, 2, 4, 6],
                mention_role_id=2**63 - 1,
                post_when_empty=False,
                paused=bool(n % 2),
                paused_reason=w["text"]["reason"][:300],  # written by the bot, at most 300
                next_due_at=AT,
                covered_until=AT,
                last_sent_at=AT,
                next_attempt_at=AT,
            ),
            slugs,
        )
        for n in range(25)
    ]
    assert_fits(None, [digest_views.subscription_embed(subs[0], title="Digest added")])
    seen = 0
    for page in range(25):
        embed, view = digest_views.list_embed(subs, page=page)
        assert_fits(None, [embed], view)
        seen += len(embed.fields)
        if view is None or getattr(view.children[2], "disabled", True):
            break
    assert seen == 25
    notices = [Notice(2**31 - n, 2**63 - 1, "R" * 300) for n in range(25)]
    assert_fits(digest_views.notice_line(notices), [])
    assert_fits(digest_views.notice_line(notices[:1]), [])
