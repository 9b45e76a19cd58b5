"""Payloads only a forged request sends, for every option of every command, button and form.

Discord's client checks an option's type, range, length and choices before sending; a forged request
does not. Every option the command tree declares is sent each value of ``strategies.forged_values``
(wrong JSON types, past 64 bits, out of range, over length, lone surrogates, undeclared choices):
each gets a clear ephemeral refusal naming the option, and through ``Checker.interact`` nothing is
written and nothing is logged as an error. Buttons with forged ids are refused as out of date.
"""

from __future__ import annotations

import copy
import itertools
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.harness import GUILD_A_ID, Reply
from tests.hostile.checker import Actor, Checker
from tests.hostile.database_state import fingerprint
from tests.hostile.messages import is_refusal
from tests.hostile.strategies import CommandSpec, OptionSpec, command_specs, forged_values, slash_commands
from tests.hostile.test_targeted import actor, entry_of_kind, plausible
from tests.newsroom import Desk, db_rows

OUT_OF_DATE = "out of date or invalid"


def who_for(desk: Desk, spec: CommandSpec) -> Actor:
    return actor(desk, "admin" if spec.qualified_name.startswith("settings") else "editor")


async def forged(
    checker: Checker,
    desk: Desk,
    who: Actor,
    spec: CommandSpec,
    options: dict[str, Any],
    values: dict[str, Any],
    **kwargs: Any,
) -> Reply:
    send = desk.harness.slash_forged(spec.qualified_name, options, values, user=who.user, guild=who.guild_id, **kwargs)
    return await checker.interact(who, send, what=f"forged /{spec.qualified_name} {options!r} + {values!r}"[:400])


def valid_options(spec: CommandSpec, statement_id: int) -> dict[str, Any]:
    return {o.display_name: plausible(o, statement_id=statement_id) for o in spec.options}


@pytest.mark.parametrize("command", [s.qualified_name for s in command_specs()])
async def test_every_option_refuses_every_forged_value_and_writes_nothing(
    command: str, desk: Desk, checker: Checker
) -> None:
    spec = next(s for s in slash_commands(desk.harness.tree) if s.qualified_name == command)
    who = who_for(desk, spec)
    statement_id = await entry_of_kind(desk, "statement")
    before = await fingerprint(desk.database)
    options = valid_options(spec, statement_id)
    for option in spec.options:
        for value in forged_values(option):
            reply = await forged(checker, desk, who, spec, options, {option.display_name: value})
            assert is_refusal(reply), (option.display_name, value, reply)
            text = reply.content or ""
            assert f"`{option.display_name}`" in text and "Nothing was changed" in text, (value, text)
            assert "\ud800" not in text and len(text) < 400, text
    assert await fingerprint(desk.database) == before


async def test_unknown_repeated_mistyped_and_missing_options_are_refused(desk: Desk, checker: Checker) -> None:
    statement_id = await entry_of_kind(desk, "statement")
    before = await fingerprint(desk.database)
    for spec in slash_commands(desk.harness.tree):
        who = who_for(desk, spec)
        options = valid_options(spec, statement_id)
        unknown = await forged(
            checker, desk, who, spec, options, {}, extra=[{"type": 3, "name": "x" * 300, "value": "v"}]
        )
        assert is_refusal(unknown) and "has no option" in (unknown.content or ""), unknown
        first: OptionSpec = spec.options[0] if spec.options else None  # type: ignore[assignment]
        if first is None:
            continue
        twice = {"type": first.type.value, "name": first.display_name, "value": options[first.display_name]}
        repeated = await forged(checker, desk, who, spec, options, {}, extra=[twice])
        assert is_refusal(repeated) and "given twice" in (repeated.content or ""), repeated
        other_type = 5 if first.type.value != 5 else 3
        mistyped = await forged(checker, desk, who, spec, options, {}, types={first.display_name: other_type})
        assert is_refusal(mistyped) and "wrong type" in (mistyped.content or ""), mistyped
    assert await fingerprint(desk.database) == before


async def test_forged_autocomplete_gets_no_suggestions(desk: Desk, checker: Checker) -> None:
    for spec in slash_commands(desk.harness.tree):
        who = who_for(desk, spec)
        for option in spec.options:
            # An option without suggestions is never focused by Discord's client.
            typed: list[Any] = ["\ud800", "x" * 7000, 5, None, {}] if option.autocomplete else ["at"]
            for value in typed:
                send = desk.harness.slash_forged(
                    spec.qualified_name,
                    {},
                    {option.display_name: value},
                    focused=(option.display_name, ""),
                    user=who.user,
                    guild=who.guild_id,
                )
                reply = await checker.interact(
                    who,
                    send,
                    what=f"forged autocomplete /{spec.qualified_name} {option.display_name}={value!r}"[:300],
                    autocomplete=True,
                )
                assert reply.choices == [], (spec.qualified_name, option.display_name, value, reply.choices)
    # Two options focused at once, or none.
    spec = next(s for s in slash_commands(desk.harness.tree) if s.qualified_name == "log statement")
    who = who_for(desk, spec)
    both = {"type": 3, "name": "speaker", "value": "Kir", "focused": True}
    reply = await checker.interact(
        who,
        desk.harness.slash_forged(
            "log statement", {}, {}, focused=("topic", "at"), extra=[both], user=who.user, guild=who.guild_id
        ),
        what="autocomplete with two focused options",
        autocomplete=True,
    )
    assert reply.choices == []


