"""A plugin that uses rillet's plugins at import time fails with an error naming it; it
never hangs discovery (whose lock is held while plugins are imported)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from distributions import write_distribution

DISCOVER = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, sys.argv[1])
    from rillet import _discovery
    import rillet

    failed = {plugin.name: plugin.error for plugin in _discovery.failed_plugins()}
    print(json.dumps({"failed": failed, "providers": sorted(rillet.providers())}))
    """
)


@pytest.mark.parametrize("call", ["rillet.providers()", "rillet.get_model('replay/demo')"])
def test_a_plugin_calling_rillet_at_import_time_fails_with_its_name(tmp_path: Path, call: str) -> None:
    (tmp_path / "rillet_eager.py").write_text(f"import rillet\n{call}\n")
    write_distribution(tmp_path, "rillet-eager", {"eager": "rillet_eager"})
    try:
        done = subprocess.run(
            [sys.executable, "-c", DISCOVER, str(tmp_path)], capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"discovery hung on a plugin calling {call} at import time")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    error = report["failed"]["eager"]
    assert error.startswith("LocalProtocolError: plugin 'eager'") and "module level" in error, error
    assert "replay" in report["providers"]  # the other plugins still load
