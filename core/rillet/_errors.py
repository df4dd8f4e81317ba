"""The error hierarchy: every failure rillet reports is one of these.

::

    RilletError
    ├── LocalProtocolError ............ the caller misused an API (fed a closed decoder, …)
    ├── ConfigurationError
    │   ├── MissingKeyError ........... missing_key
    │   ├── UnknownProviderError ...... unknown_provider
    │   └── UnknownModelError ......... unknown_model
    ├── ProviderError ................. the provider answered with an error
    │   ├── AuthenticationError ....... authentication   (401)
    │   ├── PermissionDeniedError ..... permission       (403)
    │   ├── NotFoundError ............. not_found        (404)
    │   ├── BadRequestError ........... bad_request      (400, 413, 422, other 4xx)
    │   │   └── InvalidRequestError ... bad_request      a request body rillet read (a gateway client's)
    │   ├── ContentFilterError ........ content_filter
    │   ├── RateLimitError ............ rate_limit       (429, with retry_after)
    │   ├── QuotaExceededError ........ quota            (402)
    │   ├── OverloadedError ........... overloaded       (529, 503)
    │   └── ServerError ............... server           (5xx, 408)
    ├── TransportError
    │   ├── StreamTimeoutError ........ timeout          (phase: connect, first_token, gap, total)
    │   └── ConnectError .............. connection
    └── StreamError ................... the bytes on the wire were wrong
        ├── TruncatedStreamError ...... truncated
        └── RemoteProtocolError ....... protocol         (a malformed frame; says which bytes)

Which class an HTTP status or a provider's error kind becomes is decided in one place,
:mod:`rillet._error_mapping`. Each class has a stable ``code`` (the ``code`` of an
``error`` event; ``ErrorCode`` lists them all) and a default ``retryable``. An error
raised from a stream carries ``partial``: the message received before the failure, so
nothing already streamed is lost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:
    from ._messages import Message

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConnectError",
    "ContentFilterError",
    "ErrorCode",
    "InvalidRequestError",
    "LocalProtocolError",
    "MissingKeyError",
    "NotFoundError",
    "OverloadedError",
    "PermissionDeniedError",
    "ProviderError",
    "QuotaExceededError",
    "RateLimitError",
    "RemoteProtocolError",
    "RilletError",
    "ServerError",
    "StreamError",
    "StreamTimeoutError",
    "TransportError",
    "TruncatedStreamError",
    "UnknownModelError",
    "UnknownProviderError",
    "error_class_for_code",
]

#: The stable ``code`` of every error class: an ``error`` event's ``code`` is one of these.
ErrorCode = Literal[
    "error",
    "local_protocol",
    "configuration",
    "missing_key",
    "unknown_provider",
    "unknown_model",
    "provider",
    "authentication",
    "permission",
    "not_found",
    "bad_request",
    "content_filter",
    "rate_limit",
    "quota",
    "overloaded",
    "server",
    "transport",
    "timeout",
    "connection",
    "stream",
    "truncated",
    "protocol",
]


class RilletError(Exception):
    """Base class of every error rillet raises.

    Attributes:
        message: what went wrong and what to do next, one line.
        code: the stable machine-readable code (also the ``error`` event's ``code``).
        retryable: whether sending the same request again may succeed.
        status_code: the HTTP status, when the error came from an HTTP response.
        retry_after: seconds the provider asked us to wait, when it said so.
        provider: the provider name, when known.
        partial: the message streamed before the failure (``None`` before any output).
        raw: the provider's error payload, as received (never contains a key).
    """

    code: ClassVar[ErrorCode] = "error"
    default_retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        retryable: bool | None = None,
        status_code: int | None = None,
        retry_after: float | None = None,
        provider: str | None = None,
        partial: Message | None = None,
        raw: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = self.default_retryable if retryable is None else retryable
        self.status_code = status_code
        self.retry_after = retry_after
        self.provider = provider
        self.partial = partial
        self.raw = raw

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class LocalProtocolError(RilletError):
    """The caller used an API out of order, e.g. fed bytes to a closed decoder."""

    code = "local_protocol"


class ConfigurationError(RilletError):
    """rillet cannot start a stream as configured; nothing was sent."""

    code: ClassVar[ErrorCode] = "configuration"


class MissingKeyError(ConfigurationError):
    """No API key was given, stored with ``rillet keys set``, or found in the environment."""

    code = "missing_key"


class UnknownProviderError(ConfigurationError):
    """No installed plugin serves the requested provider."""

    code = "unknown_provider"


class UnknownModelError(ConfigurationError):
    """The provider does not know the requested model."""

    code = "unknown_model"


class ProviderError(RilletError):
    """The provider answered with an error (an HTTP status or an in-band error frame)."""

    code: ClassVar[ErrorCode] = "provider"


class AuthenticationError(ProviderError):
    """The provider rejected the key (HTTP 401)."""

    code = "authentication"


class PermissionDeniedError(ProviderError):
    """The key is valid but may not use this resource (HTTP 403)."""

    code = "permission"


class NotFoundError(ProviderError):
    """The provider has no such model or endpoint (HTTP 404)."""

    code = "not_found"


class BadRequestError(ProviderError):
    """The provider refused the request as malformed (HTTP 400/422)."""

    code = "bad_request"


class InvalidRequestError(BadRequestError):
    """A request body rillet was given to read (a gateway client's) is malformed.

    ``field`` names the bad field as a path (``messages[2].content[0].type``); the message
    starts with it and says what was expected.
    """

    def __init__(self, message: str, *, field: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("status_code", 400)
        super().__init__(message, **kwargs)
        self.field = field


class ContentFilterError(ProviderError):
    """The provider blocked the prompt or the answer for safety."""

    code = "content_filter"


class RateLimitError(ProviderError):
    """Too many requests (HTTP 429); ``retry_after`` says how long to wait when known."""

    code = "rate_limit"
    default_retryable = True


class QuotaExceededError(ProviderError):
    """The account is out of credit or quota; retrying will not help."""

    code = "quota"


class OverloadedError(ProviderError):
    """The provider is temporarily overloaded (HTTP 529/503, Anthropic ``overloaded_error``)."""

    code = "overloaded"
    default_retryable = True


class ServerError(ProviderError):
    """The provider failed (HTTP 5xx)."""

    code = "server"
    default_retryable = True


class TransportError(RilletError):
    """The HTTP exchange itself failed."""

    code: ClassVar[ErrorCode] = "transport"
    default_retryable = True


class StreamTimeoutError(TransportError):
    """A timeout expired; ``phase`` is ``connect``, ``first_token``, ``gap`` or ``total``."""

    code = "timeout"

    def __init__(self, message: str, *, phase: str = "total", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.phase = phase


class ConnectError(TransportError):
    """The connection could not be made or was lost."""

    code = "connection"


class StreamError(RilletError):
    """The bytes received do not form a complete, well-formed stream."""

    code: ClassVar[ErrorCode] = "stream"


class TruncatedStreamError(StreamError):
    """The body ended before the provider's terminal condition; ``partial`` holds what arrived."""

    code = "truncated"
    default_retryable = True


class RemoteProtocolError(StreamError):
    """The provider sent a frame rillet cannot parse; the message quotes the bytes."""

    code = "protocol"


class MalformedFrameError(RemoteProtocolError):
    """A whole frame (a terminated line, a closed JSON element) that is malformed.

    Framing parsers raise it at ``close()`` for a bad frame they found earlier, so the
    stream ends with ``protocol`` as it would have had the next bytes come in another read:
    a frame the body ended *inside* is ``truncated``, a complete bad one is not.
    """


def _all_subclasses(cls: type[RilletError]) -> list[type[RilletError]]:
    found = [cls]
    for sub in cls.__subclasses__():
        found.extend(_all_subclasses(sub))
    return found


def error_class_for_code(code: str) -> type[RilletError]:
    """Return the error class whose ``code`` is ``code`` (``RilletError`` when unknown)."""
    for cls in _all_subclasses(RilletError):
        if cls.code == code:
            return cls
    return RilletError
