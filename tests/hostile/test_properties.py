"""Every option of every slash command, fed hostile values by editors, readers and another guild.

One test per slash command found in the bot's tree (new commands join automatically). Each example
draws who acts (an editor, a reader, a server manager, or guild B's editor), then a value for every
option from ``strategies.options_for``, and runs the command through the real dispatch. When the answer
is a modal it is filled with hostile text and submitted; an autocompleted option is also completed from
hostile partial input; a button on the answer may be pressed by someone allowed to see it. Every one of
those interactions goes through ``Checker.interact``, which asserts the promises listed in conftest:
no unexpected exception, acknowledged, within Discord's limits, pings nobody, a non-editor or a refusal
writes nothing, the other guild is untouched, and the database is consistent afterwards.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.harness import DiscordHarness, Reply
from tests.hostile.checker import Actor
from tests.hostile.live_desk import LiveDesk
from tests.hostile.messages import clickable, text_inputs
from tests.hostile.strategies import CommandSpec, command_names, fit, hostile_text, options_for, typed_so_far

# Every draw below happens whatever the bot answered, with fixed bounds: Hypothesis replays and shrinks
# examples and insists that *what is drawn* never depends on state outside the example (the database).
# What a draw resolves to (the n-th button, the modal's fields) may follow the answer.
MODAL_TEXT = hostile_text(0, 4000)
AN_INDEX = st.integers(0, 31)


async def submit_modal(live: LiveDesk, actor: Actor, modal: dict[str, Any], typed: str) -> Reply:
    values: dict[str, str] = {}
    for field in text_inputs(modal):
        low = field.get("min_length") or (1 if field.get("required", True) else 0)
        values[field["custom_id"]] = fit(typed, low, field.get("max_length") or 4000)
    h = live.harness
    return await live.checker.interact(
        actor,
        h.submit_modal(modal["custom_id"], values, user=actor.user, guild=actor.guild_id),
        what=f"modal {modal.get('title')!r} {values!r}",
    )


async def completed(
    h: DiscordHarness[Any], command: str, option: str, typed: str, others: dict[str, Any], actor: Actor
) -> Reply:
    """Autocomplete as a Reply (the harness returns the choices; the full record is its last reply)."""
    await h.autocomplete(command, option, typed, others, user=actor.user, guild=actor.guild_id)
    assert h.last_reply is not None
    return h.last_reply


async def autocomplete(
    live: LiveDesk, actor: Actor, spec: CommandSpec, options: dict[str, Any], data: st.DataObject
) -> None:
    h = live.harness
    for option in spec.options:  # the command's options are fixed, so these draws are too
        if not option.autocomplete:
            continue
        wanted = data.draw(st.booleans(), label=f"autocomplete {option.display_name}")
        typed = data.draw(typed_so_far(option, live.pools), label=f"typed into {option.display_name}")
        if not wanted:
            continue
        others = {k: v for k, v in options.items() if k != option.display_name}
        await live.checker.interact(
            actor,
            completed(h, spec.qualified_name, option.display_name, typed, others, actor),
            what=f"autocomplete /{spec.qualified_name} {option.display_name}={typed!r}",
            autocomplete=True,
        )


async def press_a_button(live: LiveDesk, actor: Actor, reply: Reply, data: st.DataObject) -> None:
    wanted = data.draw(st.booleans(), label="press a button")
    button, who = data.draw(AN_INDEX, label="which button"), data.draw(AN_INDEX, label="pressed by")
    buttons = clickable(reply.final)
    if not wanted or not buttons:
        return
    custom_id = buttons[button % len(buttons)]
    # An ephemeral answer is seen by its invoker only; a public one by anyone in that guild.
    seen_by = [actor] if reply.ephemeral else [a for a in live.actors if a.guild_id == actor.guild_id]
    clicker = seen_by[who % len(seen_by)]
    h = live.harness
    await live.checker.interact(
        clicker, h.click(custom_id, message=reply.final, user=clicker.user), what=f"click {custom_id}"
    )


async def exercise(live: LiveDesk, spec: CommandSpec, data: st.DataObject) -> None:
    actor = data.draw(st.sampled_from(live.actors), label="actor")
    options = data.draw(options_for(spec, live.pools, live.entities(actor.guild_id)), label="options")
    typed = data.draw(MODAL_TEXT, label="typed into a form, if one opens")
    reply = await live.slash(actor, spec.qualified_name, options)
    if reply.modal is not None:
        reply = await submit_modal(live, actor, reply.modal, typed)
    await autocomplete(live, actor, spec, options, data)
    await press_a_button(live, actor, reply, data)
    await live.heal()


@pytest.mark.parametrize("command", command_names())
def test_every_option_of_every_command_survives_hostile_input(
    command: str, live: LiveDesk, hostile_settings: settings
) -> None:
    spec = live.commands[command]

    @hostile_settings
    @given(data=st.data())
    def example(data: st.DataObject) -> None:
        live.run(exercise(live, spec, data))

    example()
    assert live.checker.interactions > 0


def test_the_suite_covers_every_command_of_the_live_tree(live: LiveDesk) -> None:
    """The collection-time list (what the test above is parametrized by) is the running bot's tree."""
    assert sorted(live.commands) == sorted(command_names())
