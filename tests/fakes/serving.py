"""Serving a fake API on 127.0.0.1 in a background thread, for the length of a ``with``."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from typing import Any, TypeVar

import httpx
import uvicorn
from fastapi import FastAPI

T = TypeVar("T")


@contextmanager
def serve_in_thread(
    app: Any, *, name: str, on_close: Callable[[], None], lifespan: str = "on"
) -> Iterator[int]:
    """Run ``app`` with uvicorn on a free port until the block ends; yields the port.
    ``on_close`` runs first at the end (to release requests still waiting)."""
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says TCP,
    # and without it every keep-alive request waits ~40 ms (Nagle + delayed ACK).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
        config = uvicorn.Config(
            app,
            log_config=None,
            log_level="warning",
            access_log=False,
            ws="none",
            lifespan=lifespan,  # type: ignore[arg-type]
            timeout_graceful_shutdown=2,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True
        )
        thread.start()
        try:
            deadline = time.monotonic() + 10
            while not server.started:
                if not thread.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError(f"the {name} server did not start")
                time.sleep(0.005)
            yield port
        finally:
            on_close()
            server.should_exit = True
            thread.join(timeout=10)
    finally:
        sock.close()


#: How often a waiting test looks again.
POLL_INTERVAL = 0.01


def wait_until(predicate: Callable[[], T], timeout: float, report: Callable[[], str]) -> T:
    """Poll ``predicate`` (blocking) until it returns something truthy; fail with ``report``."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() >= deadline:
            raise AssertionError(report())
        time.sleep(POLL_INTERVAL)
    return value


async def wait_until_async(
    predicate: Callable[[], T], timeout: float, report: Callable[[], str]
) -> T:
    """Like :func:`wait_until`, yielding to the event loop between checks."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() >= deadline:
            raise AssertionError(report())
        await asyncio.sleep(POLL_INTERVAL)
    return value


def app_with_worker(
    on_start: Callable[[], None],
    worker: Callable[[httpx.AsyncClient], Coroutine[Any, Any, None]],
) -> FastAPI:
    """A FastAPI app (no docs routes) that, while it serves, runs ``worker`` in the
    background with its own HTTP client (a fake's webhook calls to the code under test);
    ``on_start`` runs first, on the server's event loop."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        on_start()
        async with httpx.AsyncClient(timeout=5.0) as client:
            task = asyncio.create_task(worker(client))
            try:
                yield
            finally:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task

    return FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)
