"""Write ``docs/performance.md`` and its chart from one benchmark run (issue 12's goals).

One command, from a fresh clone (the bench's own venv holds the peers and matplotlib;
the project depends on neither)::

    python -m venv /tmp/benchvenv
    /tmp/benchvenv/bin/pip install -e . -e plugins/openai -e plugins/anthropic \\
        -e plugins/gemini -e plugins/ollama -r bench/requirements.txt matplotlib
    /tmp/benchvenv/bin/python bench/report.py

It runs, side by side on one loopback server: the per-token table (``bench/run.py``'s
contenders, CPU clock by default: steadier on a shared machine), the scaling series of
each rillet path, the cold-start and 20-plugin figures (``bench/startup.py``) and the
1,000-stream figures (``bench/concurrency.py``); then writes the page with the goals met
or missed, the machine, and a PNG chart. The notes on what the profiles show are kept
in ``bench/performance-notes.md`` and copied in under the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402
from contenders import CONTENDERS  # noqa: E402
from startup import DUMMY_PLUGINS, startup_figures  # noqa: E402

RILLET_PATHS = ["rillet", "rillet-async", "rillet-aggregate"]
MAIN = ["httpx-floor", "naive", "naive-async", *RILLET_PATHS, "openai-sdk", "openai-sdk-async", "llm", "langchain-openai", "litellm"]
CHART = "performance.png"


def median_us(entry: dict[str, Any], tokens: int) -> float | None:
    """The median µs per token of a contender's result, or ``None`` when it did not run."""
    if entry.get("status") != "ok" or not entry.get("per_process"):
        return None
    return 1e6 * statistics.median(entry["per_process"]) / tokens


