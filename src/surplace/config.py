"""Settings: where the store lives, where the passphrase comes from, and the vault's limits.

Every setting can come from the environment (prefix ``SURPLACE_``) or from the command line,
which overrides it. Nothing here is secret except ``passphrase``, which is held as a
``SecretStr`` so that it never appears in a ``repr`` or a log line.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Argon2id memory floor in KiB (64 MiB). A slot with less is refused at creation.
ARGON2_MIN_MEMORY_KIB = 64 * 1024


class Settings(BaseSettings):
    """Process-wide settings, read once per command."""

    model_config = SettingsConfigDict(env_prefix="SURPLACE_", extra="ignore")

    store: str = Field(
        default="./surplace-data",
        description="A folder for the embedded SQLite store, or a postgresql:// URL.",
    )
    blob_dir: Path | None = Field(
        default=None,
        description="Folder for encrypted evidence files. Defaults to <store>/blobs for a "
        "folder store; required for a PostgreSQL store.",
    )
    passphrase: SecretStr | None = Field(
        default=None, description="Passphrase for automation; prefer the prompt or a key file."
    )
    key_file: Path | None = Field(default=None, description="File whose content is the passphrase.")
    user: str | None = Field(default=None, description="The acting user's name.")
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=ARGON2_MIN_MEMORY_KIB)
    argon2_parallelism: int = Field(default=2, ge=1)
    web_threads: int = Field(
        default=2, ge=1, le=64,
        description="Requests a web worker process handles at once; more wait their turn.",
    )

    @field_validator("argon2_memory_kib")
    @classmethod
    def _memory_floor(cls, value: int) -> int:
        if value < ARGON2_MIN_MEMORY_KIB:
            raise ValueError(f"argon2 memory must be at least {ARGON2_MIN_MEMORY_KIB} KiB")
        return value

    @property
    def is_postgres(self) -> bool:
        return self.store.startswith(("postgresql://", "postgresql+psycopg://"))
