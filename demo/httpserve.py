"""A small HTTP server on the loopback interface, for the demo and for tests.

`weft demo` must run on a machine with no network, yet the image stage downloads most images over
HTTP, as it would from the open web. This server stands in for the web: it serves the demo's image
files from a directory, and tests add explicit routes to it for the cases a downloader has to
survive (404, 500, a response slower than the timeout, redirects, `X-Robots-Tag` headers).

It only ever binds a loopback address, so starting it can never expose files to a network, and it
writes nothing to stderr, so test and demo output stays readable.
"""

from __future__ import annotations

import ipaddress
import socket
import socketserver
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urljoin, urlsplit

__all__ = ["LoopbackServer", "content_type_for"]

# An explicit table rather than `mimetypes`, whose answers depend on the host's /etc/mime.types
# (some systems do not know WebP or AVIF); a downloader under test must see the same types
# everywhere.
_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".bmp": "image/bmp",
    ".ico": "image/vnd.microsoft.icon",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".pdf": "application/pdf",
    ".gz": "application/gzip",
    ".warc": "application/warc",
}
_DEFAULT_CONTENT_TYPE = "application/octet-stream"

# Statuses whose responses never carry a body (RFC 9110 §6.4.1).
_NO_BODY_STATUSES = frozenset({204, 304}) | frozenset(range(100, 200))

# How long a handler waits for the next request on a kept-alive connection before giving up;
# long enough for a client's connection pool, short enough that a forgotten socket cannot keep a
# handler thread around for long.
_KEEPALIVE_TIMEOUT_S = 10.0

# How long `close()` waits for handler threads to finish once their sockets are shut down.
_JOIN_TIMEOUT_S = 5.0


def content_type_for(path: str) -> str:
    """The Content-Type the server sends for a file name, by its extension (case-insensitive).

    Public so a test can state what it expects without repeating the table.
    """
    return _CONTENT_TYPES.get(Path(path).suffix.lower(), _DEFAULT_CONTENT_TYPE)


@dataclass(frozen=True)
class _Route:
    """A canned response for one path; see `LoopbackServer.add_route`."""

    body: bytes
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


def _loopback_bind_address(host: str) -> tuple[str, int]:
    """The literal address to bind for `host` and its socket family, or ValueError.

    Only loopback IP literals are accepted (and `localhost`, taken to mean 127.0.0.1 without asking
    a resolver): a hostname could resolve to a public interface on a misconfigured machine, and
    that must never make the server reachable from outside.
    """
    if host == "localhost":
        return "127.0.0.1", socket.AF_INET
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        raise ValueError(f"LoopbackServer binds loopback IP addresses only, not {host!r}") from None
    if not address.is_loopback:
        raise ValueError(f"LoopbackServer binds loopback addresses only; {host} is not one")
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    return str(address), family


