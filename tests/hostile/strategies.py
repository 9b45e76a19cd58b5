"""What the hostile suite sends: option values derived from the bot's own command tree.

Nothing here names a command. Every slash command the tree holds is described by a ``CommandSpec``
(taken from discord.py's ``Parameter`` objects: type, required, min/max length or value, choices,
autocomplete), and ``options_for`` turns that into a Hypothesis strategy. A new command or option is
therefore exercised as soon as it is added. Values respect what Discord itself enforces (declared
bounds and choices: the bot can never receive anything else) and are biased towards trouble inside
those bounds: mention syntax, markdown, invisible and bidirectional characters, control characters,
combining marks, emoji, lengths at every limit the bot states, malformed dates and URLs, huge ids.

Parameter *names* only add domain values (known topic slugs, entry ids of both guilds, dates, URLs)
so that deep code paths are reached as well as the validation at the door.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import discord
from discord import app_commands
from hypothesis import strategies as st

from bot.core.validation import LIMITS
from tests.hostile.corpus import ANY_CHARACTER, DATES, FILLERS, FRAGMENTS, NUMBERS, TIMEZONES, URLS

OptionType = discord.AppCommandOptionType

# Discord's own range for integer options without declared bounds (it is a JSON double on the wire).
DISCORD_INT_MIN = -(2**53)
DISCORD_INT_MAX = 2**53
DISCORD_STRING_MAX = 6000


# --------------------------------------------------------------------------------------------------
# The command tree, described
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class OptionSpec:
    name: str
    display_name: str
    type: OptionType
    required: bool
    min: float | None  # length for strings, value for numbers
    max: float | None
    choices: tuple[str | int | float, ...]
    autocomplete: bool

    @property
    def free_text(self) -> bool:
        return self.type is OptionType.string and not self.choices


@dataclass(frozen=True, slots=True)
class CommandSpec:
    qualified_name: str
    options: tuple[OptionSpec, ...]

    def option(self, name: str) -> OptionSpec:
        return next(o for o in self.options if name in (o.name, o.display_name))


def describe(command: app_commands.Command[Any, ..., Any]) -> CommandSpec:
    options = tuple(
        OptionSpec(
            name=p.name,
            display_name=p.display_name,
            type=p.type,
            required=p.required,
            min=p.min_value,
            max=p.max_value,
            choices=tuple(c.value for c in p.choices),
            autocomplete=bool(p.autocomplete),
        )
        for p in command.parameters
    )
    return CommandSpec(command.qualified_name, options)


def slash_commands(tree: app_commands.CommandTree[Any]) -> list[CommandSpec]:
    """Every slash command (leaf) in the tree, groups walked, sorted by name."""
    leaves = [c for c in tree.walk_commands() if isinstance(c, app_commands.Command)]
    return sorted((describe(c) for c in leaves), key=lambda s: s.qualified_name)


@functools.cache
def command_specs() -> tuple[CommandSpec, ...]:
    """The slash commands of a freshly built bot: what the suite parametrizes over at collection time."""

    async def build() -> tuple[CommandSpec, ...]:
        from bot.client import EXTENSIONS, NewsBot
        from bot.settings import Settings
        from db.engine import Database

        # pydantic's typed __init__ lists the fields only, not BaseSettings' own _env_file.
        settings = Settings(_env_file=None, discord_token=None, database_url="sqlite+aiosqlite://")  # pyright: ignore[reportCallIssue]
        database = Database("sqlite+aiosqlite://")
        bot = NewsBot(settings=settings, database=database, start_scheduler=False)
        try:
            for name in EXTENSIONS:
                await bot.load_extension(name)
            return tuple(slash_commands(bot.tree))
        finally:
            for name in list(bot.extensions):
                await bot.unload_extension(name)
            await database.dispose()

    return asyncio.run(build())


def command_names() -> tuple[str, ...]:
    return tuple(spec.qualified_name for spec in command_specs())


# --------------------------------------------------------------------------------------------------
# Values the live desk knows (so hostile input also reaches real rows)
# --------------------------------------------------------------------------------------------------
@dataclass(slots=True)
class Pools:
    """Domain values from the live database, refreshed after every example."""

    topic_queries: list[str] = field(default_factory=list)  # slugs, titles, aliases of *both* guilds
    entry_refs: list[str] = field(default_factory=list)  # "#12" and "12" for entries of *both* guilds
    speakers: list[str] = field(default_factory=list)
    seeds: list[str] = field(default_factory=list)


def domain_values(option: OptionSpec, pools: Pools) -> list[str]:
    """Values a parameter's name suggests; unknown names get none (hostile text still covers them)."""
    name = option.name.lower()
    out: list[str] = []
    if "topic" in name:
        out += pools.topic_queries
    if name == "id" or name.endswith("_id") or "entry" in name:
        out += pools.entry_refs + list(NUMBERS)
    if "date" in name or name in ("end", "since", "until", "when"):
        out += DATES
    if "url" in name or "link" in name:
        out += URLS
    if "speaker" in name:
        out += pools.speakers
    if "zone" in name:
        out += TIMEZONES
    if name in ("slug", "name"):
        out += [*pools.seeds, "atacms", "b-story", "new-story", "ATACMS", "../atacms", "a", "-ab", "ab-", "a--b"]
    if name == "value":  # a value whose meaning depends on another option (e.g. /entry edit field)
        out += [*DATES, *URLS, *pools.speakers, "approved", "Under review", "quote", "summary", "-", "bogus"]
    return out


