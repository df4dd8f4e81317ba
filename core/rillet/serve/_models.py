"""Which models a client's ``model`` names, and what ``GET /v1/models`` lists.

A name is a route of the configuration (several models, tried in order) or a
``provider/model`` id of an installed provider. The ``replay`` provider is fenced in: a
network server must not read arbitrary files, so it plays rillet's bundled demos, and
cassettes under ``replay_dir`` when one is given — never a path outside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._discovery import providers
from .._errors import NotFoundError, RilletError
from .._model import StreamingChatModel, get_model
from ._config import GatewayConfig

__all__ = ["anthropic_model", "anthropic_model_page", "candidates", "model_entry", "model_list"]


def _not_found(name: str, why: str) -> NotFoundError:
    return NotFoundError(f"model {name!r} {why}; GET /v1/models lists what this gateway serves", status_code=404)


def candidates(name: str, config: GatewayConfig) -> list[str]:
    """The model ids to try for ``name``, in order (a route's list, or the name itself)."""
    if name in config.routes:
        return list(config.routes[name])
    if "/" not in name:
        raise _not_found(name, "is neither a route nor PROVIDER/MODEL")
    return [name]


def open_model(model_id: str, config: GatewayConfig) -> StreamingChatModel:
    """The model for ``model_id``; ``NotFoundError`` (404) for anything not served."""
    from .._transport import StreamOptions

    provider, _, name = model_id.partition("/")
    served = "replay/" + _replay_recording(name, config) if provider == "replay" else model_id
    try:
        return get_model(served, options=StreamOptions(max_retries=config.upstream_retries))
    except RilletError as error:
        if provider == "replay":  # the message would show the server's own path
            raise _not_found(model_id, "names a recording no installed plugin can play") from None
        raise _not_found(model_id, f"is not served here ({error.message})") from None


def _replay_recording(name: str, config: GatewayConfig) -> str:
    """The absolute cassette path (``#N`` kept) a replay model may play, or 404."""
    from .._replay import DEMO_DIR

    base, hash_sign, number = name.partition("#")
    if number and not number.isdigit():
        raise _not_found(f"replay/{name}", "has an interaction number that is not a whole number")
    if Path(base).is_absolute() or base.startswith(("/", "\\")):
        raise _not_found(f"replay/{name}", "is an absolute path; name a cassette relative to --replay-dir")
    searched = [(DEMO_DIR, base if base.endswith(".yaml") else f"{base}.yaml")]  # the bundled demos, always
    if config.replay_dir is not None:
        searched.append((Path(config.replay_dir), base))
    for root, relative in searched:
        root = root.resolve()
        path = (root / relative).resolve()
        if path.is_relative_to(root) and path.is_file():
            _check_playable(path, f"replay/{name}")
            return f"{path}{hash_sign}{number}"
    where = "under --replay-dir" if config.replay_dir else "among the bundled demos (start the gateway with --replay-dir to serve cassettes)"
    raise _not_found(f"replay/{name}", f"names no recording {where}")


def _check_playable(path: Path, client_name: str) -> None:
    """404 for a file that is not a cassette, saying so without the server's path."""
    from ..cassettes import load_cassette

    try:
        load_cassette(path)
    except RilletError:
        raise _not_found(client_name, "names a file that is not a vcrpy cassette") from None


def model_list(config: GatewayConfig) -> list[dict[str, Any]]:
    """``GET /v1/models`` entries: every route, then every model of every installed provider."""
    entries = [_entry(name, "rillet-route") for name in config.routes]
    for provider, info in providers().items():
        entries += [_entry(f"{provider}/{model}", provider) for model in info.models]
    return entries


def _entry(model_id: str, owner: str) -> dict[str, Any]:
    """One model as OpenAI's ``GET /v1/models`` lists it."""
    return {"id": model_id, "object": "model", "created": 0, "owned_by": owner}


def model_entry(model_id: str, config: GatewayConfig) -> dict[str, Any] | None:
    """The ``GET /v1/models/{model}`` entry: a listed route or model, or any ``PROVIDER/MODEL``
    of an installed provider (a provider serves more models than it lists, as POST does)."""
    entry = next((entry for entry in model_list(config) if entry["id"] == model_id), None)
    provider, _, name = model_id.partition("/")
    if entry is None and name and provider in providers():
        entry = _entry(model_id, provider)
    return entry


def anthropic_model(entry: dict[str, Any]) -> dict[str, Any]:
    """A ``GET /v1/models`` entry as Anthropic's API shapes a model."""
    return {"type": "model", "id": entry["id"], "display_name": entry["id"], "created_at": "1970-01-01T00:00:00Z"}


def anthropic_model_page(entries: list[dict[str, Any]], limit: int, after_id: str | None, before_id: str | None) -> dict[str, Any]:
    """One page of Anthropic's model list: at most ``limit`` entries after ``after_id`` or
    before ``before_id``, with ``has_more``, ``first_id`` and ``last_id`` (the SDKs page on them)."""
    ids = [entry["id"] for entry in entries]
    if after_id is not None:
        start = ids.index(after_id) + 1 if after_id in ids else len(ids)
        window, has_more = entries[start : start + limit], start + limit < len(entries)
    elif before_id is not None:
        end = ids.index(before_id) if before_id in ids else 0
        window, has_more = entries[max(end - limit, 0) : end], end - limit > 0
    else:
        window, has_more = entries[:limit], limit < len(entries)
    data = [anthropic_model(entry) for entry in window]
    return {
        "data": data,
        "has_more": has_more,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
    }
