"""``rillet chat``: stream one answer to the terminal."""

from __future__ import annotations

import io
import json
import os
import stat
import sys
import time
from typing import Any

import click

from ._common import debug_option
from .output import FrameWriter, Renderer, format_usage, is_tty, use_color

__all__ = ["chat", "parse_option_value", "read_prompt"]

_RESERVED_OPTIONS = {"system", "request", "prompt"}


def parse_option_value(value: str) -> Any:
    """``-o KEY VALUE``: the value parsed as JSON when it is JSON (``0.2``, ``true``, ``{…}``), else the string."""
    try:
        return json.loads(value)
    except ValueError:
        return value


def _stdin_is_piped(stdin: Any) -> bool:
    """Whether stdin carries input: a pipe or a file (not a terminal, socket or nothing)."""
    if is_tty(stdin):
        return False
    try:
        mode = os.fstat(stdin.fileno()).st_mode
    except (AttributeError, OSError, ValueError):
        return True  # an in-memory stream (tests, embedding): read it
    return stat.S_ISFIFO(mode) or stat.S_ISREG(mode)


def read_prompt(prompt: str | None, stdin: Any) -> str:
    """The prompt: the argument, stdin when there is none (or it is ``-``), or both.

    Text piped on stdin is appended to a prompt given as argument, after a blank line.
    """
    if prompt is None or prompt == "-":
        if is_tty(stdin):
            raise click.UsageError("no prompt: give PROMPT, or pipe it on stdin (echo hi | rillet chat -m …)")
        text: str = stdin.read()
        if not text.strip():
            raise click.UsageError("the prompt read from stdin is empty")
        return text
    if _stdin_is_piped(stdin):
        extra = stdin.read()
        if extra.strip():
            return f"{prompt}\n\n{extra}"
    return prompt


def _options(pairs: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for key, value in pairs:
        if key in _RESERVED_OPTIONS:
            raise click.BadParameter(f"{key!r} is not an option; use the {key} argument instead", param_hint="-o")
        options[key] = parse_option_value(value)
    return options


@click.command()
@click.argument("prompt", required=False)
@click.option(
    "-m",
    "--model",
    "model_id",
    envvar="RILLET_MODEL",
    show_envvar=True,
    metavar="PROVIDER/MODEL",
    help="The model to stream from, e.g. anthropic/claude-sonnet-4-5 (`rillet models` lists them).  [default: $RILLET_MODEL]",
)
@click.option("-s", "--system", help="A system prompt sent before PROMPT.  [default: none]")
@click.option(
    "-o",
    "--option",
    "option_pairs",
    type=(str, str),
    multiple=True,
    metavar="KEY VALUE",
    help="A request option, repeatable; VALUE is parsed as JSON when possible: -o temperature 0.2 "
    "-o max_tokens 200; other keys go to the provider's request body as they are "
    "(replay models: -o tokens_per_second 100).  [default: none]",
)
@click.option("--no-stream", is_flag=True, help="Print the whole answer at the end instead of token by token.  [default: stream]")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the events as NDJSON (one JSON object per line) instead of text.  [default: text]",
)
@click.option(
    "--reasoning/--no-reasoning",
    default=True,
    show_default=True,
    help="Show the model's reasoning (dimmed, on stderr).",
)
@click.option(
    "-u",
    "--usage",
    "show_usage",
    is_flag=True,
    help="Print token usage, time to first token and tokens/s on stderr at the end.  [default: off]",
)
@click.option(
    "--key",
    metavar="KEY",
    help="The API key for this call.  [default: the provider's env var, then `rillet keys set`]",
)
@click.option("--base-url", metavar="URL", help="Send the request to this server instead.  [default: the provider's]")
@click.option("-c", "--continue", "continue_latest", is_flag=True, help="Continue the latest logged conversation.  [default: a new one]")
@click.option("--cid", "conversation_id", metavar="ID", help="Continue the logged conversation ID (`rillet logs` shows ids).  [default: a new one]")
@click.option("--no-log", is_flag=True, help="Do not log this stream.  [default: log, unless RILLET_LOG=0 or `rillet logs off`]")
@debug_option
def chat(
    prompt: str | None,
    model_id: str | None,
    system: str | None,
    option_pairs: tuple[tuple[str, str], ...],
    no_stream: bool,
    as_json: bool,
    reasoning: bool,
    show_usage: bool,
    key: str | None,
    base_url: str | None,
    continue_latest: bool,
    conversation_id: str | None,
    no_log: bool,
) -> None:
    """Stream an answer from a model, token by token.

    PROMPT is read from stdin when it is missing or "-"; text piped on stdin is appended
    to a PROMPT given as argument. Reasoning and tool calls go to stderr, the answer to
    stdout. If the stream fails, the text already printed stays and the error is one
    line on stderr (exit code 1).

    \b
    Examples:
      rillet chat -m replay/demo "Why is the sky blue?"
      rillet chat -m anthropic/claude-sonnet-4-5 -s "Answer in French" "hi"
      rillet chat -m openai/gpt-4o-mini -o temperature 0.2 -o max_tokens 100 "Name a colour"
      cat notes.txt | rillet chat -m ollama/llama3.2 "Summarise:"
      rillet chat -m replay/demo --json "hi" | jq -r 'select(.type=="token").text'
      RILLET_MODEL=anthropic/claude-haiku-4-5 rillet chat -u "hi"
      rillet chat -m replay/demo -c "and at sunset?"       continue the latest conversation
    """
    if not model_id:
        raise click.UsageError("no model: pass -m PROVIDER/MODEL or set RILLET_MODEL (`rillet models` lists them)")
    text = read_prompt(prompt, sys.stdin or io.StringIO())
    options = _options(option_pairs)

    import rillet
    from pydantic import ValidationError

    from ..logs import continue_conversation

    model = rillet.get_model(model_id, key=key, base_url=base_url)
    conversation_id, messages = continue_conversation(text, system=system, conversation_id=conversation_id, latest=continue_latest)
    options.update(conversation_id=conversation_id, **({"log": False} if no_log else {}))
    try:
        request = model.request(messages, **options)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise click.BadParameter(problems, param_hint="-o") from None
    try:
        stream = model.stream_tokens(text, request=request)
    except rillet.MissingKeyError as exc:
        env = model.info.key_env_var or f"{model.provider.upper()}_API_KEY"
        raise rillet.MissingKeyError(
            f"no API key for {model.provider}: set {env}, run `rillet keys set {model.provider}`, or pass --key",
            provider=model.provider,
        ) from exc
    _run(stream, as_json=as_json, no_stream=no_stream, show_reasoning=reasoning, show_usage=show_usage)


