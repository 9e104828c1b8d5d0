"""What every command shares: settings from options and environment, the passphrase, the
unlocked store, output on standard output (tables or ``--json``) and messages on standard error.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from typer.core import TyperGroup

from surplace.config import Settings
from surplace.errors import SurplaceError
from surplace.store.engine import Store, open_store
from surplace.vault import service as vault_service
from surplace.vault.crypto import Argon2Parameters
from surplace.vault.service import Unlocked

#: The ``--json`` flag every command that produces results takes.
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]

stdout = Console(soft_wrap=True)
stderr = Console(stderr=True, soft_wrap=True)


class UsageProblem(SurplaceError):
    """A problem with how the command was called (exit code 2)."""


@dataclass
class CliState:
    settings: Settings
    debug: bool = False


def state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState(Settings())
    return root.obj


def argon2_parameters(settings: Settings) -> Argon2Parameters:
    return Argon2Parameters(settings.argon2_time_cost, settings.argon2_memory_kib,
                            settings.argon2_parallelism)


def read_passphrase(settings: Settings, *, prompt: str = "Passphrase",
                    confirm: bool = False) -> str:
    """From the key file, then SURPLACE_PASSPHRASE, then a hidden prompt (never an argument)."""
    if settings.key_file is not None:
        try:
            text = settings.key_file.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as error:
            raise UsageProblem(
                f"Cannot read key file {settings.key_file}: {error.strerror}.") from None
        except UnicodeDecodeError:
            raise UsageProblem(
                f"Cannot use key file {settings.key_file}: it is not UTF-8 text.") from None
        if not text:
            raise UsageProblem(f"Key file {settings.key_file} is empty.")
        return text
    if settings.passphrase is not None:
        value = settings.passphrase.get_secret_value()
        if not value:
            raise UsageProblem("SURPLACE_PASSPHRASE is set but empty.")
        return value
    if not sys.stdin.isatty():
        raise UsageProblem(
            "No passphrase: give --key-file, set SURPLACE_PASSPHRASE, or run in a terminal."
        )
    value = typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True)
    return str(value)


def acting_user(settings: Settings) -> str:
    return settings.user or os.environ.get("SURPLACE_USER") or "admin"


@contextmanager
def opened_store(ctx: typer.Context, *, create: bool = False) -> Iterator[Store]:
    store = open_store(state(ctx).settings, create=create)
    try:
        yield store
    finally:
        store.dispose()


@contextmanager
def unlocked_store(ctx: typer.Context, *, record: bool = True) -> Iterator[Unlocked]:
    settings = state(ctx).settings
    with opened_store(ctx) as store:
        passphrase = read_passphrase(settings)
        yield vault_service.unlock(store, user_name=acting_user(settings), passphrase=passphrase,
                                   record=record)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def info(message: str) -> None:
    stderr.print(message, highlight=False)


def progress() -> Progress:
    """A progress bar on standard error, so standard output stays machine-readable."""
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=stderr, transient=False,
    )


def path_option_exists(path: Path, what: str) -> Path:
    if not path.exists():
        raise UsageProblem(f"{what} {path} does not exist.")
    return path


def read_input(path: Path | None) -> dict[str, Any]:
    """The JSON object of an ``--input`` file, where commands take sensitive fields so that
    they stay out of the shell's history; ``{}`` when no file is given."""
    if path is None:
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        # The message names no value from the file: only where it failed.
        reason = getattr(error, "strerror", None) or type(error).__name__
        raise UsageProblem(f"--input: cannot read {path}: {reason}.") from None
    if not isinstance(raw, dict):
        raise UsageProblem(f"--input: {path} must hold one JSON object.")
    return raw


def group_with_default(default: str) -> type[TyperGroup]:
    """A command group whose first argument, when it names no sub-command, goes to ``default``:
    ``surplace link FILE …`` and ``surplace import SOURCE FILE …`` beside their sub-commands."""

    class DefaultCommandGroup(TyperGroup):
        def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # click's Context
            if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
                args = [default, *args]
            return super().parse_args(ctx, args)

    return DefaultCommandGroup
