"""The shared httpx clients: one sync client per process, one async client per event loop."""

from __future__ import annotations

import atexit
import threading
import weakref
from http.cookiejar import CookieJar
from typing import Any

import httpx

from ._deadlines import LazySSLContext
from ._http_transport import async_transport, proxy_mounts, sync_transport

__all__ = ["async_client", "sync_client"]

# Streams read their body to the end, so their connections go back to the pool, which keeps
# 20 idle ones (httpx's own default) and no limit on connections in use.
_LIMITS = httpx.Limits(max_connections=None, max_keepalive_connections=20, keepalive_expiry=30.0)


class _NoCookies(CookieJar):
    """A cookie jar that keeps nothing: a provider's ``Set-Cookie`` (a load balancer's
    affinity cookie, say) must not become state shared by every later stream of the
    process — a gateway's streams belong to different clients. Keeping nothing also saves
    the jar's parsing of every response's headers."""

    def extract_cookies(self, response: Any, request: Any) -> None:
        """Keep nothing."""

    def add_cookie_header(self, request: Any) -> None:
        """Send nothing."""


_TLS = LazySSLContext()  # one CA bundle per process, loaded when a connection first needs it

_sync: httpx.Client | None = None
_async: weakref.WeakKeyDictionary[Any, httpx.AsyncClient] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def sync_client() -> httpx.Client:
    """The process-wide sync client (connection pooling across streams)."""
    global _sync
    if _sync is None:
        with _lock:
            if _sync is None:
                # Its sockets wait no longer than the running stream operation's deadline.
                transport = sync_transport(_LIMITS, _TLS)
                mounts = proxy_mounts(_LIMITS, asynchronous=False)
                _sync = httpx.Client(
                    timeout=None, transport=transport, mounts=mounts, follow_redirects=False, cookies=_NoCookies()
                )
                atexit.register(_sync.close)  # its idle connections end cleanly with the process
    return _sync


def async_client() -> httpx.AsyncClient:
    """The async client of the running event loop (a client cannot cross loops)."""
    import asyncio

    try:
        loop: Any = asyncio.get_running_loop()
    except RuntimeError:  # another async library (trio): one client per thread is safe enough
        loop = threading.current_thread()
    client = _async.get(loop)
    if client is None:
        # Its sockets wait no longer than the running stream operation's deadline.
        transport = async_transport(_LIMITS, _TLS)
        mounts = proxy_mounts(_LIMITS, asynchronous=True)
        client = _async[loop] = httpx.AsyncClient(
            timeout=None, transport=transport, mounts=mounts, follow_redirects=False, cookies=_NoCookies()
        )
    return client