def concurrency(python: str, origin: str, name: str, streams: int) -> dict[str, Any]:
    """One fresh process of ``bench/concurrency.py``."""
    command = [python, str(HERE / "concurrency.py"), name, "--origin", origin, "--streams", str(streams)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("BENCHRESULT "):
            return dict(json.loads(line.removeprefix("BENCHRESULT ")))
    return {"status": "error", "detail": (done.stderr or done.stdout).strip()[-300:]}


def verdict(value: float | None, limit: float, unit: str, fmt: str = "{:.2f}") -> str:
    """``met`` / ``missed by …`` for a figure that must stay at most ``limit``."""
    if value is None:
        return "not measured"
    shown = fmt.format(value) + unit
    if value <= limit:
        return f"**met** ({shown})"
    return f"**missed** ({shown}: {fmt.format(value - limit)}{unit} or {100 * (value / limit - 1):.0f} % over)"


def goals_table(stream: dict[str, Any], tokens: int, series: dict[int, Any], start: dict[str, tuple[float, float]], many: dict[str, Any], clock: str) -> list[str]:
    """Issue 12's six goals, each with the figure that decides it (start-up figures by
    ``clock``: CPU time on a shared machine, where waiting for a core inflates wall time)."""
    which, other = (1, "wall") if clock == "cpu" else (0, "CPU")
    naive, naive_async = median_us(stream.get("naive", {}), tokens), median_us(stream.get("naive-async", {}), tokens)

    def ratio(name: str, base: float | None) -> float | None:
        value = median_us(stream.get(name, {}), tokens)
        return None if value is None or base is None else value / base

    sizes = sorted(series)
    flat = None
    if len(sizes) >= 2:
        first, last = median_us(series[sizes[0]]["rillet-aggregate"], sizes[0]), median_us(series[sizes[-1]]["rillet-aggregate"], sizes[-1])
        flat = None if first is None or last is None else last / first
    cold = start.get("rillet: import, send, first token")
    providers = start.get(f"rillet providers (+{DUMMY_PLUGINS} dummy plugins)")
    per_stream = many.get("rillet", {}).get("bytes_per_stream")
    return [
        "| goal | limit | today |",
        "|---|---|---|",
        f"| 1. `stream_with_aggregation` × raw sync | ≤ 1.0× | {verdict(ratio('rillet-aggregate', naive), 1.0, '×')} |",
        f"| 1. … its cost per token, {sizes[-1]:,} ÷ {sizes[0]:,} tokens | ≤ 1.2× | {verdict(flat, 1.2, '×')} |" if flat else "| 1. flat | | not measured |",
        f"| 2. `stream_tokens` × raw sync | ≤ 0.8× | {verdict(ratio('rillet', naive), 0.8, '×')} |",
        f"| 3. `astream_tokens` × raw async | ≤ 1.0× | {verdict(ratio('rillet-async', naive_async), 1.0, '×')} |",
        f"| 4. fresh process to first token ({clock}; {other} {cold[1 - which]:.0f} ms) | ≤ 80 ms | {verdict(cold[which], 80, ' ms', '{:.0f}')} |" if cold else "| 4. | | not measured |",
        f"| 5. memory per stream, 1,000 async streams | ≤ 50 KB | {verdict(per_stream / 1e3, 50, ' KB', '{:.1f}')} |" if per_stream else "| 5. | | not measured |",
        f"| 6. `rillet providers`, 20 plugins ({clock}; {other} {providers[1 - which]:.0f} ms) | ≤ 150 ms | {verdict(providers[which], 150, ' ms', '{:.0f}')} |" if providers else "| 6. | | not measured |",
    ]


def chart(path: Path, stream: dict[str, Any], tokens: int, series: dict[int, Any]) -> None:
    """Bars: µs per token of each contender; lines: each rillet path by answer length."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [name for name in stream if median_us(stream[name], tokens) is not None]
    values = [median_us(stream[name], tokens) or 0.0 for name in names]
    figure, (bars, lines) = plt.subplots(1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [3, 2]})
    colours = ["tab:orange" if name.startswith("rillet") else "tab:gray" if name.startswith(("naive", "httpx")) else "tab:blue" for name in names]
    bars.barh(names[::-1], values[::-1], color=colours[::-1])
    bars.set_xscale("log")
    bars.set_xlabel(f"µs per token ({tokens:,}-token stream, log scale; lower is better)")
    for index, value in enumerate(values[::-1]):
        bars.text(value, index, f" {value:.1f}", va="center", fontsize=8)
    sizes = sorted(series)
    for name in ["naive", *RILLET_PATHS]:
        points = [(size, median_us(series[size].get(name, {}), size)) for size in sizes]
        shown = [(size, value) for size, value in points if value is not None]
        if shown:
            lines.plot([size for size, _ in shown], [value for _, value in shown], marker="o", label=name)
    lines.set_xscale("log")
    lines.set_ylim(bottom=0)
    lines.set_xlabel("answer length (tokens)")
    lines.set_ylabel("µs per token")
    lines.legend(fontsize=8)
    lines.set_title("cost per token by answer length", fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(HERE.parent / "docs" / "performance.md"), help="the page to write (the chart goes beside it)")
    parser.add_argument("--tokens", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scaling", default="2000,20000,200000")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="cpu")
    parser.add_argument("--streams", type=int, default=1000, help="concurrent streams of the memory figure (default: 1000)")
    parser.add_argument("--only", default="", help="comma-separated contenders of the main table (default: all)")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--results", default=str(HERE / "results.json"), help="where the raw figures are saved (default: bench/results.json, not committed)")
    parser.add_argument("--rewrite", action="store_true", help="write the page again from --results (after editing the notes), measuring nothing")
    parser.add_argument(
        "--startup-python",
        help="the interpreter of the start-up figures (default: --python); a venv holding only rillet and its "
        "plugins measures what a rillet user starts, without the peers' dependencies (h2, rich …) that httpx imports when present",
    )
    parser.add_argument("--startup-only", action="store_true", help="measure the start-up figures again into --results, then write the page")
    args = parser.parse_args()
    startup_python = args.startup_python or args.python
    if args.rewrite or args.startup_only:
        saved = json.loads(Path(args.results).read_text())
        if args.startup_only:
            server = run.Server(args.python, args.tokens, "chunked")
            try:
                saved["start"] = startup_figures(startup_python, server.url, args.repeat)
            finally:
                server.close()
            saved["startup_python"] = startup_python
            Path(args.results).write_text(json.dumps(saved, default=str))
        write_page(args, saved)
        return
    options = argparse.Namespace(python=args.python, repeat=args.repeat, warmup=2, timeout=900, clock=args.clock)
    names = [name for name in MAIN if name in CONTENDERS and (not args.only or name in args.only.split(","))]
    server = run.Server(args.python, args.tokens, "chunked")
    try:
        environment = run.environment(args.python)
        stream = run.run_suite(names, options, server.url, args.tokens, 3, label="stream")
        sizes = [int(size) for size in args.scaling.split(",")]
        scaled = ["naive", *RILLET_PATHS]
        series = {size: run.run_suite(scaled, options, server.url, size, 3 if size <= 20000 else 1, label=f"{size:,} tokens") for size in sizes}
        start = startup_figures(startup_python, server.url, args.repeat)
        many = {name: concurrency(args.python, server.origin, name, args.streams) for name in ("rillet", "naive-async")}
    finally:
        server.close()
    saved = {"environment": environment, "stream": stream, "series": series, "start": start, "many": many, "startup_python": startup_python}
    Path(args.results).write_text(json.dumps(saved, default=str))
    write_page(args, saved)


def write_page(args: argparse.Namespace, saved: dict[str, Any]) -> None:
    """Write the page and its chart from the figures of one run (as saved in ``--results``)."""
    environment, stream, many, startup_python = saved["environment"], saved["stream"], saved["many"], saved["startup_python"]
    series = {int(size): figures for size, figures in saved["series"].items()}
    start = {label: tuple(pair) for label, pair in saved["start"].items()}
    out = Path(args.out)
    chart(out.parent / CHART, stream, args.tokens, series)
    clock = "CPU time of the client process" if args.clock == "cpu" else "wall time"
    notes = (HERE / "performance-notes.md").read_text()
    lines = [
        "# Performance",
        "",
        "<!-- Generated by `python bench/report.py` (bench/report.py); edit bench/performance-notes.md, then run it again. -->",
        "",
        "What rillet costs per streamed token, against the raw httpx loop (`iter_lines` + `json.loads`,",
        "the baseline of every ratio) and the SDKs people use instead, measured side by side in one run",
        "on a loopback server (`bench/`). Issue 12 set the goals below.",
        "",
        *[f"- {line}" for line in environment],
        f"- Streams: {args.tokens:,} tokens, one HTTP chunk per event; {args.repeat} fresh processes per contender, "
        f"median of 3 timed streams each after 2 warm-ups; {clock}.",
        "",
        "## Goals",
        "",
        *goals_table(stream, args.tokens, series, start, many, args.clock),
        "",
        f"![µs per token by contender, and by answer length]({CHART})",
        "",
        "## Per token",
        "",
        *run.per_token_table(stream, args.tokens, "naive", "µs per token (lower is better); × the raw sync loop:"),
        "",
        "## By answer length",
        "",
        *run.scaling_table(series, "naive"),
        "",
        "## Start-up",
        "",
        f"Median of {args.repeat} runs after one untimed run (which writes the bytecode caches), wall and CPU",
        f"(user + system) of the whole process; the server answers at once. Interpreter: `{startup_python}`.",
        "",
        "| command | wall ms | CPU ms |",
        "|---|---:|---:|",
        *[f"| {label} | {wall:.0f} | {cpu:.0f} |" for label, (wall, cpu) in start.items()],
        "",
        f"## {args.streams:,} concurrent async streams",
        "",
        "Resident memory over the process's own once every stream is open (each answer held after its",
        "first token), per stream; then the same number of 200-token answers at once, end to end.",
        "",
        "| client | KB per open stream | seconds to open all | tokens/s over all streams |",
        "|---|---:|---:|---:|",
        *[
            f"| {name} | {entry['bytes_per_stream'] / 1e3:.1f} | {entry['seconds_to_open_all']:.1f} | {entry['tokens_per_second']:,.0f} |"
            if entry.get("status") == "ok"
            else f"| {name} | {entry.get('status')}: {entry.get('detail', '')[:80]} | | |"
            for name, entry in many.items()
        ],
        "",
        notes.strip(),
        "",
    ]
    out.write_text("\n".join(lines))
    print(f"wrote {out} and {out.parent / CHART}")


if __name__ == "__main__":
    main()