def _run(stream: Any, *, as_json: bool, no_stream: bool, show_reasoning: bool, show_usage: bool) -> None:
    stdout, stderr = sys.stdout, sys.stderr
    live = is_tty(stdout) and not no_stream
    renderer = Renderer(
        FrameWriter(stdout, live=live),
        FrameWriter(stderr, live=is_tty(stderr) and not no_stream),
        show_reasoning=show_reasoning,
        dim=use_color(stderr),
    )
    held: list[Any] = []
    error = end = usage = None
    started = time.monotonic()
    first_at = None
    interrupted = False
    try:
        with stream:
            for event in stream:
                if first_at is None and event.type != "start":
                    first_at = time.monotonic()
                if event.type == "error":
                    error = event
                elif event.type == "end":
                    end = event
                    usage = event.usage or usage
                elif event.type == "usage":
                    usage = event.usage
                if as_json:
                    stdout.write(event.model_dump_json(exclude_none=True) + "\n")
                    stdout.flush()
                elif no_stream:
                    held.append(event)
                else:
                    renderer.handle(event)
        for event in held:
            renderer.handle(event)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        renderer.close()  # ends the line and stops the frame timer, whatever happened
    if interrupted:
        click.echo("Interrupted.", err=True)
        raise click.exceptions.Exit(130)
    if show_usage:
        timing = end.timing if end is not None and end.timing is not None else _measured(started, first_at)
        line = f"Usage: {format_usage(usage, timing)}"
        click.echo(click.style(line, dim=True) if use_color(stderr) else line, err=True)
    if error is not None:
        raise error.to_exception()


def _measured(started: float, first_at: float | None) -> Any:
    from rillet import Timing

    now = time.monotonic()
    return Timing(time_to_first_token=None if first_at is None else first_at - started, duration=now - started)
