"""Gateway settings: routes, the TOML file, what workers receive, and the CLI's errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import run

from rillet import ConfigurationError
from rillet.serve import GatewayConfig, parse_route


def test_a_route_is_a_name_and_models_in_order() -> None:
    assert parse_route("fast=openai/gpt-4o-mini, anthropic/claude-haiku-4-5") == (
        "fast", ("openai/gpt-4o-mini", "anthropic/claude-haiku-4-5")
    )


@pytest.mark.parametrize("text", ["fast", "=openai/x", "fast=", "fast=gpt-4o"])
def test_a_malformed_route_says_what_a_route_is(text: str) -> None:
    with pytest.raises(ConfigurationError, match="PROVIDER/MODEL"):
        parse_route(text)


def test_the_toml_file_is_read_and_options_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_KEY", "from-env")
    path = tmp_path / "gateway.toml"
    path.write_text('api_key_env = "GATEWAY_KEY"\nkeep_alive = 5\n[routes]\nfast = ["openai/a", "anthropic/b"]\n')
    config = GatewayConfig.from_toml(path, keep_alive=2.0, routes={"slow": ("ollama/c",)})
    assert config.api_key == "from-env" and config.keep_alive == 2.0
    assert config.routes == {"fast": ("openai/a", "anthropic/b"), "slow": ("ollama/c",)}
    assert "from-env" not in repr(config)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("keep_alive = ", "not valid TOML"),
        ("colour = 'blue'", "unknown setting(s) colour"),
        ("[routes]\nfast = 'openai/a'", "lists of PROVIDER/MODEL"),
        ("[routes]\nfast = ['gpt']", "not PROVIDER/MODEL"),
    ],
)
def test_a_bad_toml_file_names_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "gateway.toml"
    path.write_text(text)
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        GatewayConfig.from_toml(path)


def test_workers_receive_the_same_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = GatewayConfig(routes={"r": ("openai/a", "openai/b")}, api_key="k", replay_dir=str(tmp_path), cors_origins=("http://x",))
    monkeypatch.setenv("RILLET_SERVE_CONFIG", config.to_env())
    assert GatewayConfig.from_env() == config


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--route", "fast"], "PROVIDER/MODEL"),
        (["--replay-dir", "/no/such/dir"], "does not exist"),
        (["--keep-alive", "0"], "--keep-alive"),
    ],
)
def test_serve_rejects_bad_options_with_exit_2(args: list[str], message: str) -> None:
    result = run("serve", *args)
    assert result.exit_code == 2 and message in result.output


def test_a_serving_worker_freezes_its_start_up_heap_and_collects_young_objects_less_often(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from rillet.serve._uvicorn import GC_THRESHOLD, serving_app

    monkeypatch.setenv("RILLET_SERVE_CONFIG", GatewayConfig(routes={"r": ("openai/a",)}).to_env())
    threshold = gc.get_threshold()
    try:
        app = serving_app()
        assert gc.get_threshold() == (GC_THRESHOLD, *threshold[1:])
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
    assert callable(app)


WARMED = """
import json, sys
from pydantic._internal._mock_val_ser import MockValSer
from rillet._request import ChatRequest
from rillet.serve._uvicorn import serving_app
def loaded():
    return {"httpx": "httpx" in sys.modules, "transport": "rillet._http_transport" in sys.modules,
            "validator": not isinstance(ChatRequest.__pydantic_validator__, MockValSer)}
before = loaded()
serving_app()
print(json.dumps([before, loaded()]))
"""


def test_a_serving_worker_loads_what_its_first_request_would_before_it_comes(tmp_path: Path) -> None:
    # Without it a worker's first answer took about 200 ms more than the next ones.
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "RILLET_HOME": str(tmp_path), "RILLET_SERVE_CONFIG": GatewayConfig(routes={"r": ("openai/a",)}).to_env()}
    done = subprocess.run([sys.executable, "-c", WARMED], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    before, after = json.loads(done.stdout)
    assert before == {"httpx": False, "transport": False, "validator": False}
    assert after == {"httpx": True, "transport": True, "validator": True}


@pytest.mark.parametrize(
    ("after_id", "before_id", "ids", "has_more"),
    [
        (None, None, ["m0", "m1"], True),
        ("m1", None, ["m2", "m3"], True),
        ("m3", None, ["m4"], False),
        (None, "m3", ["m1", "m2"], True),
        (None, "m1", ["m0"], False),
        ("gone", None, [], False),
    ],
)
def test_anthropic_model_pages_go_after_or_before_an_id(after_id: str | None, before_id: str | None, ids: list[str], has_more: bool) -> None:
    from rillet.serve._models import anthropic_model_page

    page = anthropic_model_page([{"id": f"m{n}"} for n in range(5)], 2, after_id, before_id)
    assert [model["id"] for model in page["data"]] == ids and page["has_more"] is has_more
    assert (page["first_id"], page["last_id"]) == ((ids[0], ids[-1]) if ids else (None, None))
