"""The policy-enforcing urllib opener, driven exactly as img2dataset's downloader drives urllib.

Everything runs against LoopbackServers on 127.0.0.1 and 127.0.0.2. An autouse fixture wraps
`socket.create_connection` so that any attempt to connect to a non-loopback address fails the
test before a packet is sent; refusals must happen before connecting, and this proves it.
"""

from __future__ import annotations

import io
import ipaddress
import pickle
import socket
import ssl
import time
import urllib.error
import urllib.request
from typing import Iterator

import pytest

from weft.demo.httpserve import LoopbackServer
from weft.pipeline.net.policy import NetworkPolicy, Refused, resolve_and_check
from weft.pipeline.net.safe_http import (
    STATUSES,
    TooLarge,
    TooManyRedirects,
    build_opener,
    classify_error,
    classify_message,
    installed_opener,
)

# The User-Agent img2dataset sends (with a user_agent_token), so the server sees the same request.
USER_AGENT = (
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:72.0) Gecko/20100101 Firefox/72.0"
    " (compatible; weft; +https://github.com/rom1504/img2dataset)"
)
DEFAULT = NetworkPolicy()
PRIVATE = NetworkPolicy(allow_private_networks=True)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4

_REAL_CREATE_CONNECTION = socket.create_connection
_REAL_GETADDRINFO = socket.getaddrinfo


@pytest.fixture(autouse=True)
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every (host, port) the code under test connects to; non-loopback ones fail the test."""
    seen: list[tuple[str, int]] = []

    def create_connection(address: tuple, *args: object, **kwargs: object) -> socket.socket:
        host, port = address[0], address[1]
        seen.append((host, port))
        if not ipaddress.ip_address(host.split("%")[0]).is_loopback:
            pytest.fail(f"attempted a connection to {host}:{port}")
        return _REAL_CREATE_CONNECTION(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return seen


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as s:
        yield s


@pytest.fixture
def server2() -> Iterator[LoopbackServer]:
    with LoopbackServer(host="127.0.0.2") as s:
        yield s


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Names in the returned dict resolve to their (IPv4) addresses in turn, one list per
    lookup, the last repeating; IP literals go to the real resolver; other names are unknown."""
    table: dict[str, list[str]] = {}

    def getaddrinfo(host: str, port: int, *args: object, **kwargs: object) -> list[tuple]:
        if host in table:
            answers = table[host]
            address = answers.pop(0) if len(answers) > 1 else answers[0]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        try:
            ipaddress.ip_address(host.split("%")[0])
        except ValueError:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return _REAL_GETADDRINFO(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


def img2dataset_fetch(url: str, timeout: float = 5.0) -> tuple[bytes, list[str]]:
    """What img2dataset.downloader.download_image does with urllib, step for step: a Request
    with only a User-Agent, the global urlopen with a timeout, X-Robots-Tag via get_all, read()."""
    request = urllib.request.Request(url, data=None, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as r:
        robots = r.headers.get_all("X-Robots-Tag", [])
        body = r.read()
    return body, robots


def fetch(
    url: str,
    policy: NetworkPolicy = DEFAULT,
    *,
    max_bytes: int = 1 << 20,
    max_redirects: int = 5,
    timeout: float = 5.0,
) -> bytes:
    """img2dataset_fetch with an opener for `policy` installed for the duration."""
    with installed_opener(build_opener(policy, max_bytes=max_bytes, max_redirects=max_redirects)):
        return img2dataset_fetch(url, timeout)[0]


def _chunked(body: bytes, size: int) -> bytes:
    pieces = [b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size]) for i in range(0, len(body), size)]
    return b"".join(pieces) + b"0\r\n\r\n"


# -- the address policy, through urlopen ----------------------------------------------------------

def test_loopback_refused_by_default(server: LoopbackServer, connections: list) -> None:
    url = server.add_route("/a.png", body=PNG)
    with pytest.raises(Refused) as caught:
        fetch(url)
    assert caught.value.reason == "blocked_address"
    assert classify_error(caught.value) == ("blocked", None)
    assert server.requests == [] and connections == []


