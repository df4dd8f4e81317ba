"""Providers a user adds by hand (``rillet providers add``): OpenAI-compatible servers kept
in ``providers.json`` beside the keys file, served by the plugin that speaks their API."""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from ._errors import ConfigurationError
from ._keys import user_dir

__all__ = ["UserProvider", "load_user_providers", "remove_user_provider", "save_user_provider", "user_providers_path"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@dataclass(frozen=True)
class UserProvider:
    """A provider added by the user: ``name`` serves ``name/MODEL`` from ``base_url``.

    Attributes:
        name: the prefix in ``name/model`` (lower case letters, digits, ``.``, ``_``, ``-``).
        base_url: the server's base URL (``https://llm.example.com/v1``).
        key_env_var: the environment variable holding its key; ``None`` for a server without one.
        models: a few model ids to list in ``rillet models``; any other id is passed as given.
        api: the wire format the server speaks; ``"openai-chat"`` (Chat Completions) for now.
    """

    name: str
    base_url: str
    key_env_var: str | None = None
    models: tuple[str, ...] = ()
    api: str = "openai-chat"


def user_providers_path() -> Path:
    """Where ``rillet providers add`` keeps the user's providers."""
    return user_dir() / "providers.json"


def check_provider_name(name: str) -> str:
    """``name`` if it can prefix a model id, else :class:`ConfigurationError` saying what can."""
    if not _NAME.match(name):
        raise ConfigurationError(
            f"a provider name is lower case letters, digits, '.', '_' or '-', starting with a letter or digit; not {name!r}"
        )
    return name


def load_user_providers() -> list[UserProvider]:
    """The user's providers, in file order (none when there is no file).

    A file that is not what ``rillet providers add`` writes raises :class:`ConfigurationError`
    naming it and the entry at fault.
    """
    path = user_providers_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"cannot read {path}: {getattr(exc, 'strerror', None) or type(exc).__name__}") from None
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError:
        raise ConfigurationError(f"{path} is not valid JSON; fix it, or delete it and add the providers again") from None
    entries = data.get("providers") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ConfigurationError(f'{path} must hold {{"providers": [...]}}; fix it, or delete it and add the providers again')
    found = []
    for number, entry in enumerate(entries):
        try:
            found.append(
                UserProvider(
                    name=check_provider_name(str(entry["name"])),
                    base_url=str(entry["base_url"]),
                    key_env_var=str(entry["key_env_var"]) if entry.get("key_env_var") else None,
                    models=tuple(str(model) for model in entry.get("models") or ()),
                    api=str(entry.get("api") or "openai-chat"),
                )
            )
        except (KeyError, TypeError, AttributeError, ConfigurationError) as exc:
            raise ConfigurationError(f"{path}: provider {number} is malformed ({exc}); fix or delete it") from None
    return found


def _write(providers: list[UserProvider]) -> Path:
    path = user_providers_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    entries = [{**asdict(provider), "models": list(provider.models)} for provider in providers]
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".providers-", suffix=".json")
    try:
        with os.fdopen(descriptor, "w") as file:
            json.dump({"providers": entries}, file, indent=2)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return path


def save_user_provider(provider: UserProvider) -> Path:
    """Add ``provider``, or replace the user's provider of the same name; returns the file."""
    others = [existing for existing in load_user_providers() if existing.name != provider.name]
    return _write([*others, provider])


def remove_user_provider(name: str) -> bool:
    """Remove the user's provider ``name``; whether there was one."""
    providers = load_user_providers()
    kept = [provider for provider in providers if provider.name != name]
    if len(kept) == len(providers):
        return False
    _write(kept)
    return True
