"""``rillet logs stats``: per-model figures computed from the rows (portable: no SQL
percentile functions, which SQLite lacks)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

__all__ = ["ModelStats", "percentile", "summarise"]


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The ``fraction`` percentile of ``values`` (linear interpolation), ``None`` if empty."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class ModelStats:
    """What the log says about one model over a period."""

    provider: str
    model: str
    streams: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    input_tokens: int = 0
    output_tokens: int = 0
    time_to_first_token_p50: float | None = None
    time_to_first_token_p95: float | None = None
    tokens_per_second: float | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data."""
        return asdict(self)


def summarise(rows: Sequence[tuple[Any, ...]]) -> list[ModelStats]:
    """Stats per model from rows of (provider, model, outcome, input tokens, output tokens,
    time to first token, tokens/s); tokens/s is the median of the streams that report it."""
    groups: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    for row in rows:
        groups.setdefault((row[0], row[1]), []).append(row)
    result: list[ModelStats] = []
    for (provider, model), items in sorted(groups.items()):
        stats = ModelStats(provider=provider, model=model, streams=len(items))
        for item in items:
            stats.outcomes[item[2]] = stats.outcomes.get(item[2], 0) + 1
        stats.input_tokens = sum(item[3] or 0 for item in items)
        stats.output_tokens = sum(item[4] or 0 for item in items)
        first = [float(item[5]) for item in items if item[5] is not None]
        stats.time_to_first_token_p50 = percentile(first, 0.5)
        stats.time_to_first_token_p95 = percentile(first, 0.95)
        stats.tokens_per_second = percentile([float(item[6]) for item in items if item[6] is not None], 0.5)
        result.append(stats)
    return result
