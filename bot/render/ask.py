"""/ask's answer: one direct sentence, then the evidence in the view that fits the question, each fact
with its citation, and a footnote saying how the question was read. Pure: from the service's Answer."""

from __future__ import annotations

import discord

from bot.core.expected import expectation_label
from bot.core.matching import fold
from bot.core.questions import Intent, WhenTarget
from bot.core.vocabulary import EntryKind
from bot.render.entries import COLOUR, entry_summary, when
from bot.render.expected import expected_lines, outcome_text
from bot.render.sources import fact_line
from bot.render.status import quantities_text, status_now_lines
from bot.render.text import EMBED_DESCRIPTION_MAX, FOOTER_MAX, clip, inline, plural
from bot.services.ask import Answer
from db.models import EntryBase

NOT_KNOWN_COLOUR = discord.Colour.dark_grey()
SENTENCE_MAX = 700
_DECIDED = {
    "under_review": "is under review; no decision has been announced",
    "approved": "has been approved",
    "declined": "has been declined",
    "on_hold": "is on hold",
}
_DELIVERED = {
    "none_announced": "no delivery has been announced",
    "announced": "a delivery has been announced but not confirmed",
    "partly_delivered": "has been partly delivered",
    "delivered": "has been delivered in full",
}


def cite(entry: EntryBase) -> str:
    """The citation after a sentence: the source, the entry's date and its id."""
    source = entry.source_name or (f"unsourced: {entry.unsourced_reason}" if entry.unsourced_reason else "no source")
    dated = when(entry)
    # Sources often carry their date already ("News report, Sep 2023"): said once.
    date = "" if dated in source else f", {dated}"
    return f"({inline(clip(source, 120))}{date}, #{entry.id})"


def _what(entry: EntryBase) -> str:
    if entry.kind == EntryKind.STATUS.value:
        parts = [_DECIDED.get(entry.decision or "", ""), _DELIVERED.get(entry.delivery or "", "")]
        return "; ".join(p for p in parts if p) or "a status change"
    if entry.kind == EntryKind.STATEMENT.value:
        return f"{inline(entry.speaker or 'someone')} said “{inline(clip(entry.text or '', 200))}”"
    return inline(entry.headline or "an event")


def _said(entry: EntryBase, slug: str | None) -> str:
    role = ", ".join(inline(p) for p in (entry.speaker_role, entry.speaker_org) if p)
    who = f"{inline(entry.speaker or 'Someone')}" + (f" ({role})" if role else "")
    on = f" on {slug}" if slug else ""
    return f"{who} said{on}, {when(entry)}: “{inline(clip(entry.text or '', 240))}” {cite(entry)}"


def sentence(answer: Answer) -> str:
    """The direct answer: yes, no, partly, a date, what was said, or "Not known" and why."""
    reading, topic, status = answer.reading, answer.topic, answer.status
    title = inline(topic.title) if topic is not None else ""
    intent = reading.intent
    first = answer.entries[0] if answer.entries else None
    if intent is Intent.SPEAKER and reading.speaker is not None:
        who = inline(reading.speaker.value)
        if first is None:
            on = f" on {title}" if title else ""
            return f"Not known: no statement by {who}{on} is logged in this newsroom."
        more = f"; {plural(answer.total, 'statement')} in all" if answer.total > 1 else ""
        return _said(first, answer.slugs.get(first.id) or (topic.slug if topic else None)) + more
    if topic is None or status is None:
        return "Not known: the question names no story this newsroom tracks."
    if intent is Intent.DECIDED:
        if first is None:
            return f"Not known: no decision on {title} is logged."
        asked = "declined" if any(c in (reading.cue or "") for c in ("declin", "reject")) else "approved"
        asked = "on_hold" if (reading.cue or "") in ("on hold", "paused") else asked
        verdict = "Yes" if first.decision == asked else "No"
        return f"{verdict}: {title} {_DECIDED.get(first.decision or '', 'has no decision logged')} {cite(first)}."
    if intent is Intent.DELIVERED:
        if first is None:
            return f"Not known: no delivery of {title} is logged."
        quantities = quantities_text(status.committed, status.delivered)
        if "how many" in fold(reading.question) and quantities:
            return f"{title}: {quantities} {cite(first)}."
        verdict = {"delivered": "Yes", "partly_delivered": "Partly", "announced": "Not yet"}.get(
            first.delivery or "", "No"
        )
        said = _DELIVERED.get(first.delivery or "", "")
        extra = f" ({quantities})" if quantities else ""
        subject = f"{title} " if first.delivery in ("partly_delivered", "delivered") else f"for {title}, "
        return f"{verdict}: {subject}{said}{extra} {cite(first)}."
    if intent is Intent.STATUS:
        if status.latest is None:
            return f"Not known: no status has been logged for {title}."
        parts = [
            _DECIDED.get(status.decision.decision or "", "") if status.decision else "",
            _DELIVERED.get(status.delivery.delivery or "", "") if status.delivery else "",
        ]
        quantities = quantities_text(status.committed, status.delivered)
        said = "; ".join(p for p in parts if p) + (f" ({quantities})" if quantities else "")
        return f"{title}: {said} {cite(status.latest)}."
    if intent in (Intent.STATEMENTS, Intent.SPEAKER):
        if first is None:
            return f"Not known: no statements on {title} are logged."
        return f"{plural(answer.total, 'statement')} on {title}; the latest: {_said(first, None)}"
    if intent is Intent.EXPECTED:
        if first is None:
            step = f"; its next step: {inline(topic.next_step)}" if topic.next_step else ""
            return f"Nothing is logged as expected for {title}{step}."
        label = expectation_label(first.expected).lower()
        return f"Expected next for {title}: {_what(first)}, {when(first)} ({label}, #{first.id})."
    if intent is Intent.BACKGROUND:
        if not answer.facts:
            return f"Not known: no background fact on {title} says that."
        fact = answer.facts[0]
        source = str(fact.get("source") or fact.get("unsourced") or "no source")
        text = str(fact.get("fact", "")).rstrip(". ")
        return f"{inline(text)} ({inline(source)}, fact #{fact.get('id', '?')})."
    if intent is Intent.TIMELINE:
        if first is None:
            return f"Nothing is logged for {title} yet."
        count = plural(answer.total, "entry")
        return f"The timeline of {title}: {count}, the first {when(first)}: {_what(first)} {cite(first)}."
    if intent is Intent.SINCE and reading.since is not None:
        since = reading.since.render()
        if first is None:
            return f"Nothing on {title} is logged since {since}."
        return f"{plural(answer.total, 'entry')} on {title} since {since}; the first: {_what(first)} {cite(first)}."
    if intent is Intent.WHEN:
        return _when_sentence(answer, title)
    return f"Not known: the question asks nothing this bot can answer about {title}."


