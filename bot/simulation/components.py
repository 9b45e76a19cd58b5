"""Message components as Discord stores them, and modal submissions as Discord echoes them."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from bot.simulation.payloads import JSON


def walk(components: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    for c in components:
        yield c
        yield from walk(c.get("components", []) or [])
        for key in ("accessory", "component"):  # sections and labels nest a single child
            if isinstance(c.get(key), Mapping):
                yield from walk([c[key]])


def number(components: list[JSON]) -> list[JSON]:
    """Give every component without one a numeric ``id``, as the API does when it stores a message."""
    nodes = [c for c in walk(components) if isinstance(c, dict)]
    used = {c["id"] for c in nodes if isinstance(c.get("id"), int)}
    fresh = (n for n in itertools.count(1) if n not in used)
    for c in nodes:
        if c.get("id") is None:
            c["id"] = next(fresh)
    return components


def find(components: Iterable[Mapping[str, Any]], custom_id: str) -> JSON | None:
    for c in walk(components):
        if c.get("custom_id") == custom_id:
            return dict(c)
    return None


def submitted(component: Mapping[str, Any], values: dict[str, Any]) -> JSON:
    """Turn one component of a sent modal into what Discord submits for it; pops the values used."""
    ctype = component.get("type")
    if ctype == 1:
        return {"type": 1, "components": [submitted(c, values) for c in component.get("components", [])]}
    if ctype == 18:  # label wrapping one input
        out: JSON = {"type": 18, "component": submitted(component["component"], values)}
        if "id" in component:
            out["id"] = component["id"]
        return out
    custom_id = component.get("custom_id")
    out = {"type": ctype}
    if "id" in component:
        out["id"] = component["id"]
    if custom_id is None:
        return out
    out["custom_id"] = custom_id
    if ctype == 4:
        out["value"] = str(values.pop(custom_id, component.get("value") or ""))
    else:
        given = values.pop(custom_id, [])
        out["values"] = [given] if isinstance(given, str) else [str(v) for v in given]
    return out


def modal_submission(sent: Mapping[str, Any] | None, values: Mapping[str, Any]) -> list[JSON]:
    """The components of a MODAL_SUBMIT: mirrors the layout of the modal ``sent`` (rows or labels).

    Fields not given are submitted with their pre-filled value; without a known modal each value
    gets an action row of its own.
    """
    remaining = dict(values)
    if sent is None:
        return [{"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]} for k, v in remaining.items()]
    components = [submitted(c, remaining) for c in sent.get("components", [])]
    if remaining:
        raise ValueError(f"modal {sent.get('custom_id')!r} has no fields {sorted(remaining)}")
    return components
