"""The ``python test`` code blocks of docs/*.md run, offline, and their asserts hold."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

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


REPO = DOCS.parent
#: rillet's own distributions: not on PyPI yet, so no printed command may install them by name.
OWN_DISTRIBUTIONS = {"rillet", "rillet-openai", "rillet-anthropic", "rillet-gemini", "rillet-ollama"}
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.*)$", re.M)
#: Pointers at documents that are not in the repository (the design notes and issue tracker it came from).
OUTSIDE_POINTERS = re.compile(r"\bDESIGN(\.md)?\b|\bthe issue\b|\.\./shared/docs")


def _markdown_pages() -> list[Path]:
    pages = [REPO / "README.md", REPO / "bench" / "README.md", *sorted(DOCS.glob("*.md"))]
    return pages + sorted(REPO.glob("plugins/*/README.md"))


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    return {_slug(heading) for heading in HEADING.findall(page.read_text())}


@pytest.mark.parametrize("page", _markdown_pages(), ids=lambda page: str(page.relative_to(REPO)))
def test_every_link_resolves_inside_the_repository(page: Path) -> None:
    for target in LINK.findall(page.read_text()):
        if re.match(r"[a-z]+:", target):
            continue  # an absolute URL
        path_text, _, anchor = target.partition("#")
        linked = (page.parent / path_text).resolve() if path_text else page
        assert linked.is_relative_to(REPO) and linked.exists(), f"{page.name}: {target} does not exist in the repository"
        if anchor and linked.suffix == ".md":
            assert anchor in _anchors(linked), f"{page.name}: {target}: no heading #{anchor} in {linked.name}"


@pytest.mark.parametrize("page", _markdown_pages(), ids=lambda page: str(page.relative_to(REPO)))
def test_no_page_points_at_documents_outside_the_repository(page: Path) -> None:
    found = [match.group(0) for match in OUTSIDE_POINTERS.finditer(page.read_text())]
    assert not found, f"{page.name} points at {found}: link a page of this repository instead"


def _install_commands(text: str) -> list[list[str]]:
    commands = []
    for match in re.finditer(r"\b(?:pip|rillet) install ([^\n`#;&|)]*)", text):
        commands.append([word.strip("'\"") for word in match.group(1).split()])
    return commands


def test_the_install_commands_printed_anywhere_work_from_a_clone() -> None:
    """Every ``pip install``/``rillet install`` in the docs, the READMEs and the CLI help names
    what exists without PyPI: a directory of this repository, a built wheel, or another package."""
    from click.testing import CliRunner

    from rillet.cli import cli

    texts = {str(page.relative_to(REPO)): page.read_text() for page in _markdown_pages()}
    texts["rillet install --help"] = CliRunner().invoke(cli, ["install", "--help"]).stdout
    texts["rillet --help"] = CliRunner().invoke(cli, ["--help"]).stdout
    checked = 0
    for source, text in texts.items():
        for words in _install_commands(text):
            for word in words:
                checked += 1
                assert word not in OWN_DISTRIBUTIONS, f"{source}: `install {' '.join(words)}`: {word} is not on PyPI"
                if word.startswith(("./plugins/", "plugins/")):
                    assert (REPO / word / "pyproject.toml").is_file(), f"{source}: {word} is not a plugin directory"
    assert checked > 10


def _readme_python() -> str:
    return re.search(r"^```python\n(.*?)^```", (REPO / "README.md").read_text(), re.S | re.M).group(1)


def test_the_readme_says_where_a_missing_key_raises_and_that_is_what_happens(
    fake_plugin: None, server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rillet

    example = _readme_python()
    assert "MissingKeyError" in example and "before anything is sent" in example
    monkeypatch.delenv("FAKE_API_KEY")
    model = rillet.get_model("fake/fake-1", base_url=server.url)
    with pytest.raises(rillet.MissingKeyError):
        model.stream_tokens("hi")
    with pytest.raises(rillet.MissingKeyError):
        model.astream_tokens("hi")
    assert server.requests == []  # nothing was sent
