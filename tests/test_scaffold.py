"""``rillet plugin new``: the generated package passes the conformance kit before anyone edits it,
in each wire family, and a new provider of the family is a few lines of edits away."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import run
from scaffold_edits import EDITS, apply_edit
from seeded_bugs import SEEDED_BUGS

import rillet
from rillet.scaffold import WIRES, PluginSpec, create_plugin

#: The most lines of generated code an author edits for a new provider of a family (issue 13).
EDIT_BUDGET = 30


def _run_generated_tests(package: Path) -> subprocess.CompletedProcess[str]:
    """pytest over the generated package, in a fresh interpreter, as its author would run it."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("RILLET_", "PYTEST_"))}
    env["PYTHONPATH"] = str(package)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA", str(package)],
        cwd=package, capture_output=True, text=True, env=env, timeout=300,
    )


@pytest.mark.parametrize(
    "spec",
    [
        *(PluginSpec("acme", wire=wire) for wire in WIRES),
        PluginSpec("my-provider", base_url="http://localhost:8080/v1/", key_env_var="MYP_KEY", model="org/model:7b"),
        PluginSpec("my-provider", base_url="http://localhost:8080/v1/", model="org/model:7b", wire="json-array"),
    ],
    ids=[*WIRES, "hyphenated-local-server", "hyphenated-local-server-json-array"],
)
def test_the_generated_plugin_passes_every_kit_test_with_none_skipped(spec: PluginSpec, tmp_path: Path) -> None:
    package = create_plugin(spec, tmp_path)
    done = _run_generated_tests(package)
    summary = done.stdout.strip().splitlines()[-1]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "skipped" not in summary and "xfail" not in summary and "error" not in summary, summary
    passed = int(summary.split()[0])
    assert passed >= 50, summary  # the kit's standard tests over four cassettes, two scenarios, three request tests
    scenarios = [line for line in done.stdout.splitlines() if line.startswith("PASSED") and "::test_scenario_replays[" in line]
    assert len(scenarios) == 2, "the two live scenarios did not both run and pass"
    assert any(line.startswith("PASSED") and "::test_capabilities_match_cassettes" in line for line in done.stdout.splitlines())


@pytest.mark.parametrize("wire", list(WIRES))
def test_a_new_provider_of_each_family_is_at_most_30_edited_lines_away(wire: str, tmp_path: Path) -> None:
    """Other paths, field names and headers than the generated ones: the edit is counted,
    the cassettes are those of the new provider, and the kit passes."""
    package = create_plugin(PluginSpec("acme", wire=wire), tmp_path)
    edited = apply_edit(package, "rillet_acme", EDITS[wire])
    assert 0 < edited <= EDIT_BUDGET, f"{wire}: {edited} lines of generated code edited"
    done = _run_generated_tests(package)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "skipped" not in done.stdout.strip().splitlines()[-1]


def test_the_generated_package_is_named_and_wired_for_discovery(tmp_path: Path) -> None:
    package = create_plugin(PluginSpec("my-provider", model="mp-1"), tmp_path)
    assert package.name == "rillet-my-provider"
    pyproject = (package / "pyproject.toml").read_text()
    assert 'name = "rillet-my-provider"' in pyproject
    assert '[project.entry-points.rillet]\nmy-provider = "rillet_my_provider"' in pyproject
    assert f'"rillet>={rillet.__version__}"' in pyproject
    assert (package / "rillet_my_provider" / "py.typed").exists()
    source = (package / "rillet_my_provider" / "__init__.py").read_text()
    assert 'key_env_var="MY_PROVIDER_API_KEY"' in source and 'default_base_url="https://api.my-provider.example/v1"' in source
    assert "{{" not in "".join(path.read_text() for path in package.rglob("*") if path.is_file())


def test_a_broken_generated_decoder_fails_the_kit(tmp_path: Path) -> None:
    package = create_plugin(PluginSpec("acme"), tmp_path)
    decoder = package / "rillet_acme" / "decoder.py"
    source = decoder.read_text()
    lenient = 'if not self._done:\n            return events + self._end()  # wrong: a cut body would look complete\n'
    decoder.write_text(source.replace("if not self._done:\n", lenient, 1))
    assert decoder.read_text() != source
    done = _run_generated_tests(package)
    assert done.returncode != 0
    assert "FAILED tests/test_rillet_acme_conformance.py::TestAcmeConformance::test_truncation[acme_text#0]" in done.stdout
    assert "ended with 'end'; a body cut before its terminal condition must be an error" in done.stdout


