"""Layers point down: the packages below ``bot/`` never import it (DESIGN.md).

``scheduler/`` still does (issue 18) and is not checked yet.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Each package, and the packages of ours it must never import.
FORBIDDEN = {
    "common": ("bot", "faq", "scheduler", "storage", "clinic"),
    "clinic": ("bot", "faq", "scheduler", "storage"),
    "storage": ("bot", "faq", "scheduler"),
    "faq": ("bot", "scheduler"),
}


def imported(path: Path) -> set[str]:
    """The top-level packages a module imports."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_upward_import(package: str) -> None:
    """No module of a lower layer imports a layer above it."""
    found = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
        for name in imported(path) & set(FORBIDDEN[package])
    ]
    assert not found, found
