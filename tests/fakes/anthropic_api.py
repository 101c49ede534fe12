"""A fake Anthropic Messages API that the real ``anthropic`` SDK talks to over HTTP.

A FastAPI app served by uvicorn on 127.0.0.1 in a background thread (DESIGN.md,
"Fakes over mocks"). Point a client at it with
``anthropic.Anthropic(api_key=FAKE_API_KEY, base_url=fake.base_url)``::

    with running_fake_anthropic() as fake:
        fake.answer_with("Parking gratuit derrière la clinique.", ["parking"])
        fake.fail(429, retry_after=1)                 # the next request after that fails
        ...                                           # the code under test calls the API
        body = fake.requests[0].body                  # what the SDK sent

Shapes follow the public API: ``POST /v1/messages`` needs an API key (401
``authentication_error`` otherwise) and the ``anthropic-version`` header (400
``invalid_request_error``). The key is accepted in ``x-api-key`` (older SDKs, direct HTTP)
or as ``Authorization: Bearer`` (what SDK 2.x sends: the current docs list both). A
reply is a ``message`` whose content is a ``tool_use`` block when a tool was forced; an
error is ``{"type": "error", "error": {"type": …, "message": …}, "request_id": …}``
with a ``request-id`` header.

Prompt caching is simulated: the prefix up to the last block with ``cache_control``
(tools, then system, then messages) is cached when it is at least
:attr:`FakeAnthropic.min_cacheable_tokens` long (tokens estimated at 4 characters
each); the first request with that prefix reports ``cache_creation_input_tokens``,
later ones within 5 minutes ``cache_read_input_tokens``.

With nothing scripted, the fake behaves like a grounded model: it reads the
``<entry id="…">`` blocks of the system prompt (the format of ``faq.llm``), picks
the one that best matches the question with rapidfuzz, and answers with its text in
the language the user turn names — or says a person should answer.

Where the fake is deliberately simpler than the API: no streaming, no token
counting beyond the 4-characters estimate, and it validates only the fields the
code under test uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from tests.fakes.serving import serve_in_thread

JsonDict = dict[str, Any]

FAKE_API_KEY = "sk-ant-test-fake"
CACHE_TTL_SECONDS = 300.0
MAX_CACHE_BREAKPOINTS = 4
CHARS_PER_TOKEN = 4
#: Below this rapidfuzz likeness to every entry, the default reply asks for a person.
GROUNDED_MIN_LIKENESS = 65

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
_ERROR_MESSAGES = {
    "rate_limit_error": "Number of request tokens has exceeded your per-minute rate limit",
    "overloaded_error": "Overloaded",
    "api_error": "Internal server error",
}


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as the fake received it."""

    path: str
    headers: dict[str, str]
    body: JsonDict

    @property
    def text(self) -> str:
        """The whole body as JSON text, to search for anything that should not be there."""
        return json.dumps(self.body, ensure_ascii=False)


@dataclass(frozen=True)
class _Reply:
    content: list[JsonDict]
    stop_reason: str = "tool_use"


@dataclass(frozen=True)
class _Failure:
    status: int
    error_type: str
    message: str
    headers: dict[str, str]


@dataclass(frozen=True)
class _Stall:
    seconds: float


_Step = _Reply | _Failure | _Stall


