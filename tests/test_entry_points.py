"""Discovery reads entry points straight from the installed distributions, with
``importlib.metadata``'s rules (and hands it the question where it cannot follow them)."""

from __future__ import annotations

import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from distributions import write_distribution

from rillet import _entry_points
from rillet._entry_points import PluginEntryPoint, entry_points


def _importlib_view(group: str) -> list[tuple[str, str, str | None, str | None]]:
    found = metadata.entry_points(group=group)
    return sorted((ep.name, ep.value, ep.dist.name if ep.dist else None, ep.dist.version if ep.dist else None) for ep in found)


def _our_view(group: str) -> list[tuple[str, str, str | None, str | None]]:
    return sorted((ep.name, ep.value, ep.distribution, ep.version) for ep in entry_points(group))


@pytest.mark.parametrize("group", ["rillet", "console_scripts", "pytest11", "no-such-group"])
def test_the_installed_entry_points_are_exactly_importlib_metadatas(group: str) -> None:
    assert _our_view(group) == _importlib_view(group)


def test_the_rillet_group_holds_the_shipped_plugins() -> None:
    shipped = {ep.name: ep.distribution for ep in entry_points("rillet")}
    assert shipped["openai"] == "rillet-openai" and shipped["anthropic"] == "rillet-anthropic"


def test_the_first_distribution_of_a_name_on_sys_path_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    write_distribution(first, "rillet-twice", {"twice": "first_module"}, version="2.0")
    write_distribution(second, "rillet_twice", {"twice": "second_module", "only-in-second": "x"}, version="1.0")
    monkeypatch.syspath_prepend(str(second))
    monkeypatch.syspath_prepend(str(first))
    ours = [ep for ep in entry_points("rillet") if ep.distribution in ("rillet-twice", "rillet_twice")]
    assert ours == [PluginEntryPoint("twice", "first_module", "rillet-twice", "2.0")]
    assert _our_view("rillet") == _importlib_view("rillet")


def test_an_egg_info_directory_is_read_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    info = tmp_path / "rillet_legacy.egg-info"
    info.mkdir()
    (info / "PKG-INFO").write_text("Metadata-Version: 1.2\nName: rillet-legacy\nVersion: 0.3\n\n")
    (info / "entry_points.txt").write_text("# a comment\n[console_scripts]\nx = y\n\n[rillet]\nlegacy = rillet_legacy.plugin:hooks\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert PluginEntryPoint("legacy", "rillet_legacy.plugin:hooks", "rillet-legacy", "0.3") in entry_points("rillet")
    assert _our_view("rillet") == _importlib_view("rillet")


def test_a_zip_on_sys_path_is_left_to_importlib_metadata(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "zipped.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("rillet_zipped-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: rillet-zipped\nVersion: 1.0\n\n")
        zipped.writestr("rillet_zipped-1.0.dist-info/entry_points.txt", "[rillet]\nzipped = rillet_zipped\n")
    monkeypatch.syspath_prepend(str(archive))
    assert PluginEntryPoint("zipped", "rillet_zipped", "rillet-zipped", "1.0") in entry_points("rillet")
    assert _our_view("rillet") == _importlib_view("rillet")


def test_a_finder_of_distributions_of_its_own_is_left_to_importlib_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    class Finder:
        def find_spec(self, *args: object) -> None:
            return None

        def find_distributions(self, *args: object, **kwargs: object) -> list[object]:
            return []

    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, Finder()])
    asked: list[str] = []
    real = _entry_points._from_importlib_metadata
    monkeypatch.setattr(_entry_points, "_from_importlib_metadata", lambda group: asked.append(group) or real(group))
    assert _our_view("rillet") == _importlib_view("rillet")
    assert asked == ["rillet"]


def test_load_follows_the_module_attribute_path_and_ignores_extras(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "rillet_loadable.py").write_text("class Hooks:\n    inner = 'found'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert PluginEntryPoint("x", "rillet_loadable:Hooks.inner [extra]", None, None).load() == "found"
    assert PluginEntryPoint("x", "rillet_loadable", None, None).load().__name__ == "rillet_loadable"
    with pytest.raises(ValueError, match="names no module"):
        PluginEntryPoint("x", "not a module!", None, None).load()
