"""Results as JSON (for machines) and a Markdown table (for people), plus the targets' verdicts."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from bench import fanout

JSON_NAME = "bench-results.json"
MARKDOWN_NAME = "bench-results.md"

# Targets from the "Performance and scale" issue.
READ_P99_MS = 10.0
READ_RAW_RATIO = 3.0
AUTOCOMPLETE_P99_MS = 5.0
# /ask: a plain-English question read and answered in one snapshot (bench.asking).
ASK_P99_MS = 30.0
# /search: its own bar from the issue that added it, over 1,000,000 entries.
SEARCH_P99_MS = 20.0
WRITES_PER_SECOND = 300.0
LOOP_BLOCK_MS = 20.0
MEMORY_MB = 150.0
# Digests: within this multiple of the floor Discord's global limit sets (messages / 50 s), no 429.
DIGEST_FLOOR_RATIO = 1.1
READER_P99_MS = 50.0  # a reader command's own time while digests or alerts go out


def _ms(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def verdicts(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with the measured value and whether it is met."""
    out: list[dict[str, Any]] = []
    for key, command in results["commands"].items():
        ours = command["ours"]
        if command["kind"] == "read":
            out.append(
                _verdict(f"{command['label']} p99", f"≤ {READ_P99_MS:g} ms", ours["p99"], ours["p99"] <= READ_P99_MS)
            )
            ratio = command.get("ratio_p50")
            if ratio is not None:
                out.append(
                    _verdict(f"{command['label']} p50 vs raw", f"≤ {READ_RAW_RATIO:g}x", ratio, ratio <= READ_RAW_RATIO)
                )
        elif command["kind"] in ("ask", "search"):
            bar = ASK_P99_MS if command["kind"] == "ask" else SEARCH_P99_MS
            out.append(_verdict(f"{command['label']} p99", f"≤ {bar:g} ms", ours["p99"], ours["p99"] <= bar))
        elif command["kind"] == "autocomplete":
            out.append(
                _verdict(
                    f"{command['label']} p99",
                    f"≤ {AUTOCOMPLETE_P99_MS:g} ms",
                    ours["p99"],
                    ours["p99"] <= AUTOCOMPLETE_P99_MS,
                )
            )
        if command["failures"]:
            out.append(_verdict(f"{command['label']} failures", "0", command["failures"], False, key=key))
    writes = results.get("writes")
    if writes:
        out.append(
            _verdict(
                f"/log with {writes['writers']} writers",
                f"≥ {WRITES_PER_SECOND:g}/s",
                writes["per_second"],
                writes["per_second"] >= WRITES_PER_SECOND,
            )
        )
        bad = writes["failures"] + writes["locked_errors"]
        out.append(_verdict("write failures reaching a user (incl. 'database is locked')", "0", bad, bad == 0))
    loop = results.get("event_loop")
    if loop:
        worst = loop["worst_ms"]
        name = "event loop longest block (after start-up)"
        out.append(_verdict(name, f"≤ {LOOP_BLOCK_MS:g} ms", worst, worst <= LOOP_BLOCK_MS))
    memory = results.get("memory")
    if memory and "rss_mb" in memory:
        out.append(
            _verdict(
                f"RSS after {memory['guilds']:,} GUILD_CREATE",
                f"≤ {MEMORY_MB:g} MB",
                memory["rss_mb"],
                memory["rss_mb"] <= MEMORY_MB,
            )
        )
    search = results.get("search")
    if search:
        cost = search["p50_cost_ms"]
        out.append(_verdict("the search index's cost to /log status p50", "≤ 1 ms", cost, cost <= 1.0))
    digest = results.get("digest") or {}
    if digest.get("measured"):
        ratio = digest.get("floor_ratio") or math.inf
        out.append(
            _verdict(
                f"{digest['subscriptions']:,} digests due in one minute, against Discord's limits",
                f"≤ {DIGEST_FLOOR_RATIO:g}× floor, no 429",
                ratio,
                ratio <= DIGEST_FLOOR_RATIO
                and digest.get("rate_limited") == 0
                and digest["posted"] >= digest["subscriptions"],
            )
        )
    out += fanout.verdicts(results, DIGEST_FLOOR_RATIO, READER_P99_MS)
    return out


def _verdict(name: str, target: str, value: float, met: bool, *, key: str | None = None) -> dict[str, Any]:
    return {"name": name, "target": target, "value": value, "met": bool(met), **({"command": key} if key else {})}


