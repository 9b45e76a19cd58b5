"""The console reads options against the real command tree and refuses what Discord's client would not send."""

from __future__ import annotations

from pathlib import Path

from discord import app_commands

from bot.client import EXTENSIONS, NewsBot
from bot.console.offline import DEMO_EDITOR_ROLE_ID
from db.engine import Database
from tests.console.support import console_settings, run_lines


async def test_unknown_option_name_is_refused_with_the_commands_options_and_nothing_changes(tmp_path: Path) -> None:
    text = await run_lines(tmp_path, ['/topic edit topic:atacms background:"New background"', "/topic show atacms"])
    assert "/topic edit has no option 'background'" in text
    assert "topic:… reason:… [title:…] [aliases:…] [summary:…] [next_step:…]" in text
    assert "New background" not in text.split("background'")[1]  # the title was not renamed
    assert "Updated topic" not in text


async def test_ranges_types_choices_lengths_and_repeats_are_refused_before_the_bot_sees_them(tmp_path: Path) -> None:
    text = await run_lines(
        tmp_path,
        [
            "/latest topic:atacms count:0",
            "/latest topic:atacms count:11",
            "/latest topic:atacms count:two",
            "/latest topic:atacms topic:atacms",
            "/log status topic:atacms decision:maybe note:x",
            "/log status topic:atacms delivery:Delivered committed:-1 unit:missiles note:x",
            f"/log event atacms headline:{'h' * 201}",
            '/log event atacms headline:""',
            "/latest topic:atacms private:perhaps",
            "/log status atacms",
        ],
    )
    refusals = [line for line in text.splitlines() if line.startswith("! ")]
    assert refusals == [
        "! `count` must be a whole number from 1 to 10.",
        "! `count` must be a whole number from 1 to 10.",
        "! count must be a whole number",
        "! topic is given twice; /latest takes it once.",
        "! decision must be one of: under_review, approved, declined, on_hold",
        "! `committed` must be a number from 0 to 1000000000000.",
        "! `headline` is 201 characters; the maximum is 200.",
        "! headline is empty: give a value or leave the option out.",
        "! private must be true or false",
        "! Missing note. Usage: /log status topic:… note:… [decision:…] [delivery:…] [committed:…] [delivered:…] "
        "[unit:…] [date:…] [source:…] [url:…] [unsourced:…] [expected:…] [reported:…] [outcome_of:…] [outcome:…]",
    ]
    assert "Newsdesk" not in text  # the bot was never asked


async def test_values_are_converted_to_the_options_types(tmp_path: Path) -> None:
    text = await run_lines(
        tmp_path,
        [
            "/latest topic:atacms count:1 private:yes",
            "/log status atacms decision:Approved committed:2.5 unit:bn_USD note:Cleared source:AP "
            "url:https://example.org/x",
        ],
    )
    assert "only you can see this" in text.split("Latest statements")[0]  # private:yes -> true
    assert "page 1 of" in text
    assert "Decision: **Approved** · 2.5 bn\\_USD committed" in text and "Logged `#" in text


async def test_every_autocompleted_option_completes_and_others_say_so(tmp_path: Path) -> None:
    text = await run_lines(
        tmp_path,
        [
            "complete /log event topic:atacms headline:Ta",
            "complete /latest topic:atacms speaker:Mi",
            "complete /log statement topic:atacms speaker:Mi",
            "complete /settings timezone timezone:Europe/Lo",
            "complete /topic import-seed name:at",
            "complete /log status topic:atacms delivery:deliv",
            "complete /status topic:",
        ],
    )
    assert "Traceback" not in text
    no_suggestions = "! headline of /log event has no suggestions: type any value; suggestions exist for: "
    assert no_suggestions + "topic, expected, outcome." in text
    blocks = text.split("Suggestions:")[1:]
    assert len(blocks) == 6
    assert "Matthew Miller  (Name: Matthew Miller)" in blocks[0]  # /latest: names, roles and organisations
    assert "Matthew Miller" in blocks[1]
    assert "Europe/London" in blocks[2]
    assert "atacms" in blocks[3]
    assert "partly_delivered  (Partly delivered)" in blocks[4] and "none_announced" not in blocks[4]
    assert "atacms" in blocks[5]


async def test_a_form_field_over_its_length_is_given_back_and_asked_again(tmp_path: Path) -> None:
    long = "Officials are weighing it. " + "x" * 4000
    text = await run_lines(
        tmp_path,
        [
            '/log statement atacms speaker:"Matthew Miller" source:AP',
            long,
            "Officials are weighing it.",
            "/latest atacms count:1",
        ],
    )
    assert f"! What was said is {len(long)} characters; the maximum is 4000." in text
    assert f"Your text, to fix and send again:\n  {long}\n" in text
    assert "Logged `#" in text
    assert "Officials are weighing it." in text.split("Latest statements")[1]


async def test_a_form_the_bot_refuses_prints_the_text_and_saves_nothing(tmp_path: Path) -> None:
    typed = "As <@123> said, no decision. " * 80  # under the form's limit; the bot refuses the mention
    text = await run_lines(
        tmp_path,
        ['/log statement atacms speaker:"Matthew Miller" source:AP', typed, "/latest atacms count:1"],
    )
    assert "contains mention syntax" in text
    assert f"Your text, to fix and send again:\n  {typed}\n" in text  # the reply clipped it; the console has it all
    assert "no decision" not in text.split("/latest")[-1].split("Latest statements")[-1]
    assert "Logged `#" not in text


async def test_a_form_closed_by_end_of_input_sends_nothing(tmp_path: Path) -> None:
    text = await run_lines(tmp_path, ['/log statement atacms speaker:"Matthew Miller" source:AP', ""])
    assert "! What was said is required." in text
    assert "(form closed; nothing was sent)" in text


async def test_every_autocompleted_option_of_every_command_gives_suggestions(tmp_path: Path) -> None:
    # The tree as the bot builds it, never logged in: only to list what the console must complete.
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'tree.db'}")
    bot = NewsBot(settings=console_settings(tmp_path), database=database, start_scheduler=False)
    for extension in EXTENSIONS:
        await bot.load_extension(extension)
    lines = [
        # A fact is one of a topic's: its suggestions follow the topic typed first.
        f"complete /{command.qualified_name} {'topic:atacms ' if param.name == 'fact' else ''}{param.name}:"
        for command in bot.tree.walk_commands()
        if isinstance(command, app_commands.Command)
        for param in command.parameters
        if param.autocomplete
    ]
    await database.dispose()
    assert len(lines) >= 10  # topic on most commands, speaker, timezone twice, seed names
    text = await run_lines(tmp_path, lines)
    assert "Traceback" not in text and "!" not in text
    answers = text.split("Suggestions:")[1:]
    assert len(answers) == len(lines) and all("(none)" not in a for a in answers)


async def test_roles_and_channels_are_found_by_name_or_id(tmp_path: Path) -> None:
    text = await run_lines(
        tmp_path,
        [
            "/settings editor-role role:Editors",
            f"/settings editor-role role:{DEMO_EDITOR_ROLE_ID}",
            "/settings editor-role role:Nobody",
            "/digest add channel:#nowhere time:09:00 timezone:Europe/London",
        ],
    )
    assert text.count(f"Editor role saved.\n┃ Newsroom settings\n┃ ▸ Editor role\n┃   <@&{DEMO_EDITOR_ROLE_ID}>") == 2
    assert "! No role 'Nobody'; roles here: @everyone, Editors" in text
    assert "! No channel '#nowhere' for channel; channels here: newsroom" in text
