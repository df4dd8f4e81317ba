"""Benchmark rillet's streaming hot path against the naive loop and its peers, in one run.

::

    python bench/run.py --tokens 20000 --repeat 5

starts ``bench/server.py`` in its own process, then runs every contender of
``bench/contenders.py`` in ``--repeat`` fresh processes (interleaved, so drift on the
machine hits all of them alike). Each process streams short warm-up answers, then
``--streams`` timed answers of ``--tokens`` tokens, timed with ``time.perf_counter`` inside
the process. The table gives the median over processes of each process's median µs per
token, the spread, and the ratio to the naive loop (httpx ``iter_lines`` + ``json.loads``).

Then: decoding alone (the same body from memory, no socket), time to first token on a
stream that pauses 50 ms after its first token (a client that buffers shows ~50 ms), and
start-up times (``import rillet``, ``rillet --help``, ``rillet providers``, the peers'
imports). A contender whose package is missing is reported as "not installed".

``--profile rillet`` runs one process of a contender under cProfile and prints where its
time goes. Nothing here asserts on time; the numbers are for people.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from contenders import CONTENDERS, DECODERS, PACKAGES  # noqa: E402

#: Contenders so slow that one timed stream per process is plenty (LiteLLM: ~25 s each).
SLOW = {"litellm": 1}
TTFT_CONTENDERS = ["httpx-floor", "naive", "rillet", "rillet-async", "openai-sdk"]
GOAL = 0.8  # rillet's per-token cost, as a fraction of the naive loop's (bench/README.md)
#: The app directory of the contenders: rillet logs every stream (``rillet`` and
#: ``rillet-async``; the ``-nolog`` contenders pass ``log=False``) into a throw-away store.
LOG_HOME = tempfile.mkdtemp(prefix="rillet-bench-home-")


# The server ---------------------------------------------------------------------------


class Server:
    """``bench/server.py`` in a child process; ``url`` is its base URL (``…/v1``)."""

    def __init__(self, python: str, tokens: int, framing: str) -> None:
        self.process = subprocess.Popen(
            [python, str(HERE / "server.py"), "--port", "0", "--tokens", str(tokens), "--framing", framing],
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline().strip() if self.process.stdout else ""
        if not line.startswith("listening on "):
            self.close()
            raise SystemExit(f"the benchmark server did not start: {line!r}")
        self.origin = line.removeprefix("listening on ")
        self.url = f"{self.origin}/v1"

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


# Running contenders ------------------------------------------------------------------


def run_child(python: str, name: str, url: str, tokens: int, streams: int, warmup: int, timeout: float, extra: list[str] | None = None) -> dict[str, Any]:
    command = [python, str(HERE / "contenders.py"), name, "--url", url, "--tokens", str(tokens), "--streams", str(streams), "--warmup", str(warmup), *(extra or [])]
    env = {key: value for key, value in os.environ.items() if key not in ("RILLET_LOG", "RILLET_LOG_URL")}
    env.update(PYTHONHASHSEED="0", RILLET_HOME=LOG_HOME)
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"status": "error", "detail": f"timed out after {timeout:g} s"}
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("BENCHRESULT "):
            return json.loads(line.removeprefix("BENCHRESULT "))
    tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
    return {"status": "error", "detail": f"exit {done.returncode}: {tail[0]}"}


def run_suite(names: list[str], args: argparse.Namespace, url: str, tokens: int, streams: int, *, label: str) -> dict[str, dict[str, Any]]:
    """Each contender in ``args.repeat`` processes, interleaved; per process its median."""
    results: dict[str, dict[str, Any]] = {name: {"status": "ok", "per_process": [], "first_token": []} for name in names}
    for repetition in range(args.repeat):
        for name in names:
            entry = results[name]
            if entry["status"] != "ok":
                continue  # not installed or broken: say so once, don't retry five times
            count = min(streams, SLOW.get(name, streams))
            outcome = run_child(args.python, name, url, tokens, count, args.warmup, args.timeout, ["--clock", args.clock])
            if outcome["status"] != "ok":
                entry.update(status=outcome["status"], detail=outcome.get("detail", ""))
                continue
            entry["per_process"].append(statistics.median(outcome["seconds"]))
            entry["first_token"].append(statistics.median(outcome["first_token"]) if outcome["first_token"] else None)
            entry["versions"] = outcome["versions"]
            shown = f"{1e6 * entry['per_process'][-1] / tokens:9.2f} µs/token"
            if label == "ttft" and entry["first_token"][-1] is not None:
                shown = f"{1e3 * entry['first_token'][-1]:9.2f} ms to first token"
            print(f"  [{label} {repetition + 1}/{args.repeat}] {name:<18} {shown}", file=sys.stderr, flush=True)
    return results


def per_token_table(results: dict[str, dict[str, Any]], tokens: int, baseline: str, title: str) -> list[str]:
    base = results.get(baseline, {})
    base_median = statistics.median(base["per_process"]) if base.get("per_process") else None
    lines = [title, "", f"| contender | µs/token (median) | min–max over processes | × {baseline} | tokens/s |", "|---|---:|---:|---:|---:|"]
    for name, entry in results.items():
        if entry["status"] != "ok" or not entry["per_process"]:
            lines.append(f"| {name} | {entry['status']} | {entry.get('detail', '')[:60]} | | |")
            continue
        per_token = [1e6 * seconds / tokens for seconds in entry["per_process"]]
        median = statistics.median(per_token)
        ratio = f"{statistics.median(entry['per_process']) / base_median:.2f}×" if base_median else "–"
        lines.append(f"| {name} | {median:.2f} | {min(per_token):.2f}–{max(per_token):.2f} | {ratio} | {1e6 / median:,.0f} |")
    return lines


def scaling_table(series: dict[int, dict[str, dict[str, Any]]], baseline: str) -> list[str]:
    """µs per token of each contender at each answer size, and how much it grows."""
    sizes = sorted(series)
    lines = [
        f"Cost per token by answer length (µs per token, median over processes; × {baseline} at that length):",
        "",
        "| contender | " + " | ".join(f"{size:,} tokens" for size in sizes) + f" | {sizes[-1]:,} ÷ {sizes[0]:,} |",
        "|---|" + "---:|" * (len(sizes) + 1),
    ]
    for name in series[sizes[0]]:
        cells, medians = [], []
        for size in sizes:
            entry, base = series[size][name], series[size].get(baseline, {})
            if entry["status"] != "ok" or not entry["per_process"]:
                cells.append(entry["status"])
                continue
            median = statistics.median(entry["per_process"])
            medians.append(1e6 * median / size)
            ratio = f" ({median / statistics.median(base['per_process']):.2f}×)" if base.get("per_process") else ""
            cells.append(f"{medians[-1]:.2f}{ratio}")
        growth = f"{medians[-1] / medians[0]:.2f}×" if len(medians) == len(sizes) else "–"
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {growth} |")
    return lines


def ttft_table(results: dict[str, dict[str, Any]], pause_ms: int) -> list[str]:
    lines = [
        f"Time to first token (server sends the first token, then pauses {pause_ms} ms; median over processes):",
        "",
        "| contender | first token (ms) | over naive (ms) |",
        "|---|---:|---:|",
    ]
    base = results.get("naive", {})
    base_ms = 1e3 * statistics.median(base["first_token"]) if base.get("first_token") and base["status"] == "ok" else None
    for name, entry in results.items():
        values = [v for v in entry.get("first_token", []) if v is not None]
        if entry["status"] != "ok" or not values:
            lines.append(f"| {name} | {entry['status']} {entry.get('detail', '')[:60]} | |")
            continue
        ms = 1e3 * statistics.median(values)
        over = f"{ms - base_ms:+.2f}" if base_ms is not None else "–"
        lines.append(f"| {name} | {ms:.2f} | {over} |")
    return lines


# Start-up ------------------------------------------------------------------------------


NOT_INSTALLED = "not installed"


def wall_ms(command: list[str], runs: int) -> tuple[float | None, str]:
    """Median wall time of ``command`` in ms, or ``None`` and why it could not run
    (``"not installed"`` for a missing program or module: a peer is optional)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        try:
            done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"})
        except FileNotFoundError:
            return None, NOT_INSTALLED
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            if "ModuleNotFoundError" in done.stderr:
                return None, NOT_INSTALLED
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [f"exit {done.returncode}"]
            return None, tail[0][:70]
    return 1e3 * statistics.median(times), ""


