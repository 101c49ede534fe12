"""Structured logs: JSON when not on a terminal, readable on one; ids, never personal data."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Any, TextIO

import structlog


class _Output:
    """Where the logs go and how, as last configured (for :func:`announce`)."""

    stream: TextIO = sys.stderr
    console = False
    level = logging.INFO


def configure_logging(level: str = "INFO", *, stream: object = None) -> None:
    """Set up structlog for the process (once; later calls reconfigure)."""
    out = stream or sys.stderr
    console = bool(getattr(out, "isatty", lambda: False)())
    renderer: structlog.typing.Processor = (
        structlog.dev.ConsoleRenderer(colors=False)
        if console
        else structlog.processors.JSONRenderer(ensure_ascii=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=out),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )
    _Output.stream = out  # type: ignore[assignment]
    _Output.console = console
    _Output.level = logging.getLevelName(level)


def announce(event: str, lines: Sequence[str], **fields: Any) -> None:
    """What an operator reads once (the start-up summary): a block of ``lines`` on a
    terminal, one structured ``event`` with ``fields`` in JSON logs. Info level."""
    if not _Output.console:
        structlog.get_logger("carebot").info(event, **fields)
        return
    if _Output.level <= logging.INFO:
        _Output.stream.write("".join(f"{line}\n" for line in lines))
        _Output.stream.flush()
