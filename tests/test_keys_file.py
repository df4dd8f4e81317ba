"""The keys file: owner-only from its first byte, in an owner-only directory, never through a link."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any, Iterator

import pytest

import rillet
from rillet import _keys

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RILLET_HOME", str(tmp_path / "home" / "rillet"))
    return tmp_path / "home" / "rillet"


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_the_directory_and_the_file_are_owner_only_under_umask_000(home: Path, open_umask: None) -> None:
    path = _keys.save_key("openai", "sk-test-0123456789")
    assert path == home / "keys.json"
    assert mode(home) == 0o700
    assert mode(path) == 0o600
    assert _keys.load_keys() == {"openai": "sk-test-0123456789"}


def test_the_key_is_never_written_into_a_file_others_can_read(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home.mkdir(parents=True)
    existing = home / "keys.json"
    existing.write_text(json.dumps({"anthropic": "sk-ant-old"}))
    existing.chmod(0o644)
    modes_when_written: list[int] = []
    real_dump = json.dump

    def watching_dump(value: Any, file: Any, **kwargs: Any) -> None:
        real_dump(value, file, **kwargs)
        file.flush()
        modes_when_written.append(stat.S_IMODE(os.fstat(file.fileno()).st_mode))

    monkeypatch.setattr(_keys.json, "dump", watching_dump)
    path = _keys.save_key("openai", "sk-test-0123456789")
    assert modes_when_written == [0o600]
    assert mode(path) == 0o600
    assert _keys.load_keys() == {"anthropic": "sk-ant-old", "openai": "sk-test-0123456789"}
    assert [entry.name for entry in home.iterdir()] == ["keys.json"]  # no temporary file left behind


def test_a_symlink_at_the_keys_path_is_refused_not_followed(home: Path, tmp_path: Path) -> None:
    home.mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text("{}")
    (home / "keys.json").symlink_to(elsewhere)
    with pytest.raises(rillet.ConfigurationError, match="is a symbolic link"):
        _keys.save_key("openai", "sk-test-0123456789")
    assert elsewhere.read_text() == "{}"
    assert (home / "keys.json").is_symlink()


def test_a_dangling_symlink_is_refused_too(home: Path, tmp_path: Path) -> None:
    home.mkdir(parents=True)
    (home / "keys.json").symlink_to(tmp_path / "created-through-the-link.json")
    with pytest.raises(rillet.ConfigurationError):
        _keys.save_key("openai", "sk-test-0123456789")
    assert not (tmp_path / "created-through-the-link.json").exists()