def startup_cell(ms: float | None, problem: str) -> str:
    """A start-up table cell: the time, "not installed", or what failed."""
    if ms is not None:
        return f"{ms:.0f}"
    return problem if problem == NOT_INSTALLED else f"failed: {problem}"


def startup_table(python: str, runs: int) -> list[str]:
    bindir = Path(python).parent
    rillet = shutil.which("rillet", path=str(bindir)) or "rillet"
    llm = shutil.which("llm", path=str(bindir)) or "llm"
    commands = [
        ("python -c pass (interpreter alone)", [python, "-c", "pass"]),
        ("python -c 'import rillet'", [python, "-c", "import rillet"]),
        ("python -c 'import rillet; rillet.providers()'", [python, "-c", "import rillet; rillet.providers()"]),
        ("rillet --help", [rillet, "--help"]),
        ("rillet providers", [rillet, "providers"]),
        ("python -c 'import httpx'", [python, "-c", "import httpx"]),
        ("python -c 'import openai'", [python, "-c", "import openai"]),
        ("python -c 'import litellm'", [python, "-c", "import litellm"]),
        ("llm --help", [llm, "--help"]),
        ("python -c 'import langchain_openai'", [python, "-c", "import langchain_openai"]),
    ]
    lines = [f"Start-up (wall time, median of {runs} runs):", "", "| command | ms |", "|---|---:|"]
    for label, command in commands:
        ms, problem = wall_ms(command, runs)
        lines.append(f"| `{label}` | {startup_cell(ms, problem)} |")
    return lines