@dataclass
class FakeAnthropic:
    """The fake's state and knobs; read ``requests`` after the code under test ran."""

    api_key: str = FAKE_API_KEY
    base_url: str = ""
    #: Every request waits this long before it is answered (to provoke timeouts).
    delay: float = 0.0
    #: Prefixes shorter than this (estimated tokens) are not cached, as in the API.
    min_cacheable_tokens: int = 1024
    requests: list[ReceivedRequest] = field(default_factory=list)
    _steps: deque[_Step] = field(default_factory=deque)
    _cache: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _closing: bool = False

    # ------------------------------------------------------------------ knobs

    def answer_with(self, answer: str, faq_ids: list[str], needs_human: bool = False) -> None:
        """Queue a reply: a forced ``answer`` tool call with these fields."""
        tool_input = {"answer": answer, "faq_ids": faq_ids, "needs_human": needs_human}
        self.reply_with_content([_tool_use(tool_input)])

    def understand_with(self, *commands: JsonDict, urgent: bool = False) -> None:
        """Queue a reply: a forced ``understand`` tool call with these commands."""
        tool_input = {"urgent": urgent, "commands": list(commands)}
        self.reply_with_content([_tool_use(tool_input, "understand")])

    def reply_with_content(self, content: list[JsonDict], stop_reason: str = "tool_use") -> None:
        """Queue a reply with any content blocks (a text block, a malformed tool call…)."""
        with self._lock:
            self._steps.append(_Reply(content, stop_reason))

    def fail(
        self,
        status: int,
        *,
        times: int = 1,
        error_type: str | None = None,
        message: str | None = None,
        retry_after: float | None = None,
        should_retry: bool | None = None,
    ) -> None:
        """Queue ``times`` failures: 429 rate_limit_error, 529 overloaded_error, 500…"""
        kind = error_type or _ERROR_TYPES.get(status, "api_error")
        headers = {}
        if retry_after is not None:
            headers["retry-after"] = f"{retry_after:g}"
        if should_retry is not None:
            headers["x-should-retry"] = "true" if should_retry else "false"
        failure = _Failure(status, kind, message or _ERROR_MESSAGES.get(kind, kind), headers)
        with self._lock:
            self._steps.extend([failure] * times)

    def stall(self, seconds: float, *, times: int = 1) -> None:
        """Queue ``times`` requests that wait ``seconds``, then get the default reply."""
        with self._lock:
            self._steps.extend([_Stall(seconds)] * times)

    @property
    def pending(self) -> int:
        """How many scripted steps are still queued."""
        with self._lock:
            return len(self._steps)

    def _next_step(self) -> _Step | None:
        with self._lock:
            return self._steps.popleft() if self._steps else None

    # ------------------------------------------------------------------ app

    def build_app(self) -> FastAPI:
        """The ASGI app serving ``POST /v1/messages``."""
        app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
        app.add_api_route("/v1/messages", self._messages, methods=["POST"])
        return app

    async def _messages(self, request: Request) -> JSONResponse:
        headers = {k.lower(): v for k, v in request.headers.items()}
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        self.requests.append(
            ReceivedRequest(request.url.path, headers, body if isinstance(body, dict) else {})
        )
        key = headers.get("x-api-key") or _bearer(headers.get("authorization", ""))
        if not key:
            return _error(401, "authentication_error", "x-api-key header is required")
        if key != self.api_key:
            return _error(401, "authentication_error", "invalid x-api-key")
        if not headers.get("anthropic-version"):
            return _error(400, "invalid_request_error", "anthropic-version: header is required")
        if not isinstance(body, dict):
            return _error(400, "invalid_request_error", "The request body is not valid JSON.")
        problem = _validate(body)
        if problem:
            return _error(400, "invalid_request_error", problem)
        step = self._next_step()
        pause = self.delay + (step.seconds if isinstance(step, _Stall) else 0.0)
        if pause and not await self._pause(request, pause):
            return _error(499, "api_error", "client went away")  # nobody reads it
        if isinstance(step, _Failure):
            return _error(step.status, step.error_type, step.message, step.headers)
        reply = step if isinstance(step, _Reply) else _Reply(self._grounded_content(body))
        return JSONResponse(self._message(body, reply), headers={"request-id": _request_id()})

    async def _pause(self, request: Request, seconds: float) -> bool:
        """Wait, unless the client hangs up or the server stops; whether anyone still waits."""
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        while loop.time() < end:
            if self._closing or await request.is_disconnected():
                return False
            await asyncio.sleep(0.01)
        return True

    # ------------------------------------------------------------------ replies

    def _message(self, body: JsonDict, reply: _Reply) -> JsonDict:
        total, cached, created = self._usage(body)
        output = sum(len(json.dumps(block)) for block in reply.content) // CHARS_PER_TOKEN
        return {
            "id": f"msg_{uuid.uuid4().hex[:24]}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", ""),
            "content": reply.content,
            "stop_reason": reply.stop_reason,
            "stop_sequence": None,
            "usage": {
                "input_tokens": total - cached - created,
                "output_tokens": max(output, 1),
                "cache_creation_input_tokens": created,
                "cache_read_input_tokens": cached,
            },
        }

    def _usage(self, body: JsonDict) -> tuple[int, int, int]:
        """Estimated input tokens, and how many were read from / written to the cache."""
        blocks = _prompt_blocks(body)
        total = sum(len(text) for text, _ in blocks) // CHARS_PER_TOKEN
        marked = [i for i, (_, cached) in enumerate(blocks) if cached]
        if not marked:
            return total, 0, 0
        prefix = "".join(text for text, _ in blocks[: marked[-1] + 1])
        tokens = len(prefix) // CHARS_PER_TOKEN
        if tokens < self.min_cacheable_tokens:
            return total, 0, 0
        key = hashlib.sha256(prefix.encode()).hexdigest()
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key, -1.0) > now
            self._cache[key] = now + CACHE_TTL_SECONDS  # a hit refreshes the TTL
        return (total, tokens, 0) if hit else (total, 0, tokens)

    def _grounded_content(self, body: JsonDict) -> list[JsonDict]:
        """Answer like a model that sticks to the entries in the system prompt."""
        system = body.get("system")
        system_text = (
            system
            if isinstance(system, str)
            else "\n".join(b.get("text", "") for b in system or [] if isinstance(b, dict))
        )
        question, language = _user_question(body)
        entries = re.findall(r'<entry id="([^"]+)">\n(.*?)</entry>', system_text, re.DOTALL)
        scored = [(_likeness(question, text), entry_id, text) for entry_id, text in entries]
        best = max(scored, default=None)
        if best is None or best[0] < GROUNDED_MIN_LIKENESS:
            answer = {"answer": "Je transmets votre question à l'équipe.", "faq_ids": []}
            return [_tool_use({**answer, "needs_human": True})]
        found = re.search(rf"^{language}: (.*)$", best[2], re.MULTILINE)
        text = found.group(1) if found else best[2].strip()
        return [_tool_use({"answer": text, "faq_ids": [best[1]], "needs_human": False})]


