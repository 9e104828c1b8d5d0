"""Running the real command line in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping


def surplace(*args: str, env: Mapping[str, str], stdin: str | None = None,
             timeout: float = 120) -> subprocess.CompletedProcess[str]:
    full_env = {key: value for key, value in os.environ.items()
                if not key.startswith("SURPLACE_")}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "surplace", *args], env=full_env, input=stdin,
        capture_output=True, text=True, timeout=timeout, check=False,
    )
