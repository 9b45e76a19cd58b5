"""Checks on interaction callback payloads: modals and autocomplete choices."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.e2e.contracts.commands import _check_choice
from tests.e2e.contracts.problems import (
    MAX_CHOICES,
    MAX_CUSTOM_ID,
    MAX_MODAL_TITLE,
    MAX_TEXT_INPUT_LABEL,
    Problem,
    _check_len,
    _join,
    _p,
)

# ---------------------------------------------------------------------------------------------
# Interaction callback payloads
# ---------------------------------------------------------------------------------------------


def check_modal(data: Any, prefix: str = "data") -> list[Problem]:
    if not isinstance(data, Mapping):
        return [_p("modal.body", prefix, "modal data must be an object")]
    out: list[Problem] = []
    _check_len(out, "modal.title", _join(prefix, "title"), data.get("title"), 1, MAX_MODAL_TITLE, required=True)
    _check_len(
        out, "modal.custom_id", _join(prefix, "custom_id"), data.get("custom_id"), 1, MAX_CUSTOM_ID, required=True
    )
    components = data.get("components") or []
    if not 1 <= len(components) <= 5:
        out.append(_p("modal.components", _join(prefix, "components"), f"modal has {len(components)} components (1-5)"))
    for i, comp in enumerate(components):
        field = _join(_join(prefix, "components"), i)
        if not isinstance(comp, Mapping):
            continue
        if comp.get("type") == 1:
            for j, child in enumerate(comp.get("components") or []):
                if isinstance(child, Mapping) and child.get("type") == 4:
                    _check_text_input(child, _join(_join(field, "components"), j), out, in_label=False)
        elif comp.get("type") == 18:
            # Label wrapper (newer modal layout): the label text lives here, not on the input.
            _check_len(
                out, "modal.label", _join(field, "label"), comp.get("label"), 1, MAX_TEXT_INPUT_LABEL, required=True
            )
            _check_len(out, "modal.label", _join(field, "description"), comp.get("description"), 0, 100)
            child = comp.get("component")
            if isinstance(child, Mapping) and child.get("type") == 4:
                _check_text_input(child, _join(field, "component"), out, in_label=True)
    return out


def _check_text_input(comp: Mapping[str, Any], field: str, out: list[Problem], *, in_label: bool) -> None:
    _check_len(
        out,
        "modal.text_input.custom_id",
        _join(field, "custom_id"),
        comp.get("custom_id"),
        1,
        MAX_CUSTOM_ID,
        required=True,
    )
    if not in_label:
        _check_len(
            out,
            "modal.text_input.label",
            _join(field, "label"),
            comp.get("label"),
            1,
            MAX_TEXT_INPUT_LABEL,
            required=True,
        )
    _check_len(out, "modal.text_input.placeholder", _join(field, "placeholder"), comp.get("placeholder"), 0, 100)
    _check_len(out, "modal.text_input.value", _join(field, "value"), comp.get("value"), 0, 4000)
    for key, lo, hi in (("min_length", 0, 4000), ("max_length", 1, 4000)):
        v = comp.get(key)
        if isinstance(v, int) and not lo <= v <= hi:
            out.append(_p("modal.text_input.length", _join(field, key), f"{key}={v} not in [{lo}, {hi}]"))


def check_autocomplete(data: Any, prefix: str = "data") -> list[Problem]:
    if not isinstance(data, Mapping):
        return [_p("autocomplete.body", prefix, "autocomplete data must be an object")]
    out: list[Problem] = []
    choices = data.get("choices")
    if not isinstance(choices, list):
        return [_p("autocomplete.choices", _join(prefix, "choices"), "choices must be an array")]
    if len(choices) > MAX_CHOICES:
        out.append(_p("autocomplete.choices", _join(prefix, "choices"), f"{len(choices)} choices > {MAX_CHOICES}"))
    for i, choice in enumerate(choices):
        out.extend(_check_choice(choice, _join(_join(prefix, "choices"), i), "autocomplete.choice"))
    return out
