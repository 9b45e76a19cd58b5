"""The famous hostile inputs, each pinned down as a plain test (on SQLite and PostgreSQL).

Every interaction goes through ``Checker.interact`` (see conftest), so besides what each test asserts,
each one also proves: no unexpected exception, acknowledged, within Discord's limits, pings nobody,
refusals write nothing, the other guild is untouched, and the database is consistent. Cases that share
a desk loop inside one test (a desk per case would dominate the run time); every failure message names
the exact command and input.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlmodel import col, select

from db.models import Entry
from tests.harness import GUILD_A_ID, GUILD_B_ID, Reply
from tests.hostile.checker import Actor, Checker, actors_of
from tests.hostile.database_state import fingerprint
from tests.hostile.messages import clickable, entry_id_for, is_refusal
from tests.hostile.strategies import CommandSpec, OptionSpec, OptionType, command_specs, fit, slash_commands
from tests.newsroom import EDITORS_ROLE_A, Desk

PLAIN = "plain words"


def actor(desk: Desk, label: str) -> Actor:
    return next(a for a in actors_of(desk.harness) if a.label == label)


def spec_of(desk: Desk, command: str) -> CommandSpec:
    return next(s for s in slash_commands(desk.harness.tree) if s.qualified_name == command)


async def run(checker: Checker, desk: Desk, who: Actor, command: str, options: dict[str, Any]) -> Reply:
    h = desk.harness
    return await checker.interact(
        who, h.slash(command, options, user=who.user, guild=who.guild_id), what=f"/{command} {options!r}"
    )


def refused(reply: Reply, *expected: str) -> bool:
    return is_refusal(reply) and all(text in (reply.content or "") for text in expected)


async def entry_of_kind(desk: Desk, kind: str, newsroom_id: int = GUILD_A_ID) -> int:
    async with desk.database.read() as session:
        stmt = select(Entry.id).where(Entry.kind == kind, Entry.newsroom_id == newsroom_id).order_by(col(Entry.id))
        found = (await session.execute(stmt)).scalars().first()
    assert found is not None, f"no {kind} entry in newsroom {newsroom_id}"
    return found


def plausible(option: OptionSpec, *, statement_id: int, n: int = 0) -> Any:
    """A valid value for an option, so the hostile value in another option is what gets judged."""
    if option.choices:
        return option.choices[0]
    if option.type is OptionType.boolean:
        return False
    if option.type is OptionType.integer:
        return int(option.min or 1)
    if option.type is OptionType.number:
        return float(option.min or 1)
    if option.type is OptionType.role:
        return EDITORS_ROLE_A
    if option.type is OptionType.channel:
        return GUILD_A_ID + 10
    if option.type is OptionType.user:
        return 300_000_000_000_000_001
    value = {
        "topic": "atacms",
        "topics": "atacms",
        "id": f"#{statement_id}",
        "date": "2023-09-11",
        "end": "2023-09-12",
        "since": "2023-09-01",
        "until": "2023-12-31",
        "url": "https://example.org/a",
        "speaker": "John Kirby",
        "timezone": "Europe/London",
        "slug": f"story-{n}",
        "name": "atacms",
        "time": "09:00",
        "days": "daily",
        "source": "AP",
    }.get(option.name, PLAIN)
    return fit(value, int(option.min or 0), int(option.max or 6000))


def mention_text(option: OptionSpec) -> str:
    high = int(option.max or 6000)
    text = "Heads up @everyone" if high >= 18 else ("@everyone" if high >= 9 else "@here")
    return text + " " * max(int(option.min or 0) - len(text), 0)


def stored_text(state: dict[str, list[dict[str, Any]]]) -> str:
    return "\n".join(str(v) for rows in state.values() for row in rows for v in row.values())


def groups_with_text_options() -> list[str]:
    return sorted({s.qualified_name.split()[0] for s in command_specs() if any(o.free_text for o in s.options)})


# --------------------------------------------------------------------------------------------------
# @everyone in every text field
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("group", groups_with_text_options())
async def test_everyone_in_every_text_field_is_never_stored_or_echoed_unescaped(
    group: str, desk: Desk, checker: Checker
) -> None:
    statement_id = await entry_of_kind(desk, "statement")
    n = 0
    for spec in slash_commands(desk.harness.tree):
        if spec.qualified_name.split()[0] != group:
            continue
        editor = actor(desk, "admin" if group == "settings" else "editor")
        # Every value of every choice option, one at a time (e.g. each field of /entry edit).
        variants: list[tuple[str, Any] | None] = [None]
        variants += [(o.display_name, v) for o in spec.options if o.choices for v in o.choices[1:]]
        for target in [o for o in spec.options if o.free_text]:
            for variant in variants:
                n += 1
                options = {o.display_name: plausible(o, statement_id=statement_id, n=n) for o in spec.options}
                if variant is not None:
                    options[variant[0]] = variant[1]
                options[target.display_name] = mention_text(target)
                reply = await run(checker, desk, editor, spec.qualified_name, options)
                if reply.modal is not None:
                    await checker.interact(
                        editor,
                        desk.harness.submit_modal(reply.modal["custom_id"], {}, user=editor.user),
                        what=f"the form /{spec.qualified_name} opened, submitted as pre-filled",
                    )
                assert "@everyone" not in stored_text(await fingerprint(desk.database)), options


async def test_everyone_typed_into_the_statement_form_is_refused(desk: Desk, checker: Checker) -> None:
    editor = actor(desk, "editor")
    h = desk.harness
    opened = await run(checker, desk, editor, "log statement", {"topic": "atacms", "speaker": "Kirby", "source": "AP"})
    modal = opened.modal
    assert modal is not None
    [field] = [c for row in modal["components"] for c in row.get("components", [row.get("component")])]
    before = await fingerprint(desk.database)
    submitted = await checker.interact(
        editor,
        h.submit_modal(modal["custom_id"], {field["custom_id"]: "Thanks @everyone"}, user=editor.user),
        what="the statement form with @everyone",
    )
    assert refused(submitted, "mention syntax")
    assert await fingerprint(desk.database) == before


# --------------------------------------------------------------------------------------------------
# Right-to-left override in the speaker
# --------------------------------------------------------------------------------------------------
RTL_SPEAKERS = [
    ("\u202eybriK nhoJ", "ybriK nhoJ"),
    ("John \u202eKirby\u202c", "John Kirby"),
    ("\u2067John Kirby\u2069", "John Kirby"),
    ("\u200fJohn\u200e Kirby", "\u200fJohn\u200e Kirby"),  # marks (not overrides or isolates) are text
]


async def test_rtl_override_in_speaker_is_removed_before_storing(desk: Desk, checker: Checker) -> None:
    editor, reader = actor(desk, "editor"), actor(desk, "reader")
    for number, (typed, stored) in enumerate(RTL_SPEAKERS):
        # Two of them store the same speaker: the same words twice would be refused as a duplicate.
        options = {"topic": "atacms", "speaker": typed, "text": f"We have no update, take {number}.", "source": "AP"}
        reply = await run(checker, desk, editor, "log statement", options)
        async with desk.database.read() as session:
            entry = await session.get(Entry, entry_id_for(reply.final))
        assert entry is not None and entry.speaker == stored, (typed, entry)
        latest = await run(checker, desk, reader, "latest", {"topic": "atacms", "speaker": typed})
        assert "\u202e" not in str(latest.embeds)
        choices = await desk.harness.autocomplete("log statement", "speaker", "john", {"topic": "atacms"})
        assert all("\u202e" not in c["name"] for c in choices)
    for speaker in ("\u202e", "\u202e\u202c\u2066\u2069", " \u202e "):
        reply = await run(
            checker, desk, editor, "log statement", {"topic": "atacms", "speaker": speaker, "text": "x", "source": "AP"}
        )
        assert refused(reply, "can't be empty"), (speaker, reply.content)


# --------------------------------------------------------------------------------------------------
# 4000-character statement text, and one character over a limit
# --------------------------------------------------------------------------------------------------
FILLERS_4000 = ["deliberation ", "👍", "é\u0301 ", "||x|| ", "`", "[x](https://evil.example) ", "> **", "\n"]


async def test_a_4000_character_statement_is_stored_whole_and_every_view_stays_within_limits(
    desk: Desk, checker: Checker
) -> None:
    editor, reader = actor(desk, "editor"), actor(desk, "reader")
    for filler in FILLERS_4000:
        text = "x" + (filler * 4000)[:3998] + "x"
        options = {"topic": "atacms", "speaker": "S" * 100, "text": text, "context": "C" * 200, "source": "N" * 200}
        logged = await run(checker, desk, editor, "log statement", options)
        entry_id = entry_id_for(logged.final)
        async with desk.database.read() as session:
            entry = await session.get(Entry, entry_id)
        assert entry is not None and entry.text == text.replace("\r", ""), filler  # stored whole, never cut
    for who, command, options in [
        (reader, "latest", {"topic": "atacms", "count": 10}),
        (reader, "status", {"topic": "atacms", "history": True}),
        (reader, "chronology", {"topic": "atacms", "since": "2023-09-01"}),
        (editor, "entry history", {"id": f"#{entry_id}"}),
    ]:
        reply = await run(checker, desk, who, command, options)
        assert reply.embeds, command
        for custom_id in clickable(reply.final):
            click = desk.harness.click(custom_id, message=reply.final, user=who.user)
            await checker.interact(who, click, what=f"click {custom_id}")


async def test_one_character_over_a_field_limit_is_refused_not_cut(desk: Desk, checker: Checker) -> None:
    editor = actor(desk, "editor")
    ids = {kind: await entry_of_kind(desk, kind) for kind in ("status", "statement", "event")}
    before = await fingerprint(desk.database)
    for field, kind, limit in [
        ("headline", "event", 200),
        ("details", "event", 1000),
        ("source", "event", 200),
        ("context", "statement", 200),
        ("speaker", "statement", 100),
        ("note", "status", 1000),
    ]:
        options = {"id": f"#{ids[kind]}", "field": field, "value": "w" * (limit + 1)}
        reply = await run(checker, desk, editor, "entry edit", options)
        assert refused(reply, f"the maximum is {limit}"), (field, reply.content)
    reply = await run(
        checker, desk, editor, "topic edit", {"topic": "atacms", "aliases": "a" * 101, "reason": "Update"}
    )
    assert refused(reply, "at most 100"), reply.content
    assert await fingerprint(desk.database) == before


# --------------------------------------------------------------------------------------------------
# Markdown link tricks in the URL
# --------------------------------------------------------------------------------------------------
LINK_TARGET = re.compile(r"\]\(([^)]*)\)")
URL_TRICKS = [
    "[x](https://evil.example)",
    "https://example.org/)[x](https://evil.example",
    "https://example.org/a)b(c",
    "https://example.org/a_(b)",
    "<https://evil.example>",
    "https://example.org/ [x](https://evil.example)",
    "https://example.org/||spoiler||",
    "https://example.org/**bold**`code`",
    "javascript:alert(1)",
    "https://user:pw@evil.example/",
    "https://evil.example\\@example.org/",
    "https://example.org/\u202e",
    "https://example.org/#@everyone",
]


async def test_markdown_link_tricks_in_url_never_produce_a_second_link(desk: Desk, checker: Checker) -> None:
    editor, reader = actor(desk, "editor"), actor(desk, "reader")
    # Each status is dated a later year so the card shows it; today comes after all of them, since
    # a date after today is refused.
    desk.clock.now = dt.datetime(2030 + len(URL_TRICKS), 1, 1, 12, tzinfo=dt.UTC)
    for n, url in enumerate(URL_TRICKS):
        options = {"topic": "atacms", "decision": "approved", "note": "Approved.", "url": url, "source": "AP"}
        logged = await run(checker, desk, editor, "log status", {**options, "date": f"{2030 + n}"})
        if is_refusal(logged):
            assert "url" in (logged.content or ""), (url, logged.content)
            continue
        card = await run(checker, desk, reader, "status", {"topic": "atacms"})
        rendered = str(card.embeds) + str(logged.embeds)
        targets = LINK_TARGET.findall(rendered)
        assert targets, (url, rendered)
        for target in targets:
            assert not re.search(r"[\s()<>\[\]]", target), (url, target)
            assert "evil.example" not in target.split("/")[2], (url, target)


# --------------------------------------------------------------------------------------------------
# 31 February 2023
# --------------------------------------------------------------------------------------------------
async def test_31_february_is_refused_with_the_reason_wherever_a_date_is_taken(desk: Desk, checker: Checker) -> None:
    event = f"#{await entry_of_kind(desk, 'event')}"
    before = await fingerprint(desk.database)
    for command, options in [
        ("log status", {"topic": "atacms", "decision": "approved", "note": "n", "date": "31 Feb 2023", "source": "AP"}),
        (
            "log statement",
            {"topic": "atacms", "speaker": "John Kirby", "text": "t", "date": "31 Feb 2023", "source": "AP"},
        ),
        ("log event", {"topic": "atacms", "headline": "h", "date": "31 Feb 2023", "source": "AP"}),
        ("log event", {"topic": "atacms", "headline": "h", "date": "2023-02-01", "end": "31 Feb 2023", "source": "AP"}),
        ("chronology", {"topic": "atacms", "since": "31 Feb 2023"}),
        ("chronology", {"topic": "atacms", "until": "31 Feb 2023"}),
        ("entry edit", {"id": event, "field": "date", "value": "31 Feb 2023"}),
        ("entry edit", {"id": event, "field": "end", "value": "31 Feb 2023"}),
    ]:
        reply = await run(checker, desk, actor(desk, "editor"), command, options)
        assert refused(reply, "February 2023 has no day 31"), (command, options, reply.content)
    assert await fingerprint(desk.database) == before


# --------------------------------------------------------------------------------------------------
# Entry ids: beyond int64, and guild A's ids from guild B
# --------------------------------------------------------------------------------------------------
ENTRY_COMMANDS = {
    "entry edit": {"field": "source", "value": "Reuters"},
    "entry retract": {"reason": "Wrong"},
    "entry restore": {},
    "entry history": {},
}
ENTRY_REFS = [
    ("99999999999999999999", "is not an entry id"),  # "#" + 20 digits is over the option's 20 characters
    ("#9999999999999999999", "is not an entry id"),
    ("#9223372036854775808", "is not an entry id"),  # int64 max + 1
    ("#9223372036854775807", "is not an entry id"),  # 19 digits: longer than any id the bot hands out
    ("#999999999999999999", "No entry"),  # fits the parser, not PostgreSQL's integer column
    ("#2147483648", "No entry"),  # int32 max + 1
    ("#0", "No entry"),
    ("#-1", "is not an entry id"),
    ("#\uff11\uff12", "is not an entry id"),  # fullwidth digits
    ("#\u00b2", "is not an entry id"),  # superscript two: str.isdigit() says yes
]


async def test_entry_ids_out_of_any_range_are_refused_politely(desk: Desk, checker: Checker) -> None:
    editor = actor(desk, "editor")
    for command, extra in ENTRY_COMMANDS.items():
        # 21 characters is over the `id` option's declared maximum: Discord never delivers it.
        assert spec_of(desk, command).option("id").max == 20
        with pytest.raises(ValueError, match="above the maximum 20"):
            await desk.harness.slash(command, {"id": "#99999999999999999999", **extra})
        for ref, answer in ENTRY_REFS:
            reply = await run(checker, desk, editor, command, {"id": ref, **extra})
            assert refused(reply, answer), (command, ref, reply.content)


async def test_a_guild_a_entry_id_used_in_guild_b_does_not_exist_there(desk: Desk, checker: Checker) -> None:
    outsider = actor(desk, "outsider")
    before = await fingerprint(desk.database)
    for kind in ("status", "statement", "event"):
        entry_id = await entry_of_kind(desk, kind, GUILD_A_ID)
        for command, extra in ENTRY_COMMANDS.items():
            reply = await run(checker, desk, outsider, command, {"id": f"#{entry_id}", **extra})
            assert refused(reply, f"No entry `#{entry_id}` in this newsroom"), (command, reply.content)
    assert await fingerprint(desk.database) == before


async def test_guild_a_topic_slug_used_in_guild_b_finds_nothing_of_guild_a(desk: Desk, checker: Checker) -> None:
    outsider = actor(desk, "outsider")
    for spec in slash_commands(desk.harness.tree):
        if not any(o.name == "topic" for o in spec.options):
            continue
        # The topic too where it is optional (/search, /speaker): it is what this probe is about.
        options = {
            o.display_name: plausible(o, statement_id=1) for o in spec.options if o.required or o.name == "topic"
        }
        if spec.qualified_name == "topic edit":
            options["title"] = "A new title"  # with nothing to change it refuses before looking the topic up
        reply = await run(checker, desk, outsider, spec.qualified_name, options)
        shown = (reply.content or "") + str(reply.embeds)
        assert "ATACMS long-range" not in shown, spec.qualified_name  # guild A's title never shows in B
        assert refused(reply, "No topic matches"), (spec.qualified_name, reply.content)
        if spec.option("topic").autocomplete:
            choices = await desk.harness.autocomplete(
                spec.qualified_name, "topic", "ata", user=outsider.user, guild=GUILD_B_ID
            )
            assert choices == [], spec.qualified_name


# --------------------------------------------------------------------------------------------------
# NUL and other control characters in lookups (PostgreSQL refuses NUL in any text parameter)
# --------------------------------------------------------------------------------------------------
async def test_control_characters_in_lookups_are_ignored_not_fatal(desk: Desk, checker: Checker) -> None:
    editor, reader = actor(desk, "editor"), actor(desk, "reader")
    h = desk.harness
    for typed in ("\x00", "ata\x00cms", "\x01atacms\x7f", "\x00%_\\"):
        found = "atacms" in typed.replace("\x00", "").replace("\x01", "").replace("\x7f", "")
        status = await run(checker, desk, reader, "status", {"topic": typed})
        assert bool(status.embeds) == found, (typed, status.content)
        await run(checker, desk, reader, "latest", {"topic": "atacms", "speaker": typed})
        await run(checker, desk, editor, "topic edit", {"topic": typed, "summary": "Summary.", "reason": "Update"})
        for command, option, others in [
            ("status", "topic", {}),
            ("log statement", "speaker", {"topic": "atacms"}),
            ("log event", "topic", {}),
        ]:
            completed = h.autocomplete(command, option, typed, others, user=editor.user, guild=GUILD_A_ID)

            async def as_reply(pending: Any = completed) -> Reply:
                await pending
                assert h.last_reply is not None
                return h.last_reply

            await checker.interact(
                editor, as_reply(), what=f"autocomplete {command} {option}={typed!r}", autocomplete=True
            )
