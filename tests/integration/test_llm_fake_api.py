"""The fake Anthropic API answers like the real one: auth, versions, errors, caching."""

from __future__ import annotations

from collections.abc import Iterator

import anthropic
import httpx
import pytest

from tests.fakes.anthropic_api import FAKE_API_KEY, FakeAnthropic, running_fake_anthropic

BODY = {
    "model": "claude-haiku-4-5",
    "max_tokens": 10,
    "messages": [{"role": "user", "content": "hi"}],
}


@pytest.fixture
def fake() -> Iterator[FakeAnthropic]:
    """A fresh fake Anthropic API for the test."""
    with running_fake_anthropic() as server:
        yield server


def post(fake: FakeAnthropic, headers: dict[str, str], body: object = BODY) -> httpx.Response:
    with httpx.Client(base_url=fake.base_url, timeout=5) as client:
        return client.post("/v1/messages", json=body, headers=headers)


def test_a_request_without_key_is_unauthorized(fake: FakeAnthropic) -> None:
    """No key: 401 authentication_error, in the API's error shape, with a request id."""
    response = post(fake, {"anthropic-version": "2023-06-01"})
    assert response.status_code == 401
    body = response.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == "authentication_error"
    assert body["request_id"] == response.headers["request-id"]


@pytest.mark.parametrize(
    "auth", [{"x-api-key": FAKE_API_KEY}, {"authorization": f"Bearer {FAKE_API_KEY}"}]
)
def test_the_key_goes_in_either_header(fake: FakeAnthropic, auth: dict[str, str]) -> None:
    """x-api-key (direct HTTP, older SDKs) and Authorization: Bearer (SDK 2.x) both work."""
    response = post(fake, {**auth, "anthropic-version": "2023-06-01"})
    assert response.status_code == 200
    assert response.json()["type"] == "message"


def test_a_request_without_version_is_rejected(fake: FakeAnthropic) -> None:
    """No anthropic-version header: 400 invalid_request_error."""
    response = post(fake, {"x-api-key": FAKE_API_KEY})
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_forcing_an_unknown_tool_is_rejected(fake: FakeAnthropic) -> None:
    """tool_choice naming a tool that is not in tools: 400."""
    body = {**BODY, "tool_choice": {"type": "tool", "name": "answer"}}
    response = post(fake, {"x-api-key": FAKE_API_KEY, "anthropic-version": "2023-06-01"}, body)
    assert response.status_code == 400


def test_errors_carry_retry_headers(fake: FakeAnthropic) -> None:
    """A scripted 429 carries retry-after and the SDK raises RateLimitError."""
    fake.fail(429, retry_after=7, should_retry=False)
    client = anthropic.Anthropic(api_key=FAKE_API_KEY, base_url=fake.base_url, max_retries=0)
    with client, pytest.raises(anthropic.RateLimitError) as raised:
        client.messages.create(**BODY)  # type: ignore[call-overload]
    assert raised.value.response.headers["retry-after"] == "7"
    assert raised.value.response.headers["x-should-retry"] == "false"
    body = raised.value.body
    assert isinstance(body, dict)
    assert body["type"] == "error"
    assert body["error"]["type"] == "rate_limit_error"
    assert body["request_id"] == raised.value.request_id


def test_a_short_prefix_is_not_cached(fake: FakeAnthropic) -> None:
    """Below the minimum cacheable length nothing is cached, and nothing fails."""
    system = [{"type": "text", "text": "short", "cache_control": {"type": "ephemeral"}}]
    with anthropic.Anthropic(api_key=FAKE_API_KEY, base_url=fake.base_url) as client:
        for _ in range(2):
            message = client.messages.create(system=system, **BODY)  # type: ignore[call-overload]
            assert message.usage.cache_read_input_tokens == 0
            assert message.usage.cache_creation_input_tokens == 0