def test_nothing_is_overwritten(tmp_path: Path) -> None:
    create_plugin(PluginSpec("acme"), tmp_path)
    marker = tmp_path / "rillet-acme" / "README.md"
    marker.write_text("mine")
    with pytest.raises(rillet.ConfigurationError, match="already exists; remove it or pass another --directory"):
        create_plugin(PluginSpec("acme"), tmp_path)
    assert marker.read_text() == "mine"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["Mistral"], "is not a plugin name: use lowercase letters"),
        (["two--hyphens"], "is not a plugin name"),
        (["anthropic"], "rillet already ships a provider named 'anthropic'; choose another name"),
        (["acme", "--base-url", "api.acme.com"], "is not an API root URL: give scheme, host and path"),
        (["acme", "--base-url", "https://api.acme.com/v1?key=1"], "is not an API root URL"),
        (["acme", "--key-env-var", "acme-key"], "is not an environment variable name"),
        (["acme", "--model", "has space"], "is not a model name"),
    ],
)
def test_bad_input_is_one_line_saying_what_to_do(arguments: list[str], message: str, tmp_path: Path) -> None:
    result = run("plugin", "new", *arguments, "--directory", str(tmp_path))
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_the_command_says_what_it_made_and_what_to_run_next(tmp_path: Path) -> None:
    result = run("plugin", "new", "acme", "--directory", str(tmp_path), "--base-url", "https://api.acme.dev/v2")
    assert result.exit_code == 0, result.stderr
    assert f"Created {tmp_path / 'rillet-acme'} (16 files) for provider 'acme' at https://api.acme.dev/v2, wire openai-compatible." in result.stdout
    assert "pip install -e '.[test]'" in result.stdout and "pytest" in result.stdout
    cassette = (tmp_path / "rillet-acme" / "cassettes" / "acme_text.yaml").read_text()
    assert "uri: https://api.acme.dev/v2/chat/completions" in cassette


def test_the_wire_option_picks_the_family_and_refuses_unknown_ones(tmp_path: Path) -> None:
    result = run("plugin", "new", "acme", "--wire", "ndjson", "--directory", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert "uri: https://api.acme.example/v1/api/chat" in (tmp_path / "rillet-acme" / "cassettes" / "acme_text.yaml").read_text()
    refused = run("plugin", "new", "other", "--wire", "grpc", "--directory", str(tmp_path))
    assert refused.exit_code == 2 and "grpc" in refused.stderr
    with pytest.raises(rillet.ConfigurationError, match="'grpc' is not a wire family: use one of openai-compatible, sse-events"):
        PluginSpec("other", wire="grpc")


@pytest.mark.parametrize("bug", list(SEEDED_BUGS))
def test_the_kit_catches_each_known_streaming_bug_by_name(bug: str, tmp_path: Path) -> None:
    """Each bug real plugins shipped, seeded into a copy of a shipped decoder, fails the kit
    with a message that names it."""
    from rillet.testing._known_bugs import KNOWN_BUGS

    seeded = SEEDED_BUGS[bug]
    package = create_plugin(PluginSpec("acme", wire=seeded.wire), tmp_path)
    decoder = package / "rillet_acme" / "decoder.py"
    source = decoder.read_text()
    for old, new in seeded.edits:
        assert source.count(old) == 1, f"{bug}: {old!r} is not once in the {seeded.wire} decoder"
        source = source.replace(old, new)
    decoder.write_text(source)
    done = _run_generated_tests(package)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    assert f"known bug: {KNOWN_BUGS[seeded.key][0]}" in done.stdout, done.stdout[-4000:]


def test_declared_usage_needs_evidence_by_default_so_a_dropped_usage_chunk_cannot_hide(tmp_path: Path) -> None:
    """With no expected file listing usage, the kit still fails a plugin that declares
    ``usage_in_stream``: first for the missing evidence, then, with the usage chunk dropped,
    naming that bug."""
    package = create_plugin(PluginSpec("acme"), tmp_path)
    for expected in (package / "tests" / "expected").glob("*.json"):
        data = json.loads(expected.read_text(encoding="utf-8"))
        for outcome in data["interactions"].values():
            outcome.pop("usage", None)
        expected.write_text(json.dumps(data), encoding="utf-8")
    failing = "FAILED tests/test_rillet_acme_conformance.py::TestAcmeConformance::test_capabilities_match_cassettes"
    unlisted = _run_generated_tests(package)
    assert unlisted.returncode == 1 and failing in unlisted.stdout, unlisted.stdout[-3000:]
    assert "capabilities.usage_in_stream is True but no expected file lists the `usage` a cassette streams" in unlisted.stdout

    decoder = package / "rillet_acme" / "decoder.py"
    old, new = SEEDED_BUGS["dropped final usage chunk"].edits[0]
    decoder.write_text(decoder.read_text().replace(old, new))
    dropped = _run_generated_tests(package)
    assert dropped.returncode == 1 and failing in dropped.stdout, dropped.stdout[-3000:]
    assert "capabilities.usage_in_stream is True but no cassette shows it" in dropped.stdout
    assert "known bug: dropped final usage chunk" in dropped.stdout