# --------------------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------------------
def fit(text: str, min_size: int, max_size: int) -> str:
    """Cut or pad to the declared length bounds (Discord refuses anything else before the bot sees it)."""
    if len(text) > max_size:
        text = text[:max_size]
    if len(text) < min_size:
        text += "x" * (min_size - len(text))
    return text


def boundary_lengths(min_size: int, max_size: int) -> list[int]:
    """The declared bounds and every limit the bot states that falls inside them, plus one over it."""
    lengths = {min_size, min_size + 1, max_size - 1, max_size}
    for limit in LIMITS.values():
        lengths |= {limit, limit + 1}
    return sorted(n for n in lengths if min_size <= n <= max_size)


Domain = Callable[[], Sequence[str]]


def pick(values: Sequence[str], index: int) -> str:
    """The index-th of the (sorted, distinct) values; "" when there are none."""
    ordered = sorted(set(values))
    return ordered[index % len(ordered)] if ordered else ""


def known_value(domain: Domain) -> st.SearchStrategy[str]:
    """A value from a pool that changes between examples, drawn as a fixed-range index.

    Hypothesis requires data generation to be independent of external state (it replays and shrinks
    examples), so the draw is always the same integer; only what it resolves to follows the database.
    """
    return st.integers(0, 2**16).map(lambda i: pick(domain(), i))


