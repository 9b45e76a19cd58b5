"""Who is asking: the one value every use case takes instead of loose guild and member ids."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.errors import NotEditorError


@dataclass(frozen=True, slots=True)
class Requester:
    """A member acting in a guild, as Discord described them in the interaction.

    Roles and the Manage Server permission are what Discord said at that moment; whether they make the
    member an editor is decided against the newsroom's settings by `require_editor`.
    """

    guild_id: int
    user_id: int
    guild_name: str = ""
    role_ids: frozenset[int] = frozenset()
    manage_guild: bool = False
    interaction_id: int | None = None


def require_editor(editor_role_id: int | None, requester: Requester) -> None:
    """Editors hold the newsroom's editor role; members with Manage Server always may edit."""
    if requester.manage_guild:
        return
    if editor_role_id is not None and editor_role_id in requester.role_ids:
        return
    if editor_role_id is None:
        raise NotEditorError(
            "Only editors can do this. No editor role is set yet: someone with Manage Server can set one "
            "with `/settings editor-role`."
        )
    raise NotEditorError(f"Only editors can do this: you need the <@&{editor_role_id}> role or Manage Server.")


def require_manager(requester: Requester) -> None:
    if not requester.manage_guild:
        raise NotEditorError("Only members with the Manage Server permission can change newsroom settings.")