class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its LoopbackServer and keeps track of open connections,
    so that closing it can wake and wait for every handler (its threads are daemons either way,
    so a stuck client can never keep the process alive)."""

    # socketserver's default backlog of 5 drops the SYNs of a download thread pool's burst of
    # connections, which then retry after a second and look like timeouts.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], family: int, owner: LoopbackServer) -> None:
        self.address_family = family
        self.owner = owner
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._handler_threads: set[threading.Thread] = set()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # The stdlib would call socket.getfqdn() here, which asks a resolver and can stall for
        # seconds on a machine without network; a loopback server has no use for its FQDN.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: socket.socket, client_address: tuple) -> None:
        thread = threading.Thread(
            target=self._serve_connection, args=(request, client_address), daemon=True
        )
        with self._connections_lock:
            self._connections.add(request)
            self._handler_threads.add(thread)
        thread.start()

    def _serve_connection(self, request: socket.socket, client_address: tuple) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.discard(request)
                self._handler_threads.discard(threading.current_thread())

    def handle_error(self, request: object, client_address: tuple) -> None:
        # The stdlib prints a traceback to stderr. A client that hangs up early (a downloader that
        # timed out on a slow route) is routine here, so only unexpected errors are kept, and only
        # in `owner.errors` where a test can look at them.
        error = sys.exc_info()[1]
        if error is not None and not isinstance(error, (ConnectionError, TimeoutError)):
            self.owner._record_error(error)

    def close_connections(self) -> list[threading.Thread]:
        """Shut down every open client socket, waking handlers blocked on a read; return the
        handler threads still running so the caller can wait for them."""
        with self._connections_lock:
            connections = list(self._connections)
            threads = list(self._handler_threads)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the client or the handler
        return threads


class _Handler(BaseHTTPRequestHandler):
    """Answers GET and HEAD from the owner's routes, then from files under its root."""

    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "weft-loopback/1"
    sys_version = ""
    timeout = _KEEPALIVE_TIMEOUT_S

    def log_message(self, format: str, *args: object) -> None:
        """Silenced: a request log on stderr would drown the demo's summary and test output."""

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _respond(self, *, send_body: bool) -> None:
        owner = self.server.owner
        owner._record_request(self.path)
        status, headers, body, delay_s = owner._resolve(self.path)
        if not owner._sleep(owner.latency_s + delay_s):
            self.close_connection = True
            return  # the server is closing; nobody is waiting for this answer any more
        self.send_response(status)
        lowered = {name.lower() for name in headers}
        for name, value in headers.items():
            self.send_header(name, value)
        if "content-length" not in lowered and status not in _NO_BODY_STATUSES:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and status not in _NO_BODY_STATUSES:
            self.wfile.write(body)


