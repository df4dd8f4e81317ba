"""``rillet logs``: the streams rillet recorded, one stream per line, and their statistics."""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from typing import Any

import click

from ._common import debug_option, echo_json

__all__ = ["logs", "parse_since"]

_OUTCOMES = ("complete", "error", "truncated", "cancelled")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(value: str | None) -> float | None:
    """``--since``: an age (``30m``, ``12h``, ``7d``, ``2w``) or a date (``2026-11-30``,
    ``2026-11-30T08:00``, UTC unless it says otherwise), as epoch seconds."""
    if value is None:
        return None
    age = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", value)
    if age:
        return time.time() - float(age.group(1)) * _UNITS[age.group(2)]
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is neither an age (30m, 12h, 7d, 2w) nor a date (2026-11-30)", param_hint="--since") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _when(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _preview(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _figures(record: Any) -> str:
    from rillet import Timing, Usage

    from .output import format_usage

    usage = Usage(
        input_tokens=record.input_tokens,
        output_tokens=record.output_tokens,
        reasoning_tokens=record.reasoning_tokens,
        cache_read_tokens=record.cache_read_tokens,
        cache_write_tokens=record.cache_write_tokens,
        estimated=record.usage_estimated,
    )
    return format_usage(usage, Timing(time_to_first_token=record.time_to_first_token, duration=record.duration))


def _outcome(record: Any) -> str:
    return f"{record.outcome} ({record.error_code})" if record.outcome == "error" else record.outcome


def _store() -> Any:
    from ..logs import flush, open_store

    flush()  # streams of this process (a test, an embedding app) are in the store first
    return open_store()


@click.group(invoke_without_command=True)
@click.option("-n", "--count", type=click.IntRange(min=1), default=10, show_default=True, help="How many streams to show.")
@click.option("--model", "model_id", metavar="[PROVIDER/]MODEL", help="Only this model.  [default: all]")
@click.option("--provider", help="Only this provider.  [default: all]")
@click.option("--outcome", type=click.Choice(_OUTCOMES), help="Only streams that ended this way.  [default: all]")
@click.option("--since", metavar="AGE|DATE", help="Only streams started since then: 30m, 12h, 7d, 2026-11-30.  [default: any time]")
@click.option("--cid", "conversation_id", metavar="ID", help="Only the streams of this conversation.  [default: all]")
@click.option("--json", "as_json", is_flag=True, help="Print the streams as a JSON list, every field.  [default: one line each]")
@debug_option
@click.pass_context
def logs(
    ctx: click.Context,
    count: int,
    model_id: str | None,
    provider: str | None,
    outcome: str | None,
    since: str | None,
    conversation_id: str | None,
    as_json: bool,
) -> None:
    """Show the streams rillet logged, latest first.

    Every stream is logged — complete, failed, truncated or cancelled, with the text that
    had arrived — in SQLite in the app directory, or in PostgreSQL when RILLET_LOG_URL is
    set. Turn logging off with `rillet logs off`, RILLET_LOG=0 or `rillet chat --no-log`.

    \b
    Examples:
      rillet logs                          the last 10 streams
      rillet logs -n 50 --outcome error    failures, with their error codes
      rillet logs --model anthropic/claude-sonnet-4-5 --since 1d --json
      rillet logs show 3f4b                one stream in full (an id prefix will do)
      rillet logs stats --since 7d         per model: tokens, time to first token, tokens/s
    """
    if ctx.invoked_subcommand is not None:
        return
    with _store() as store:
        records = store.streams(
            limit=count, model=model_id, provider=provider, outcome=outcome, since=parse_since(since), conversation_id=conversation_id
        )
    if as_json:
        echo_json([{**record.to_json(), "started": _when(record.started_at)} for record in records])
        return
    if not records:
        click.echo("No logged streams.", err=True)
    for record in records:
        speed = f"{record.tokens_per_second:.1f} tok/s" if record.tokens_per_second else "-"
        first = f"{record.time_to_first_token:.2f}s" if record.time_to_first_token is not None else "-"
        click.echo(
            f"{_when(record.started_at)}  {record.id[:8]}  {record.provider}/{record.model}  {_outcome(record)}  "
            f"first {first}  {speed}  {_preview(record.prompt, 30)!r} → {_preview(record.response_text, 40)!r}"
        )


