"""Hostile-input suite: Hypothesis profiles, a live desk reused across examples, and the invariants.

Profiles (registered here, applied only to this suite unless chosen for the whole run):

* ``hostile-ci`` (the default): few, derandomized examples so the suite is fast and deterministic.
* ``thorough``: many random examples. Choose it with ``HYPOTHESIS_PROFILE=thorough`` (any pytest
  invocation) or ``pytest tests/hostile --hypothesis-profile=thorough``.

``HYPOTHESIS_PROFILE=ci`` means ``hostile-ci``; any other registered profile name is used as is;
``HOSTILE_CI_EXAMPLES=N`` changes how many examples ``hostile-ci`` runs per command (default 25). The
built-in ``ci`` profile that Hypothesis loads under ``CI=true`` is left alone, so the rest of the test
suite keeps its own example counts.

The property tests are synchronous Hypothesis tests. Each test function gets one ``LiveDesk``: an
``asyncio.Runner`` whose loop owns the database, the bot and the harness for the whole test, so every
example runs on the same loop and the desk is built once, not once per example. Examples therefore see
the state earlier examples left, which is why every check is an invariant, never "fresh state".
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import re
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import select

from bot.core.validation import LIMITS, MULTILINE, SLUG_RE
from bot.failures import GENERIC_FAILURE
from db.audit import ENTRY_FIELDS, TOPIC_FIELDS
from db.engine import Database
from db.models import AuditRecord, Entry, Newsroom, Topic
from db.seeds import available_seeds
from tests.conftest import BACKENDS, drop_database, make_database
from tests.harness import GUILD_A_ID, GUILD_B_ID, DiscordHarness, Reply, UserFixture
from tests.hostile.strategies import CommandSpec, OptionType, Pools, slash_commands
from tests.newsroom import EDITORS_ROLE_A, Desk, prepare_newsrooms, running_desk

# --------------------------------------------------------------------------------------------------
# Hypothesis profiles
# --------------------------------------------------------------------------------------------------
PROFILE_ENV = "HYPOTHESIS_PROFILE"
CI_PROFILE = "hostile-ci"
THOROUGH_PROFILE = "thorough"
# Async database work per example makes timing meaningless, and the strings are large on purpose.
_REQUIRED = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
}
settings.register_profile(
    CI_PROFILE, max_examples=int(os.environ.get("HOSTILE_CI_EXAMPLES", "25")), derandomize=True, database=None,
    print_blob=True, **_REQUIRED,
)  # fmt: skip
settings.register_profile(THOROUGH_PROFILE, max_examples=400, derandomize=False, print_blob=True, **_REQUIRED)


def chosen_profile() -> str:
    requested = os.environ.get(PROFILE_ENV, "").strip()
    if not requested:
        requested = settings.get_current_profile_name()
        if requested != THOROUGH_PROFILE:
            requested = CI_PROFILE
    return {"ci": CI_PROFILE}.get(requested, requested)


@pytest.fixture
def hostile_settings() -> settings:
    """The settings every property test runs under (the chosen profile plus what this suite needs)."""
    return settings(settings.get_profile(chosen_profile()), **_REQUIRED)


# --------------------------------------------------------------------------------------------------
# Who acts
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Actor:
    label: str
    user: UserFixture
    guild_id: int
    editor: bool

    def __repr__(self) -> str:  # what Hypothesis prints for a failing example
        return f"{self.label}@{'A' if self.guild_id == GUILD_A_ID else 'B'}"


def actors_of(h: DiscordHarness[Any]) -> list[Actor]:
    return [
        Actor("editor", h.editor, GUILD_A_ID, True),
        Actor("reader", h.reader, GUILD_A_ID, False),
        Actor("admin", h.admin, GUILD_A_ID, True),  # Manage Server: editor and settings manager
        Actor("outsider", h.other_guild_user, GUILD_B_ID, True),  # editor of guild B only
    ]


# --------------------------------------------------------------------------------------------------
# Discord's limits, checked on every message body the bot sent
# --------------------------------------------------------------------------------------------------
CONTENT_MAX = 2000
EMBEDS_MAX = 10
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
ROWS_MAX = 5
BUTTONS_PER_ROW = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
CHOICES_MAX = 25
CHOICE_MAX = 100
MODAL_TITLE_MAX = 45
MODAL_FIELDS_MAX = 5
TEXT_INPUT_LABEL_MAX = 45
TEXT_INPUT_VALUE_MAX = 4000
PLACEHOLDER_MAX = 100
# "@everyone"/"@here" as Discord reads them: not escaped by a zero-width character after the "@".
UNESCAPED_EVERYONE = re.compile(r"@(everyone|here)", re.IGNORECASE)
GENERIC_MARKER = GENERIC_FAILURE.split("{", 1)[0].split(".")[0]  # "Something went wrong on our side ..."


# Followups and @original/message edits (interaction token), and bot-token channel messages.
MESSAGE_ROUTE = re.compile(r"/webhooks/\d+/[^/]+(/messages/[^/]+)?|/channels/\d+/messages(/\d+)?")


def message_bodies(reply: Reply) -> list[tuple[str, dict[str, Any]]]:
    """Every message the bot created or edited while handling the interaction: (what, body)."""
    out: list[tuple[str, dict[str, Any]]] = []
    for call in reply.calls:
        body = call.json
        if call.error is not None or not isinstance(body, dict):
            continue
        if call.is_callback:
            if body.get("type") in (4, 7):
                out.append((f"callback type {body['type']}", body.get("data") or {}))
        elif call.method in ("POST", "PATCH") and MESSAGE_ROUTE.fullmatch(call.path):
            out.append((f"{call.method} {call.template}", body))
    return out


def _embed_problems(embeds: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    if len(embeds) > EMBEDS_MAX:
        problems.append(f"{len(embeds)} embeds")
    total = 0
    for i, embed in enumerate(embeds):
        title = embed.get("title") or ""
        description = embed.get("description") or ""
        footer = (embed.get("footer") or {}).get("text") or ""
        author = (embed.get("author") or {}).get("name") or ""
        fields = embed.get("fields") or []
        for what, text, limit in (
            ("title", title, TITLE_MAX),
            ("description", description, DESCRIPTION_MAX),
            ("footer", footer, FOOTER_MAX),
            ("author", author, AUTHOR_MAX),
        ):
            if len(text) > limit:
                problems.append(f"embed {i} {what} is {len(text)} > {limit}")
        if len(fields) > FIELDS_MAX:
            problems.append(f"embed {i} has {len(fields)} fields")
        total += len(title) + len(description) + len(footer) + len(author)
        for j, f in enumerate(fields):
            name, value = f.get("name") or "", f.get("value") or ""
            if not name.strip() or len(name) > FIELD_NAME_MAX:
                problems.append(f"embed {i} field {j} name has length {len(name)} (blank or > {FIELD_NAME_MAX})")
            if not value.strip() or len(value) > FIELD_VALUE_MAX:
                problems.append(f"embed {i} field {j} value has length {len(value)} (blank or > {FIELD_VALUE_MAX})")
            total += len(name) + len(value)
    if total > EMBED_TOTAL_MAX:
        problems.append(f"embeds total {total} > {EMBED_TOTAL_MAX}")
    return problems


def _component_problems(rows: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    if len(rows) > ROWS_MAX:
        problems.append(f"{len(rows)} action rows")
    seen: set[str] = set()
    for r, row in enumerate(rows):
        children = row.get("components") or []
        if row.get("type") != 1 or not 1 <= len(children) <= BUTTONS_PER_ROW:
            problems.append(f"row {r} is type {row.get('type')} with {len(children)} components")
        for c in children:
            custom_id = c.get("custom_id")
            if c.get("type") == 2 and c.get("style") != 5:
                if not custom_id or len(custom_id) > CUSTOM_ID_MAX:
                    problems.append(f"button custom_id {custom_id!r} missing or over {CUSTOM_ID_MAX}")
                if custom_id in seen:
                    problems.append(f"duplicate custom_id {custom_id!r}")
                seen.add(custom_id or "")
            if len(c.get("label") or "") > BUTTON_LABEL_MAX:
                problems.append(f"button label over {BUTTON_LABEL_MAX}")
    return problems


def _mention_problems(body: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    allowed = body.get("allowed_mentions")
    if not isinstance(allowed, dict):
        problems.append(f"no allowed_mentions (Discord would parse every mention): {allowed!r}")
    else:
        if allowed.get("parse") != []:
            problems.append(f"allowed_mentions.parse is {allowed.get('parse')!r}")
        for key in ("users", "roles"):
            if allowed.get(key):
                problems.append(f"allowed_mentions.{key} lists {allowed[key]!r}")
        if allowed.get("replied_user"):
            problems.append("allowed_mentions.replied_user is true")
    content = body.get("content") or ""
    if UNESCAPED_EVERYONE.search(content):
        problems.append(f"unescaped @everyone/@here in content: {content!r}")
    return problems


def message_problems(body: dict[str, Any]) -> list[str]:
    content = body.get("content")
    problems: list[str] = []
    if content is not None and len(content) > CONTENT_MAX:
        problems.append(f"content is {len(content)} > {CONTENT_MAX}")
    embeds = body.get("embeds") or []
    components = body.get("components") or []
    if "content" in body and not (content or embeds or components):
        problems.append("empty message (no content, embeds or components)")
    problems += _embed_problems(embeds)
    problems += _component_problems(components)
    problems += _mention_problems(body)
    if GENERIC_MARKER in (content or "") or "Something went wrong" in (content or ""):
        problems.append(f"generic failure shown (an unexpected exception): {content!r}")
    return problems


def modal_problems(modal: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if not 1 <= len(modal.get("title") or "") <= MODAL_TITLE_MAX:
        problems.append(f"modal title {modal.get('title')!r} not 1..{MODAL_TITLE_MAX}")
    if len(modal.get("custom_id") or "") > CUSTOM_ID_MAX:
        problems.append("modal custom_id too long")
    inputs = list(text_inputs(modal))
    if not 1 <= len(modal.get("components") or []) <= MODAL_FIELDS_MAX:
        problems.append("modal has no fields or too many")
    for c in inputs:
        if len(c.get("label") or "") > TEXT_INPUT_LABEL_MAX or len(c.get("placeholder") or "") > PLACEHOLDER_MAX:
            problems.append(f"text input {c.get('custom_id')} label/placeholder too long")
        if len(c.get("value") or "") > TEXT_INPUT_VALUE_MAX or (c.get("max_length") or 0) > TEXT_INPUT_VALUE_MAX:
            problems.append(f"text input {c.get('custom_id')} value/max_length over {TEXT_INPUT_VALUE_MAX}")
    return problems


def text_inputs(modal: dict[str, Any]) -> Iterator[dict[str, Any]]:
    stack = list(modal.get("components") or [])
    while stack:
        c = stack.pop(0)
        if c.get("type") == 4:
            yield c
        stack[:0] = list(c.get("components") or []) + ([c["component"]] if isinstance(c.get("component"), dict) else [])


def choice_problems(choices: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    if len(choices) > CHOICES_MAX:
        problems.append(f"{len(choices)} autocomplete choices")
    for c in choices:
        name, value = c.get("name"), c.get("value")
        if not isinstance(name, str) or not 1 <= len(name) <= CHOICE_MAX:
            problems.append(f"choice name {name!r} not 1..{CHOICE_MAX} characters")
        if isinstance(value, str) and not len(value) <= CHOICE_MAX:
            problems.append(f"choice value {value!r} over {CHOICE_MAX} characters")
    return problems


def clickable(message: dict[str, Any] | None) -> list[str]:
    """custom_ids of the enabled, non-link buttons on a message."""
    if not message:
        return []
    return [
        c["custom_id"]
        for row in message.get("components") or []
        for c in row.get("components") or []
        if c.get("type") == 2 and c.get("custom_id") and not c.get("disabled")
    ]


def is_refusal(reply: Reply) -> bool:
    """An ephemeral text-only answer: how the bot refuses (and how it reports a no-op)."""
    return bool(reply.final) and reply.ephemeral and bool(reply.content) and not reply.embeds and not reply.components


# --------------------------------------------------------------------------------------------------
# Database state: fingerprints and consistency
# --------------------------------------------------------------------------------------------------
MODELS: tuple[type[Any], ...] = (Newsroom, Topic, Entry, AuditRecord)


Fingerprint = dict[str, list[dict[str, Any]]]


async def fingerprint(database: Database) -> Fingerprint:
    """Every row of the four tables, in primary-key order."""
    out: Fingerprint = {}
    async with database.read() as session:
        for model in MODELS:
            table = model.__table__
            stmt = select(table).order_by(*table.primary_key.columns)
            out[table.name] = [dict(row._mapping) for row in (await session.execute(stmt)).all()]
    return out


def of_newsroom(state: Fingerprint, newsroom_id: int) -> Fingerprint:
    """The rows one newsroom owns."""
    return {
        name: [r for r in rows if r.get("newsroom_id", r.get("id") if name == "newsroom" else None) == newsroom_id]
        for name, rows in state.items()
    }


def fingerprint_diff(before: Fingerprint, after: Fingerprint) -> str:
    lines = []
    for name in before:
        old, new = before[name], after[name]
        if old != new:
            gone = [r for r in old if r not in new][:3]
            came = [r for r in new if r not in old][:3]
            lines.append(f"{name}: {len(old)} -> {len(new)} rows; removed/changed {gone}; added/changed {came}")
    return "\n".join(lines)


def _instant(value: Any) -> Any:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return value


def _jsonish(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _instant(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _normalised(snapshot: dict[str, Any] | None, fields: tuple[str, ...]) -> dict[str, Any]:
    snapshot = snapshot or {}
    return {f: (_instant(snapshot.get(f)) if f == "retracted_at" else snapshot.get(f)) for f in fields}


def _current(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: _jsonish(getattr(row, f)) for f in fields}


# The validation contract as the README states it, written out here rather than imported, so a bug in the
# bot's own patterns cannot hide from the check: no mention syntax, no bidirectional overrides/isolates.
STORED_MENTION = re.compile(r"@(everyone|here)\b|<@[!&]?\d+>|<#\d+>|<id:\w+>", re.IGNORECASE)
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

# Entry column -> the LIMITS key its editor field is validated with.
ENTRY_TEXT = {
    "note": "note",
    "speaker": "speaker",
    "speaker_role": "role",
    "speaker_org": "organisation",
    "text": "text",
    "context": "context",
    "headline": "headline",
    "details": "details",
    "source_name": "source",
    "source_url": "url",
    "retraction_reason": "reason",
}
TOPIC_TEXT = {"title": "title", "summary": "summary", "next_step": "next_step"}
RETRACTING = ("entry.retract", "entry.undo")
RETRACTION_ACTIONS = (*RETRACTING, "entry.restore")


def _text_problems(where: str, field: str, value: str | None) -> list[str]:
    """The validation contract, checked on what was stored: cleaned, bounded, no mention syntax."""
    if not value:
        return []
    problems = []
    if len(value) > LIMITS[field]:
        problems.append(f"{where}: {field} stored with {len(value)} > {LIMITS[field]} characters")
    allowed_newline = field in MULTILINE
    bad = [c for c in value if (unicodedata.category(c) == "Cc" and not (c == "\n" and allowed_newline))]
    bad += [c for c in value if c in BIDI_CONTROLS]
    if bad:
        problems.append(f"{where}: {field} stored with control/bidi characters {bad!r}")
    if field != "url" and STORED_MENTION.search(value):  # "@" is ordinary in a URL, which only embeds show
        problems.append(f"{where}: {field} stored with mention syntax: {value!r}")
    if value != value.strip():
        problems.append(f"{where}: {field} stored with surrounding whitespace: {value!r}")
    return problems


def rows_of(state: Fingerprint, model: type[Any]) -> dict[int, Any]:
    """One table of a fingerprint as objects with attribute access, by primary key."""
    return {row["id"]: SimpleNamespace(**row) for row in state[model.__table__.name]}


async def consistency_problems(database: Database) -> list[str]:
    return state_problems(await fingerprint(database))


def state_problems(state: Fingerprint) -> list[str]:
    """Every consistency rule, checked on one snapshot of the four tables."""
    newsrooms = rows_of(state, Newsroom)
    topics = rows_of(state, Topic)
    entries = rows_of(state, Entry)
    records = sorted(rows_of(state, AuditRecord).values(), key=lambda r: r.id)
    problems: list[str] = []
    for t in topics.values():
        if t.newsroom_id not in newsrooms:
            problems.append(f"topic {t.id} belongs to missing newsroom {t.newsroom_id}")
        if not SLUG_RE.fullmatch(t.slug):
            problems.append(f"topic {t.id} has slug {t.slug!r}")
        for name, field in TOPIC_TEXT.items():
            problems += _text_problems(f"topic {t.id}", field, getattr(t, name))
        for alias in t.aliases:
            problems += _text_problems(f"topic {t.id} alias", "alias", alias)
    for e in entries.values():
        topic = topics.get(e.topic_id)
        if topic is None or topic.newsroom_id != e.newsroom_id:
            problems.append(f"entry {e.id} (newsroom {e.newsroom_id}) points at topic {e.topic_id} of another newsroom")
        for name, field in ENTRY_TEXT.items():
            problems += _text_problems(f"entry {e.id}", field, getattr(e, name))
    trails: dict[tuple[str, int], list[Any]] = {}
    for r in records:
        if r.newsroom_id not in newsrooms:
            problems.append(f"audit {r.id} belongs to missing newsroom {r.newsroom_id}")
        if r.entry_id is not None:
            entry = entries.get(r.entry_id)
            if entry is None or entry.newsroom_id != r.newsroom_id:
                problems.append(f"audit {r.id} (newsroom {r.newsroom_id}) names entry {r.entry_id} of another newsroom")
            elif r.topic_id != entry.topic_id:
                problems.append(f"audit {r.id} names topic {r.topic_id} but its entry is in topic {entry.topic_id}")
            trails.setdefault(("entry", r.entry_id), []).append(r)
        elif r.topic_id is not None:
            trails.setdefault(("topic", r.topic_id), []).append(r)
        if r.topic_id is not None:
            topic = topics.get(r.topic_id)
            if topic is None or topic.newsroom_id != r.newsroom_id:
                problems.append(f"audit {r.id} (newsroom {r.newsroom_id}) names topic {r.topic_id} of another newsroom")
        if r.reason is not None:
            problems += _text_problems(f"audit {r.id}", "reason", r.reason)
    for e in entries.values():
        problems += _replay("entry", e, trails.get(("entry", e.id), []), ENTRY_FIELDS, "entry.create")
        last = [r.action for r in trails.get(("entry", e.id), []) if r.action in RETRACTION_ACTIONS]
        retracted = bool(last) and last[-1] in RETRACTING
        if (e.retracted_at is not None) != retracted:
            problems.append(f"entry {e.id}: retracted_at={e.retracted_at} but its last retract/restore is {last[-1:]}")
    for t in topics.values():
        problems += _replay("topic", t, trails.get(("topic", t.id), []), TOPIC_FIELDS, "topic.create")
    return problems


def _replay(kind: str, row: Any, trail: list[Any], fields: tuple[str, ...], create: str) -> list[str]:
    if not trail:
        return [f"{kind} {row.id} has no audit trail"]
    if trail[0].action != create or trail[0].before is not None:
        return [f"{kind} {row.id}: audit trail starts with {trail[0].action} (before={trail[0].before!r})"]
    state = _normalised(trail[0].after, fields)
    for r in trail[1:]:
        if _normalised(r.before, fields) != state:
            return [f"{kind} {row.id}: audit {r.id} ({r.action}) 'before' does not continue the trail"]
        state = _normalised(r.after, fields)
    current = _normalised(_current(row, fields), fields)
    if state != current:
        diff = {f: (state.get(f), current.get(f)) for f in fields if state.get(f) != current.get(f)}
        return [f"{kind} {row.id}: replaying its audit trail gives {diff} (replayed, stored)"]
    return []


def pools_of(state: Fingerprint) -> Pools:
    """Topic queries and entry refs of *both* guilds, and known speakers, from one snapshot."""
    queries: list[str] = []
    for t in sorted(rows_of(state, Topic).values(), key=lambda t: t.id):
        queries += [t.slug, t.title, *t.aliases[:2], f"#{t.id}"]
    entries = sorted(rows_of(state, Entry).values(), key=lambda e: e.id)
    ids = [e.id for e in entries]
    refs = [f"#{i}" for i in ids] + [str(i) for i in ids[-5:]] + [f"#{(ids[-1] if ids else 0) + 1}"]
    speakers = sorted({e.speaker for e in entries if e.speaker})
    return Pools(topic_queries=queries, entry_refs=refs, speakers=speakers, seeds=sorted(available_seeds()))


# --------------------------------------------------------------------------------------------------
# Checking one interaction
# --------------------------------------------------------------------------------------------------
class ErrorLog(logging.Handler):
    """Collects ERROR records from every logger (the bot's own error reporter logs there)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[str]:
        out = [self.format(r) for r in self.records]
        self.records.clear()
        return out


@contextlib.contextmanager
def error_log() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def reply_problems(reply: Reply, *, autocomplete: bool = False) -> list[str]:
    problems: list[str] = []
    if reply.task_errors:
        problems += [f"task crashed: {e!r}" for e in reply.task_errors]
    if reply.unhandled:
        problems.append(f"unhandled routes: {reply.unhandled}")
    problems += [
        f"discord.py logged: {r.getMessage()} {r.exc_info[1] if r.exc_info else ''}" for r in reply.logged_errors
    ]
    if not reply.responded:
        problems.append("the interaction was never acknowledged (the user sees 'This interaction failed')")
    if autocomplete:
        if reply.response_type != 8:
            problems.append(f"autocomplete answered with callback type {reply.response_type}")
        problems += choice_problems(reply.choices or [])
        return problems
    for what, body in message_bodies(reply):
        problems += [f"{what}: {p}" for p in message_problems(body)]
    if reply.modal is not None:
        problems += [f"modal: {p}" for p in modal_problems(reply.modal)]
    return problems


class Checker:
    """Runs one interaction and asserts everything the suite promises about it."""

    def __init__(self, harness: DiscordHarness[Any], database: Database, log: ErrorLog) -> None:
        self.harness = harness
        self.database = database
        self.log = log
        self.interactions = 0
        self.state: Fingerprint = {}  # the database as the last interaction left it

    async def interact(self, actor: Actor, send: Awaitable[Reply], *, what: str, autocomplete: bool = False) -> Reply:
        """Await ``send`` (an interaction not yet started: a coroutine runs only once awaited) and check it."""
        # Every write goes through here (the scheduler is off), so the last snapshot is still current; a
        # stale one could only blame the wrong interaction, never hide a write.
        everything = self.state or await fingerprint(self.database)
        self.log.take()
        reply = await send
        self.interactions += 1
        problems = reply_problems(reply, autocomplete=autocomplete)
        problems += [f"logged: {line}" for line in self.log.take()]
        after = self.state = await fingerprint(self.database)
        if not actor.editor and after != everything:
            problems.append(f"a non-editor changed the database:\n{fingerprint_diff(everything, after)}")
        if not autocomplete and is_refusal(reply) and after != everything:
            problems.append(f"a refusal ({reply.content!r}) still wrote:\n{fingerprint_diff(everything, after)}")
        for guild_id in (GUILD_A_ID, GUILD_B_ID):
            if guild_id != actor.guild_id and of_newsroom(after, guild_id) != of_newsroom(everything, guild_id):
                diff = fingerprint_diff(of_newsroom(everything, guild_id), of_newsroom(after, guild_id))
                problems.append(f"an interaction in guild {actor.guild_id} changed newsroom {guild_id}:\n{diff}")
        problems += state_problems(after)
        if problems:
            shown = "\n  - ".join(problems)
            raise AssertionError(f"{what} by {actor!r} -> {reply!r}\n  - {shown}")
        return reply


# --------------------------------------------------------------------------------------------------
# The live desk for property tests
# --------------------------------------------------------------------------------------------------
class LiveDesk:
    """One bot, harness and database on one event loop, shared by every example of a test."""

    def __init__(self, runner: asyncio.Runner, desk: Desk, log: ErrorLog) -> None:
        self.runner = runner
        self.desk = desk
        self.harness = desk.harness
        self.database = desk.database
        self.checker = Checker(desk.harness, desk.database, log)
        self.actors = actors_of(desk.harness)
        self.commands: dict[str, CommandSpec] = {s.qualified_name: s for s in slash_commands(desk.harness.tree)}
        self.pools = Pools()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return self.runner.run(coro)

    def actor(self, label: str) -> Actor:
        return next(a for a in self.actors if a.label == label)

    def entities(self, guild_id: int) -> dict[OptionType, list[Any]]:
        """Objects of the guild an option of an entity type can name (resolved by the harness)."""
        guild = self.harness.guild(guild_id)
        return {
            OptionType.role: [r.id for r in guild.roles],
            OptionType.user: list(guild.members),
            OptionType.channel: [c.id for c in guild.channels],
            OptionType.mentionable: [r.id for r in guild.roles] + list(guild.members),
        }

    async def slash(self, actor: Actor, command: str, options: dict[str, Any]) -> Reply:
        h = self.harness
        return await self.checker.interact(
            actor,
            h.slash(command, options, user=actor.user, guild=actor.guild_id),
            what=f"/{command} {options!r}",
        )

    async def setup(self) -> None:
        """Give guild B a story of its own, so each guild has ids the other must not reach."""
        b = self.actor("outsider")
        await self.slash(b, "topic create", {"slug": "b-story", "title": "Guild B's own story", "aliases": "bee"})
        await self.slash(b, "log event", {"topic": "b-story", "headline": "Something happened in B"})
        self.pools = pools_of(self.checker.state)

    async def heal(self) -> None:
        """Undo what would starve later examples: a changed editor role, the seeded stories archived."""
        state = self.checker.state
        newsroom = rows_of(state, Newsroom)[GUILD_A_ID]
        if newsroom.editor_role_id != EDITORS_ROLE_A:
            await self.slash(self.actor("admin"), "settings editor-role", {"role": EDITORS_ROLE_A})
        for topic in rows_of(state, Topic).values():
            if topic.archived and topic.slug in ("atacms", "b-story"):
                actor = self.actor("editor" if topic.newsroom_id == GUILD_A_ID else "outsider")
                await self.slash(actor, "topic unarchive", {"topic": topic.slug})
        self.pools = pools_of(self.checker.state)


@contextlib.asynccontextmanager
async def _running(backend: str, tmp_path: Path) -> AsyncIterator[Desk]:
    database, schema = await make_database(backend, tmp_path)
    try:
        await prepare_newsrooms(database)
        async with running_desk(database) as desk:
            yield desk
    finally:
        await drop_database(database, schema)


@pytest.fixture(params=BACKENDS)
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveDesk]:
    """A desk on its own event loop, for synchronous Hypothesis tests (one per test function)."""
    with asyncio.Runner() as runner, error_log() as log, contextlib.ExitStack() as stack:
        cm = _running(request.param, tmp_path)
        desk = runner.run(cm.__aenter__())
        stack.callback(lambda: runner.run(cm.__aexit__(None, None, None)))
        live_desk = LiveDesk(runner, desk, log)
        live_desk.run(live_desk.setup())
        yield live_desk


@pytest.fixture
def checker(desk: Desk) -> Iterator[Checker]:
    """The same checks for plain async tests on the shared ``desk`` fixture."""
    with error_log() as log:
        yield Checker(desk.harness, desk.database, log)


def entry_id_for(message: dict[str, Any] | None) -> int:
    """The entry id a "Logged `#12` ..." reply names."""
    match = re.search(r"`#(\d+)`", (message or {}).get("content") or "")
    assert match, f"no entry id in {message!r}"
    return int(match.group(1))
