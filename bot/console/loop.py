"""The console's read-eval-print loop, interactive or piped (`echo "/status atacms" | newsdesk console`)."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from bot.console import parse
from bot.console.offline import DEMO_EDITOR_ROLE_ID, DEMO_GUILD_ID, OfflineDiscord, Outcome
from bot.console.printer import buttons, format_shown
from bot.services.newsrooms import seed_newsroom
from bot.settings import Settings
from db.engine import Database
from db.seeds import available_seeds, load_seed_file_async

HELP = """Type a slash command as in Discord, options as name:value (quotes group words):
  /status atacms                      /latest atacms count:2
  /chronology atacms since:"Sep 2023" /topics
  /log event atacms headline:"Talks held" date:today source:"Reuters" url:https://example.org/x
Other lines:  click N (press button N of the last reply)   complete /status topic:at (autocomplete)
              help (this text)   commands (every command)   quit"""


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
        if lowered in ("help", "/help", "?"):
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
        lines = []
        for command in self.offline.bot.tree.walk_commands():
            if isinstance(command, parse.app_commands.Command):
                lines.append(f"/{command.qualified_name} {parse.usage(command)}  — {command.description}")
        return lines

    async def _command(self, line: str, read_line: Any) -> None:
        invocation = parse.resolve(self.offline.bot.tree, parse.split(line))
        data = parse.command_data(invocation, guild=self.offline.bot.get_guild(DEMO_GUILD_ID))
        await self._run(self.offline.base_payload(2, data), read_line)

    async def _complete(self, line: str) -> None:
        invocation = parse.resolve_partial(self.offline.bot.tree, parse.split(line))
        focused = list(invocation.values)[-1] if invocation.values else None
        if focused is None:
            raise parse.ParseError("Give the option to complete, e.g. complete /status topic:at")
        data = parse.command_data(invocation, guild=self.offline.bot.get_guild(DEMO_GUILD_ID), focused=focused)
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
        for row in modal.get("components") or []:
            if row.get("type") == 18:  # a label wrapping one input
                inner = row["component"]
                value = await read_line(f"{row.get('label', inner.get('custom_id'))}: ")
                rows.append(
                    {
                        "type": 18,
                        "component": {"type": inner["type"], "custom_id": inner["custom_id"], "value": value or ""},
                    }
                )
                continue
            inputs = []
            for item in row.get("components") or []:
                value = await read_line(f"{item.get('label', item.get('custom_id'))}: ")
                inputs.append({"type": item["type"], "custom_id": item["custom_id"], "value": value or ""})
            rows.append({"type": 1, "components": inputs})
        payload = self.offline.base_payload(5, {"custom_id": modal["custom_id"], "components": rows})
        await self._run(payload, read_line)


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
        await offline.close()
        await database.dispose()
    return 0
