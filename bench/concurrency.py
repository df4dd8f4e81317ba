"""Many concurrent async streams in one process: memory per open stream, total throughput.

Run by ``bench/run.py`` (one fresh process per measurement), or alone against a running
``bench/server.py``::

    python bench/concurrency.py rillet --origin http://127.0.0.1:PORT --streams 1000

* **memory** — ``--streams`` streams are started together on a server that holds each
  answer ``--hold`` ms after its first token, so that all of them are open at once; when
  every stream has had its first token, the process's resident memory over what it used
  before (after one warm-up stream: imports, client and pool are not counted) is divided
  by the number of streams. With ``--trace``, ``tracemalloc`` says which source lines hold
  that memory (slower; the figure then includes tracemalloc's own bookkeeping).
* **throughput** — the same number of streams of ``--tokens`` tokens without a hold:
  tokens per second over all of them, from the start of the first to the end of the last.

It prints one line ``BENCHRESULT {json}``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import time
import tracemalloc
from pathlib import Path
from typing import Any, Awaitable, Callable

KEY = "sk-bench"
PROMPT = "Tell me a long story."


def resident_bytes() -> int:
    """This process's resident memory (Linux ``/proc/self/statm``)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE")


def rillet_streamer(base_url: str) -> Callable[[int, Callable[[], None]], Awaitable[int]]:
    """One ``astream_tokens`` answer; calls ``on_first`` at its first token; returns its token count."""
    import rillet

    model = rillet.get_model("openai/bench", base_url=base_url, key=KEY)

    async def stream(tokens: int, on_first: Callable[[], None]) -> int:
        count = 0
        async for event in model.astream_tokens(PROMPT, max_tokens=tokens):
            if event.type == "token":
                count += 1
                if count == 1:
                    on_first()
            elif event.type == "error":
                raise RuntimeError(event.message)
        return count

    return stream


def httpx_streamer(base_url: str) -> Callable[[int, Callable[[], None]], Awaitable[int]]:
    """The same with raw ``httpx.AsyncClient`` + ``aiter_lines`` + ``json.loads`` (for comparison)."""
    import httpx

    client = httpx.AsyncClient(timeout=None, limits=httpx.Limits(max_connections=None, max_keepalive_connections=200))
    payload = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": PROMPT}], "stream": True}

    async def stream(tokens: int, on_first: Callable[[], None]) -> int:
        count = 0
        request = {**payload, "max_tokens": tokens}
        async with client.stream("POST", f"{base_url}/chat/completions", json=request, headers={"Authorization": f"Bearer {KEY}"}) as response:
            async for line in response.aiter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    choices = json.loads(line[6:])["choices"]
                    if choices and choices[0]["delta"].get("content"):
                        count += 1
                        if count == 1:
                            on_first()
        return count

    return stream


STREAMERS = {"rillet": rillet_streamer, "naive-async": httpx_streamer}


async def measure(name: str, origin: str, streams: int, tokens: int, hold_ms: int, trace: bool) -> dict[str, Any]:
    """The memory and throughput figures of ``streams`` concurrent streams (see the module docstring)."""
    held = STREAMERS[name](f"{origin}/pause={hold_ms}/v1")
    free = STREAMERS[name](f"{origin}/v1")
    await free(20, lambda: None)  # warm-up: imports, client, pool
    await held(20, lambda: None)
    gc.collect()
    if trace:
        tracemalloc.start(8)
    before = resident_bytes()
    opened = 0
    all_open = asyncio.Event()

    def on_first() -> None:
        nonlocal opened
        opened += 1
        if opened == streams:
            all_open.set()

    started = time.perf_counter()
    tasks = [asyncio.create_task(held(tokens, on_first)) for _ in range(streams)]
    await all_open.wait()
    open_after = time.perf_counter() - started
    during = resident_bytes()
    top: list[dict[str, Any]] = []
    if trace:
        snapshot = tracemalloc.take_snapshot()
        tracemalloc.stop()
        for stat in snapshot.statistics("lineno")[:12]:
            frame = stat.traceback[0]
            top.append({"where": f"{frame.filename.split('site-packages/')[-1]}:{frame.lineno}", "bytes_per_stream": stat.size / streams})
    held_counts = await asyncio.gather(*tasks)
    if held_counts != [tokens] * streams:
        raise RuntimeError("a held stream lost tokens")
    started = time.perf_counter()
    counts = await asyncio.gather(*(free(tokens, lambda: None) for _ in range(streams)))
    elapsed = time.perf_counter() - started
    if counts != [tokens] * streams:
        raise RuntimeError("a stream lost tokens")
    return {
        "status": "ok",
        "streams": streams,
        "tokens": tokens,
        "bytes_per_stream": (during - before) / streams,
        "seconds_to_open_all": open_after,
        "tokens_per_second": streams * tokens / elapsed,
        "seconds": elapsed,
        "top": top,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", choices=list(STREAMERS))
    parser.add_argument("--origin", required=True, help="the bench server, http://127.0.0.1:PORT (no /v1)")
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--tokens", type=int, default=200, help="tokens per answer (default: 200)")
    parser.add_argument("--hold", type=int, default=15000, help="ms the server holds each answer after its first token (default: 15000)")
    parser.add_argument("--trace", action="store_true", help="also say which lines hold the memory (tracemalloc)")
    args = parser.parse_args()
    result = asyncio.run(measure(args.name, args.origin, args.streams, args.tokens, args.hold, args.trace))
    print("BENCHRESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