def test_loopback_served_when_allowed(server: LoopbackServer) -> None:
    url = server.add_route("/a.png", body=PNG, headers={"X-Robots-Tag": "noai"})
    with installed_opener(build_opener(PRIVATE, max_bytes=1 << 20)):
        body, robots = img2dataset_fetch(url)
    assert (body, robots) == (PNG, ["noai"])
    assert fetch(url, NetworkPolicy(allow_hosts=frozenset({"127.0.0.1"}))) == PNG
    assert server.requests == ["/a.png", "/a.png"]
    assert server.errors == []


def test_localhost_refused_without_resolving(server: LoopbackServer, connections: list) -> None:
    server.add_route("/a.png", body=PNG)
    with pytest.raises(Refused) as caught:
        fetch(f"http://localhost:{server.port}/a.png")
    assert caught.value.reason == "blocked_host"
    assert connections == []
    # An explicit exemption reaches it (localhost is in /etc/hosts, no DNS needed).
    assert fetch(f"http://localhost:{server.port}/a.png", NetworkPolicy(allow_hosts=frozenset({"localhost"}))) == PNG


def test_redirect_from_allowed_host_to_forbidden_one_is_refused(
    server: LoopbackServer, server2: LoopbackServer, connections: list
) -> None:
    target = server.add_route("/secret", body=b"internal")
    start = server2.add_route("/img.png", redirect_to=target)
    only_2 = NetworkPolicy(allow_hosts=frozenset({"127.0.0.2"}))
    with pytest.raises(Refused) as caught:
        fetch(start, only_2)
    assert caught.value.reason == "blocked_address"
    assert server2.requests == ["/img.png"] and server.requests == []
    assert {host for host, _ in connections} == {"127.0.0.2"}
    both = NetworkPolicy(allow_hosts=frozenset({"127.0.0.2", "127.0.0.1"}))
    assert fetch(start, both) == b"internal"


def test_redirect_to_metadata_service_refused_without_connecting(
    server2: LoopbackServer, connections: list
) -> None:
    start = server2.add_route("/img.png", redirect_to="http://169.254.169.254/latest/meta-data/")
    for policy in (NetworkPolicy(allow_hosts=frozenset({"127.0.0.2"})), DEFAULT):
        with pytest.raises(Refused) as caught:
            fetch(start, policy)
        if policy is DEFAULT:
            assert "127.0.0.2 is loopback" in caught.value.detail
        else:
            assert caught.value.detail == "169.254.169.254 is link_local"
    assert all(host == "127.0.0.2" for host, _ in connections)


@pytest.mark.parametrize(
    "location",
    ["file:///etc/passwd", "ftp://127.0.0.2/x", "data:text/plain,hi", "gopher://127.0.0.2:70/_x"],
)
def test_redirect_to_other_schemes_refused(server2: LoopbackServer, location: str) -> None:
    start = server2.add_route("/img.png", redirect_to=location)
    # Even a policy that lists the scheme does not make the opener follow a redirect to it.
    lax = NetworkPolicy(
        allow_private_networks=True, allowed_schemes=frozenset({"http", "https", "file", "ftp", "data", "gopher"})
    )
    for policy in (PRIVATE, lax):
        with pytest.raises(Refused) as caught:
            fetch(start, policy)
        assert caught.value.reason == "blocked_scheme"


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "data:image/png;base64,iVBORw0KGgo=", "ftp://127.0.0.1/a.png", "javascript:alert(1)"]
)
def test_other_schemes_refused_before_any_handler(url: str) -> None:
    with pytest.raises(Refused) as caught:
        fetch(url, PRIVATE)
    assert caught.value.reason == "blocked_scheme"


def test_redirect_limit(server: LoopbackServer) -> None:
    for hop in range(7):
        server.add_route(f"/r{hop}", redirect_to=f"/r{hop + 1}")
    server.add_route("/r7", body=b"end")
    server.add_route("/loop", redirect_to="/loop")
    assert fetch(server.url("/r2"), PRIVATE, max_redirects=5) == b"end"  # exactly 5 hops
    for url, limit in ((server.url("/r1"), 5), (server.url("/loop"), 5), (server.url("/r6"), 0)):
        with pytest.raises(TooManyRedirects) as caught:
            fetch(url, PRIVATE, max_redirects=limit)
        assert classify_error(caught.value) == ("http_error", 302)
        assert classify_message(str(caught.value)) == ("http_error", 302)
        caught.value.close()