def _likeness(question: str, entry_text: str) -> float:
    """How well a question matches an entry's "Asked as:" phrasings (0–100)."""
    asked = re.search(r"^Asked as: (.*)$", entry_text, re.MULTILINE)
    phrasings = asked.group(1).split(" / ") if asked else [entry_text]
    return max(
        fuzz.token_sort_ratio(question, phrasing, processor=default_process)
        for phrasing in phrasings
    )


def _bearer(authorization: str) -> str:
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _validate(body: JsonDict) -> str | None:
    """The first problem the API would report about a request body, if any."""
    for name in ("model", "max_tokens", "messages"):
        if name not in body:
            return f"{name}: Field required"
    if not isinstance(body["messages"], list) or not body["messages"]:
        return "messages: at least one message is required"
    tools = body.get("tools") or []
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "tool":
        names = {tool.get("name") for tool in tools if isinstance(tool, dict)}
        if choice.get("name") not in names:
            return f"tool_choice: tool {choice.get('name')!r} not found in tools"
    breakpoints = sum(cached for _, cached in _prompt_blocks(body))
    if breakpoints > MAX_CACHE_BREAKPOINTS:
        return f"A maximum of {MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided."
    return None


def _prompt_blocks(body: JsonDict) -> list[tuple[str, bool]]:
    """The prompt in cache order (tools, system, messages): each block's text and mark."""
    blocks: list[tuple[str, bool]] = []
    for tool in body.get("tools") or []:
        blocks.append(
            (json.dumps(tool, sort_keys=True), isinstance(tool, dict) and "cache_control" in tool)
        )
    system = body.get("system")
    if isinstance(system, str):
        blocks.append((system, False))
    for block in system if isinstance(system, list) else []:
        blocks.append((json.dumps(block, sort_keys=True), "cache_control" in block))
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            blocks.append((content, False))
        for block in content if isinstance(content, list) else []:
            blocks.append((json.dumps(block, sort_keys=True), "cache_control" in block))
    return blocks


def _user_question(body: JsonDict) -> tuple[str, str]:
    """The last user turn's text, without the fence, and the language it asks for."""
    text = ""
    for message in body.get("messages") or []:
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                text = content
            elif isinstance(content, list):
                text = " ".join(b.get("text", "") for b in content if isinstance(b, dict))
    language = re.search(r'lang="(\w+)"', text)
    inner = re.search(r"<patient_message[^>]*>\n?(.*?)\n?</patient_message>", text, re.DOTALL)
    return (inner.group(1) if inner else text), (language.group(1) if language else "fr")


def _tool_use(tool_input: JsonDict, name: str = "answer") -> JsonDict:
    return {
        "type": "tool_use",
        "id": f"toolu_{uuid.uuid4().hex[:24]}",
        "name": name,
        "input": tool_input,
    }


def _request_id() -> str:
    return f"req_{uuid.uuid4().hex[:24]}"


def _error(
    status: int, error_type: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    request_id = _request_id()
    body = {"type": "error", "error": {"type": error_type, "message": message}}
    return JSONResponse(
        {**body, "request_id": request_id},
        status_code=status,
        headers={"request-id": request_id, **(headers or {})},
    )


@contextlib.contextmanager
def running_fake_anthropic(*, api_key: str = FAKE_API_KEY) -> Iterator[FakeAnthropic]:
    """Serve a :class:`FakeAnthropic` on 127.0.0.1 (a free port) for the ``with`` block."""
    fake = FakeAnthropic(api_key=api_key)

    def close() -> None:
        fake._closing = True  # ends stalled requests at once

    with serve_in_thread(
        fake.build_app(), name="fake-anthropic", on_close=close, lifespan="off"
    ) as port:
        fake.base_url = f"http://127.0.0.1:{port}"
        yield fake
