"""Which error class a provider's error is, and what to tell the person: decided once, here.

The rule, for an HTTP error response: **the status decides**, and the provider's error
kind (``error.code``, ``error.type``, Google's ``status`` and ``ErrorInfo.reason``) only
*refines* it where it is more specific — a 400 whose kind says the key is invalid is an
authentication error, a 429 whose kind says the quota is gone is a quota error, but a 401
is an authentication error whatever its body says. ``REFINEMENTS`` lists which classes may
refine which. For an error sent inside a 200 stream there is no status: the first known
kind decides (a numeric code in the payload is read as a status), else it is a server
error.

The tables know the documented vocabularies of OpenAI, Anthropic and Google; a plugin
fills an :class:`ErrorMapping` with its own overrides and hints, and passes its quirks as
extra kinds (an Anthropic "credit balance" message is a ``billing_error``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from ._errors import (
    AuthenticationError,
    BadRequestError,
    ContentFilterError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    ProviderError,
    QuotaExceededError,
    RateLimitError,
    ServerError,
)

__all__ = ["ErrorMapping", "REFINEMENTS", "error_message"]

_BY_STATUS: dict[int, type[ProviderError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: QuotaExceededError,  # payment required: out of credit (OpenRouter)
    403: PermissionDeniedError,
    404: NotFoundError,
    408: ServerError,  # the server gave up waiting (OpenRouter: the upstream timed out)
    413: BadRequestError,
    422: BadRequestError,
    429: RateLimitError,
    503: OverloadedError,
    529: OverloadedError,
}

#: Error kinds of the three documented vocabularies: OpenAI ``error.code`` / ``error.type``,
#: Anthropic ``error.type``, Google RPC ``status`` and ``ErrorInfo.reason``.
_BY_KIND: dict[str, type[ProviderError]] = {
    # OpenAI (and the servers that copy its format)
    "invalid_api_key": AuthenticationError,
    "unauthorized": AuthenticationError,
    "model_not_found": NotFoundError,
    "insufficient_quota": QuotaExceededError,
    "rate_limit_exceeded": RateLimitError,
    "invalid_request_error": BadRequestError,
    "content_filter": ContentFilterError,
    "content_policy_violation": ContentFilterError,
    "image_content_policy_violation": ContentFilterError,
    "server_error": ServerError,
    "internal_error": ServerError,
    "vector_store_timeout": ServerError,
    # Anthropic
    "authentication_error": AuthenticationError,
    "permission_error": PermissionDeniedError,
    "not_found_error": NotFoundError,
    "billing_error": QuotaExceededError,
    "request_too_large": BadRequestError,
    "rate_limit_error": RateLimitError,
    "overloaded_error": OverloadedError,
    "api_error": ServerError,
    "timeout_error": ServerError,
    # Google RPC statuses and ErrorInfo reasons
    "INVALID_ARGUMENT": BadRequestError,
    "FAILED_PRECONDITION": BadRequestError,
    "OUT_OF_RANGE": BadRequestError,
    "UNAUTHENTICATED": AuthenticationError,
    "PERMISSION_DENIED": PermissionDeniedError,
    "NOT_FOUND": NotFoundError,
    "RESOURCE_EXHAUSTED": RateLimitError,
    "CANCELLED": ServerError,
    "INTERNAL": ServerError,
    "UNKNOWN": ServerError,
    "DEADLINE_EXCEEDED": ServerError,
    "UNAVAILABLE": OverloadedError,
    "API_KEY_INVALID": AuthenticationError,
    "API_KEY_EXPIRED": AuthenticationError,
    "API_KEY_SERVICE_BLOCKED": PermissionDeniedError,
    "SERVICE_DISABLED": PermissionDeniedError,
}

#: For each class a status decides, the classes an error kind may refine it to.
REFINEMENTS: dict[type[ProviderError], tuple[type[ProviderError], ...]] = {
    BadRequestError: (
        AuthenticationError, PermissionDeniedError, NotFoundError, QuotaExceededError, ContentFilterError, RateLimitError,
    ),
    PermissionDeniedError: (QuotaExceededError, ContentFilterError),
    RateLimitError: (QuotaExceededError,),
    ServerError: (OverloadedError,),
}

#: What to do next, per class; ``{provider}`` and ``{key_env_var}`` are filled in.
_HINTS: dict[type[ProviderError], str] = {
    AuthenticationError: "check the key ({key_env_var} or `rillet keys set {provider}`)",
    PermissionDeniedError: "the key may not use this model or endpoint",
    NotFoundError: "check the model name (`rillet models {provider}`)",
    RateLimitError: "wait and retry, or lower the request rate",
    QuotaExceededError: "add credit or raise the quota with the provider",
    OverloadedError: "{provider} is overloaded; retry shortly",
}


@dataclass(frozen=True)
class ErrorMapping:
    """A provider's error table: the core's tables with the plugin's overrides on top.

    Attributes:
        statuses: HTTP status → error class, where the provider differs from the core.
        kinds: error kind (code, type, status or reason string) → error class, for kinds
            the core does not know.
        hints: error class → what to do next, replacing the core's hint; ``{provider}``
            and ``{key_env_var}`` are filled in.
        key_env_var: the environment variable the key is read from, named in the
            authentication hint.

    ::

        ERRORS = ErrorMapping(kinds={"credits_exhausted": QuotaExceededError}, key_env_var="ACME_API_KEY")
    """

    statuses: Mapping[int, type[ProviderError]] = field(default_factory=dict)
    kinds: Mapping[str, type[ProviderError]] = field(default_factory=dict)
    hints: Mapping[type[ProviderError], str] = field(default_factory=dict)
    key_env_var: str | None = None

    def status_class(self, status: int) -> type[ProviderError]:
        """The class an HTTP error ``status`` alone decides (any other 5xx: server, 4xx: bad request)."""
        cls = self.statuses.get(status) or _BY_STATUS.get(status)
        if cls is not None:
            return cls
        return ServerError if status >= 500 else BadRequestError

    def kind_class(self, kind: str) -> type[ProviderError] | None:
        """The class an error ``kind`` names, or ``None`` for a kind nobody knows."""
        return self.kinds.get(kind) or _BY_KIND.get(kind)

    def classify(self, status: int | None, kinds: Iterable[str] = ()) -> type[ProviderError]:
        """The error class for an HTTP ``status`` (``None`` in a stream) and error ``kinds``.

        ``kinds`` go most specific first. With a status, a kind wins only where
        :data:`REFINEMENTS` says it refines the status's class; without one (an in-band
        error), the first known kind wins, else :class:`ServerError`.
        """
        named = [cls for cls in map(self.kind_class, kinds) if cls is not None]
        if status is None or status < 400:
            return named[0] if named else ServerError
        decided = self.status_class(status)
        refinements = REFINEMENTS.get(decided, ())
        return next((cls for cls in named if cls in refinements), decided)

    def hint(self, cls: type[ProviderError], provider: str | None) -> str | None:
        """What to do next after an error of class ``cls``, or ``None``."""
        template = self.hints.get(cls) or _HINTS.get(cls)
        if template is None:
            return None
        key_env_var = self.key_env_var or "the provider's key variable"
        return template.format(provider=provider or "PROVIDER", key_env_var=key_env_var)

    def error(
        self,
        cls: type[ProviderError],
        message: str | None,
        *,
        provider: str | None,
        status: int | None = None,
        kind: str | None = None,
        hint: str | None = None,
        retry_after: float | None = None,
        raw: Any = None,
    ) -> ProviderError:
        """An error of class ``cls`` whose text is :func:`error_message` with this table's hint
        (``hint`` replaces it)."""
        text = error_message(provider, message, status=status, kind=kind, hint=hint or self.hint(cls, provider))
        return cls(text, status_code=status, retry_after=retry_after, provider=provider, raw=raw)


def error_message(
    provider: str | None, message: str | None, *, status: int | None = None, kind: str | None = None, hint: str | None = None
) -> str:
    """The one-line text of a provider error: who, where, the provider's words, what to do.

    ``"acme answered HTTP 401 (invalid_api_key): Bad key — check the key (…)"`` for an HTTP
    error; ``"acme reported an error in the stream (server_error): … — …"`` without a status.
    """
    who = provider or "the provider"
    where = f"answered HTTP {status}" if status is not None else "reported an error in the stream"
    label = f" ({kind})" if kind else ""
    text = f"{who} {where}{label}: {message or 'no error message'}"
    return f"{text} — {hint}" if hint else text
