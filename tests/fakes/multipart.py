"""Multipart/form-data parsing for the fake servers (python-multipart is not installed)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote


@dataclass
class Part:
    """One part of a multipart body."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes = field(repr=False)


def parse_multipart(body: bytes, boundary: str) -> list[Part]:
    """Split a multipart/form-data body; each part's data is kept byte for byte."""
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    parts: list[Part] = []
    for chunk in (b"\r\n" + body).split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        parts.append(
            Part(
                name=header_param(disposition, "name") or "",
                filename=header_param(disposition, "filename"),
                content_type=headers.get("content-type"),
                data=data,
            )
        )
    return parts


def header_param(header: str, name: str) -> str | None:
    """A ``; name="value"`` parameter of a header, unescaped as httpx escapes it."""
    match = re.search(rf';\s*{name}=(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))', header)
    if match is None:
        return None
    if match.group(1) is not None:
        return unquote(re.sub(r"\\(.)", r"\1", match.group(1)))
    return match.group(2)
