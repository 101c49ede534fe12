"""``carebot run`` without its own pacing of sends: ``python -m bench._telegram_carebot``.

carebot paces what it sends to Telegram's limits (``Pacing`` in
``bot/handlers/telegram.py``: about 30 messages/s overall, about 1/s per chat).
Under a crowd that pacing, not the CPU, sets the throughput. This runs the very
same ``carebot run`` with the pacing turned into a no-op, so that
``bench/telegram_e2e.py`` can show what the process itself could do.
"""

from __future__ import annotations

import sys

from bot import pacing


async def _no_pacing(self: pacing.Pacing, chat_id: str) -> None:
    """Never wait."""


def main() -> None:
    """Lift the pacing, then run ``carebot run``."""
    pacing.Pacing.__call__ = _no_pacing  # type: ignore[method-assign]
    from bot.cli import main as carebot

    sys.argv = ["carebot", "run"]
    carebot()


if __name__ == "__main__":
    main()
