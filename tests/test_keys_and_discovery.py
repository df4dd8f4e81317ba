"""Keys, plugin discovery, get_model errors and the public surface."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from distributions import write_distribution

import rillet
from rillet import _discovery, _keys


def test_keys_file_is_private_and_resolution_order_is_explicit_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RILLET_HOME", str(tmp_path))
    monkeypatch.delenv("X_KEY", raising=False)
    path = _keys.save_key("x", "from-file")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert _keys.resolve_key("x", "X_KEY") == "from-file"
    monkeypatch.setenv("X_KEY", "from-env")
    assert _keys.resolve_key("x", "X_KEY") == "from-env"
    assert _keys.resolve_key("x", "X_KEY", explicit="given") == "given"


def test_unknown_provider_lists_installed_ones_and_the_package_to_install(fake_plugin: None) -> None:
    with pytest.raises(rillet.UnknownProviderError) as raised:
        rillet.get_model("anthropicc/claude")
    assert "installed:" in raised.value.message and "fake" in raised.value.message
    suggestion = rillet._model._unknown_provider("gemini", {})
    assert "installed: none" in suggestion.message


def test_the_install_command_an_unknown_provider_suggests_works_from_a_clone() -> None:
    """rillet-gemini is not on PyPI: the command names the plugin's directory in this checkout."""
    message = rillet._model._unknown_provider("gemini", {}).message
    command = message.split("`")[1]
    assert command.startswith("rillet install ")
    target = Path(command.removeprefix("rillet install "))
    assert (target / "pyproject.toml").is_file()
    assert 'name = "rillet-gemini"' in (target / "pyproject.toml").read_text()


def test_without_a_source_tree_the_suggestion_is_the_release_wheel(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from rillet import _plugin_sources

    monkeypatch.setattr(_plugin_sources, "SOURCE_PLUGINS", tmp_path)
    command = _plugin_sources.install_command("rillet-gemini")
    assert command.startswith("rillet install dist/rillet_gemini-*.whl") and "scripts/release.sh" in command


def test_a_bare_model_id_is_found_among_known_models(fake_plugin: None) -> None:
    assert rillet.get_model("fake-1").provider == "fake"
    with pytest.raises(rillet.UnknownModelError, match="provider/model"):
        rillet.get_model("no-such-model")


def test_a_plugin_that_fails_to_import_is_reported_and_skipped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "rillet_broken.py").write_text("from os import gone\n")
    write_distribution(tmp_path, "rillet-broken", {"broken": "rillet_broken"})
    monkeypatch.syspath_prepend(str(tmp_path))
    _discovery.reset_plugins()
    try:
        failed = {plugin.name: plugin.error for plugin in _discovery.failed_plugins()}
        assert "cannot import name 'gone'" in failed["broken"]
        assert "replay" in rillet.providers()  # everything else still works
    finally:
        _discovery.reset_plugins()


def test_rillet_plugins_env_selects_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RILLET_PLUGINS", "")
    _discovery.reset_plugins()
    try:
        assert _discovery.loaded_plugins() == []
        assert list(rillet.providers()) == ["replay"]  # the built-in provider stays
    finally:
        monkeypatch.delenv("RILLET_PLUGINS")
        _discovery.reset_plugins()


def test_public_surface_is_sorted_and_resolves() -> None:
    assert rillet.__all__ == sorted(rillet.__all__)
    for name in rillet.__all__:
        assert getattr(rillet, name) is not None, name
    assert (Path(rillet.__file__).parent / "py.typed").exists()


def test_every_public_name_has_a_docstring() -> None:
    for name in rillet.__all__:
        value = getattr(rillet, name)
        if callable(value) and not name.startswith("__"):
            assert (value.__doc__ or "").strip(), name


def test_listing_providers_imports_neither_httpx_nor_pydantic() -> None:
    code = (
        "import sys, rillet._discovery as d; d.providers();"
        "print(sorted(m for m in ('httpx', 'pydantic') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
