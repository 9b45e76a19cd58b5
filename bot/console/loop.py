"""The console's read-eval-print loop, interactive or piped (`echo "/status atacms" | newsdesk console`)."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from bot.console import parse
from bot.console.history import History
from bot.console.offline import DEMO_EDITOR_ROLE_ID, DEMO_GUILD_ID, OfflineDiscord, Outcome, Shown
from bot.console.printer import buttons, format_shown
from bot.render.help import commands_of, usage
from bot.services.newsrooms import seed_newsroom
from bot.settings import Settings
from db.engine import Database
from db.seeds import available_seeds, load_seed_file_async

HELP = """Type a slash command as in Discord, options as name:value (quotes group words):
  /status atacms                      /latest atacms count:2
  /chronology atacms since:"Sep 2023" /topics
  /log event atacms headline:"Talks held" date:today source:"Reuters" url:https://example.org/x
Other lines:  click N (press button N of the last reply)   complete /status topic:at (autocomplete)
              help (this text)   commands (every command)   /help [command] (the bot's own help)   quit"""


async def prepare_demo(database: Database) -> None:
    """The demo newsroom, seeded from seeds/ on first use; seeding is idempotent so re-runs add nothing."""
    stories = [await load_seed_file_async(path) for path in available_seeds().values()]
    await seed_newsroom(
        database, guild_id=DEMO_GUILD_ID, name="Demo newsroom", stories=stories, editor_role_id=DEMO_EDITOR_ROLE_ID
    )


class Console:
    def __init__(self, offline: OfflineDiscord, out: Any = None) -> None:
        self.offline = offline
        self.out = out or sys.stdout
        self.last_buttons: list[tuple[dict[str, Any], dict[str, Any]]] = []

    def print(self, *lines: str) -> None:
        for line in lines:
            self.out.write(line + "\n")
        self.out.flush()

    async def handle(self, line: str, read_line: Any) -> bool:
        """Run one line; False means quit."""
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        lowered = line.lower()
        if lowered in ("quit", "exit", "/quit", "/exit"):
            return False
        if lowered in ("help", "?"):
            self.print(HELP)
            return True
        if lowered in ("commands", "/commands"):
            self.print(*self._command_list())
            return True
        try:
            if lowered.startswith(("click ", "/click ")):
                await self._click(line.split()[-1], read_line)
            elif lowered.startswith(("complete ", "/complete ")):
                await self._complete(line.split(None, 1)[1])
            else:
                await self._command(line, read_line)
        except parse.ParseError as exc:
            self.print(f"! {exc}")
        return True

    def _command_list(self) -> list[str]:
        return [
            f"/{command.qualified_name} {usage(command)}  — {command.description}"
            for command in commands_of(self.offline.bot.tree)
        ]

    async def _command(self, line: str, read_line: Any) -> None:
        invocation = parse.resolve(self.offline.bot.tree, parse.split(line))
        data = parse.command_data(invocation, guild=self.offline.bot.get_guild(DEMO_GUILD_ID))
        await self._run(self.offline.base_payload(2, data), read_line)

    async def _complete(self, line: str) -> None:
        invocation = parse.resolve(self.offline.bot.tree, parse.split(line), partial=True)
        if invocation.last is None:
            raise parse.ParseError("Give the option to complete, e.g. complete /status topic:at")
        command, name = invocation.command, invocation.last
        param = command.get_parameter(name)
        assert param is not None
        if param.choices:
            # Discord's client lists fixed choices itself; the bot is never asked.
            typed = invocation.values[name].lower()
            choices = [
                {"name": c.name, "value": c.value}
                for c in param.choices
                if typed in c.name.lower() or typed in str(c.value).lower()
            ]
            self.print(*format_shown(Shown("choices", {"choices": choices})))
            return
        if not param.autocomplete:
            offered = [p.name for p in command.parameters if p.autocomplete or p.choices]
            hint = f"; suggestions exist for: {', '.join(offered)}" if offered else ""
            raise parse.ParseError(f"{name} of /{command.qualified_name} has no suggestions: type any value{hint}.")
        data = parse.command_data(invocation, guild=self.offline.bot.get_guild(DEMO_GUILD_ID), focused=name)
        await self._run(self.offline.base_payload(4, data), None)

    async def _click(self, which: str, read_line: Any) -> None:
        if not which.isdigit() or not 1 <= int(which) <= len(self.last_buttons):
            raise parse.ParseError(f"No button {which}; the last reply has {len(self.last_buttons)}.")
        message, button = self.last_buttons[int(which) - 1]
        if button.get("disabled"):
            raise parse.ParseError("That button is disabled.")
        data = {"custom_id": button["custom_id"], "component_type": 2}
        payload = self.offline.base_payload(3, data)
        payload["message"] = message
        await self._run(payload, read_line)

    async def _run(self, payload: dict[str, Any], read_line: Any) -> None:
        outcome = await self.offline.dispatch(payload)
        await self._show(outcome, read_line)

    async def _show(self, outcome: Outcome, read_line: Any) -> None:
        if not outcome.shown:
            self.print("(no reply)")
        new_buttons: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for shown in outcome.shown:
            self.print(*format_shown(shown, first_button=len(new_buttons) + 1))
            if shown.kind == "message":
                new_buttons.extend((shown.data, b) for b in buttons(shown.data))
            if shown.kind == "modal" and read_line is not None:
                await self._fill_modal(shown.data, read_line)
        if new_buttons:
            self.last_buttons = new_buttons

    async def _fill_modal(self, modal: dict[str, Any], read_line: Any) -> None:
        rows: list[dict[str, Any]] = []
        typed: list[str] = []
        for row in modal.get("components") or []:
            wrapped = row.get("type") == 18  # a label wrapping one input
            items = [row["component"]] if wrapped else row.get("components") or []
            inputs = []
            for item in items:
                label = (row if wrapped else item).get("label") or item.get("custom_id", "")
                value = await self._field(label, item, read_line)
                if value is None:
                    self.print("(form closed; nothing was sent)")
                    return
                typed.append(value)
                inputs.append({"type": item["type"], "custom_id": item["custom_id"], "value": value})
            rows.append({"type": 18, "component": inputs[0]} if wrapped else {"type": 1, "components": inputs})
        payload = self.offline.base_payload(5, {"custom_id": modal["custom_id"], "components": rows})
        outcome = await self.offline.dispatch(payload)
        await self._show(outcome, read_line)
        if _refused(outcome):
            shown = " ".join(s.data.get("content") or "" for s in outcome.shown)
            for text in typed:
                if text and text not in shown:  # the reply clipped it: print it whole
                    self.print(*_given_back(text))

    async def _field(self, label: str, field: dict[str, Any], read_line: Any) -> str | None:
        """One form field, asked again (showing what was typed) until Discord's client would accept it."""
        while True:
            value = await read_line(f"{label}: ")
            if value is None:
                return None
            problem = parse.field_problem(label, field, value)
            if problem is None:
                return value
            self.print(f"! {problem}", *(_given_back(value) if value else []))


def _refused(outcome: Outcome) -> bool:
    # Refusals are the bot's short ephemeral error: text only, no embed, no buttons.
    return bool(outcome.shown) and all(
        s.kind == "message" and s.ephemeral and not s.data.get("embeds") and not buttons(s.data) for s in outcome.shown
    )


def _given_back(text: str) -> list[str]:
    return ["Your text, to fix and send again:", *(f"  {line}" for line in text.split("\n"))]


async def run_console(settings: Settings, *, editor: bool = True, lines: Any = None, out: Any = None) -> int:
    from bot.client import NewsBot
    from db import migrate

    database = Database(settings.resolved_database_url)
    await migrate.upgrade(database)
    await prepare_demo(database)
    bot = NewsBot(settings=settings, database=database, start_scheduler=False)
    offline = OfflineDiscord(bot, editor=editor)
    interactive = lines is None and sys.stdin.isatty()
    console = Console(offline, out=out)
    source = iter(lines) if lines is not None else None

    async def read_line(prompt: str) -> str | None:
        if source is not None:
            return next(source, None)
        if interactive:
            try:
                return await asyncio.to_thread(input, prompt)
            except EOFError:
                return None
        text = await asyncio.to_thread(sys.stdin.readline)
        return text.rstrip("\n") if text else None

    history = History(settings.newsdesk_data_dir / "console_history")
    if interactive:
        history.load()
    try:
        await offline.start()
        if interactive:
            role = "editor" if editor else "reader"
            console.print(f"Newsdesk console · demo newsroom · you are an {role}. Type help, or quit.")
        while True:
            line = await read_line("newsdesk> ")
            if line is None or not await console.handle(line, read_line):
                break
    finally:
        history.save()
        await offline.close()
        await database.dispose()
    return 0
