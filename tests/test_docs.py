"""The ``python test`` code blocks of docs/*.md run, offline, and their asserts hold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
BLOCK = re.compile(r"^```python test\n(.*?)^```", re.S | re.M)


def _blocks() -> list[tuple[str, str]]:
    found = []
    for page in sorted(DOCS.glob("*.md")):
        for number, match in enumerate(BLOCK.finditer(page.read_text())):
            found.append((f"{page.name}#{number}", match.group(1)))
    return found


def test_the_guides_have_tested_examples() -> None:
    names = {name.split("#")[0] for name, _ in _blocks()}
    assert {"user-guide.md", "events.md", "plugin-author-guide.md", "gateway.md"} <= names


@pytest.mark.parametrize(("name", "code"), _blocks(), ids=[name for name, _ in _blocks()])
def test_doc_example_runs(name: str, code: str, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(code, name, "exec"), {"__name__": "__doc_example__"})
