"""A urllib opener that obeys weft's `NetworkPolicy` and byte cap on every connection it makes.

weft downloads images with img2dataset's downloader, which calls plain
`urllib.request.urlopen(Request(url, headers=...), timeout=...)` and then `response.read()`, with
no byte cap and urllib's default redirect handling. Rather than fork it, a worker process builds
an opener here and installs it (`installed_opener`), so every request img2dataset makes in that
process goes through these handlers:

- **Connect time.** The HTTP and HTTPS connections resolve the host once with
  `netpolicy.resolve_and_check` and connect to the checked addresses only; HTTPS then wraps the
  socket with the original host name for SNI and certificate verification. A check that
  resolved the name separately before connecting could be fooled by DNS rebinding.
- **Before opening.** Every request, the first and each redirect, is checked with
  `netpolicy.check_url` before any handler opens it, so `file:`, `ftp:` or `data:` URLs and
  literal forbidden addresses are refused without a connection.
- **Redirects.** Each `Location` is checked before it is followed; only http and https targets
  are followed, whatever the policy's schemes say; at most `max_redirects` hops.
- **Byte cap.** A response (status below 400) whose Content-Length exceeds `max_bytes` is refused
  before its body is read; any body, whatever its framing (no length, a lying or unparseable
  length, chunked), stops with TooLarge as soon as more than `max_bytes` bytes have been read,
  including by `read()` with no argument, which img2dataset uses. Error bodies (4xx, 5xx) are
  not refused on their declared length, so a 404 stays an HTTPError with its code.
- **No proxy.** The opener has no ProxyHandler: with `http_proxy` set, urllib would connect to
  the proxy and the address check would judge the proxy rather than the image host. Nor does
  it have file, ftp or data handlers.

Errors map to the per-sample statuses (`classify_error`; `classify_message` for the strings
img2dataset keeps instead of exceptions), as `(status, http code or None)`:

- `blocked`: `Refused` with reason blocked_scheme, blocked_address or blocked_host.
- `invalid_url`: `Refused` with reason invalid_url; `ValueError` from `urllib.request.Request`
  ("unknown url type", "Invalid IPv6 URL"); `http.client.InvalidURL`.
- `too_large`: `TooLarge`, declared or read.
- `http_error` with the code: `urllib.error.HTTPError` (4xx, 5xx, and `TooManyRedirects`, an
  HTTPError carrying the last 3xx code).
- `timeout`: `TimeoutError` (the same class as `socket.timeout`), raised while waiting for the
  response or the body, or a `URLError` wrapping one (a connect timeout).
- `connection_error`: `Refused` with reason dns_error (the name does not resolve; nothing was
  blocked); any other `URLError` or `OSError` (refused, reset, TLS and certificate failures);
  `http.client.HTTPException` (IncompleteRead for a body shorter than its Content-Length,
  RemoteDisconnected).

The opener keeps no per-request state in its handlers (the redirect count travels on the
Request), so one installed opener serves img2dataset's download threads concurrently.

Nothing here changes global state on import or in `build_opener`; installing the opener is the
caller's decision.
"""

from __future__ import annotations

import errno
import http.client
import re
import socket
import ssl
import sys
import urllib.error
import urllib.request
from contextlib import contextmanager
from email.message import Message
from functools import partial
from typing import Any, Callable, Iterator
from urllib.parse import urljoin

from weft.pipeline.net.policy import NetworkPolicy, Refused, check_url, resolve_and_check

__all__ = [
    "STATUSES",
    "TooLarge",
    "TooManyRedirects",
    "build_opener",
    "classify_error",
    "classify_message",
    "installed_opener",
]

STATUSES = frozenset(
    {"blocked", "too_large", "http_error", "timeout", "connection_error", "invalid_url"}
)

# Redirects are only ever followed to these, whatever NetworkPolicy.allowed_schemes says: the
# opener has no handler for anything else, and a redirect to file: must never be followed.
_REDIRECT_SCHEMES = frozenset({"http", "https"})

