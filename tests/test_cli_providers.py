"""``rillet providers``, ``models``, ``plugins``, the group itself, and broken plugins."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Iterator

import click
import pytest
from cli_support import run
from distributions import write_distribution

import rillet
from rillet import _discovery
from rillet.cli import cli
from rillet.hookspecs import hookimpl


# the group ----------------------------------------------------------------------------


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"rillet {rillet.__version__}"


def test_help_lists_builtin_commands() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for name in ("providers", "models", "plugins", "chat", "keys", "replay", "install", "uninstall"):
        assert f"  {name} " in result.stdout


def _all_commands(group: click.Group, prefix: str = "rillet") -> Iterator[tuple[str, click.Command]]:
    for name in group.list_commands(click.Context(group)):
        command = group.commands[name]
        yield f"{prefix} {name}", command
        if isinstance(command, click.Group):
            yield from _all_commands(command, f"{prefix} {name}")


def test_every_command_and_option_has_help_with_examples_and_defaults() -> None:
    commands = list(_all_commands(cli))
    assert len(commands) >= 12
    for path, command in commands:
        assert command.help and command.help.strip(), path
        assert "Examples:" in command.help, f"{path} has no Examples block"
        for param in command.params:
            if isinstance(param, click.Option) and param.name != "help":
                assert param.help, f"{path} {param.opts} has no help"
                assert "default" in param.help.lower() or param.show_default, f"{path} {param.opts} hides its default"


def test_cli_import_and_help_stay_light() -> None:
    """``rillet --help`` imports no plugin, pydantic or httpx."""
    script = textwrap.dedent(
        """
        import sys
        from rillet.cli import main
        try:
            main(["--help"])
        except SystemExit as exit:
            assert exit.code == 0, exit.code
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in {"pydantic", "httpx", "yaml"} or m.startswith("rillet_"))
        print(",".join(heavy) or "none")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "none"


# providers ------------------------------------------------------------------------------


def test_providers_table_shows_fake_provider_and_key_state(fake_plugin: None) -> None:
    result = run("providers")
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if line.startswith("fake "))
    assert "set (FAKE_API_KEY)" in line
    assert "reasoning, usage_in_stream" in line
    assert "replay" in result.stdout
    assert "sk-fake-SECRET-123" not in result.output