class LoopbackServer:
    """An HTTP/1.1 server on 127.0.0.1 (or another loopback address) serving files and routes.

    The socket is bound when the object is made, so `base_url` and `add_route` work before the
    server starts; use it as a context manager, which starts the serving thread and, on exit,
    stops it, wakes delayed responses and closes every connection::

        with LoopbackServer(root=image_dir) as server:
            fetch(server.base_url + "img/a.jpg")

    Explicit routes take precedence over files under `root`. A request for a path outside `root`
    (`..`, encoded or not, or a symlink that leads out) gets 403; a missing file gets 404.
    """

    def __init__(
        self,
        root: Path | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_s: float = 0.0,
    ) -> None:
        """`port` 0 lets the OS pick a free port; `latency_s` delays every response, to stand in
        for a slow network."""
        if latency_s < 0:
            raise ValueError(f"latency_s must be >= 0, not {latency_s}")
        address, family = _loopback_bind_address(host)
        self.root = Path(root).resolve() if root is not None else None
        self.latency_s = float(latency_s)
        self._routes: dict[str, _Route] = {}
        self._requests: list[str] = []
        self._errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._server = _Server((address, port), family, self)
        bound_host, bound_port = self._server.server_address[:2]
        shown_host = f"[{bound_host}]" if family == socket.AF_INET6 else bound_host
        self.host = str(bound_host)
        self.port = int(bound_port)
        self.base_url = f"http://{shown_host}:{self.port}/"

    # -- configuration --------------------------------------------------------------------------

    def add_route(
        self,
        path: str,
        *,
        body: bytes = b"",
        status: int = 200,
        headers: dict[str, str] | None = None,
        delay_s: float = 0.0,
        redirect_to: str | None = None,
    ) -> str:
        """Answer requests for `path` with a fixed response; return the route's full URL.

        `path` may carry a query string, in which case only that exact target matches; without
        one, the route matches the path whatever the query. `redirect_to` (absolute, or relative
        to `base_url`) sends a `Location` header and turns a 200 into a 302. `headers` override the
        defaults, including Content-Length, so a test can announce more bytes than it sends and
        so simulate a truncated download. `delay_s` holds the response back, to test timeouts.
        """
        if delay_s < 0:
            raise ValueError(f"delay_s must be >= 0, not {delay_s}")
        target = "/" + path.lstrip("/")
        merged: dict[str, str] = {}
        if redirect_to is not None:
            if status == 200:
                status = 302
            merged["Location"] = urljoin(self.base_url, redirect_to)
        if status not in _NO_BODY_STATUSES:
            merged["Content-Type"] = (
                content_type_for(urlsplit(target).path)
                if status < 400
                else "text/plain; charset=utf-8"
            )
        for name, value in (headers or {}).items():
            # Header names are case-insensitive: a caller's "content-type" replaces ours.
            for default in [d for d in merged if d.lower() == name.lower()]:
                del merged[default]
            merged[name] = value
        with self._lock:
            self._routes[target] = _Route(bytes(body), int(status), merged, float(delay_s))
        return urljoin(self.base_url, target.lstrip("/"))

    # -- what happened ---------------------------------------------------------------------------

    @property
    def requests(self) -> list[str]:
        """Request targets (path and query, as sent) in arrival order; a copy, safe to keep."""
        with self._lock:
            return list(self._requests)

    @property
    def errors(self) -> list[BaseException]:
        """Unexpected exceptions raised while handling requests (client hang-ups are not kept);
        a test can assert this is empty, since nothing is printed."""
        with self._lock:
            return list(self._errors)

    def url(self, path: str) -> str:
        """The full URL of `path` on this server."""
        return urljoin(self.base_url, path.lstrip("/"))

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> LoopbackServer:
        """Start serving in a daemon thread (what `with` does); returns self."""
        if self._closed:
            raise RuntimeError("this LoopbackServer was closed; make a new one")
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"weft-loopback-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, end delayed responses early, close all connections; idempotent."""
        if self._closed:
            return
        self._closed = True
        self._closing.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
        for thread in self._server.close_connections():
            thread.join(_JOIN_TIMEOUT_S)
        self._server.server_close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- used by the handler --------------------------------------------------------------------

    def _record_request(self, target: str) -> None:
        with self._lock:
            self._requests.append(target)

    def _record_error(self, error: BaseException) -> None:
        with self._lock:
            self._errors.append(error)

    def _sleep(self, seconds: float) -> bool:
        """Wait `seconds` unless the server closes first; True if the response should go out."""
        if seconds <= 0:
            return not self._closing.is_set()
        return not self._closing.wait(seconds)

    def _resolve(self, target: str) -> tuple[int, dict[str, str], bytes, float]:
        """(status, headers, body, delay) for a request target: a route, a file, 403 or 404."""
        path = urlsplit(target).path
        with self._lock:
            route = self._routes.get(target) or self._routes.get(path)
        if route is not None:
            return route.status, dict(route.headers), route.body, route.delay_s
        if self.root is None:
            return _plain(404, "not found")
        local = self._local_file(path)
        if local is None:
            return _plain(403, "forbidden")
        if not local.is_file():
            return _plain(404, "not found")
        try:
            body = local.read_bytes()
        except OSError:
            return _plain(404, "not found")
        return 200, {"Content-Type": content_type_for(local.name)}, body, 0.0

    def _local_file(self, url_path: str) -> Path | None:
        """The file under `root` that `url_path` names, or None if it would lie outside root.

        The path is percent-decoded first, so `%2e%2e/` is caught like `../`, and the result is
        resolved (symlinks included) before the containment check.
        """
        assert self.root is not None
        decoded = unquote(url_path)
        if "\x00" in decoded or "\\" in decoded:
            return None
        candidate = (self.root / decoded.lstrip("/")).resolve()
        if candidate != self.root and not candidate.is_relative_to(self.root):
            return None
        return candidate


def _plain(status: int, text: str) -> tuple[int, dict[str, str], bytes, float]:
    return status, {"Content-Type": "text/plain; charset=utf-8"}, (text + "\n").encode(), 0.0
