"""The clients being measured, each run in a fresh process by ``bench/run.py``.

Every contender reads the same loopback stream and does what a user would: iterate, keep
the answer text. A contender is a factory ``(base_url) -> once`` where ``once(tokens)``
streams one answer of ``tokens`` tokens (sent as ``max_tokens``, which the server obeys)
and returns ``(text, first_token_at)`` (a ``time.perf_counter()`` stamp); async
contenders return a coroutine function instead. The text is checked against what the
server sent, so a contender that drops or garbles tokens fails instead of looking fast. The factory runs before any timing, so
imports, client construction and plugin discovery are not counted; connection reuse is
the client's own business (every contender here keeps its connection alive).

Run one directly::

    python bench/contenders.py naive --url http://127.0.0.1:PORT/v1 --tokens 20000

It prints one line ``BENCHRESULT {json}``: the seconds of each timed stream and of each
time to first token, or ``{"status": "not installed"}`` when the contender's package is
missing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import traceback
from typing import Any, Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # bench/server.py, run as a script

PROMPT = "Tell me a long story."
MESSAGES = [{"role": "user", "content": PROMPT}]
MODEL = "gpt-4o-mini"
KEY = "sk-bench"

perf_counter = time.perf_counter


# Contenders over HTTP -----------------------------------------------------------------


def naive(url: str) -> Callable[[], tuple[str, float | None]]:
    """httpx ``Client.stream`` + ``iter_lines`` + ``json.loads`` of each ``data:`` line."""
    import httpx

    client = httpx.Client(timeout=None)
    payload = {"model": MODEL, "messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True}}
    headers = {"Authorization": f"Bearer {KEY}"}
    loads = json.loads

    def once(tokens: int) -> tuple[str, float | None]:
        parts: list[str] = []
        first = None
        with client.stream("POST", f"{url}/chat/completions", json={**payload, "max_tokens": tokens}, headers=headers) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                if not line.startswith("data: "):
                    continue
                data = line[6:]
                if data == "[DONE]":
                    break
                chunk = loads(data)
                choices = chunk["choices"]
                if choices:
                    content = choices[0]["delta"].get("content")
                    if content:
                        if first is None:
                            first = perf_counter()
                        parts.append(content)
        return "".join(parts), first

    return once


def naive_async(url: str) -> Callable[[], Any]:
    """The async baseline: httpx ``AsyncClient.stream`` + ``aiter_lines`` + ``json.loads``."""
    import httpx

    client = httpx.AsyncClient(timeout=None)
    payload = {"model": MODEL, "messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True}}
    headers = {"Authorization": f"Bearer {KEY}"}
    loads = json.loads

    async def once(tokens: int) -> tuple[str, float | None]:
        parts: list[str] = []
        first = None
        async with client.stream("POST", f"{url}/chat/completions", json={**payload, "max_tokens": tokens}, headers=headers) as response:
            response.raise_for_status()
            async for line in response.aiter_lines():
                if not line.startswith("data: "):
                    continue
                data = line[6:]
                if data == "[DONE]":
                    break
                chunk = loads(data)
                choices = chunk["choices"]
                if choices:
                    content = choices[0]["delta"].get("content")
                    if content:
                        if first is None:
                            first = perf_counter()
                        parts.append(content)
        return "".join(parts), first

    return once


def httpx_floor(url: str) -> Callable[[], tuple[str | None, float | None]]:
    """The floor: httpx ``Client.stream`` + ``iter_bytes``, no decoding at all."""
    import httpx

    client = httpx.Client(timeout=None)
    payload = {"model": MODEL, "messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True}}
    headers = {"Authorization": f"Bearer {KEY}"}

    def once(tokens: int) -> tuple[str | None, float | None]:
        first = None
        with client.stream("POST", f"{url}/chat/completions", json={**payload, "max_tokens": tokens}, headers=headers) as response:
            for _chunk in response.iter_bytes():
                if first is None:
                    first = perf_counter()
        return None, first  # no text: nothing was decoded

    return once


def _rillet_model(url: str) -> Any:
    import rillet

    model = rillet.get_model("openai/bench", base_url=url, key=KEY)
    providers = rillet.providers()
    if "openai" not in providers:
        raise ImportError("the rillet-openai plugin is not installed")
    return model


def _rillet_text(events: Any) -> tuple[str, float | None]:
    """The answer text of a sync rillet stream and when its first token came; an ``end``
    event's aggregated message (``stream_with_aggregation``) must equal the tokens."""
    parts: list[str] = []
    first = None
    for event in events:
        kind = event.type
        if kind == "token":
            if first is None:
                first = perf_counter()
            parts.append(event.text)
        elif kind == "end":
            if event.message is not None and event.message.text != "".join(parts):
                raise RuntimeError("the aggregated message differs from the streamed tokens")
        elif kind == "error":
            raise RuntimeError(f"rillet stream failed: {event!r}")
    return "".join(parts), first