# read() with no argument reads in blocks of this size, so a body without a length is never
# pulled into memory in one unbounded read.
_READ_BLOCK = 64 * 1024


class TooLarge(Exception):
    """A response body larger than the job's `max_bytes`.

    `declared` is True when the Content-Length header announced it (nothing was read), False when
    the body went past the cap while being read. Arguments are kept in `args` so the exception
    pickles across worker processes.
    """

    def __init__(self, max_bytes: int, size: int, declared: bool) -> None:
        super().__init__(max_bytes, size, declared)
        self.max_bytes = max_bytes
        self.size = size
        self.declared = declared

    def __str__(self) -> str:
        if self.declared:
            return f"too large: Content-Length {self.size} exceeds max_bytes {self.max_bytes}"
        return f"too large: body exceeds max_bytes {self.max_bytes} (read {self.size} bytes)"


class TooManyRedirects(urllib.error.HTTPError):
    """More than `max_redirects` redirects. An HTTPError carrying the last 3xx code, as urllib
    reports a redirect loop, so code that handles HTTPError keeps working."""


# -- responses ----------------------------------------------------------------------------------

def _declared_length(headers: Message) -> int | None:
    """The largest Content-Length the headers announce, or None if none parses.

    http.client honours only the first header and gives up on `5, 5`; a sender that repeats or
    lists lengths is refused on the largest one, since the body is read to EOF either way.
    """
    largest = None
    for value in headers.get_all("Content-Length", []):
        for part in str(value).split(","):
            part = part.strip()
            if part.isascii() and part.isdigit():
                largest = max(largest or 0, int(part))
    return largest


class _CappedResponse(http.client.HTTPResponse):
    """An HTTPResponse that refuses to yield more than `max_bytes` body bytes.

    Subclassing keeps the object urllib returns an `http.client.HTTPResponse` in every respect
    (headers, status, `with`, `readinto` for io wrappers), so callers see no difference until
    the cap is hit. Every public read method is clamped to one byte past what is left, so going
    over is detected without reading further, and counted once even when one read method calls
    another internally (IOBase.readline calls read on chunked bodies).
    """

    def __init__(
        self,
        sock: socket.socket,
        debuglevel: int = 0,
        method: str | None = None,
        url: str | None = None,
        *,
        max_bytes: int,
    ) -> None:
        super().__init__(sock, debuglevel, method, url)
        self.max_bytes = max_bytes
        self._body_bytes = 0
        self._in_read = False

    def begin(self) -> None:
        super().begin()
        if self.status >= 400 or self._method == "HEAD" or self.chunked:
            # Error bodies are left to the read cap so a 404 stays an HTTPError; HEAD has no
            # body; a chunked body's Content-Length is meaningless (RFC 9112 §6.3).
            return
        declared = _declared_length(self.headers)
        if declared is not None and declared > self.max_bytes:
            self.close()
            raise TooLarge(self.max_bytes, declared, True)

    # -- counting --------------------------------------------------------------------------

    def _room(self) -> int:
        """How many bytes the next read may ask for: one past the cap, to see it go over."""
        return self.max_bytes - self._body_bytes + 1

    def _count(self, n: int) -> None:
        self._body_bytes += n
        if self._body_bytes > self.max_bytes:
            self.close()
            raise TooLarge(self.max_bytes, self._body_bytes, False)

    def _guarded(self, read: Callable[[], Any], size: Callable[[Any], int]) -> Any:
        if self._in_read:  # an inner call made by another read method: counted by the outer
            return read()
        self._in_read = True
        try:
            result = read()
        finally:
            self._in_read = False
        self._count(size(result))
        return result

    # -- read methods ----------------------------------------------------------------------

    def read(self, amt: int | None = None) -> bytes:
        if self._in_read:
            return super().read(amt)
        if amt is not None and amt >= 0:
            return self._guarded(lambda: super(_CappedResponse, self).read(min(amt, self._room())), len)
        if not self.chunked and self.length is not None and self.length < self._room():
            # A known length that fits: one read, with http.client's IncompleteRead check.
            return self._guarded(lambda: super(_CappedResponse, self).read(), len)
        blocks = []
        while True:
            block = self._guarded(
                lambda: super(_CappedResponse, self).read(min(_READ_BLOCK, self._room())), len
            )
            if not block:
                break
            blocks.append(block)
        if self.length:
            # read(n) hides a short body behind an empty read (http.client keeps that for
            # compatibility); read() must report it as read() without a cap would.
            raise http.client.IncompleteRead(b"".join(blocks), self.length)
        return b"".join(blocks)

    def readinto(self, b: Any) -> int:
        view = memoryview(b).cast("B")
        return self._guarded(
            lambda: super(_CappedResponse, self).readinto(view[: self._room()]), int
        )

    def read1(self, n: int = -1) -> bytes:
        room = self._room()
        return self._guarded(
            lambda: super(_CappedResponse, self).read1(room if n < 0 else min(n, room)), len
        )

    def readline(self, limit: int | None = -1) -> bytes:
        room = self._room()
        limit = room if limit is None or limit < 0 else min(limit, room)
        return self._guarded(lambda: super(_CappedResponse, self).readline(limit), len)


