"""Runtime settings, read once from the environment or a `.env` file and passed in explicitly."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    discord_token: SecretStr | None = Field(default=None, description="Bot token from the developer portal.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL; default is a SQLite file in NEWSDESK_DATA_DIR.",
    )
    newsdesk_data_dir: Path = Field(default=Path("data"), description="Where the default SQLite file lives.")
    newsdesk_dev_guild: int | None = Field(
        default=None, description="Sync commands to this guild only, for instant updates while developing."
    )
    log_level: str = "INFO"
    discord_api_base_url: str | None = Field(
        default=None,
        description="Discord HTTP API base (e.g. a staging proxy); default is Discord's own.",
    )
    discord_gateway_url: str | None = Field(
        default=None,
        description="Gateway websocket URL; default is what the API's /gateway/bot answers.",
    )
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: list[int] | None = None
    newsdesk_console_roles: str = Field(
        default="editor",
        description="Roles the console user holds: 'editor' (default) or 'reader'.",
    )
    digest_tick_seconds: float = Field(default=30.0, gt=0)
    members_intent: bool = Field(
        default=False,
        description="Ask for the privileged Server Members intent, so follows end when a member leaves.",
    )
    alert_lease_seconds: float = Field(
        default=120.0, gt=0, description="How long an alert delivery's claim holds before another process may take it."
    )
    discord_global_rate_limit: float = Field(
        default=50.0,
        gt=0,
        description="Requests a second Discord allows this bot token in all (50 unless Discord granted more).",
    )

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _split_shard_ids(cls, value: object) -> object:
        # Environment variables carry "0,1"; pydantic would otherwise want JSON.
        if isinstance(value, str):
            return [int(part) for part in value.replace(" ", "").split(",") if part]
        if isinstance(value, int):
            return [value]
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.newsdesk_data_dir / 'newsdesk.db').as_posix()}"
