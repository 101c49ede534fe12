"""Run a module under cProfile in all its threads.

``python -m bench._telegram_profiled OUT -m MODULE ARGS...``

``python -m cProfile`` sees only the main thread, and carebot runs its turns in
``asyncio.to_thread`` workers. Here each thread started after this module is
imported gets its own profiler at once; the main thread's starts on SIGUSR1
(``bench/telegram_e2e.py`` sends it just before the timed patients), so the
imports and the start-up stay out of the figures. When the module returns
(carebot and the echo bot both return normally on SIGTERM), every profile is
merged into ``OUT`` (a pstats file). The timer is each thread's CPU time
(``time.thread_time``): waits (a lock, a socket, SQLite's busy handler) do not
show, only what costs CPU. Profiling slows the bots several times over.
"""

from __future__ import annotations

import cProfile
import pstats
import runpy
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

_profiles: list[cProfile.Profile] = []
_lock = threading.Lock()


def _profiled_run(original: Callable[[threading.Thread], None]) -> Callable[..., None]:
    def run(self: threading.Thread) -> None:
        profile = cProfile.Profile(time.thread_time)
        profile.enable()
        try:
            original(self)
        finally:
            profile.disable()
            with _lock:
                _profiles.append(profile)

    return run


def _dump(path: str) -> None:
    with _lock:
        profiles = list(_profiles)
    stats: pstats.Stats | None = None
    for profile in profiles:
        profile.create_stats()
        if not getattr(profile, "stats", None):
            continue  # never enabled, or nothing ran
        if stats is None:
            stats = pstats.Stats(profile)
        else:
            stats.add(profile)
    if stats is not None:
        stats.dump_stats(path)


def main(argv: list[str]) -> None:
    """Profile ``-m MODULE ARGS...`` in all its threads; write the merged stats to OUT."""
    if len(argv) < 3 or argv[1] != "-m":
        raise SystemExit("usage: python -m bench._telegram_profiled OUT -m MODULE [ARGS...]")
    out, module, rest = argv[0], argv[2], argv[3:]
    thread_run: Any = threading.Thread.run
    threading.Thread.run = _profiled_run(thread_run)  # type: ignore[method-assign]
    sys.argv = [module, *rest]
    main_profile = cProfile.Profile(time.thread_time)
    signal.signal(signal.SIGUSR1, lambda *_: main_profile.enable())
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as exit_:
        if exit_.code not in (0, None):
            raise
    finally:
        main_profile.disable()
        with _lock:
            _profiles.append(main_profile)
        _dump(out)


if __name__ == "__main__":
    main(sys.argv[1:])
