"""``rillet.wire``'s public surface: sorted, documented, importable without a web framework."""

from __future__ import annotations

import subprocess
import sys

import rillet.wire


def test_all_is_sorted_and_every_name_is_documented() -> None:
    assert rillet.wire.__all__ == sorted(rillet.wire.__all__)
    for name in rillet.wire.__all__:
        value = getattr(rillet.wire, name)
        assert (value.__doc__ or "").strip(), name


def test_importing_it_pulls_in_no_web_framework_and_no_plugin() -> None:
    code = "import sys, rillet.wire; print(sorted(m for m in sys.modules if m.split('.')[0] in {'starlette', 'fastapi', 'httpx', 'rillet_openai', 'rillet_anthropic'}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