def test_dns_rebinding_defeated_at_connect(
    server: LoopbackServer, fake_dns: dict[str, list[str]], connections: list
) -> None:
    """A pre-check sees a public address; the connection's own lookup gets loopback and is
    refused, because the socket only connects to what that lookup returned and was checked."""
    server.add_route("/a.png", body=PNG)
    fake_dns["rebind.example"] = ["93.184.216.34", "127.0.0.1"]
    assert resolve_and_check("rebind.example", server.port, DEFAULT)[0][4][0] == "93.184.216.34"
    with pytest.raises(Refused) as caught:
        fetch(f"http://rebind.example:{server.port}/a.png")
    assert caught.value.reason == "blocked_address"
    assert "resolves to 127.0.0.1" in caught.value.detail
    assert connections == [] and server.requests == []


def test_connects_to_the_checked_address(
    server: LoopbackServer, fake_dns: dict[str, list[str]], connections: list
) -> None:
    server.add_route("/a.png", body=PNG)
    fake_dns["mirror.example"] = ["127.0.0.1"]
    assert fetch(f"http://mirror.example:{server.port}/a.png", NetworkPolicy(allow_hosts=frozenset({"mirror.example"}))) == PNG
    assert connections == [("127.0.0.1", server.port)]


def test_unknown_name_is_a_connection_error(fake_dns: dict[str, list[str]]) -> None:
    with pytest.raises(Refused) as caught:
        fetch("http://no-such-host.example/a.png")
    assert caught.value.reason == "dns_error"
    assert classify_error(caught.value) == ("connection_error", None)