# -- connections --------------------------------------------------------------------------------

def _open_checked_socket(
    host: str,
    port: int,
    timeout: float | object,
    source_address: tuple[str, int] | None,
    policy: NetworkPolicy,
) -> socket.socket:
    """A socket connected to one of the addresses `resolve_and_check` approved for `host`.

    Each attempt goes through `socket.create_connection` with the checked IP literal, which
    needs no DNS, so nothing is resolved twice.
    """
    last_error: OSError | None = None
    for _family, _type, _proto, _canon, sockaddr in resolve_and_check(host, port, policy):
        try:
            return socket.create_connection((sockaddr[0], port), timeout, source_address)
        except OSError as error:
            last_error = error
    assert last_error is not None  # resolve_and_check never returns an empty list
    raise last_error


def _set_nodelay(sock: socket.socket) -> None:
    """Send requests without Nagle's delay, as http.client does; some systems lack the option."""
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError as error:
        if error.errno != errno.ENOPROTOOPT:
            raise


class _Checked:
    """What both checked connections share: the policy, capped responses, a checked socket."""

    policy: NetworkPolicy

    def __init__(self, host: str, *, policy: NetworkPolicy, max_bytes: int, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)  # type: ignore[call-arg]
        self.policy = policy
        self.response_class = partial(_CappedResponse, max_bytes=max_bytes)

    def _checked_socket(self) -> socket.socket:
        sys.audit("http.client.connect", self, self.host, self.port)  # type: ignore[attr-defined]
        sock = _open_checked_socket(self.host, self.port, self.timeout, self.source_address, self.policy)  # type: ignore[attr-defined]
        try:
            _set_nodelay(sock)
        except BaseException:
            sock.close()
            raise
        return sock


class _CheckedHTTPConnection(_Checked, http.client.HTTPConnection):
    """HTTPConnection whose connect() goes through the policy and whose responses are capped."""

    def connect(self) -> None:
        self.sock = self._checked_socket()


class _CheckedHTTPSConnection(_Checked, http.client.HTTPSConnection):
    """HTTPSConnection: the checked socket, then TLS with the original host name (SNI and
    certificate check), never the IP it resolved to."""

    def connect(self) -> None:
        sock = self._checked_socket()
        try:
            self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


# -- handlers -----------------------------------------------------------------------------------