def rillet_sync(url: str, log: bool = True) -> Callable[[], tuple[str, float | None]]:
    """``rillet.get_model(...).stream_tokens(...)`` iterated with ``for`` (logged, as by
    default; ``-nolog``: with ``log=False``)."""
    model = _rillet_model(url)
    options = {} if log else {"log": False}
    return lambda tokens: _rillet_text(model.stream_tokens(PROMPT, max_tokens=tokens, **options))


def rillet_aggregate(url: str) -> Callable[[], tuple[str, float | None]]:
    """``stream_with_aggregation(...)`` iterated with ``for``: a ``content`` snapshot after
    every token, left unread (as a caller that only shows the tokens leaves it)."""
    model = _rillet_model(url)
    return lambda tokens: _rillet_text(model.stream_with_aggregation(PROMPT, max_tokens=tokens))


def rillet_async(url: str, log: bool = True) -> Callable[[], Any]:
    """The same, with ``async for`` over ``astream_tokens``."""
    model = _rillet_model(url)
    options = {} if log else {"log": False}

    async def once(tokens: int) -> tuple[str, float | None]:
        parts: list[str] = []
        first = None
        async for event in model.astream_tokens(PROMPT, max_tokens=tokens, **options):
            kind = event.type
            if kind == "token":
                if first is None:
                    first = perf_counter()
                parts.append(event.text)
            elif kind == "error":
                raise RuntimeError(f"rillet stream failed: {event!r}")
        return "".join(parts), first

    return once


def _openai_chunks_text(chunks: Any) -> tuple[str, float | None]:
    """The text of OpenAI-SDK-shaped chunks (the openai SDK's, LiteLLM's) and when it began."""
    parts: list[str] = []
    first = None
    for chunk in chunks:
        if chunk.choices:
            content = chunk.choices[0].delta.content
            if content:
                if first is None:
                    first = perf_counter()
                parts.append(content)
    return "".join(parts), first


def openai_sdk(url: str) -> Callable[[], tuple[str, float | None]]:
    """``openai.OpenAI().chat.completions.create(stream=True)``."""
    import openai

    client = openai.OpenAI(base_url=url, api_key=KEY, max_retries=0)

    def once(tokens: int) -> tuple[str, float | None]:
        stream = client.chat.completions.create(
            model=MODEL, messages=MESSAGES, max_tokens=tokens, stream=True, stream_options={"include_usage": True}
        )
        return _openai_chunks_text(stream)

    return once


def openai_sdk_async(url: str) -> Callable[[], Any]:
    """``openai.AsyncOpenAI().chat.completions.create(stream=True)`` with ``async for``."""
    import openai

    client = openai.AsyncOpenAI(base_url=url, api_key=KEY, max_retries=0)

    async def once(tokens: int) -> tuple[str, float | None]:
        parts: list[str] = []
        first = None
        stream = await client.chat.completions.create(
            model=MODEL, messages=MESSAGES, max_tokens=tokens, stream=True, stream_options={"include_usage": True}
        )
        async for chunk in stream:
            if chunk.choices:
                content = chunk.choices[0].delta.content
                if content:
                    if first is None:
                        first = perf_counter()
                    parts.append(content)
        return "".join(parts), first

    return once


