"""What a conformance run found: per play, the checks run and the faults, each named."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ConformanceReport", "Finding", "PlayResult"]


@dataclass(frozen=True)
class Finding:
    """One fault: the play (request) that showed it, the check it broke, and what was seen."""

    play: str
    check: str
    message: str

    def __str__(self) -> str:
        return f"FAIL {self.check} ({self.play}): {self.message}"


@dataclass
class PlayResult:
    """One request played: the checks that ran on its answer, the faults, and notes
    (what could not be checked, e.g. a model that answered without calling the tool)."""

    name: str
    checks: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def check(self, name: str, problems: list[str]) -> None:
        """Record that check ``name`` ran, with its ``problems`` (none: it passed)."""
        self.checks.append(name)
        self.findings += [Finding(self.name, name, problem) for problem in problems]


@dataclass
class ConformanceReport:
    """Every play against one server in one format."""

    url: str
    format: str
    model: str
    plays: list[PlayResult] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        """Every fault of every play."""
        return [finding for play in self.plays for finding in play.findings]

    @property
    def ok(self) -> bool:
        """Whether no check failed."""
        return not self.findings

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "url": self.url,
            "format": self.format,
            "model": self.model,
            "ok": self.ok,
            "plays": [
                {
                    "name": play.name,
                    "checks": play.checks,
                    "notes": play.notes,
                    "findings": [{"check": f.check, "message": f.message} for f in play.findings],
                }
                for play in self.plays
            ],
        }

    def lines(self) -> list[str]:
        """The report for a terminal: one line per play, then one per fault."""
        out = [f"rillet conformance {self.url} --format {self.format} (model {self.model})"]
        for play in self.plays:
            failed = sorted({finding.check for finding in play.findings})
            verdict = "FAIL" if failed else "ok"
            passed = [name for name in play.checks if name not in failed]
            out.append(f"  {play.name:<12}{verdict:<5} {' · '.join(passed) or '-'}")
            out += [f"  {'':<12}note {note}" for note in play.notes]
        out += [str(finding) for finding in self.findings]
        out.append("conforms" if self.ok else f"{len(self.findings)} fault(s)")
        return out