FORGED_BUTTONS = [
    f"nd1:chron:{2**64}:0::",
    f"nd1:chron:{2**31}:0::",  # fits the digits, not the database's row ids
    f"nd1:chron:1:{2**64}::",
    "nd1:chron:1:0::a99999999.1",
    f"nd1:chron:1:0::a1.{2**64}",
    "nd1:latest:1:0:11:",
    "nd1:latest:1:0:0:",
    f"nd1:latest:1:0:{2**64}:",
    f"nd1:latest:1:{2**64}:5:",
    f"nd1:latest:{2**64}:0:5:",
    "nd1:latest:\uff11:0:5:",  # a fullwidth digit
    f"nd1:open:latest:{2**64}",
    f"nd1:open:chron:{2**31}",
    f"nd1:topics:{2**64}",
    "nd1:topics:-1",
    f"nd1:undo:{2**64}:1:1",
    f"nd1:undo:1:{2**65}:1",
    f"nd1:undo:1:1:{10**30}",
    f"nd1:hist:{2**64}:0",
    f"nd1:hist:{2**31}:0",
    f"nd1:hist:1:{2**64}",
    f"nd1:digests:{2**64}",
    "nd1:nonsense",
    "nd1:latest:1:0:5:" + "s" * 60,
]


async def test_forged_button_ids_are_refused_as_out_of_date(desk: Desk, checker: Checker) -> None:
    h = desk.harness
    before = await fingerprint(desk.database)
    for who in (actor(desk, "editor"), actor(desk, "reader")):
        for custom_id in FORGED_BUTTONS:
            reply = await checker.interact(
                who, h.click(custom_id, user=who.user, guild=GUILD_A_ID), what=f"click {custom_id!r}"
            )
            assert is_refusal(reply) and OUT_OF_DATE in (reply.content or ""), (custom_id, reply)
    assert await fingerprint(desk.database) == before


async def test_latest_count_out_of_range_and_a_10000_character_speaker_on_the_slash_path(
    desk: Desk, checker: Checker
) -> None:
    reader = actor(desk, "reader")
    spec = next(s for s in slash_commands(desk.harness.tree) if s.qualified_name == "latest")
    before = await db_rows(desk.database)
    for count in (0, 11, -1, 2**63, -(2**63) - 1):
        reply = await forged(checker, desk, reader, spec, {"topic": "atacms"}, {"count": count})
        assert reply.content == "`count` must be a whole number from 1 to 10. Nothing was changed.", count
    reply = await forged(checker, desk, reader, spec, {"topic": "atacms"}, {"speaker": "Kirby " * 2000})
    assert reply.content == "`speaker` is 12000 characters; the maximum is 40. Nothing was changed."
    assert await db_rows(desk.database) == before


_RAW_IDS = itertools.count(8_200_000_000_000_000_000)
MALFORMED: list[tuple[str, Callable[[dict[str, Any]], object]]] = [
    ("no command name", lambda data: data.pop("name")),
    ("options an object", lambda data: data.update(options={"topic": "atacms"})),
    ("options not objects", lambda data: data.update(options=["topic"])),
    ("an option without a name", lambda data: data.update(options=[{"type": 3, "value": "atacms"}])),
    ("an option without a value", lambda data: data.update(options=[{"type": 3, "name": "topic"}])),
    ("a subcommand where there is none", lambda data: data.update(options=[{"type": 1, "name": "x", "options": []}])),
]


async def test_malformed_command_payloads_are_refused(desk: Desk, checker: Checker) -> None:
    reader = actor(desk, "reader")
    h = desk.harness
    probe = await checker.interact(reader, h.slash("latest", {"topic": "atacms"}, user=reader.user), what="/latest")
    for label, change in MALFORMED:
        payload = copy.deepcopy(probe.payload)
        change(payload["data"])
        payload["id"], payload["token"] = str(next(_RAW_IDS)), f"forged-{uuid.uuid4().hex}"
        reply = await checker.interact(reader, h.dispatch(payload), what=label)
        # A subcommand the command lacks reads as a command changed since the client loaded it.
        answer = "has changed since" if "subcommand" in label else "Nothing was changed"
        assert is_refusal(reply) and answer in (reply.content or ""), (label, reply)