@logs.command()
@click.argument("stream_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print every field as JSON.  [default: text]")
def show(stream_id: str, as_json: bool) -> None:
    """Show one logged stream in full: messages sent, reasoning, answer, tool calls, error.

    \b
    Examples:
      rillet logs show 3f4bc1b7
      rillet logs show 3f4b --json | jq .response_text
    """
    with _store() as store:
        record = store.get(stream_id)
    if as_json:
        echo_json({**record.to_json(), "started": _when(record.started_at)})
        return
    lines = [
        f"Stream {record.id}  {_when(record.started_at)} UTC",
        f"Model: {record.provider}/{record.model}" + (f" (answered by {record.response_model})" if record.response_model else ""),
        f"Outcome: {_outcome(record)}" + (f" · finish {record.finish_reason} ({record.raw_finish_reason})" if record.finish_reason else ""),
        f"Usage: {_figures(record)}",
        f"Conversation: {record.conversation_id}" + (f" · response {record.response_id}" if record.response_id else ""),
    ]
    for message in record.messages:
        lines += ["", f"[{message.role}]", message.text or "(no text)"]
    if record.reasoning_text:
        lines += ["", "[reasoning]", record.reasoning_text]
    lines += ["", "[assistant]", record.response_text or "(no text)"]
    for call in record.response_message.tool_calls:
        lines.append(f"[tool call {call.name} {call.call_id}] {call.raw_arguments}")
    if record.error_message:
        lines += ["", f"Error: {record.error_message}"]
    click.echo("\n".join(lines))


@logs.command()
def path() -> None:
    """Print where streams are logged (a file path, or the PostgreSQL URL without its password).

    \b
    Examples:
      rillet logs path
      sqlite3 "$(rillet logs path)" "SELECT outcome, COUNT(*) FROM streams GROUP BY outcome"
    """
    from ..logs._settings import describe_location, log_location

    click.echo(describe_location(log_location()))


@logs.command()
@click.option("--since", metavar="AGE|DATE", help="Only streams started since then: 30m, 12h, 7d, 2026-11-30.  [default: any time]")
@click.option("--model", "model_id", metavar="[PROVIDER/]MODEL", help="Only this model.  [default: all]")
@click.option("--provider", help="Only this provider.  [default: all]")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.  [default: a table]")
def stats(since: str | None, model_id: str | None, provider: str | None, as_json: bool) -> None:
    """Per model: streams, tokens in and out, time to first token p50/p95 and tokens/s.

    \b
    Examples:
      rillet logs stats
      rillet logs stats --since 7d --json
    """
    with _store() as store:
        figures = store.stats(since=parse_since(since), model=model_id, provider=provider)
    if as_json:
        echo_json([item.to_json() for item in figures])
        return
    if not figures:
        click.echo("No logged streams.", err=True)
        return
    rows = [("MODEL", "STREAMS", "OUTCOMES", "TOKENS IN", "TOKENS OUT", "FIRST p50", "FIRST p95", "TOKENS/S")]
    for item in figures:
        rows.append(
            (
                f"{item.provider}/{item.model}",
                str(item.streams),
                ", ".join(f"{count} {name}" for name, count in sorted(item.outcomes.items())),
                str(item.input_tokens),
                str(item.output_tokens),
                _seconds(item.time_to_first_token_p50),
                _seconds(item.time_to_first_token_p95),
                "-" if item.tokens_per_second is None else f"{item.tokens_per_second:.1f}",
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}s"


@logs.command()
def on() -> None:
    """Log every stream (the default). RILLET_LOG=0 still turns logging off.

    \b
    Examples:
      rillet logs on
    """
    from ..logs import set_logging_setting

    click.echo(f"Logging is on (saved in {set_logging_setting(True)})", err=True)


@logs.command()
def off() -> None:
    """Stop logging streams (until `rillet logs on`). RILLET_LOG=1 still turns it on.

    \b
    Examples:
      rillet logs off
    """
    from ..logs import set_logging_setting

    click.echo(f"Logging is off (saved in {set_logging_setting(False)})", err=True)


@logs.command()
def status() -> None:
    """Say whether streams are logged, where, and how many are.

    \b
    Examples:
      rillet logs status
    """
    from ..logs import logging_enabled
    from ..logs._settings import describe_location, log_location

    state = "on" if logging_enabled() else "off"
    with _store() as store:
        count = store.count()
    click.echo(f"Logging is {state}; {count} stream{'' if count == 1 else 's'} in {describe_location(log_location())}")
