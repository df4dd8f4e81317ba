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
from .output import RENDER_MODES, format_usage, is_tty, terminal_renderer, use_color

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
@click.option(
    "-t",
    "--tool",
    "tool_specs",
    multiple=True,
    metavar="MODULE:FUNCTION",
    help="A Python function the model may call, repeatable (MODULE may be a .py file); runs the agent "
    "loop and shows tool calls and results as they happen.  [default: none]",
)
@click.option("--max-steps", default=10, show_default=True, type=click.IntRange(min=1), help="With --tool: the most model calls in one run.")
@click.option(
    "--react",
    is_flag=True,
    help="With --tool: describe the tools in the prompt and parse the model's Action: lines (for models "
    "without native tool calling).  [default: native tool calls]",
)
@click.option(
    "--render",
    type=click.Choice(RENDER_MODES),
    default="auto",
    show_default=True,
    help="char: show every token at once (frame-capped); line: a line at a time; auto: char on a terminal, line in a pipe.",
)
@click.option(
    "-a",
    "--attach",
    "attachments",
    multiple=True,
    metavar="FILE",
    help="Send the image in FILE with the prompt (PNG, JPEG, GIF, WebP); repeatable; - reads it from stdin.  [default: none]",
)
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
    tool_specs: tuple[str, ...],
    max_steps: int,
    react: bool,
    render: str,
    attachments: tuple[str, ...],
    continue_latest: bool,
    conversation_id: str | None,
    no_log: bool,
) -> None:
    """Stream an answer from a model, token by token.

    PROMPT is read from stdin when it is missing or "-"; text piped on stdin is appended
    to a PROMPT given as argument. Reasoning and tool calls go to stderr, the answer to
    stdout. If the stream fails, the text already printed stays and the error is one
    line on stderr (exit code 1). Before a retry (a 429 with Retry-After, a 5xx, a lost
    connection, all before any output) a line on stderr says what failed and how long
    rillet waits.

    With no PROMPT on a terminal, an interactive session starts (history across turns,
    /help for its commands; Ctrl-C stops an answer, Ctrl-D leaves). With --tool, the model
    may call the given Python functions; each call and result is shown as it happens.

    \b
    Examples:
      rillet chat -m replay/demo "Why is the sky blue?"
      rillet chat -m anthropic/claude-sonnet-4-5 -s "Answer in French" "hi"
      rillet chat -m openai/gpt-4o-mini -o temperature 0.2 -o max_tokens 100 "Name a colour"
      cat notes.txt | rillet chat -m ollama/llama3.2 "Summarise:"
      rillet chat -m openai/gpt-4o-mini -a photo.jpg "What is in this picture?"
      rillet chat -m replay/demo --json "hi" | jq -r 'select(.type=="token").text'
      RILLET_MODEL=anthropic/claude-haiku-4-5 rillet chat -u "hi"
      rillet chat -m openai/gpt-4o-mini --tool mytools.py:get_weather "Weather in Paris?"
      rillet chat -m anthropic/claude-sonnet-4-5      (an interactive session)
      rillet chat -m replay/demo -c "and at sunset?"       continue the latest conversation
    """
    if not model_id:
        raise click.UsageError("no model: pass -m PROVIDER/MODEL or set RILLET_MODEL (`rillet models` lists them)")
    if react and not tool_specs:
        raise click.UsageError("--react describes the tools in the prompt: give them with --tool MODULE:FUNCTION")
    from .tools import load_tools

    tools = load_tools(tool_specs)
    settings: dict[str, Any] = {"system": system, "max_steps": max_steps, "strategy": "react" if react else "native"}
    if prompt is None and is_tty(sys.stdin) and not as_json:
        if attachments:
            raise click.UsageError("-a attaches images to a PROMPT: give one (the interactive session takes text)")
        from .session import Session

        def make_agent(session_model_id: str) -> Any:
            import rillet

            model = rillet.get_model(session_model_id, key=key, base_url=base_url, options=_options_with_retry_notice())
            return rillet.Agent(model, tools, **settings, **_options(option_pairs))

        def make_renderer() -> Any:
            return terminal_renderer(sys.stdout, sys.stderr, render=render, no_stream=no_stream, show_reasoning=reasoning)

        Session(model_id, make_agent, make_renderer).run()
        return
    from .attachments import prompt_with_images, read_attachments

    stdin = sys.stdin or io.StringIO()
    if "-" in attachments and prompt in (None, "-"):
        raise click.UsageError("-a - reads an image from stdin: give PROMPT as an argument")
    images = read_attachments(attachments, stdin)
    text = prompt if "-" in attachments and prompt is not None else read_prompt(prompt, stdin)
    options = _options(option_pairs)

    import rillet
    from pydantic import ValidationError

    from ..logs import continue_conversation

    try:
        model = rillet.get_model(model_id, key=key, base_url=base_url, options=_options_with_retry_notice())
    except rillet.UnknownModelError as exc:
        raise click.BadParameter(exc.message, param_hint="'-m' / '--model'") from None
    conversation_id, messages = continue_conversation(
        prompt_with_images(text, images), system=system, conversation_id=conversation_id, latest=continue_latest
    )
    options.update(conversation_id=conversation_id, **({"log": False} if no_log else {}))
    try:
        request = model.request(messages, **options)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise click.BadParameter(problems, param_hint="-o") from None
    if tools:  # the agent loop, with the same model and options
        history = [message for message in messages[:-1] if message.role != "system"]  # the agent adds its own
        run = rillet.Agent(model, tools, **settings, **options).stream(messages[-1], history=history)
        _run(run, as_json=as_json, no_stream=no_stream, show_reasoning=reasoning, show_usage=show_usage, render=render)
        return
    try:
        stream = model.stream_tokens(text, request=request)
    except rillet.MissingKeyError as exc:
        env = model.info.key_env_var or f"{model.provider.upper()}_API_KEY"
        raise rillet.MissingKeyError(
            f"no API key for {model.provider}: set {env}, run `rillet keys set {model.provider}`, or pass --key",
            provider=model.provider,
        ) from exc
    _run(stream, as_json=as_json, no_stream=no_stream, show_reasoning=reasoning, show_usage=show_usage, render=render)


def _options_with_retry_notice() -> Any:
    """Default stream options, plus a line on stderr whenever the transport waits to retry."""
    from rillet import StreamOptions

    return StreamOptions(on_retry=_say_retrying)


def _say_retrying(error: Any, seconds: float) -> None:
    status = f" (HTTP {error.status_code})" if error.status_code else ""
    message = " ".join(str(error.message).split())
    click.echo(f"Retrying in {seconds:.1f}s: {error.code}{status}: {message}", err=True)


def _run(stream: Any, *, as_json: bool, no_stream: bool, show_reasoning: bool, show_usage: bool, render: str = "auto") -> None:
    stdout, stderr = sys.stdout, sys.stderr
    renderer = terminal_renderer(stdout, stderr, render=render, no_stream=no_stream, show_reasoning=show_reasoning)
    held: list[Any] = []
    error = end = usage = None
    step_limit = False
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
                elif event.type == "run_end":
                    usage, step_limit = event.usage, event.finish_reason == "max_steps"
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
    if step_limit:
        raise click.exceptions.Exit(1)


def _measured(started: float, first_at: float | None) -> Any:
    from rillet import Timing

    now = time.monotonic()
    return Timing(time_to_first_token=None if first_at is None else first_at - started, duration=now - started)