def test_providers_json(fake_plugin: None, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run("providers", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    fake = next(p for p in data["providers"] if p["name"] == "fake")
    assert fake["models"] == ["fake-1"]
    assert fake["key"] == {"needed": True, "set": True, "source": "env", "env_var": "FAKE_API_KEY"}
    assert fake["capabilities"]["reasoning"] is True and fake["capabilities"]["tools"] is False
    replay = next(p for p in data["providers"] if p["name"] == "replay")
    assert replay["plugin"] == "rillet" and replay["plugin_version"] == rillet.__version__
    assert replay["key"]["needed"] is False
    assert data["failed"] == []
    assert "sk-fake-SECRET-123" not in result.stdout

    monkeypatch.delenv("FAKE_API_KEY")
    fake = next(p for p in json.loads(run("providers", "--json").stdout)["providers"] if p["name"] == "fake")
    assert fake["key"]["set"] is False
    assert run("keys", "set", "fake", "--value", "sk-stored-456").exit_code == 0
    fake = next(p for p in json.loads(run("providers", "--json").stdout)["providers"] if p["name"] == "fake")
    assert fake["key"] == {"needed": True, "set": True, "source": "keys file", "env_var": "FAKE_API_KEY"}


# models ---------------------------------------------------------------------------------


class LiveModels:
    """A plugin serving two providers whose models live on a server: one up, one down."""

    @hookimpl
    def rillet_providers(self) -> list[rillet.ProviderInfo]:
        return [
            rillet.ProviderInfo(name="liveup", default_base_url="http://127.0.0.1:1"),
            rillet.ProviderInfo(name="livedown", default_base_url="http://127.0.0.1:2"),
        ]

    @hookimpl
    def rillet_list_models(self, provider: rillet.ProviderInfo, base_url: str) -> list[str] | None:
        if provider.name == "liveup":
            return ["small", f"at {base_url}"]
        if provider.name == "livedown":
            raise rillet.ConnectError("connection refused")
        return None


@pytest.fixture
def live_plugin() -> Iterator[None]:
    _discovery.register_plugin(LiveModels(), name="live-models-test")
    yield
    _discovery.unregister_plugin("live-models-test")


def test_models_lists_every_provider(fake_plugin: None, live_plugin: None) -> None:
    result = run("models")
    assert result.exit_code == 0, result.output
    lines = [line.split()[0] for line in result.stdout.splitlines()]
    assert "fake/fake-1" in lines
    assert "replay/demo" in lines
    assert "liveup/small" in lines
    assert "livedown: no server is running at http://127.0.0.1:2 (connection refused)" in result.stderr
    assert "Traceback" not in result.output


def test_models_for_one_provider_with_base_url(live_plugin: None) -> None:
    result = run("models", "--provider", "liveup", "--base-url", "http://10.0.0.5:1234/")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["liveup/small                    -", "liveup/at http://10.0.0.5:1234  -"]


def test_models_server_down_is_one_line_and_exit_1(live_plugin: None) -> None:
    result = run("models", "--provider", "livedown")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip() == "livedown: no server is running at http://127.0.0.1:2 (connection refused)"


def test_models_json_and_unknown_provider(fake_plugin: None, live_plugin: None) -> None:
    data = json.loads(run("models", "--json").stdout)
    no_capabilities = rillet.Capabilities().as_dict()
    fake_capabilities = {**no_capabilities, "reasoning": True, "usage_in_stream": True}
    assert {"id": "fake/fake-1", "provider": "fake", "model": "fake-1", "live": False, "capabilities": fake_capabilities} in data["models"]
    assert {"id": "liveup/small", "provider": "liveup", "model": "small", "live": True, "capabilities": no_capabilities} in data["models"]
    assert data["errors"][0]["provider"] == "livedown"
    result = run("models", "--provider", "nosuch")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: unknown provider 'nosuch'")


# plugins --------------------------------------------------------------------------------


def test_plugins_lists_core_and_installed_plugins() -> None:
    data = json.loads(run("plugins", "--json").stdout)
    core = data["loaded"][0]
    assert core["distribution"] == "rillet" and core["version"] == rillet.__version__
    assert core["providers"] == ["replay"]
    assert "stream_tokens" in core["hooks"]
    names = {row["name"] for row in data["loaded"]}
    for plugin in _discovery.loaded_plugins():
        assert plugin.name in names
    table = run("plugins").stdout
    assert table.splitlines()[0].split() == ["PLUGIN", "DISTRIBUTION", "VERSION", "PROVIDERS"]
    assert "rillet (core)" in table


# a broken plugin ------------------------------------------------------------------------


@pytest.fixture
def broken_plugins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Installed entry points plus two broken ones: a missing module and one raising on import."""
    (tmp_path / "rillet_cli_test_exploding.py").write_text("raise RuntimeError('plugin exploded on import')\n")
    write_distribution(tmp_path, "zz-broken", {"zz-missing": "rillet_cli_test_no_such_module", "zz-exploding": "rillet_cli_test_exploding"})
    monkeypatch.syspath_prepend(str(tmp_path))
    _discovery.reset_plugins()
    yield
    _discovery.reset_plugins()


def test_failing_plugins_are_listed_and_the_cli_still_works(broken_plugins: None) -> None:
    result = run("providers")
    assert result.exit_code == 0, result.output
    assert "replay" in result.stdout
    assert "zz-missing (zz-broken): ModuleNotFoundError: No module named 'rillet_cli_test_no_such_module'" in result.stderr
    assert "zz-exploding (zz-broken): RuntimeError: plugin exploded on import" in result.stderr

    data = json.loads(run("providers", "--json").stdout)
    failed = {item["name"]: item["error"] for item in data["failed"]}
    assert failed["zz-exploding"] == "RuntimeError: plugin exploded on import"
    assert "zz-missing" in failed

    plugins = run("plugins")
    assert plugins.exit_code == 0
    assert "zz-exploding (zz-broken): RuntimeError: plugin exploded on import" in plugins.stderr
    assert json.loads(run("plugins", "--json").stdout)["failed"][0]["name"] in {"zz-missing", "zz-exploding"}

    models = run("models")
    assert models.exit_code == 0 and "replay/demo" in models.stdout
    assert run("keys", "path").exit_code == 0


@pytest.mark.parametrize("command", ["providers", "plugins", "models"])
def test_every_command_reports_failed_plugins_on_stderr_only(broken_plugins: None, command: str) -> None:
    result = run(command)
    assert result.exit_code == 0, result.output
    assert "zz-exploding" not in result.stdout
    assert "zz-exploding (zz-broken): RuntimeError: plugin exploded on import" in result.stderr
    assert "Traceback" not in result.stderr


def test_debug_shows_the_import_traceback_of_a_failed_plugin(broken_plugins: None) -> None:
    result = run("plugins", "--debug")
    assert result.exit_code == 0, result.output
    assert "Traceback (most recent call last)" in result.stderr
    assert "rillet_cli_test_exploding.py" in result.stderr


def test_a_provider_whose_plugin_failed_to_load_says_so(broken_plugins: None) -> None:
    result = run("chat", "-m", "zz-exploding/some-model", "hi")
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1
    assert "unknown provider" not in line and "install the plugin" not in line
    assert "its plugin 'zz-exploding' (zz-broken) is installed but failed to load: RuntimeError: plugin exploded on import" in line
    assert "`rillet plugins`" in line and "--debug" in line


def test_debug_chains_the_import_error_to_the_provider_error(broken_plugins: None) -> None:
    result = run("--debug", "chat", "-m", "zz-exploding/some-model", "hi")
    assert isinstance(result.exception, rillet.UnknownProviderError)
    cause = result.exception.__cause__
    assert isinstance(cause, RuntimeError) and cause.__traceback__ is not None


def test_an_unknown_provider_mentions_the_plugins_that_failed(broken_plugins: None) -> None:
    result = run("chat", "-m", "nosuch/x", "hi")
    assert result.exit_code == 2
    assert "unknown provider 'nosuch'" in result.stderr
    assert "plugins that failed to load: zz-exploding, zz-missing" in result.stderr


def test_rillet_plugins_naming_no_plugin_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RILLET_PLUGINS", "openai,nosuch")
    _discovery.reset_plugins()
    try:
        result = run("providers")
        assert result.exit_code == 0, result.output
        warning = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
        assert len(warning) == 1
        assert "RILLET_PLUGINS names no installed plugin: nosuch (installed: anthropic, gemini, ollama, openai" in warning[0]
        assert "openai" in result.stdout
    finally:
        _discovery.reset_plugins()


def test_rillet_plugins_naming_no_plugin_warns_python_users_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RILLET_PLUGINS", "nosuch")
    _discovery.reset_plugins()
    try:
        with pytest.warns(_discovery.PluginSelectionWarning, match="names no installed plugin: nosuch"):
            assert list(rillet.providers()) == ["replay"]
    finally:
        _discovery.reset_plugins()


class _ProvidersRaise:
    @hookimpl
    def rillet_providers(self) -> list[rillet.ProviderInfo]:
        raise ValueError("bad manifest")


def test_plugin_whose_providers_hook_raises_is_reported() -> None:
    _discovery.reset_plugins()
    _discovery.register_plugin(_ProvidersRaise(), name="raising-providers-test")
    try:
        result = run("providers", "--json")
        assert result.exit_code == 0
        failed = json.loads(result.stdout)["failed"]
        assert failed == [
            {"name": "raising-providers-test", "distribution": None, "error": "rillet_providers() raised ValueError: bad manifest"}
        ]
    finally:
        _discovery.reset_plugins()


# plugin commands ------------------------------------------------------------------------


class CommandsPlugin:
    def __init__(self) -> None:
        self.calls = 0

    @hookimpl
    def rillet_commands(self, cli: click.Group) -> None:
        self.calls += 1

        @cli.command(name="hello-test")
        @click.argument("name")
        def hello(name: str) -> None:
            """Say hello (a plugin command)."""
            click.echo(f"hello {name} from a plugin")

        @cli.command(name="chat")
        def hijack() -> None:
            """A plugin may not replace a built-in."""
            click.echo("hijacked")


@pytest.fixture
def commands_plugin() -> Iterator[CommandsPlugin]:
    plugin = CommandsPlugin()
    _discovery.reset_plugins()
    _discovery.register_plugin(plugin, name="commands-test")
    before = set(cli.commands)
    yield plugin
    for name in set(cli.commands) - before:
        del cli.commands[name]
    _discovery.reset_plugins()


def test_plugin_commands_load_only_when_needed(commands_plugin: CommandsPlugin) -> None:
    assert run("--help").exit_code == 0
    assert run("providers").exit_code == 0
    assert run("keys", "path").exit_code == 0
    assert commands_plugin.calls == 0  # built-ins never call rillet_commands

    result = run("hello-test", "world")
    assert result.exit_code == 0, result.output
    assert result.stdout == "hello world from a plugin\n"
    assert commands_plugin.calls == 1
    assert "may not replace the built-in command 'chat'" in result.stderr

    assert run("hello-test", "again").exit_code == 0
    assert commands_plugin.calls == 1  # once per process
    assert "Stream an answer" in run("chat", "--help").stdout  # the built-in chat is intact


def test_unknown_command_is_a_usage_error() -> None:
    result = run("no-such-command")
    assert result.exit_code == 2
    assert "No such command 'no-such-command'" in result.stderr


def test_a_folder_a_command_cannot_use_is_one_line_not_unexpected(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    result = run("plugin", "new", "acme", "--directory", str(tmp_path / "a-file" / "sub"))
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and "unexpected" not in line
    assert line.startswith("Error: Not a directory (") and "a-file" in line


def test_models_show_each_models_own_capabilities() -> None:
    result = run("models", "--provider", "openai")
    assert result.exit_code == 0, result.output
    shown = {line.split()[0]: line.split(None, 1)[1] for line in result.stdout.splitlines()}
    assert shown["openai/gpt-4o"] == "tools, parallel_tools, usage_in_stream, vision"  # no reasoning
    assert shown["openai/o3"] == "tools, parallel_tools, reasoning, usage_in_stream, vision"
    data = json.loads(run("models", "--provider", "openai", "--json").stdout)
    by_id = {item["id"]: item["capabilities"] for item in data["models"]}
    assert by_id["openai/gpt-4o"]["reasoning"] is False and by_id["openai/o3"]["reasoning"] is True


def test_providers_say_which_capabilities_only_some_models_have() -> None:
    result = run("providers")
    row = next(line for line in result.stdout.splitlines() if line.startswith("ollama "))
    assert row.endswith("tools, parallel_tools, reasoning, usage_in_stream, vision (some models)")
    data = json.loads(run("providers", "--json").stdout)
    ollama = next(item for item in data["providers"] if item["name"] == "ollama")
    assert ollama["capabilities"]["vision"] is False and ollama["model_capabilities"]["llava*"]["vision"] is True