class _PolicyGate(urllib.request.BaseHandler):
    """Checks every request's URL before any handler opens it (the first and each redirect).

    `default_open` runs for every scheme before the scheme's own handler; returning None lets
    the chain go on.
    """

    handler_order = 0

    def __init__(self, policy: NetworkPolicy) -> None:
        self.policy = policy

    def default_open(self, req: urllib.request.Request) -> None:
        check_url(req.full_url, self.policy)
        return None


class _CheckedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, policy: NetworkPolicy, max_bytes: int) -> None:
        super().__init__()
        self._connection = partial(_CheckedHTTPConnection, policy=policy, max_bytes=max_bytes)

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._connection, req)


class _CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, policy: NetworkPolicy, max_bytes: int, context: ssl.SSLContext) -> None:
        super().__init__(context=context)
        self._connection = partial(_CheckedHTTPSConnection, policy=policy, max_bytes=max_bytes)

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._connection, req, context=self._context)


class _PolicyRedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follows redirects only to URLs the policy allows, at most `max_redirects` of them.

    The target is checked before the stdlib handler sees it, so `file:` or `ftp:` targets are
    refused as `blocked_scheme` rather than reported as an HTTP error, and a literal forbidden
    address costs no connection.
    """

    def __init__(self, policy: NetworkPolicy, max_redirects: int) -> None:
        super().__init__()
        self.policy = policy
        self.max_redirects = max_redirects
        # The stdlib's own loop limit must never trigger before ours.
        self.max_redirections = max_redirects + 2
        self.max_repeats = max_redirects + 2

    def http_error_302(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Message,
    ) -> Any:
        location = headers.get("location") or headers.get("uri")
        if location is None:
            return None  # a 3xx without a target: the default error handler raises HTTPError
        hops = getattr(req, "weft_redirects", 0)
        if hops >= self.max_redirects:
            raise TooManyRedirects(
                req.full_url, code, f"too many redirects (more than {self.max_redirects})", headers, fp
            )
        target = urljoin(req.full_url, location.strip())
        try:
            scheme = target.partition(":")[0].lower() if ":" in target else ""
            if scheme not in _REDIRECT_SCHEMES:
                raise Refused("blocked_scheme", f"redirect to scheme {scheme!r} is not followed")
            check_url(target, self.policy)
        except Refused:
            fp.close()
            raise
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> urllib.request.Request | None:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None:
            new.weft_redirects = getattr(req, "weft_redirects", 0) + 1  # type: ignore[attr-defined]
        return new


def build_opener(
    policy: NetworkPolicy,
    *,
    max_bytes: int,
    max_redirects: int = 5,
    ssl_context: ssl.SSLContext | None = None,
) -> urllib.request.OpenerDirector:
    """An opener that fetches http(s) under `policy`, with bodies capped at `max_bytes`.

    Built handler by handler rather than with `urllib.request.build_opener`, which would add a
    ProxyHandler (reads proxy environment variables; see the module docstring) and file, ftp
    and data handlers. `ssl_context` defaults to `ssl.create_default_context()` (certificates
    and host names verified); pass one to trust a private CA.
    """
    if max_bytes < 0:
        raise ValueError(f"max_bytes must be >= 0, not {max_bytes}")
    if max_redirects < 0:
        raise ValueError(f"max_redirects must be >= 0, not {max_redirects}")
    if ssl_context is None:
        ssl_context = ssl.create_default_context()
        ssl_context.set_alpn_protocols(["http/1.1"])
    opener = urllib.request.OpenerDirector()
    for handler in (
        _PolicyGate(policy),
        urllib.request.UnknownHandler(),
        _CheckedHTTPHandler(policy, max_bytes),
        _CheckedHTTPSHandler(policy, max_bytes, ssl_context),
        urllib.request.HTTPDefaultErrorHandler(),
        _PolicyRedirectHandler(policy, max_redirects),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


@contextmanager
def installed_opener(opener: urllib.request.OpenerDirector) -> Iterator[urllib.request.OpenerDirector]:
    """Make `opener` the one `urllib.request.urlopen` uses, and restore the previous one on exit.

    urlopen reads a module global (`urllib.request._opener`), so this is process-wide; worker
    processes install theirs once, and tests use this so that none leaks into other tests.
    """
    previous = urllib.request._opener  # type: ignore[attr-defined]
    urllib.request.install_opener(opener)
    try:
        yield opener
    finally:
        urllib.request.install_opener(previous)


# -- error classification -----------------------------------------------------------------------

_REFUSAL_STATUS = {
    "blocked_scheme": "blocked",
    "blocked_address": "blocked",
    "blocked_host": "blocked",
    "invalid_url": "invalid_url",
    "dns_error": "connection_error",
}


def classify_error(exc: BaseException) -> tuple[str, int | None]:
    """`(status, http status or None)` for an exception raised by urlopen or a response's read.

    The order matters: HTTPError is a URLError, URLError an OSError, and ssl's certificate error
    is both an OSError and a ValueError. Raises TypeError for an exception that no fetch
    raises (a bug in the caller should not be counted as a network failure).
    """
    if isinstance(exc, Refused):
        return _REFUSAL_STATUS[exc.reason], None
    if isinstance(exc, TooLarge):
        return "too_large", None
    if isinstance(exc, urllib.error.HTTPError):
        return "http_error", exc.code
    if isinstance(exc, TimeoutError):
        return "timeout", None
    if isinstance(exc, urllib.error.URLError):
        if isinstance(exc.reason, BaseException):
            return classify_error(exc.reason)
        if str(exc.reason).startswith("unknown url type"):
            return "invalid_url", None
        return "connection_error", None
    if isinstance(exc, http.client.InvalidURL):
        return "invalid_url", None
    if isinstance(exc, (OSError, http.client.HTTPException)):
        return "connection_error", None
    if isinstance(exc, ValueError):
        return "invalid_url", None
    raise TypeError(f"not an error a download raises: {exc!r}") from exc


_MESSAGE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"refused \((blocked_scheme|blocked_address|blocked_host)\): "), "blocked"),
    (re.compile(r"refused \(invalid_url\): "), "invalid_url"),
    (re.compile(r"refused \(dns_error\): "), "connection_error"),
    (re.compile(r"too large: "), "too_large"),
    (re.compile(r"(<urlopen error )?(unknown url type|nonnumeric port|URL can't contain|Invalid IPv6 URL|Port could not be cast|Port out of range)"), "invalid_url"),
    (re.compile(r"(<urlopen error )?(timed out|The read operation timed out|_ssl\.c:\d+: The handshake operation timed out)"), "timeout"),
)
_HTTP_ERROR_MESSAGE = re.compile(r"HTTP Error (\d{3}): ")
# What img2dataset.downloader.download_image returns when X-Robots-Tag forbids the use.
_ROBOTS_MESSAGE = "Use of image disallowed by X-Robots-Tag directive"


def classify_message(message: str) -> tuple[str, int | None]:
    """`classify_error` for the string img2dataset records instead of the exception.

    img2dataset's `download_image` catches every exception and returns `str(err)`, so a worker
    that runs it only has the message. The messages of this module's exceptions have stable
    prefixes for this; urllib's are matched on their fixed wording. Anything unrecognised is a
    `connection_error`: every other exception on that path comes from the socket or HTTP layer.

    The one message that is not a failure, img2dataset's X-Robots-Tag opt-out, raises ValueError:
    the image was fetched fine and the site said no, which the caller records as such rather
    than as a network status.
    """
    if message.startswith(_ROBOTS_MESSAGE):
        raise ValueError(f"not a download error: {message!r}")
    match = _HTTP_ERROR_MESSAGE.match(message)
    if match:
        return "http_error", int(match.group(1))
    for pattern, status in _MESSAGE_PATTERNS:
        if pattern.match(message):
            return status, None
    return "connection_error", None