# Environment ---------------------------------------------------------------------------


def environment(python: str) -> list[str]:
    code = (
        "import json, platform, sys\n"
        "from importlib.metadata import version, PackageNotFoundError\n"
        "names = " + repr(sorted({p for names in PACKAGES.values() for p in names} | {"httpcore", "h11", "anyio", "pydantic-core"})) + "\n"
        "def v(n):\n"
        "    try: return version(n)\n"
        "    except PackageNotFoundError: return 'not installed'\n"
        "print(json.dumps({'python': sys.version.split()[0], 'impl': platform.python_implementation(), 'packages': {n: v(n) for n in names}}))\n"
    )
    info = json.loads(subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout)
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    packages = ", ".join(f"{name} {version}" for name, version in info["packages"].items())
    return [
        f"Date: {time.strftime('%Y-%m-%d %H:%M %Z')}",
        f"Machine: {platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores",
        f"Python: {info['impl']} {info['python']} ({python})",
        f"Packages: {packages}",
    ]


# Profiling -----------------------------------------------------------------------------


def profile(args: argparse.Namespace, url: str) -> None:
    import pstats
    import tempfile

    path = Path(tempfile.mkdtemp()) / f"{args.profile}.prof"
    outcome = run_child(args.python, args.profile, url, args.tokens, 1, args.warmup, args.timeout, ["--profile", str(path)])
    if outcome["status"] != "ok":
        raise SystemExit(f"{args.profile}: {outcome['status']} {outcome.get('detail', '')}")
    stats = pstats.Stats(str(path))
    total = stats.total_tt  # type: ignore[attr-defined]
    print(f"cProfile of {args.profile}, one stream of {args.tokens} tokens (plus {args.warmup} warm-ups); "
          f"profiled total {total:.3f} s (cProfile inflates small calls)\n")
    rows = []
    for (filename, line, function), (calls, _primitive, own, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = _short(filename)
        rows.append((own, cumulative, calls, f"{where}:{line}({function})"))
    print(f"{'own %':>6} {'cum %':>6} {'calls':>9}  function")
    for own, cumulative, calls, label in sorted(rows, reverse=True)[: args.profile_rows]:
        print(f"{100 * own / total:6.1f} {100 * cumulative / total:6.1f} {calls:9d}  {label}")
    print("\nOwn time by layer (a C built-in's time goes to the layer that called it):\n")
    layers: dict[str, float] = {}
    for (filename, line, function), (_c, _p, own, _cum, callers) in stats.stats.items():  # type: ignore[attr-defined]
        if filename == "~" and callers:
            for (caller_file, _l, caller_function), timing in callers.items():
                layer = _layer(caller_file, caller_function)
                layers[layer] = layers.get(layer, 0.0) + timing[2]
        else:
            layer = _layer(filename, function)
            layers[layer] = layers.get(layer, 0.0) + own
    for layer, own in sorted(layers.items(), key=lambda item: -item[1]):
        if own / total < 0.001:
            break
        print(f"{100 * own / total:6.1f}%  {layer}")
    print(f"\nstats saved in {path} (python -m pstats {path})")


_LAYERS = [
    ("/h11/", "HTTP parsing (h11)"),
    ("/httpcore/", "HTTP connection (httpcore)"),
    ("/contextlib.py", "HTTP connection (httpcore)"),  # httpcore's map_exceptions() per read
    ("/httpx/", "httpx streaming API"),
    ("/anyio/", "anyio / asyncio"),
    ("/asyncio/", "anyio / asyncio"),
    ("rillet/_transport.py", "rillet flow (_transport)"),
    ("rillet/_drivers.py", "rillet drivers (_drivers)"),
    ("rillet/_stream.py", "rillet TokenStream"),
    ("rillet/framing/", "rillet framing (SSE, lines)"),
    ("rillet/_decoding.py", "rillet sequencer (_decoding)"),
    ("rillet/_aggregate.py", "rillet aggregator"),
    ("rillet/_events.py", "rillet events"),
    ("/pydantic", "pydantic (event models)"),
    ("rillet_openai/", "rillet-openai decoder"),
    ("/json/", "json"),
    ("/openai/", "openai SDK"),
    ("/bench/", "benchmark loop"),
]


def _layer(filename: str, function: str) -> str:
    for marker, layer in _LAYERS:
        if marker in filename:
            return layer
    if filename == "~":
        return f"C: {function}"
    return f"other: {_short(filename)}"


def _short(filename: str) -> str:
    for marker in ("site-packages/", "/core/", "/plugins/", "/bench/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


# Main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=20000, help="tokens per timed stream (default: 20000)")
    parser.add_argument("--repeat", type=int, default=5, help="fresh processes per contender (default: 5)")
    parser.add_argument("--streams", type=int, default=3, help="timed streams per process (default: 3; LiteLLM: 1)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed 200-token streams per process first (default: 2)")
    parser.add_argument("--only", default="", help="comma-separated contenders to run (default: all)")
    parser.add_argument("--framing", default="chunked", choices=["chunked", "chunked-large", "content-length"], help="server body framing (default: chunked, one HTTP chunk per SSE event)")
    parser.add_argument("--python", default=sys.executable, help="interpreter of the contenders (default: this one)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds one contender process may take (default: 600)")
    parser.add_argument("--pause", type=int, default=50, help="ms the time-to-first-token stream pauses after its first token (default: 50)")
    parser.add_argument("--no-decode", action="store_true", help="skip the decode-only table")
    parser.add_argument("--no-ttft", action="store_true", help="skip the time-to-first-token table")
    parser.add_argument("--no-startup", action="store_true", help="skip the start-up table")
    parser.add_argument("--scaling", metavar="SIZES", default="", help="also time the stream contenders at these answer lengths (comma-separated token counts, e.g. 2000,20000,200000): is the cost per token flat? (default: off)")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall", help="time streams by the wall clock, or by the contender process's CPU time: steadier on a busy machine, but blind to waiting (default: wall)")
    parser.add_argument("--json", metavar="PATH", help="also write every measurement to PATH as JSON")
    parser.add_argument("--profile", metavar="CONTENDER", help="profile one process of CONTENDER with cProfile instead")
    parser.add_argument("--profile-rows", type=int, default=35, help="rows of the profile to print (default: 35)")
    args = parser.parse_args(argv)

    names = [n for n in CONTENDERS if not args.only or n in args.only.split(",")]
    server = Server(args.python, args.tokens, args.framing)
    report: list[str] = []
    everything: dict[str, Any] = {"tokens": args.tokens, "repeat": args.repeat, "streams": args.streams, "framing": args.framing}
    try:
        if args.profile:
            profile(args, server.url)
            return
        report += environment(args.python)
        report += [
            f"Stream: {args.tokens} tokens, loopback, {args.framing} framing; {args.repeat} processes per contender, "
            f"{args.streams} timed streams each after {args.warmup} warm-ups (LiteLLM: {SLOW['litellm']}); "
            f"{'CPU time of the contender process' if args.clock == 'cpu' else 'wall time'}.",
            "",
        ]
        stream = run_suite(names, args, server.url, args.tokens, args.streams, label="stream")
        everything["stream"] = stream
        report += per_token_table(stream, args.tokens, "naive", "Per-token cost over HTTP (µs per token, lower is better):")
        if "rillet" in stream and "naive" in stream and stream["rillet"].get("per_process") and stream["naive"].get("per_process"):
            ratio = statistics.median(stream["rillet"]["per_process"]) / statistics.median(stream["naive"]["per_process"])
            verdict = "met" if ratio <= GOAL else "NOT met"
            report += ["", f"Goal rillet ≤ {GOAL}× naive: {verdict} ({ratio:.2f}×)."]
        if args.scaling:
            sizes = [int(size) for size in args.scaling.split(",")]
            series = {size: run_suite(names, args, server.url, size, args.streams, label=f"{size:,} tokens") for size in sizes}
            everything["scaling"] = {str(size): results for size, results in series.items()}
            report += [""] + scaling_table(series, "naive")
        if not args.no_decode:
            decode = run_suite(list(DECODERS), args, "", args.tokens, args.streams, label="decode")
            everything["decode"] = decode
            report += [""] + per_token_table(decode, args.tokens, "naive-decode", "Decoding only, from memory, no socket (µs per token):")
        if not args.no_ttft and args.clock == "wall":  # first-token times need the wall clock
            ttft_names = [n for n in TTFT_CONTENDERS if n in names]
            ttft_url = f"{server.origin}/pause={args.pause}/v1"
            ttft = run_suite(ttft_names, args, ttft_url, 20, 10, label="ttft")
            everything["ttft"] = ttft
            report += [""] + ttft_table(ttft, args.pause)
        if not args.no_startup:
            report += [""] + startup_table(args.python, args.repeat)
        failures = [
            f"- {section} / {name}: {entry.get('detail', '')}"
            for section in ("stream", "decode", "ttft")
            for name, entry in everything.get(section, {}).items()
            if entry["status"] == "error"
        ]
        if failures:
            report += ["", "Failures:", *failures]
    finally:
        server.close()
    print("\n".join(report))
    if args.json:
        Path(args.json).write_text(json.dumps(everything, indent=2))


if __name__ == "__main__":
    main()
