"""Running the ``carebot`` command as a user does, for tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def carebot(
    *args: str, cwd: Path, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``carebot ARGS`` in ``cwd`` with only the given settings in the environment."""
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CLINIC_", "FAQ_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env={**clean, **(env or {})},
        timeout=120,
        check=False,
    )
