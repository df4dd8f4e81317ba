"""``rillet plugin new``: a provider plugin package that passes the conformance kit as generated.

The package is rendered from ``template/`` (what every plugin has: the hooks, the
expected outcomes, the conformance test class with live scenarios) and ``wires/<wire>/``
(the request builder, the decoder, request tests and hand-written cassettes of one wire
family, see :data:`WIRES`): every file's path and text have their ``{{placeholder}}``
names replaced. Every family streams text, reasoning and parallel tool calls, so
``pip install -e '.[test]' && pytest`` passes, with capability evidence, before the author
changes a line.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ._wires import DEFAULT_WIRE, WIRES, WireFamily

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:  # importlib.resources.abc is new in 3.11
        from importlib.abc import Traversable

__all__ = ["DEFAULT_WIRE", "WIRES", "PluginSpec", "WireFamily", "create_plugin"]

_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
_ENV_VAR = re.compile(r"[A-Z_][A-Z0-9_]*")
_MODEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/-]*")
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


@dataclass(frozen=True)
class PluginSpec:
    """What a new plugin is called and where its provider lives.

    ``name`` is the provider name (``acme`` → distribution ``rillet-acme``, package
    ``rillet_acme``); ``base_url`` the API root the stream's path is appended to;
    ``wire`` the family the plugin starts from (a key of :data:`WIRES`).
    """

    name: str
    base_url: str = ""
    key_env_var: str = ""
    model: str = ""
    wire: str = DEFAULT_WIRE

    def __post_init__(self) -> None:
        from .._errors import ConfigurationError

        if self.wire not in WIRES:
            raise ConfigurationError(f"--wire {self.wire!r} is not a wire family: use one of {', '.join(WIRES)}")
        if not _NAME.fullmatch(self.name):
            raise ConfigurationError(
                f"{self.name!r} is not a plugin name: use lowercase letters, digits and single hyphens, "
                "starting with a letter (e.g. mistral, my-provider)"
            )
        from .._builtin import REPLAY
        from .._model import KNOWN_PLUGINS

        if self.name in KNOWN_PLUGINS or self.name == REPLAY.name:  # rillet's own provider names
            raise ConfigurationError(f"rillet already ships a provider named {self.name!r}; choose another name")
        object.__setattr__(self, "base_url", (self.base_url or f"https://api.{self.name}.example/v1").rstrip("/"))
        object.__setattr__(self, "key_env_var", self.key_env_var or f"{self.name.replace('-', '_').upper()}_API_KEY")
        object.__setattr__(self, "model", self.model or f"{self.name}-chat")
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ConfigurationError(
                f"--base-url {self.base_url!r} is not an API root URL: give scheme, host and path, "
                "e.g. https://api.mistral.ai/v1"
            )
        if not _ENV_VAR.fullmatch(self.key_env_var):
            raise ConfigurationError(f"--key-env-var {self.key_env_var!r} is not an environment variable name (e.g. MISTRAL_API_KEY)")
        if not _MODEL.fullmatch(self.model):
            raise ConfigurationError(f"--model {self.model!r} is not a model name (letters, digits and . _ : @ / -)")

    @property
    def distribution(self) -> str:
        """The pip distribution name, ``rillet-<name>``."""
        return f"rillet-{self.name}"

    @property
    def package(self) -> str:
        """The import package, ``rillet_<name>``."""
        return "rillet_" + self.name.replace("-", "_")

    @property
    def class_name(self) -> str:
        """The CamelCase stem of the generated classes (``my-provider`` → ``MyProvider``)."""
        return "".join(part.capitalize() for part in self.name.split("-"))

    @property
    def family(self) -> WireFamily:
        """The wire family the plugin starts from."""
        return WIRES[self.wire]

    def placeholders(self) -> dict[str, str]:
        """The values the template's ``{{…}}`` names stand for."""
        from .. import __version__
        from ..testing._levels import LATEST_KIT_LEVEL

        return {
            "name": self.name,
            "distribution": self.distribution,
            "package": self.package,
            "Class": self.class_name,
            "base_url": self.base_url,
            "key_env_var": self.key_env_var,
            "model": self.model,
            "rillet_version": __version__,
            "kit_level": str(LATEST_KIT_LEVEL),
            "wire": self.wire,
            "wire_summary": self.family.summary,
            "wire_documentation": self.family.documentation,
            "raw_stop": self.family.raw_stop,
            "raw_tool_calls": self.family.raw_tool_calls,
        }


def create_plugin(spec: PluginSpec, directory: str | Path = ".") -> Path:
    """Write the plugin package for ``spec`` into ``directory/rillet-<name>``; return its path.

    Raises :class:`rillet.ConfigurationError` when that directory already exists (nothing
    is overwritten).
    """
    from .._errors import ConfigurationError

    target = Path(directory) / spec.distribution
    if target.exists():
        raise ConfigurationError(f"{target} already exists; remove it or pass another --directory")
    values = spec.placeholders()
    root = files(__name__)
    for source, relative in _template_files(root / "template", "") + _template_files(root / "wires" / spec.wire, ""):
        path = target / _render(relative.removesuffix(".tmpl"), values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_render(source.read_text(encoding="utf-8"), values), encoding="utf-8")
    return target


def _template_files(folder: Traversable, prefix: str) -> list[tuple[Traversable, str]]:
    found = []
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        relative = f"{prefix}{entry.name}"
        if entry.is_dir():
            if entry.name != "__pycache__":
                found += _template_files(entry, relative + "/")
        elif entry.name.endswith(".tmpl"):
            found.append((entry, relative))
    return found


def _render(text: str, values: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"the scaffold template uses an unknown placeholder {{{{{key}}}}}")
        return values[key]

    return _PLACEHOLDER.sub(replace, text)