def markdown(results: dict[str, Any]) -> str:
    machine, dataset = results["machine"], results["dataset"]
    lines = [
        f"### Newsdesk bench — {results['backend_label']}, profile `{results['profile']}`",
        "",
        f"Machine: {machine['cpus']} cores ({machine['cpu']}), Python {machine['python']}, {machine['platform']}; "
        f"discord.py {machine['discord_py']}, SQLAlchemy {machine['sqlalchemy']}. "
        f"Load average at start/end: {machine['load_start']} / {machine['load_end']}.",
        f"Data: {dataset['newsrooms']:,} newsrooms, {dataset['topics']:,} topics, {dataset['entries']:,} entries, "
        f"{dataset['audit_records']:,} audit records; long timeline {dataset['long_timeline_live']:,} live entries; "
        f"autocomplete newsroom {dataset['autocomplete_topics']:,} topics. "
        f"Loaded through `newsdesk import`, one export document per newsroom: {dataset['load_seconds']:.1f} s "
        f"({dataset['rows_per_second']:,.0f} rows/s).",
        "",
        "Time from the interaction payload entering discord.py (`parse_interaction_create`) to the response "
        "being handed to its HTTP layer, in ms. Raw = the same rows with one hand-written query through the "
        "raw driver. CPU/cmd = mean process CPU time (all threads) per dispatch until everything it started "
        "finished; it is less sensitive than wall time to other processes competing for the cores.",
        "",
        "| Command | n | p50 | p90 | p99 | CPU/cmd | raw p50 | raw p99 | ours/raw p50 | failures |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for command in results["commands"].values():
        ours, raw = command["ours"], command.get("raw") or {}
        ratio = command.get("ratio_p50")
        lines.append(
            f"| {command['label']} | {command['n']} | {_ms(ours['p50'])} | {_ms(ours['p90'])} | {_ms(ours['p99'])} | "
            f"{_ms(command.get('cpu_ms_mean'))} | "
            f"{_ms(raw.get('p50'))} | {_ms(raw.get('p99'))} | {f'{ratio:.1f}x' if ratio is not None else '–'} | "
            f"{command['failures']} |"
        )
    writes = results.get("writes")
    lines.append("")
    if writes:
        lines.append(
            f"Writes: {writes['writers']} concurrent /log writers for {writes['seconds']:.1f} s: "
            f"**{writes['per_second']:.0f}/s** ({writes['completed']:,} stored), "
            f"p50 {_ms(writes['latency']['p50'])} ms, "
            f"p99 {_ms(writes['latency']['p99'])} ms; failures reaching a user: {writes['failures']}; "
            f"'database is locked' errors: {writes['locked_errors']}."
        )
    loop = results.get("event_loop")
    if loop:
        phases = ", ".join(f"{k} {_ms(v)}" for k, v in loop["by_phase_ms"].items())
        gc_pauses = ", ".join(
            f"{g} {_ms(v)} ms ×{loop['gc_collections'].get(g, 0)}" for g, v in loop.get("gc_worst_ms", {}).items()
        )
        gc_phases = ", ".join(f"{k} {_ms(v)}" for k, v in loop.get("gc_worst_by_phase_ms", {}).items())
        lines.append(
            f"Event loop: longest block after start-up **{_ms(loop['worst_ms'])} ms** (5 ms probe; start-up "
            f"{_ms(loop.get('startup_worst_ms'))} ms); blocks over 20 ms: {loop['stalls_over_20ms']}. "
            f"By phase (ms): {phases}. Longest GC pause by generation: {gc_pauses or '–'}; "
            f"by phase (ms): {gc_phases or '–'}."
        )
    memory = results.get("memory") or {}
    if "rss_mb" in memory:
        lines.append(
            f"Memory: RSS **{memory['rss_mb']:.0f} MB** after {memory['guilds']:,} GUILD_CREATE events "
            f"(baseline {memory['baseline_rss_mb']:.0f} MB, {memory['per_guild_kb']:.1f} KB per guild; "
            f"{memory['method']}). A full garbage collection in that process takes {memory['full_gc_ms']:.0f} ms "
            f"({memory['gc_tracked_objects']:,} tracked objects; {memory['full_gc_after_freeze_ms']:.1f} ms after "
            "gc.freeze())."
        )
    elif memory:
        lines.append(f"Memory: not measured ({memory.get('error', 'unknown error')}).")
    views = results.get("view_store")
    if views:
        lines.append(
            f"discord.py view store after the run: {views['messages_tracked']:,} messages with tracked views "
            f"({views['views_kept']:,} views kept)."
        )
    search = results.get("search")
    if search:
        lines.append(
            f"Search index and /log: /log status p50 {_ms(search['p50_with_ms'])} ms with the "
            f"index, {_ms(search['p50_without_ms'])} ms with its triggers dropped (alternating rounds) "
            f"(cost {_ms(search['p50_cost_ms'])} ms); the ~10% query matches "
            f"{search.get('common_share', 0.0):.1%} of a newsroom's live entries."
        )
    digest = results.get("digest") or {}
    if digest.get("measured"):
        lines.append(
            f"Digests: {digest['subscriptions']:,} due in the same minute, {digest['posted']:,} sent "
            f"({digest['messages']:,} messages) in **{digest['seconds']:.1f} s** with the scheduler's "
            f"{digest['tick_seconds']:g} s tick ({digest['ticks']} ticks of at most "
            f"{digest['batch'] * digest['max_rounds']:,} digests; {digest['work_seconds']:.1f} s of work). "
            f"Against Discord's limits: {digest.get('rate_limited', 0):,} 429 responses; floor "
            f"{digest.get('floor_seconds', 0.0):.1f} s (messages / 50 s), "
            f"{digest.get('floor_ratio') or 0.0:.2f}× the floor "
            f"(pacer at {digest.get('pacer_per_second') or 'none'}/s); the busiest channel took "
            f"{digest.get('busiest_channel_messages', 0):,} messages, at least "
            f"{digest.get('channel_floor_seconds', 0.0):.0f} s at 5 per 5 s."
        )
    else:
        lines.append(f"Digests: not measured ({digest.get('reason', 'no digest feature found')}).")
    lines += fanout.lines(results)
    lines += ["", "| Target | Goal | Measured | Met |", "| --- | --- | ---: | :---: |"]
    for verdict in results["targets"]:
        value = verdict["value"]
        shown = f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"
        lines.append(f"| {verdict['name']} | {verdict['target']} | {shown} | {'yes' if verdict['met'] else '**no**'} |")
    return "\n".join(lines) + "\n"


def write(results: dict[str, Any], directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    json_path, md_path = directory / JSON_NAME, directory / MARKDOWN_NAME
    json_path.write_text(json.dumps(results, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8")
    md_path.write_text(markdown(results), encoding="utf-8")
    return json_path, md_path
