"""The contract is typed: public names re-export for type checkers, events narrow on
``type``, and the hook implementations carry the hook specifications' types.

The strict check of the whole package (``mypy`` with ``[tool.mypy]`` of ``pyproject.toml``)
runs in ``.ci/run``; here mypy checks only the example and its failing twin.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path
from types import ModuleType

import pydantic
import pytest
from mypy import api as mypy_api

import rillet
import rillet.hookspecs
import rillet.provider
import rillet.testing
from rillet.scaffold import WIRES, PluginSpec, create_plugin

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "tests" / "typechecks" / "check_event_narrowing.py"
PLUGIN_MODULES = ["rillet._builtin"] + [
    f"rillet_{path.name}" for path in sorted((REPO / "plugins").iterdir()) if (path / "pyproject.toml").exists()
]

UNNARROWED = '''\
import rillet


def first_text(model: rillet.StreamingChatModel) -> str:
    for event in model.stream_tokens("hi"):
        return event.text
    return ""


def numbered(model: rillet.StreamingChatModel) -> rillet.TokenStream:
    return model.stream_tokens(42)
'''


def type_checking_imports(module: ModuleType) -> set[str]:
    """The names a module imports under ``if TYPE_CHECKING:`` (what type checkers see)."""
    tree = ast.parse(Path(module.__file__ or "").read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom):
                    names.update(alias.asname or alias.name for alias in statement.names)
    return names


@pytest.mark.parametrize(("module", "extra"), [(rillet, {"__version__"}), (rillet.provider, set()), (rillet.testing, set())])
def test_all_is_a_literal_list_of_exactly_the_lazy_exports(module: ModuleType, extra: set[str]) -> None:
    exports = set(module._EXPORTS)  # type: ignore[attr-defined]
    assert module.__all__ == sorted(exports | extra)
    assert type_checking_imports(module) == exports
    source = ast.parse(Path(module.__file__ or "").read_text(encoding="utf-8"))
    assigned = [node.value for node in source.body if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "__all__"]
    assert [type(value) for value in assigned] == [ast.List], "__all__ must be a literal list for type checkers"


@pytest.fixture(scope="module")
def mypy_errors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """mypy's errors (strict, rillet's configuration) on the example, on the same loop
    without the ``if``, and on a freshly scaffolded plugin of each wire family: one run, by what was checked."""
    folder = tmp_path_factory.mktemp("mypy")
    unnarrowed = folder / "unnarrowed.py"
    unnarrowed.write_text(UNNARROWED, encoding="utf-8")
    scaffolded = [  # one package per wire family, named apart so mypy sees four modules
        create_plugin(PluginSpec(f"acme-{number}", wire=wire), folder) / f"rillet_acme_{number}"
        for number, wire in enumerate(WIRES)
    ]
    stdout, stderr, _ = mypy_api.run([
        "--config-file", str(REPO / "pyproject.toml"),
        "--cache-dir", str(folder / "cache"),
        "--no-error-summary",
        str(EXAMPLE),
        str(unnarrowed),
        *(str(package) for package in scaffolded),
    ])
    assert not stderr, stderr
    errors: dict[str, list[str]] = {"example": [], "unnarrowed": [], "scaffold": []}
    for line in stdout.splitlines():
        path = Path(line.split(":", 1)[0]).resolve()
        kind = "example" if path == EXAMPLE else "unnarrowed" if path == unnarrowed.resolve() else "scaffold"
        errors[kind].append(line)
    return errors


def test_mypy_accepts_the_narrowing_example(mypy_errors: dict[str, list[str]]) -> None:
    assert mypy_errors["example"] == []


def test_mypy_rejects_event_text_without_narrowing(mypy_errors: dict[str, list[str]]) -> None:
    errors = mypy_errors["unnarrowed"]
    assert any('Item "StartEvent" of' in line and 'has no attribute "text"  [union-attr]' in line for line in errors), errors


def test_mypy_rejects_a_prompt_that_is_not_a_prompt(mypy_errors: dict[str, list[str]]) -> None:
    errors = mypy_errors["unnarrowed"]
    assert any('Argument 1 to "stream_tokens" of "StreamingChatModel" has incompatible type "int"' in line for line in errors), errors


def test_a_scaffolded_plugin_passes_the_strict_type_check(mypy_errors: dict[str, list[str]]) -> None:
    assert mypy_errors["scaffold"] == []


def test_an_error_event_code_is_an_error_code() -> None:
    assert rillet.ErrorEvent(code="rate_limit", message="slow").code == "rate_limit"
    with pytest.raises(pydantic.ValidationError, match="literal_error"):
        rillet.ErrorEvent(code="no_such_code", message="x")  # type: ignore[arg-type]


def hook_functions(module_name: str) -> list[tuple[str, inspect.Signature, inspect.Signature]]:
    """(hook name, implementation signature, specification signature) for each hook a module implements."""
    module = importlib.import_module(module_name)
    found = []
    for name, spec in inspect.getmembers(rillet.hookspecs, inspect.isfunction):
        impl = getattr(module, name, None)
        if impl is not None and hasattr(spec, "rillet_spec"):
            found.append((name, inspect.signature(impl), inspect.signature(spec)))
    return found


@pytest.mark.parametrize("module_name", PLUGIN_MODULES)
def test_hook_implementations_carry_the_specification_types(module_name: str) -> None:
    hooks = hook_functions(module_name)
    assert hooks, f"{module_name} implements no hook"
    for name, impl, spec in hooks:
        assert impl.return_annotation == spec.return_annotation, (module_name, name)
        for parameter in impl.parameters.values():
            assert parameter.annotation == spec.parameters[parameter.name].annotation, (module_name, name, parameter.name)


def test_the_type_check_covers_the_core_and_every_plugin() -> None:
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert config["strict"] is True
    plugins = [module for module in PLUGIN_MODULES if module != "rillet._builtin"]
    assert sorted(config["packages"]) == sorted(["rillet", *plugins])
    assert sorted(config["mypy_path"]) == sorted(["core", *(f"plugins/{module.removeprefix('rillet_')}" for module in plugins)])
