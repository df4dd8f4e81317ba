"""Benchmark the gateway path: client → gateway → loopback upstream, against the client
talking to the upstream directly, and against LiteLLM's proxy on the same path.

::

    python bench/gateway.py --tokens 20000 --repeat 5

The client is the ``naive`` contender of ``contenders.py`` (httpx ``iter_lines`` +
``json.loads``), so the difference between the rows is what the gateway in the middle
costs. ``rillet serve`` runs in its own process with a route ``gpt-4o-mini`` to
``openai/gpt-4o-mini`` pointed at ``bench/server.py``; LiteLLM's proxy (``litellm[proxy]``,
in the benchmark's own venv only) gets the same model from a config file. Reported: µs per
token and the ratio to the direct path, and the time to first token added by each gateway
on a stream that pauses after its first token. Every gateway runs for the whole benchmark,
and the client processes of the paths take turns (direct, gateway, gateway, direct, …), so
a slow minute of the machine lands on every path. Nothing asserts on time.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from contenders import KEY, MODEL  # noqa: E402
from run import Server, environment, per_token_table, run_suite, ttft_table  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Gateway:
    """A gateway process in front of ``upstream`` (a ``…/v1`` URL); ``url`` ends in ``/v1``."""

    def __init__(self, kind: str, python: str, upstream: str) -> None:
        port = _free_port()
        env = {**os.environ, "OPENAI_BASE_URL": upstream, "OPENAI_API_KEY": KEY, "RILLET_LOG": "0"}
        if kind == "rillet serve":
            rillet = str(Path(python).parent / "rillet")
            command = [rillet, "serve", "--port", str(port), "--route", f"{MODEL}=openai/{MODEL}", "--log-level", "warning"]
        else:
            self.config = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
            self.config.write(
                f"model_list:\n  - model_name: {MODEL}\n    litellm_params:\n"
                f"      model: openai/{MODEL}\n      api_base: {upstream}\n      api_key: {KEY}\n"
            )
            self.config.close()
            command = [str(Path(python).parent / "litellm"), "--config", self.config.name, "--port", str(port)]
            env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # no network here: use the bundled price map
            env["LITELLM_MASTER_KEY"] = KEY  # the key the naive client sends
            env["LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY"] = "true"
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        self.url = f"http://127.0.0.1:{port}/v1"
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=1, headers={"Authorization": f"Bearer {KEY}"})
                break
            except httpx.HTTPError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    error = self.process.stderr.read()[-400:] if self.process.stderr else ""
                    self.close()
                    raise RuntimeError(f"{kind} did not start: {error}") from None
                time.sleep(0.2)

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _litellm_proxy_installed(python: str) -> bool:
    done = subprocess.run([python, "-c", "import litellm.proxy.proxy_server"], capture_output=True)
    return done.returncode == 0


def _interleaved(paths: dict[str, str], args: argparse.Namespace, tokens: int, streams: int, label: str) -> dict[str, Any]:
    """The naive client's results on each path (name → URL), its processes taking turns
    path by path, in reverse order every other round: the machine's drift over the run and a
    process's place in a round weigh on every path alike, so the differences are the gateways'."""
    results: dict[str, Any] = {}
    once = argparse.Namespace(**{**vars(args), "repeat": 1})
    for repetition in range(args.repeat):
        for name in list(paths) if repetition % 2 == 0 else list(reversed(paths)):
            entry = run_suite(["naive"], once, paths[name], tokens, streams, label=f"{label} {repetition + 1}/{args.repeat}")["naive"]
            if name not in results:
                results[name] = entry
            elif results[name]["status"] == "ok":
                if entry["status"] != "ok":
                    results[name] = entry
                else:
                    results[name]["per_process"] += entry["per_process"]
                    results[name]["first_token"] += entry["first_token"]
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=20000, help="tokens per timed stream (default: 20000)")
    parser.add_argument("--repeat", type=int, default=5, help="fresh client processes per path (default: 5)")
    parser.add_argument("--streams", type=int, default=3, help="timed streams per process (default: 3)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed 200-token streams per process first (default: 2)")
    parser.add_argument("--pause", type=int, default=50, help="ms the time-to-first-token stream pauses after its first token (default: 50)")
    parser.add_argument("--python", default=sys.executable, help="interpreter of the clients and gateways (default: this one)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds one client process may take (default: 900)")
    parser.add_argument("--no-litellm", action="store_true", help="skip LiteLLM's proxy")
    parser.add_argument("--clock", default="wall", choices=["wall", "cpu"], help="the client's clock (default: wall: the gateway's work is in another process)")
    args = parser.parse_args(argv)

    server = Server(args.python, args.tokens, "chunked")
    pause_url = f"{server.origin}/pause={args.pause}/v1"
    stream_paths = {"direct": server.url}
    ttft_paths = {"naive": pause_url}
    stream: dict[str, Any] = {}
    ttft: dict[str, Any] = {}
    gateways: list[Gateway] = []
    report = environment(args.python)
    try:
        for kind in ["rillet serve"] + ([] if args.no_litellm else ["litellm proxy"]):
            if kind == "litellm proxy" and not _litellm_proxy_installed(args.python):
                stream[kind] = ttft[kind] = {"status": "not installed", "detail": "pip install 'litellm[proxy]' into the bench venv"}
                continue
            for paths, upstream in ((stream_paths, server.url), (ttft_paths, pause_url)):
                gateways.append(Gateway(kind, args.python, upstream))
                paths[kind] = gateways[-1].url
        stream = {**_interleaved(stream_paths, args, args.tokens, args.streams, "stream"), **stream}
        ttft = {**_interleaved(ttft_paths, args, 20, 10, "ttft"), **ttft}
    finally:
        for gateway in gateways:
            gateway.close()
        server.close()
    report += [
        f"Client → gateway → loopback upstream, {args.tokens} tokens; the client is the naive httpx loop; "
        f"{args.repeat} client processes per path.",
        "",
    ]
    report += per_token_table(stream, args.tokens, "direct", "Per-token cost seen by the client (µs per token):")
    report += [""] + ttft_table(ttft, args.pause)
    print("\n".join(report))


if __name__ == "__main__":
    main()