def litellm_sync(url: str) -> Callable[[], tuple[str, float | None]]:
    """``litellm.completion(stream=True)`` against the loopback server."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no fetch at import
    os.environ.setdefault("LITELLM_TELEMETRY", "False")
    import litellm

    litellm.telemetry = False
    litellm.suppress_debug_info = True

    def once(tokens: int) -> tuple[str, float | None]:
        response = litellm.completion(
            model=f"openai/{MODEL}",
            api_base=url,
            api_key=KEY,
            messages=MESSAGES,
            max_tokens=tokens,
            stream=True,
            stream_options={"include_usage": True},
        )
        return _openai_chunks_text(response)

    return once


def llm_sync(url: str) -> Callable[[], tuple[str, float | None]]:
    """Simon Willison's ``llm``: its OpenAI chat model pointed at the server (no logging)."""
    from llm.default_plugins.openai_models import Chat

    model = Chat("bench", model_name=MODEL, api_base=url)

    def once(tokens: int) -> tuple[str, float | None]:
        parts: list[str] = []
        first = None
        for text in model.prompt(PROMPT, stream=True, key=KEY, max_tokens=tokens):
            if text:
                if first is None:
                    first = perf_counter()
                parts.append(text)
        return "".join(parts), first

    return once


def langchain_openai(url: str) -> Callable[[], tuple[str, float | None]]:
    """``langchain_openai.ChatOpenAI(...).stream(...)``."""
    from langchain_openai import ChatOpenAI

    chat = ChatOpenAI(model=MODEL, base_url=url, api_key=KEY, stream_usage=True, max_retries=0)

    def once(tokens: int) -> tuple[str, float | None]:
        parts: list[str] = []
        first = None
        for chunk in chat.stream(PROMPT, max_tokens=tokens):
            content = chunk.content
            if content:
                if first is None:
                    first = perf_counter()
                parts.append(content)
        return "".join(parts), first

    return once


CONTENDERS: dict[str, Callable[[str], Any]] = {
    "httpx-floor": httpx_floor,
    "naive": naive,
    "naive-async": naive_async,
    "rillet": rillet_sync,
    "rillet-async": rillet_async,
    "rillet-aggregate": rillet_aggregate,
    "rillet-nolog": lambda url: rillet_sync(url, log=False),
    "rillet-async-nolog": lambda url: rillet_async(url, log=False),
    "openai-sdk": openai_sdk,
    "openai-sdk-async": openai_sdk_async,
    "litellm": litellm_sync,
    "llm": llm_sync,
    "langchain-openai": langchain_openai,
}

#: The distributions each contender needs (reported with their versions).
PACKAGES: dict[str, tuple[str, ...]] = {
    "httpx-floor": ("httpx",),
    "naive": ("httpx",),
    "naive-async": ("httpx", "anyio"),
    "rillet": ("rillet", "rillet-openai", "httpx", "pydantic"),
    "rillet-async": ("rillet", "rillet-openai", "httpx", "anyio"),
    "rillet-aggregate": ("rillet", "rillet-openai", "httpx", "pydantic"),
    "rillet-nolog": ("rillet", "rillet-openai", "httpx", "pydantic"),
    "rillet-async-nolog": ("rillet", "rillet-openai", "httpx", "anyio"),
    "openai-sdk": ("openai",),
    "openai-sdk-async": ("openai",),
    "litellm": ("litellm",),
    "llm": ("llm",),
    "langchain-openai": ("langchain-openai", "langchain-core"),
}


# Decoding only: the same body fed from memory, no socket, no HTTP ----------------------


def _body_chunks(tokens: int) -> tuple[bytes, ...]:
    from server import build_events

    return build_events(tokens)  # one chunk per SSE event, as httpx hands them over


def naive_decode() -> Callable[[int], tuple[str, float | None]]:
    """Line splitting (as ``iter_lines`` does it) and ``json.loads``, from memory."""
    loads = json.loads

    def once(tokens: int) -> tuple[str, float | None]:
        parts: list[str] = []
        pending = ""
        for chunk in _body_chunks(tokens):
            lines = (pending + chunk.decode("utf-8")).split("\n")
            pending = lines.pop()
            for line in lines:
                if line.startswith("data: ") and line != "data: [DONE]":
                    choices = loads(line[6:])["choices"]
                    if choices:
                        content = choices[0]["delta"].get("content")
                        if content:
                            parts.append(content)
        return "".join(parts), None

    return once