def hostile_text(min_size: int, max_size: int, domain: Domain | None = None) -> st.SearchStrategy[str]:
    piece = st.one_of(st.sampled_from(FRAGMENTS), st.text(ANY_CHARACTER, min_size=1, max_size=6))
    soup = st.lists(piece, min_size=1, max_size=12).map("".join)
    exact = st.builds(
        lambda filler, n: (filler * (n // len(filler) + 1))[:n],
        st.sampled_from(FILLERS),
        st.sampled_from(boundary_lengths(min_size, max_size)),
    )
    branches: list[st.SearchStrategy[str]] = []
    if domain is not None:
        known = known_value(domain)
        branches += [known, st.tuples(known, piece, st.booleans()).map(lambda t: t[1] + t[0] if t[2] else t[0] + t[1])]
    branches += [soup, st.text(ANY_CHARACTER, max_size=min(max_size, 40)), exact]
    return st.one_of(branches).map(lambda s: fit(s, min_size, max_size))


def domain_of(option: OptionSpec, pools: Pools) -> Domain | None:
    """The option's domain values, looked up when drawn; None when its name suggests none."""
    probe = Pools(topic_queries=["x"], entry_refs=["x"], speakers=["x"], seeds=["x"])
    if not domain_values(option, probe):
        return None
    return lambda: domain_values(option, pools)


def integer_values(option: OptionSpec) -> st.SearchStrategy[int]:
    lo = DISCORD_INT_MIN if option.min is None else int(option.min)
    hi = DISCORD_INT_MAX if option.max is None else int(option.max)
    return st.one_of(st.sampled_from(sorted({lo, hi, min(max(0, lo), hi)})), st.integers(lo, hi))


def value_for(option: OptionSpec, pools: Pools, entities: dict[OptionType, list[Any]]) -> st.SearchStrategy[Any]:
    """A strategy for one option, from its declared type, bounds and choices."""
    if option.choices:
        return st.sampled_from(option.choices)
    if option.type is OptionType.string:
        lo = int(option.min or 0)
        hi = int(option.max if option.max is not None else DISCORD_STRING_MAX)
        return hostile_text(lo, hi, domain_of(option, pools))
    if option.type is OptionType.integer:
        return integer_values(option)
    if option.type is OptionType.number:
        lo = -(2.0**53) if option.min is None else float(option.min)
        hi = 2.0**53 if option.max is None else float(option.max)
        return st.one_of(st.sampled_from([lo, hi]), st.floats(lo, hi, allow_nan=False, allow_infinity=False))
    if option.type is OptionType.boolean:
        return st.booleans()
    if entities.get(option.type):
        return st.sampled_from(entities[option.type])
    raise NotImplementedError(
        f"the hostile suite has no strategy for {option.type.name} options (option {option.display_name!r}); "
        "add one to tests/hostile/strategies.py"
    )


def options_for(
    spec: CommandSpec, pools: Pools, entities: dict[OptionType, list[Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    """Every required option, and each optional one present or absent."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        chosen: dict[str, Any] = {}
        for option in spec.options:
            if option.required or draw(st.booleans(), label=f"include {option.display_name}"):
                chosen[option.display_name] = draw(value_for(option, pools, entities), label=option.display_name)
        return chosen

    return build()


def typed_so_far(option: OptionSpec, pools: Pools) -> st.SearchStrategy[str]:
    """What a user may have typed into an autocompleted option: anything from empty up to its maximum."""
    hi = int(option.max if option.max is not None else 100)
    return hostile_text(0, hi, domain_of(option, pools))


# --------------------------------------------------------------------------------------------------
# Values only a forged request sends (Discord's client never would): each must be refused at the door
# --------------------------------------------------------------------------------------------------
INT64_MAX = 2**63 - 1
LONE_SURROGATES = ["\ud800", "John \udfff Kirby", "\udc00" * 3]
NOT_A_CHOICE = {OptionType.string: "not-a-declared-choice", OptionType.integer: 999_999, OptionType.number: 0.5}


def forged_values(option: OptionSpec) -> list[Any]:
    """Values of the wrong JSON type, out of range, over length or not valid text, for one option."""
    wrong_type: list[Any] = [{}, [], None]
    if option.type is OptionType.string:
        high = int(option.max if option.max is not None else DISCORD_STRING_MAX)
        values = [*wrong_type, 5, 1.5, True, "x" * (high + 1), "x" * 10_000, *LONE_SURROGATES]
        if option.min is not None and option.min > 1:
            values.append("x" * (int(option.min) - 1))
    elif option.type is OptionType.integer:
        values = [*wrong_type, "5", 5.0, True, INT64_MAX + 1, -INT64_MAX - 2, 2**64, 10**30]
        values += [int(option.min) - 1] if option.min is not None else []
        values += [int(option.max) + 1] if option.max is not None else []
    elif option.type is OptionType.number:
        values = [*wrong_type, "1.5", True, float("inf"), float("nan")]
    elif option.type is OptionType.boolean:
        values = [*wrong_type, "true", 1, 0]
    else:  # an entity: a snowflake string the payload's resolved data describes
        values = [*wrong_type, 5, "abc", "1" * 21, str(2**64), "123", *LONE_SURROGATES[:1]]
    if option.choices and option.type in NOT_A_CHOICE:
        values.append(NOT_A_CHOICE[option.type])
    return values