def test_proxy_environment_is_ignored(
    server: LoopbackServer, server2: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ProxyHandler would send the request to the proxy, and the address check would judge
    the proxy instead of the image host; the opener has none."""
    url = server.add_route("/a.png", body=PNG)
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, server2.base_url)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    assert fetch(url, PRIVATE) == PNG
    assert server2.requests == [] and server.requests == ["/a.png"]


# -- HTTPS ----------------------------------------------------------------------------------------

class _SpyContext(ssl.SSLContext):
    """Records what TLS would be started with, then fails the handshake."""

    calls: list[tuple[str | None, str]] = []

    def wrap_socket(self, sock: socket.socket, *args: object, server_hostname: str | None = None, **kwargs: object):  # type: ignore[override]
        type(self).calls.append((server_hostname, sock.getpeername()[0]))
        raise ssl.SSLError("spy: handshake not performed")


def test_https_uses_checked_socket_and_original_host_name(
    server: LoopbackServer, fake_dns: dict[str, list[str]]
) -> None:
    fake_dns["img.example"] = ["127.0.0.1"]
    _SpyContext.calls = []
    opener = build_opener(
        NetworkPolicy(allow_hosts=frozenset({"img.example"})),
        max_bytes=1000,
        ssl_context=_SpyContext(ssl.PROTOCOL_TLS_CLIENT),
    )
    with installed_opener(opener), pytest.raises(urllib.error.URLError) as caught:
        img2dataset_fetch(f"https://img.example:{server.port}/a.png")
    assert _SpyContext.calls == [("img.example", "127.0.0.1")]
    assert classify_error(caught.value) == ("connection_error", None)


def test_https_refusal_and_real_tls_failure(server: LoopbackServer, connections: list) -> None:
    url = f"https://127.0.0.1:{server.port}/a.png"
    with pytest.raises(Refused):
        fetch(url)
    assert connections == []
    # Allowed, the default context verifies: a plain-HTTP server cannot complete a handshake.
    with pytest.raises(urllib.error.URLError) as caught:
        fetch(url, PRIVATE, timeout=3)
    assert isinstance(caught.value.reason, (ssl.SSLError, ConnectionError))
    assert classify_error(caught.value) == ("connection_error", None)


# -- the byte cap ---------------------------------------------------------------------------------

def test_declared_length_over_cap_refused_before_reading(server: LoopbackServer) -> None:
    url = server.add_route("/huge.png", body=b"short", headers={"Content-Length": "1073741824"})
    started = time.monotonic()
    with pytest.raises(TooLarge) as caught:
        fetch(url, PRIVATE, max_bytes=1000)
    assert time.monotonic() - started < 2.0
    assert (caught.value.declared, caught.value.size) == (True, 1073741824)
    assert server.requests == ["/huge.png"]
    assert classify_error(caught.value) == ("too_large", None)
    assert classify_message(str(caught.value)) == ("too_large", None)


def test_cap_boundaries(server: LoopbackServer) -> None:
    url = server.add_route("/a.png", body=PNG)
    assert fetch(url, PRIVATE, max_bytes=len(PNG)) == PNG
    with pytest.raises(TooLarge):
        fetch(url, PRIVATE, max_bytes=len(PNG) - 1)


def test_chunked_body_stops_at_cap(server: LoopbackServer) -> None:
    body = bytes(range(256)) * 20  # 5120 bytes
    url = server.add_route("/chunked.png", body=_chunked(body, 1000), headers={"Transfer-Encoding": "chunked"})
    assert fetch(url, PRIVATE, max_bytes=len(body)) == body  # chunk framing does not count
    with pytest.raises(TooLarge) as caught:
        fetch(url, PRIVATE, max_bytes=2000)
    assert (caught.value.declared, caught.value.size) == (False, 2001)
    # Reading in pieces stops at the cap too, having handed out no more than max_bytes.
    with installed_opener(build_opener(PRIVATE, max_bytes=2000)):
        with urllib.request.urlopen(url, timeout=5) as response:
            got = bytearray()
            with pytest.raises(TooLarge):
                while True:
                    piece = response.read(700)
                    if not piece:
                        break
                    got += piece
    assert len(got) <= 2000 and bytes(got) == body[: len(got)]


@pytest.mark.parametrize("length", ["-1", "10, 10", "lots"])
def test_unusable_length_read_to_eof_stops_at_cap(server: LoopbackServer, length: str) -> None:
    """No usable Content-Length: http.client reads until the server closes; the cap stops it."""
    body = b"y" * 50_000
    url = server.add_route("/eof.png", body=body, headers={"Content-Length": length, "Connection": "close"})
    with pytest.raises(TooLarge) as caught:
        fetch(url, PRIVATE, max_bytes=4096)
    assert caught.value.size == 4097
    assert fetch(url, PRIVATE, max_bytes=len(body)) == body


def test_short_declared_length_is_all_that_is_read(server: LoopbackServer) -> None:
    url = server.add_route("/lie.png", body=b"z" * 5000, headers={"Content-Length": "10"})
    assert fetch(url, PRIVATE, max_bytes=100) == b"z" * 10


def test_truncated_body_still_reports_incomplete_read(server: LoopbackServer) -> None:
    url = server.add_route("/cut.png", body=b"x" * 10, headers={"Content-Length": "100", "Connection": "close"})
    with pytest.raises(Exception) as caught:
        fetch(url, PRIVATE, max_bytes=1000)
    assert type(caught.value).__name__ == "IncompleteRead"
    assert classify_error(caught.value) == ("connection_error", None)


def test_other_read_methods_are_capped(server: LoopbackServer) -> None:
    body = b"line\n" * 1000
    plain = server.add_route("/lines.txt", body=body, headers={"Content-Length": "-1", "Connection": "close"})
    chunked = server.add_route("/chunked.txt", body=_chunked(body, 333), headers={"Transfer-Encoding": "chunked"})
    with installed_opener(build_opener(PRIVATE, max_bytes=1000)):
        for url in (plain, chunked):
            with urllib.request.urlopen(url, timeout=5) as response, pytest.raises(TooLarge):
                for _line in response:
                    pass
            with urllib.request.urlopen(url, timeout=5) as response, pytest.raises(TooLarge):
                buffer = bytearray(1 << 20)
                while response.readinto(buffer):
                    pass
            with urllib.request.urlopen(url, timeout=5) as response, pytest.raises(TooLarge):
                io.BufferedReader(response).read()  # type: ignore[arg-type]
    with installed_opener(build_opener(PRIVATE, max_bytes=len(body))):
        with urllib.request.urlopen(chunked, timeout=5) as response:
            assert b"".join(response) == body


def test_head_with_large_length_is_not_refused(server: LoopbackServer) -> None:
    url = server.add_route("/huge.png", body=b"", headers={"Content-Length": "1073741824"})
    with installed_opener(build_opener(PRIVATE, max_bytes=1000)):
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=5) as response:
            assert response.status == 200 and response.read() == b""


def test_error_bodies_keep_their_status_and_are_capped(server: LoopbackServer) -> None:
    big_404 = server.add_route("/gone.png", status=404, body=b"x", headers={"Content-Length": "1073741824"})
    endless_500 = server.add_route(
        "/broken.png", status=500, body=b"e" * 10_000, headers={"Content-Length": "-1", "Connection": "close"}
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        fetch(big_404, PRIVATE, max_bytes=1000)
    assert classify_error(caught.value) == ("http_error", 404)
    caught.value.close()
    with pytest.raises(urllib.error.HTTPError) as caught:
        fetch(endless_500, PRIVATE, max_bytes=1000)
    with caught.value, pytest.raises(TooLarge):
        caught.value.read()


def test_redirect_with_oversized_body_refused(server: LoopbackServer) -> None:
    server.add_route("/final.png", body=PNG)
    url = server.add_route(
        "/moved.png", redirect_to="/final.png", body=b"m", headers={"Content-Length": "1073741824"}
    )
    with pytest.raises(TooLarge):
        fetch(url, PRIVATE, max_bytes=len(PNG))


# -- other failures and their statuses ------------------------------------------------------------

@pytest.mark.parametrize("status", [404, 500, 403])
def test_http_errors(server: LoopbackServer, status: int) -> None:
    url = server.add_route(f"/e{status}.png", status=status, body=b"no")
    with pytest.raises(urllib.error.HTTPError) as caught:
        fetch(url, PRIVATE)
    assert classify_error(caught.value) == ("http_error", status)
    assert classify_message(str(caught.value)) == ("http_error", status)
    caught.value.close()


def test_slow_response_times_out(server: LoopbackServer) -> None:
    url = server.add_route("/slow.png", body=PNG, delay_s=3.0)
    started = time.monotonic()
    with pytest.raises(Exception) as caught:
        fetch(url, PRIVATE, timeout=0.3)
    assert time.monotonic() - started < 2.0
    assert classify_error(caught.value) == ("timeout", None)
    assert classify_message(str(caught.value)) == ("timeout", None)


def test_closed_port_is_a_connection_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(urllib.error.URLError) as caught:
        fetch(f"http://127.0.0.1:{port}/a.png", PRIVATE)
    assert classify_error(caught.value) == ("connection_error", None)
    assert classify_message(str(caught.value)) == ("connection_error", None)


# -- installing, classifying ----------------------------------------------------------------------

def test_installed_opener_restores_previous(server: LoopbackServer) -> None:
    before = urllib.request._opener  # type: ignore[attr-defined]
    opener = build_opener(PRIVATE, max_bytes=10)
    with installed_opener(opener) as active:
        assert active is opener and urllib.request._opener is opener  # type: ignore[attr-defined]
        inner = build_opener(DEFAULT, max_bytes=10)
        with pytest.raises(RuntimeError), installed_opener(inner):
            assert urllib.request._opener is inner  # type: ignore[attr-defined]
            raise RuntimeError("leave early")
        assert urllib.request._opener is opener  # type: ignore[attr-defined]
    assert urllib.request._opener is before  # type: ignore[attr-defined]


def test_build_opener_installs_nothing() -> None:
    before = urllib.request._opener  # type: ignore[attr-defined]
    build_opener(DEFAULT, max_bytes=10)
    assert urllib.request._opener is before  # type: ignore[attr-defined]
    with pytest.raises(ValueError):
        build_opener(DEFAULT, max_bytes=-1)
    with pytest.raises(ValueError):
        build_opener(DEFAULT, max_bytes=10, max_redirects=-1)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (Refused("blocked_scheme", "x"), ("blocked", None)),
        (Refused("blocked_address", "x"), ("blocked", None)),
        (Refused("blocked_host", "x"), ("blocked", None)),
        (Refused("invalid_url", "x"), ("invalid_url", None)),
        (Refused("dns_error", "x"), ("connection_error", None)),
        (TooLarge(10, 11, False), ("too_large", None)),
        (urllib.error.HTTPError("http://h/", 503, "Service Unavailable", None, None), ("http_error", 503)),  # type: ignore[arg-type]
        (TimeoutError("timed out"), ("timeout", None)),
        (socket.timeout("timed out"), ("timeout", None)),
        (urllib.error.URLError(TimeoutError("timed out")), ("timeout", None)),
        (urllib.error.URLError(ConnectionRefusedError(111, "Connection refused")), ("connection_error", None)),
        (urllib.error.URLError(ssl.SSLCertVerificationError("bad cert")), ("connection_error", None)),
        (urllib.error.URLError("unknown url type: gopher"), ("invalid_url", None)),
        (ValueError("unknown url type: 'a.png'"), ("invalid_url", None)),
        (ConnectionResetError(104, "Connection reset by peer"), ("connection_error", None)),
    ],
)
def test_classify(error: BaseException, expected: tuple[str, int | None]) -> None:
    assert classify_error(error) == expected
    assert classify_message(str(error)) == expected
    assert expected[0] in STATUSES


def test_classify_rejects_non_network_errors() -> None:
    with pytest.raises(TypeError):
        classify_error(KeyError("bug"))
    with pytest.raises(ValueError):
        classify_message("Use of image disallowed by X-Robots-Tag directive")
    for message in ("[Errno 104] Connection reset by peer", "Remote end closed connection without response"):
        assert classify_message(message) == ("connection_error", None)


def test_too_large_pickles() -> None:
    error = TooLarge(1000, 1073741824, True)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.max_bytes, copy.size, copy.declared, str(copy)) == (1000, 1073741824, True, str(error))


def test_img2dataset_call_pattern_end_to_end(server: LoopbackServer) -> None:
    """The outcomes a worker sees through img2dataset's pattern, one per status, each mapped
    from the message alone as img2dataset records it."""

    def download(url: str) -> tuple[str, int | None] | bytes:
        try:
            return img2dataset_fetch(url, timeout=0.5)[0]
        except Exception as error:  # noqa: BLE001 - img2dataset catches everything and keeps str()
            return classify_message(str(error))

    ok = server.add_route("/ok.png", body=PNG)
    missing = server.add_route("/missing.png", status=404)
    huge = server.add_route("/huge.png", body=b"x", headers={"Content-Length": "99999999"})
    slow = server.add_route("/slow.png", body=PNG, delay_s=3.0)
    to_metadata = server.add_route("/hop.png", redirect_to="http://169.254.169.254/latest/meta-data/")
    policy = NetworkPolicy(allow_hosts=frozenset({"127.0.0.1"}))
    with installed_opener(build_opener(policy, max_bytes=len(PNG))):
        assert download(ok) == PNG
        assert download(missing) == ("http_error", 404)
        assert download(huge) == ("too_large", None)
        assert download(slow) == ("timeout", None)
        assert download(to_metadata) == ("blocked", None)
        assert download("file:///etc/passwd") == ("blocked", None)
        assert download("http://[::1/") == ("invalid_url", None)


def test_one_installed_opener_serves_concurrent_threads(server: LoopbackServer) -> None:
    """img2dataset downloads from a thread pool through the one global opener."""
    from concurrent.futures import ThreadPoolExecutor

    for i in range(4):
        server.add_route(f"/ok{i}.png", body=PNG[: 100 * (i + 1)])
        server.add_route(f"/hop{i}.png", redirect_to=f"/ok{i}.png")
    server.add_route("/big.png", body=PNG)
    urls = [server.url(f"/hop{i % 4}.png") for i in range(16)] + [server.url("/big.png")] * 4
    with installed_opener(build_opener(PRIVATE, max_bytes=500)):
        with ThreadPoolExecutor(4) as pool:  # within the server's listen backlog of 5
            outcomes = list(pool.map(lambda u: _outcome(u), urls))
    assert outcomes[:16] == [PNG[: 100 * (i % 4 + 1)] for i in range(16)]
    assert outcomes[16:] == [("too_large", None)] * 4


def _outcome(url: str) -> bytes | tuple[str, int | None]:
    try:
        return img2dataset_fetch(url)[0]
    except Exception as error:  # noqa: BLE001 - the status is the point
        return classify_error(error)