def rillet_decode() -> Callable[[int], tuple[str, float | None]]:
    """The rillet-openai decoder and the core's sequencer (``rillet.decode_chunks``), from memory."""
    import rillet
    from rillet_openai.chat_decoder import ChatCompletionsDecoder

    def once(tokens: int) -> tuple[str, float | None]:
        decoder = ChatCompletionsDecoder("openai", model=MODEL)
        events = rillet.decode_chunks(decoder, _body_chunks(tokens), provider="openai", model=MODEL)
        return "".join([event.text for event in events if event.type == "token"]), None

    return once


DECODERS: dict[str, Callable[[], Any]] = {"naive-decode": naive_decode, "rillet-decode": rillet_decode}
PACKAGES.update({"naive-decode": (), "rillet-decode": ("rillet", "rillet-openai", "pydantic")})


# The child process ---------------------------------------------------------------------


def _versions(names: tuple[str, ...]) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "missing"
    return found


def measure(
    name: str,
    url: str,
    tokens: int,
    streams: int,
    warmup: int,
    warmup_tokens: int = 200,
    profiler: Any = None,
    clock: str = "wall",
) -> dict[str, Any]:
    """Build contender ``name``; stream ``warmup`` short answers untimed (imports, lazy
    set-up, the connection), then ``streams`` timed answers of ``tokens`` tokens.

    ``profiler`` (a ``cProfile.Profile``), if given, runs during the timed streams only.
    ``clock="cpu"`` times each answer with this process's CPU time instead of the wall
    clock (steadier when other work shares the machine; first-token times are then left out).
    """
    now = time.process_time if clock == "cpu" else time.perf_counter
    from server import expected_text

    factory = CONTENDERS.get(name) or DECODERS[name]
    try:
        once = factory() if name in DECODERS else factory(url)
    except ImportError as exc:
        return {"status": "not installed", "detail": str(exc)}
    plan = [(warmup_tokens, False)] * warmup + [(tokens, True)] * streams
    if name in DECODERS:
        _body_chunks(tokens)  # build (and cache) the body before the clock runs
    seconds: list[float] = []
    first_token: list[float] = []

    def record(size: int, started: float, text: str, first: float | None, ended: float, timed: bool) -> None:
        expected = expected_text(size)
        if text is not None and text != expected:
            raise AssertionError(f"{name} returned {len(text)} characters, expected {len(expected)}: {text[:60]!r}…")
        if timed:
            seconds.append(ended - started)
            if first is not None and clock == "wall":
                first_token.append(first - started)

    def profiling(timed: bool, on: bool) -> None:
        if profiler is not None and timed:
            profiler.enable() if on else profiler.disable()

    if asyncio.iscoroutinefunction(once):

        async def run_all() -> None:
            for size, timed in plan:
                profiling(timed, True)
                started = now()
                text, first = await once(size)
                ended = now()
                profiling(timed, False)
                record(size, started, text, first, ended, timed)

        asyncio.run(run_all())
    else:
        for size, timed in plan:
            profiling(timed, True)
            started = now()
            text, first = once(size)
            ended = now()
            profiling(timed, False)
            record(size, started, text, first, ended, timed)
    return {"status": "ok", "seconds": seconds, "first_token": first_token, "versions": _versions(PACKAGES[name])}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run one benchmark contender in this process.")
    parser.add_argument("name", choices=[*CONTENDERS, *DECODERS])
    parser.add_argument("--url", default="", help="the server's base URL, ending in /v1")
    parser.add_argument("--tokens", type=int, default=20000, help="tokens per answer (default: 20000)")
    parser.add_argument("--streams", type=int, default=3, help="timed streams (default: 3)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed short streams first (default: 2)")
    parser.add_argument("--warmup-tokens", type=int, default=200, help="tokens per warm-up stream (default: 200)")
    parser.add_argument("--profile", metavar="PATH", help="write cProfile stats of the timed streams to PATH")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall", help="wall time or this process's CPU time (default: wall)")
    args = parser.parse_args(argv)
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
    try:
        result = measure(args.name, args.url, args.tokens, args.streams, args.warmup, args.warmup_tokens, profiler, args.clock)
    except Exception as exc:  # a broken contender is reported, not a crash of the whole run
        result = {"status": "error", "detail": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
    if profiler is not None:
        profiler.dump_stats(args.profile)
    print("BENCHRESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
