"""``rillet chat -a FILE``: images sent with the prompt, from files or stdin."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

import pytest
from cli_support import run
from loopback import LoopbackServer, Reply

import rillet

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 20
DONE = [json.dumps(item).encode() + b"\n" for item in ({"id": "r1", "t": "Red"}, {"done": "stop"})]


@pytest.fixture
def seeing_fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The fake provider, declared able to take images (before ``fake_plugin`` registers it)."""
    import fake_provider

    monkeypatch.setattr(fake_provider, "INFO", replace(fake_provider.INFO, capabilities=rillet.Capabilities(vision=True)))
    yield


def chat(server: LoopbackServer, *args: str, **kwargs: Any) -> Any:
    return run("chat", "-m", "fake/fake-1", "--base-url", server.url, *args, **kwargs)


def test_attached_files_are_sent_in_order_after_the_prompt(
    seeing_fake: None, fake_plugin: None, server: LoopbackServer, tmp_path: Path
) -> None:
    (tmp_path / "a.png").write_bytes(PNG)
    (tmp_path / "b.jpg").write_bytes(JPEG)
    server.queue(Reply(body=DONE))
    result = chat(server, "-a", str(tmp_path / "a.png"), "--attach", str(tmp_path / "b.jpg"), "What colour?")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Red\n"
    [message] = json.loads(server.requests[-1][2])["messages"]
    assert message["content"] == [
        {"type": "text", "text": "What colour?"},
        {"type": "image", "media_type": "image/png", "data": base64.b64encode(PNG).decode()},
        {"type": "image", "media_type": "image/jpeg", "data": base64.b64encode(JPEG).decode()},
    ]


def test_dash_reads_the_image_from_stdin(seeing_fake: None, fake_plugin: None, server: LoopbackServer) -> None:
    server.queue(Reply(body=DONE))
    result = chat(server, "-a", "-", "What colour?", input=PNG)  # type: ignore[arg-type]
    assert result.exit_code == 0, result.output
    [message] = json.loads(server.requests[-1][2])["messages"]
    assert message["content"][1]["data"] == base64.b64encode(PNG).decode()
    assert message["content"][0] == {"type": "text", "text": "What colour?"}


def test_stdin_image_needs_the_prompt_as_argument(seeing_fake: None, fake_plugin: None, server: LoopbackServer) -> None:
    result = chat(server, "-a", "-", input=PNG)  # type: ignore[arg-type]
    assert result.exit_code == 2
    assert "-a - reads an image from stdin: give PROMPT as an argument" in result.stderr
    assert server.requests == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [(None, "cannot read the image"), (b"just some text, no image", "is not a PNG, JPEG, GIF or WebP image")],
)
def test_a_bad_attachment_is_a_usage_error_naming_it(
    fake_plugin: None, server: LoopbackServer, tmp_path: Path, content: bytes | None, expected: str
) -> None:
    path = tmp_path / "notes.png"
    if content is not None:
        path.write_bytes(content)
    result = chat(server, "-a", str(path), "hi")
    assert result.exit_code == 2, result.output
    assert "'-a' / '--attach'" in result.stderr and str(path) in result.stderr and expected in result.stderr
    assert "Traceback" not in result.output and server.requests == []


def test_a_model_without_vision_fails_before_anything_is_sent(
    fake_plugin: None, server: LoopbackServer, tmp_path: Path
) -> None:
    (tmp_path / "a.png").write_bytes(PNG)
    result = chat(server, "-a", str(tmp_path / "a.png"), "What colour?")
    assert result.exit_code != 0
    assert "fake/fake-1 cannot take images, and the request holds 1" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert server.requests == []


def test_dash_on_a_terminal_says_to_pipe_the_image() -> None:
    import click

    from rillet.cli.attachments import read_attachments

    class Terminal:
        def isatty(self) -> bool:
            return True

        def read(self) -> bytes:
            raise AssertionError("a terminal must not be read for an image")

    with pytest.raises(click.BadParameter, match="pipe it"):
        read_attachments(["-"], Terminal())