def _when_sentence(answer: Answer, title: str) -> str:
    reading, first = answer.reading, (answer.entries[0] if answer.entries else None)
    if reading.when is WhenTarget.DECISION:
        if first is None:
            return f"Not known: no decision on {title} is logged."
        if not answer.grounded:
            return f"Not known: no decision on {title} has been announced; it is under review {cite(first)}."
        return f"On {when(first)}: {title} {_DECIDED.get(first.decision or '', '')} {cite(first)}."
    if reading.when is WhenTarget.DELIVERY:
        if first is None:
            return f"Not known: no delivery date for {title} has been announced."
        if not answer.grounded:
            return f"Not known: no delivery date for {title} has been announced; {_what(first)} {cite(first)}."
        if first.expected:
            label = expectation_label(first.expected).lower()
            return f"Expected {when(first)} ({label}): {_what(first)} {cite(first)}."
        return f"On {when(first)}: {title} {_DELIVERED.get(first.delivery or '', '')} {cite(first)}."
    if first is None:
        about = ", ".join(reading.words) or "that"
        return f"Not known: nothing logged on {title} says when ({inline(about)})."
    if first.expected and first.outcome is None:
        label = expectation_label(first.expected).lower()
        return f"Expected {when(first)} ({label}), not yet happened: {_what(first)} {cite(first)}."
    if first.expected:
        return f"{_what(first)}: {outcome_text(first).replace('`', '')} {cite(first)}."
    return f"On {when(first)}: {_what(first)} {cite(first)}."


def _evidence(answer: Answer) -> tuple[str, list[str]]:
    """The view's heading and lines, each citing its source."""
    intent, topic = answer.reading.intent, answer.topic
    if not answer.grounded:
        lines = [
            f"**{inline(hit.topic_slug)}** · " + entry_summary(hit.entry, budget=500, timezone=answer.timezone)
            for hit in answer.hits
        ]
        return ("Closest entries", lines or ["No entry comes close."])
    if intent is Intent.BACKGROUND:
        return "Background", [fact_line(f) for f in answer.facts]
    if intent is Intent.EXPECTED and topic is not None:
        lines = [expected_lines(answer.entries, pending=answer.total)] if answer.entries else []
        if topic.next_step:
            lines.append(f"**Next:** {inline(topic.next_step)}")
        return "Expected", lines
    lines = [entry_summary(e, budget=600, timezone=answer.timezone) for e in answer.entries]
    lines = [_slugged(answer, e.id) + line for e, line in zip(answer.entries, lines, strict=True)]
    if intent in (Intent.STATUS, Intent.DECIDED, Intent.DELIVERED) and answer.status is not None:
        return "Status", [*status_now_lines(answer.status), *lines]
    heading = {
        Intent.TIMELINE: "Chronology",
        Intent.SINCE: "Chronology",
        Intent.STATEMENTS: "Latest statements",
        Intent.SPEAKER: "Statements",
    }.get(intent, "Evidence")
    if answer.total > len(answer.entries):
        lines.append(f"…and {answer.total - len(answer.entries)} more.")
    return heading, lines


def _slugged(answer: Answer, entry_id: int | None) -> str:
    slug = answer.slugs.get(entry_id or 0)
    return f"**{inline(slug)}** · " if slug and answer.reading.topic is None else ""


def answer_embed(answer: Answer) -> discord.Embed:
    grounded = answer.grounded
    embed = discord.Embed(colour=COLOUR if grounded else NOT_KNOWN_COLOUR)
    embed.title = clip(f"Q: {inline(answer.reading.question)}", 256)
    heading, lines = _evidence(answer)
    head = clip(sentence(answer), SENTENCE_MAX)
    body = clip("\n".join(lines), EMBED_DESCRIPTION_MAX - len(head) - len(heading) - 20)
    embed.description = f"{head}\n\n**{heading}**\n{body}" if body else head
    embed.set_footer(text=clip(answer.reading.explain(), FOOTER_MAX))
    return embed
