"""Structured logs: JSON when not on a terminal, readable on one; ids, never personal data."""

from __future__ import annotations

import logging
import sys

import structlog


def configure_logging(level: str = "INFO", *, stream: object = None) -> None:
    """Set up structlog for the process (once; later calls reconfigure)."""
    out = stream or sys.stderr
    renderer: structlog.typing.Processor = (
        structlog.dev.ConsoleRenderer(colors=False)
        if getattr(out, "isatty", lambda: False)()
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
