"""The gateway's ASGI application (starlette): routes, client key, body limit, CORS."""

from __future__ import annotations

import asyncio
import hmac
import json
import math
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .._errors import AuthenticationError, BadRequestError, NotFoundError, RilletError
from ._config import GatewayConfig
from ._formats import ANTHROPIC_MESSAGES, FORMATS, OPENAI_CHAT, OPENAI_RESPONSES, WireFormat
from ._history import with_history
from ._models import anthropic_model, anthropic_model_page, candidates, model_entry, model_list
from ._relay import RelayResponse, error_response

__all__ = ["create_app"]


class _Answer(Exception):
    """A ready error answer, raised from deep inside a handler."""

    def __init__(self, error: RilletError) -> None:
        self.error = error


def create_app(config: GatewayConfig | None = None) -> Starlette:
    """The gateway as an ASGI app: ``POST /v1/chat/completions``, ``/v1/messages``,
    ``/v1/responses`` and ``GET /v1/models`` in front of every installed provider.

    Mount it in any ASGI server running asyncio (``uvicorn``, ``hypercorn``'s asyncio
    worker); ``rillet serve`` runs it with uvicorn.
    """
    config = config or GatewayConfig()
    routes = [Route(fmt.path, _endpoint(fmt, config), methods=["POST"]) for fmt in FORMATS]
    routes.append(Route("/v1/models", _models_endpoint(config), methods=["GET"]))
    routes.append(Route("/v1/models/{model_id:path}", _model_endpoint(config), methods=["GET"]))
    routes.append(Route("/healthz", _health, methods=["GET"]))
    middleware = []
    if config.cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        middleware.append(
            Middleware(CORSMiddleware, allow_origins=list(config.cors_origins), allow_methods=["GET", "POST"], allow_headers=["*"])
        )
    return Starlette(routes=routes, middleware=middleware, exception_handlers={HTTPException: _no_such_route})


async def _no_such_route(request: Request, exc: Exception) -> Response:
    """A JSON error body (as every answer of the gateway has) for a path or method it does not serve."""
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    served = "POST /v1/chat/completions, /v1/messages or /v1/responses, or GET /v1/models"
    # A bad request of that status: no "model_not_found" code, as OpenAI answers an unknown URL.
    error = BadRequestError(f"this gateway does not serve {request.method} {request.url.path}; it serves {served}", status_code=status)
    fmt = next((fmt for fmt in FORMATS if request.url.path.startswith(fmt.path)), OPENAI_CHAT)
    response = _error(fmt, error)
    if isinstance(exc, HTTPException) and exc.headers:
        response.headers.update(exc.headers)  # Allow, for a 405
    return response


def _endpoint(fmt: WireFormat, config: GatewayConfig) -> Any:
    async def endpoint(request: Request) -> Any:
        try:
            _check_key(request, config)
            body = await _read_body(request, config.max_body_bytes)
            try:
                parsed = json.loads(body, parse_constant=_not_json, parse_float=_finite)
            except ValueError as exc:
                raise _Answer(BadRequestError(f"the request body is not JSON: {exc}", status_code=400)) from None
            client = fmt.read(parsed)
            if fmt is OPENAI_RESPONSES:  # (the log store's lookups block: not on the event loop)
                client = await asyncio.to_thread(with_history, client)
            model_ids = candidates(client.model, config)
        except _Answer as answer:
            return _error(fmt, answer.error)
        except RilletError as error:
            return _error(fmt, error)
        except ClientDisconnect:  # gone before its body was read: nobody to answer
            return Response(status_code=400)
        return RelayResponse(fmt, client, model_ids, config)

    return endpoint


def _not_json(constant: str) -> Any:
    """``NaN`` and ``Infinity`` are refused: Python reads them, but they are not JSON, and
    a provider would refuse the request they went into."""
    raise ValueError(f"{constant} is not a JSON value")


def _finite(text: str) -> float:
    """A JSON number, refused when it overflows to infinity (``1e999``): it would go to the
    provider as ``Infinity``, which is not JSON."""
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text} is out of range for a number")
    return value


def _models_endpoint(config: GatewayConfig) -> Any:
    async def models(request: Request) -> Response:
        fmt = _listing_format(request)
        try:
            _check_key(request, config)
            if fmt is not ANTHROPIC_MESSAGES:
                return JSONResponse({"object": "list", "data": model_list(config)})
            query = request.query_params
            limit = query.get("limit", "20")
            if not limit.isdigit() or not 1 <= int(limit) <= 1000:
                raise _Answer(BadRequestError("limit: must be an integer from 1 to 1000", status_code=400))
            page = anthropic_model_page(model_list(config), int(limit), query.get("after_id"), query.get("before_id"))
            return JSONResponse(page)
        except _Answer as answer:
            return _error(fmt, answer.error)

    return models


def _model_endpoint(config: GatewayConfig) -> Any:
    async def model(request: Request) -> Response:
        fmt = _listing_format(request)
        model_id = request.path_params["model_id"]
        try:
            _check_key(request, config)
            entry = model_entry(model_id, config)
            if entry is None:
                raise _Answer(NotFoundError(f"model {model_id!r} is not served here; GET /v1/models lists what is", status_code=404))
        except _Answer as answer:
            return _error(fmt, answer.error)
        return JSONResponse(anthropic_model(entry) if fmt is ANTHROPIC_MESSAGES else entry)

    return model


def _listing_format(request: Request) -> WireFormat:
    """The format a model listing answers in: Anthropic's for a client that sends
    ``anthropic-version`` (its SDKs do), else OpenAI's."""
    return ANTHROPIC_MESSAGES if "anthropic-version" in request.headers else OPENAI_CHAT


async def _health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def _error(fmt: WireFormat, error: Any) -> Response:
    status, headers, body = error_response(fmt, error)
    return Response(body, status_code=status, headers={k.decode(): v.decode() for k, v in headers})


def _check_key(request: Request, config: GatewayConfig) -> None:
    """Raise a 401 answer unless the client sent the gateway key (when one is set)."""
    if config.api_key is None:
        return
    authorization = request.headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    offered = token.strip() if scheme.lower() == "bearer" else request.headers.get("x-api-key", "")
    if not hmac.compare_digest(offered.encode(), config.api_key.encode()):
        raise _Answer(
            AuthenticationError(
                "this gateway needs its key: send Authorization: Bearer <key> (or x-api-key)", status_code=401
            )
        )


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 past ``limit`` bytes (before reading it all)."""
    too_large = _Answer(BadRequestError(f"the request body is larger than the gateway's limit of {limit} bytes", status_code=413))
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)
