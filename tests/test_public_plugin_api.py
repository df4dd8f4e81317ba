"""Plugins use only the public API: ``rillet``, ``rillet.provider`` and ``rillet.testing``.

What our plugins import is what third-party authors copy, so a private import under
``plugins/`` or in the scaffold's output fails here, naming the file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import rillet
import rillet.provider
from rillet.scaffold import WIRES, PluginSpec, create_plugin

REPO = Path(__file__).resolve().parents[1]
PUBLIC_MODULES = {"rillet", "rillet.provider", "rillet.testing", "rillet.cassettes"}


def private_imports(root: Path) -> list[str]:
    """``file:line module`` for every import of rillet outside its public modules."""
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:
                if module.split(".")[0] == "rillet" and module not in PUBLIC_MODULES:
                    found.append(f"{path.relative_to(root)}:{node.lineno} {module}")
    return found


def test_the_checker_catches_a_private_import(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("from rillet._events import TokenEvent\nimport rillet.framing._sse\n")
    assert private_imports(tmp_path) == ["bad.py:1 rillet._events", "bad.py:2 rillet.framing._sse"]


@pytest.mark.parametrize("plugin", sorted(p.name for p in (REPO / "plugins").iterdir() if p.is_dir()))
def test_shipped_plugins_import_only_public_modules(plugin: str) -> None:
    assert private_imports(REPO / "plugins" / plugin) == []


@pytest.mark.parametrize("wire", list(WIRES))
def test_the_scaffold_output_imports_only_public_modules(wire: str, tmp_path: Path) -> None:
    package = create_plugin(PluginSpec("acme", wire=wire), tmp_path)
    assert private_imports(package) == []


def test_the_provider_module_exports_what_it_lists() -> None:
    assert rillet.provider.__all__ == sorted(rillet.provider.__all__)
    for name in rillet.provider.__all__:
        assert getattr(rillet.provider, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        rillet.provider.nope  # noqa: B018


def test_provider_names_are_the_same_objects_as_the_package_roots() -> None:
    for name in set(rillet.provider.__all__) & set(rillet.__all__):
        assert getattr(rillet.provider, name) is getattr(rillet, name), name
