"""Body checks the Discord stand-in applies to every request it receives.

Each check returns a list of :class:`Problem`. A problem is either something Discord itself
rejects with ``400 Invalid Form Body`` (``rejects=True``; the stand-in answers the same way so
the bot sees a realistic error) or a project policy that Discord would accept but Newsdesk must
not do (``rejects=False``; recorded only, e.g. missing ``allowed_mentions``).

Limits follow Discord's developer documentation / OpenAPI description for API v10. They are
written out here by hand; nothing is read from the spec at runtime.
"""

from __future__ import annotations

from tests.e2e.contracts.callbacks import check_autocomplete, check_modal
from tests.e2e.contracts.commands import check_command, check_command_list
from tests.e2e.contracts.messages import (
    check_allowed_mentions,
    check_components,
    check_embeds,
    check_message_body,
    embed_total_length,
    message_is_empty,
)
from tests.e2e.contracts.problems import (
    COMMAND_NAME_RE,
    FLAG_IS_COMPONENTS_V2,
    MAX_ACTION_ROWS,
    MAX_ATTACHMENTS,
    MAX_AUTHOR_NAME,
    MAX_BUTTON_LABEL,
    MAX_CHOICES,
    MAX_COMMANDS,
    MAX_CONTENT,
    MAX_CUSTOM_ID,
    MAX_EMBED_DESCRIPTION,
    MAX_EMBED_FIELDS,
    MAX_EMBED_TITLE,
    MAX_EMBED_TOTAL,
    MAX_EMBEDS,
    MAX_FIELD_NAME,
    MAX_FIELD_VALUE,
    MAX_FOOTER_TEXT,
    MAX_MODAL_TITLE,
    MAX_NONCE,
    MAX_OPTIONS,
    MAX_ROW_WIDTH,
    MAX_SELECT_OPTIONS,
    MAX_TEXT_INPUT_LABEL,
    MAX_V2_COMPONENTS,
    SELECT_TYPES,
    SUBCOMMAND,
    SUBCOMMAND_GROUP,
    Problem,
    errors_tree,
)

__all__ = [
    "COMMAND_NAME_RE",
    "FLAG_IS_COMPONENTS_V2",
    "MAX_ACTION_ROWS",
    "MAX_ATTACHMENTS",
    "MAX_AUTHOR_NAME",
    "MAX_BUTTON_LABEL",
    "MAX_CHOICES",
    "MAX_COMMANDS",
    "MAX_CONTENT",
    "MAX_CUSTOM_ID",
    "MAX_EMBEDS",
    "MAX_EMBED_DESCRIPTION",
    "MAX_EMBED_FIELDS",
    "MAX_EMBED_TITLE",
    "MAX_EMBED_TOTAL",
    "MAX_FIELD_NAME",
    "MAX_FIELD_VALUE",
    "MAX_FOOTER_TEXT",
    "MAX_MODAL_TITLE",
    "MAX_NONCE",
    "MAX_OPTIONS",
    "MAX_ROW_WIDTH",
    "MAX_SELECT_OPTIONS",
    "MAX_TEXT_INPUT_LABEL",
    "MAX_V2_COMPONENTS",
    "SELECT_TYPES",
    "SUBCOMMAND",
    "SUBCOMMAND_GROUP",
    "Problem",
    "check_allowed_mentions",
    "check_autocomplete",
    "check_command",
    "check_command_list",
    "check_components",
    "check_embeds",
    "check_message_body",
    "check_modal",
    "embed_total_length",
    "errors_tree",
    "message_is_empty",
]
