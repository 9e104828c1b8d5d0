"""The DuckDB a linkage runs in: bounded memory, a private folder to spill to, every core.

Why. DuckDB in memory takes up to 80% of the machine's memory by default and, when a query
needs more, spills to ``.tmp/`` in the *current* folder, under plain names, where it may stay
after a crash: the spilled pages are records (names, dates of birth). And the Python process
around it holds its own frames, so DuckDB's 80% and pandas together can exhaust the machine
(a million records once peaked at 22.7 GiB of 23). So each linkage gets its own connection
with

- ``memory_limit``: :data:`MEMORY_SHARE` of the machine's memory unless set (the environment
  variable ``SURPLACE_LINK_MEMORY``, as DuckDB reads it: ``8GB``, ``12GiB``, or a share
  such as ``40%``); past it DuckDB spills instead of growing;
- ``temp_directory``: a fresh folder made by :func:`tempfile.mkdtemp` (mode 0700, under
  ``SURPLACE_LINK_TEMP`` if set, else the system's temporary folder), deleted, with whatever
  was spilled, when the linkage ends — also when it fails;
- ``threads``: the number of cores;
- ``preserve_insertion_order`` off, which lets DuckDB stream large results without holding
  them in order (nothing in linkage depends on row order: every result is keyed by id).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from surplace.errors import InvalidInput

if TYPE_CHECKING:
    import duckdb

#: The share of the machine's memory DuckDB may use before it spills, unless configured.
MEMORY_SHARE = 0.6
MEMORY_VARIABLE = "SURPLACE_LINK_MEMORY"
TEMP_VARIABLE = "SURPLACE_LINK_TEMP"
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(%|[KMGT]i?B)\s*$", re.IGNORECASE)


def machine_memory() -> int:
    """Physical memory in bytes."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def memory_limit(setting: str | None = None) -> str:
    """DuckDB's ``memory_limit`` from ``setting`` (or the environment, or
    :data:`MEMORY_SHARE` of the machine): a size DuckDB reads, in MiB."""
    text = setting if setting is not None else os.environ.get(MEMORY_VARIABLE)
    if not text:
        return f"{int(machine_memory() * MEMORY_SHARE / 2**20)}MiB"
    match = _SIZE.match(text)
    if match is None:
        raise InvalidInput(f"{MEMORY_VARIABLE}: {text!r} is not a memory size (write 8GB, "
                           "12GiB, 4000MB or a share of the machine such as 40%).")
    amount, unit = float(match.group(1)), match.group(2).upper()
    if unit == "%":
        if not 0 < amount <= 100:
            raise InvalidInput(f"{MEMORY_VARIABLE}: a share must be between 0 and 100%.")
        return f"{int(machine_memory() * amount / 100 / 2**20)}MiB"
    return f"{match.group(1)}{match.group(2)}"


@contextmanager
def connection(memory: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh in-memory DuckDB configured as the module docstring says; its spill folder is
    removed on exit."""
    import duckdb

    parent = os.environ.get(TEMP_VARIABLE) or None
    if parent is not None and not os.path.isdir(parent):
        raise InvalidInput(f"{TEMP_VARIABLE}: no folder {parent!r}.")
    spill = tempfile.mkdtemp(prefix="surplace-link-", dir=parent)
    try:
        con = duckdb.connect(":memory:", config={
            "memory_limit": memory_limit(memory),
            "temp_directory": spill,
            "threads": os.cpu_count() or 1,
            "preserve_insertion_order": False,
        })
        try:
            yield con
        finally:
            con.close()
    finally:
        shutil.rmtree(spill, ignore_errors=True)
