"""Provider descriptions: what a plugin serves. Plain dataclasses, cheap to import."""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Mapping

__all__ = ["Capabilities", "ProviderInfo"]


@dataclass(frozen=True)
class Capabilities:
    """What a provider's streams can contain; the conformance kit checks them against cassettes.

    Attributes:
        tools: tool (function) calls.
        parallel_tools: several tool calls in one response.
        reasoning: reasoning ("thinking") deltas.
        usage_in_stream: token usage reported inside the stream.
        vision: image input.
    """

    tools: bool = False
    parallel_tools: bool = False
    reasoning: bool = False
    usage_in_stream: bool = False
    vision: bool = False

    def as_dict(self) -> dict[str, bool]:
        """The capabilities as a plain mapping."""
        return {
            "tools": self.tools,
            "parallel_tools": self.parallel_tools,
            "reasoning": self.reasoning,
            "usage_in_stream": self.usage_in_stream,
            "vision": self.vision,
        }


@dataclass(frozen=True)
class ProviderInfo:
    """One provider a plugin serves, as returned by the ``rillet_providers`` hook.

    Attributes:
        name: the prefix in ``provider/model`` (``"openai"``).
        description: one line for ``rillet providers``.
        models: well-known model ids; any other id is passed to the provider as given.
        key_env_var: the environment variable holding the API key; ``None`` when the
            provider needs no key (a local server).
        default_base_url: where requests go unless the caller overrides ``base_url``.
        base_url_env_var: an environment variable that overrides the base URL.
        capabilities: what streams can contain, for any model not in ``model_capabilities``.
        model_capabilities: capabilities of the models that differ from the provider's, by
            model id or glob pattern (``"llava*"``); the first match in order wins.
        plugin: the distribution that provides it; filled in by rillet at discovery.
    """

    name: str
    description: str = ""
    models: tuple[str, ...] = ()
    key_env_var: str | None = None
    default_base_url: str = ""
    base_url_env_var: str | None = None
    capabilities: Capabilities = field(default_factory=Capabilities)
    model_capabilities: Mapping[str, Capabilities] = field(default_factory=dict)
    plugin: str | None = None
    plugin_version: str | None = None

    @property
    def needs_key(self) -> bool:
        """Whether streaming needs an API key."""
        return self.key_env_var is not None

    def capabilities_for(self, model: str) -> Capabilities:
        """The capabilities of ``model``: its entry in ``model_capabilities``, else the provider's."""
        for pattern, capabilities in self.model_capabilities.items():
            if fnmatchcase(model, pattern):
                return capabilities
        return self.capabilities
