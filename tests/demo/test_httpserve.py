"""The loopback server: files, routes, the failures a downloader must meet, and its safety rules."""

from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from weft.demo.httpserve import LoopbackServer, content_type_for


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _get(url: str, *, method: str = "GET", timeout: float = 5.0):
    """(status, headers, body) for `url`, without raising on 4xx/5xx or following redirects."""
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, method=method)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def _raw_get(server: LoopbackServer, target: str) -> tuple[int, bytes]:
    """GET a request target byte-for-byte (urllib would normalise `..` segments away)."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    try:
        conn.putrequest("GET", target, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", f"{server.host}:{server.port}")
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "img").mkdir(parents=True)
    (root / "img" / "a.jpg").write_bytes(b"\xff\xd8\xff\xe0jpeg-bytes")
    (root / "img" / "b.WEBP").write_bytes(b"RIFF....WEBP")
    (root / "index.html").write_text("<p>hello</p>", encoding="utf-8")
    (root / "img" / "space name.png").write_bytes(b"\x89PNG")
    (tmp_path / "secret.txt").write_text("do not serve", encoding="utf-8")
    return root


def test_serves_files_with_type_and_length(site: Path) -> None:
    with LoopbackServer(site) as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        assert server.base_url.endswith("/")
        status, headers, body = _get(server.base_url + "img/a.jpg")
        assert (status, body) == (200, b"\xff\xd8\xff\xe0jpeg-bytes")
        assert headers["Content-Type"] == "image/jpeg"
        assert headers["Content-Length"] == str(len(body))
        assert _get(server.base_url + "img/b.WEBP")[1]["Content-Type"] == "image/webp"
        assert _get(server.base_url + "index.html")[1]["Content-Type"].startswith("text/html")
        assert _get(server.base_url + "img/space%20name.png")[2] == b"\x89PNG"
        # The query string does not take part in finding a file (tracker pixels carry one).
        assert _get(server.base_url + "img/a.jpg?u=page-7")[0] == 200
        assert server.requests == [
            "/img/a.jpg",
            "/img/b.WEBP",
            "/index.html",
            "/img/space%20name.png",
            "/img/a.jpg?u=page-7",
        ]
        assert server.errors == []


def test_missing_file_and_directory_are_404(site: Path) -> None:
    with LoopbackServer(site) as server:
        assert _get(server.base_url + "img/nope.jpg")[0] == 404
        assert _get(server.base_url + "img/")[0] == 404
        assert _get(server.base_url)[0] == 404


def test_without_root_only_routes_exist() -> None:
    with LoopbackServer() as server:
        assert _get(server.base_url + "anything.png")[0] == 404
        url = server.add_route("/x.json", body=b"{}")
        assert _get(url)[:1] == (200,)


@pytest.mark.parametrize(
    "target",
    [
        "/../secret.txt",
        "/img/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/img/%2E%2E/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "//etc/passwd",
        "/img/..%5c..%5csecret.txt",
    ],
)
def test_path_traversal_is_refused(site: Path, target: str) -> None:
    with LoopbackServer(site) as server:
        status, body = _raw_get(server, target)
        assert status in (403, 404)
        assert b"do not serve" not in body
        assert b"root:" not in body


def test_symlink_out_of_root_is_refused(site: Path) -> None:
    (site / "escape.txt").symlink_to(site.parent / "secret.txt")
    (site / "inside.txt").symlink_to(site / "index.html")
    with LoopbackServer(site) as server:
        assert _raw_get(server, "/escape.txt")[0] == 403
        assert _raw_get(server, "/inside.txt") == (200, b"<p>hello</p>")


def test_routes_take_precedence_over_files(site: Path) -> None:
    with LoopbackServer(site) as server:
        url = server.add_route("img/a.jpg", body=b"from-route")
        assert url == server.base_url + "img/a.jpg"
        status, headers, body = _get(url)
        assert (status, body) == (200, b"from-route")
        assert headers["Content-Type"] == "image/jpeg"


def test_status_and_header_routes() -> None:
    with LoopbackServer() as server:
        boom = server.add_route("/boom", status=500, body=b"oops")
        gone = server.add_route("/gone.png", status=404)
        noai = server.add_route(
            "/noai.jpg",
            body=b"jpeg",
            headers={"X-Robots-Tag": "noai, noimageai", "content-type": "image/png"},
        )
        assert _get(boom)[0::2] == (500, b"oops")
        assert _get(gone)[0] == 404
        status, headers, body = _get(noai)
        assert (status, body) == (200, b"jpeg")
        assert headers["X-Robots-Tag"] == "noai, noimageai"
        # A caller's header replaces the default whatever its case, and is not sent twice.
        assert headers.get_all("Content-Type") == ["image/png"]


def test_route_with_query_matches_exactly() -> None:
    with LoopbackServer() as server:
        server.add_route("/p.gif", body=b"any")
        server.add_route("/p.gif?id=2", body=b"two")
        assert _get(server.url("p.gif?id=1"))[2] == b"any"
        assert _get(server.url("p.gif?id=2"))[2] == b"two"


def test_redirect_routes(site: Path) -> None:
    with LoopbackServer(site) as server:
        hop = server.add_route("/old.jpg", redirect_to="img/a.jpg")
        moved = server.add_route("/moved", redirect_to="http://127.0.0.1:9/x", status=301)
        status, headers, _ = _get(hop)
        assert status == 302
        assert headers["Location"] == server.base_url + "img/a.jpg"
        assert _get(moved)[1]["Location"] == "http://127.0.0.1:9/x"
        # A client that follows redirects ends up at the file.
        with urllib.request.urlopen(hop, timeout=5) as response:
            assert response.read() == b"\xff\xd8\xff\xe0jpeg-bytes"
        assert server.requests[-2:] == ["/old.jpg", "/img/a.jpg"]


def test_head_sends_headers_only(site: Path) -> None:
    with LoopbackServer(site) as server:
        status, headers, body = _get(server.base_url + "img/a.jpg", method="HEAD")
        assert status == 200
        assert body == b""
        assert headers["Content-Length"] == str(len(b"\xff\xd8\xff\xe0jpeg-bytes"))
        assert server.requests == ["/img/a.jpg"]


def test_slow_route_times_out_client_and_server_stays_quiet(capfd: pytest.CaptureFixture) -> None:
    with LoopbackServer() as server:
        slow = server.add_route("/slow.jpg", body=b"late", delay_s=1.0)
        fast = server.add_route("/fast.jpg", body=b"now")
        with pytest.raises((TimeoutError, urllib.error.URLError)):
            _get(slow, timeout=0.2)
        # The server keeps answering other requests while the slow one waits.
        assert _get(fast)[2] == b"now"
        time.sleep(1.1)  # let the slow handler try to write to the closed socket
        assert server.errors == []
    captured = capfd.readouterr()
    assert captured.err == ""


def test_delay_is_applied() -> None:
    with LoopbackServer(latency_s=0.1) as server:
        url = server.add_route("/d", body=b"x", delay_s=0.2)
        started = time.monotonic()
        assert _get(url)[2] == b"x"
        assert time.monotonic() - started >= 0.3


def test_close_ends_pending_delays_promptly() -> None:
    server = LoopbackServer().start()
    url = server.add_route("/forever", body=b"x", delay_s=60)
    outcome: list[object] = []

    def fetch() -> None:
        try:
            outcome.append(_get(url, timeout=30))
        except Exception as error:  # the connection is closed under it; any error is fine here
            outcome.append(error)

    client = threading.Thread(target=fetch)
    client.start()
    deadline = time.monotonic() + 5
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    server.close()
    assert time.monotonic() - started < 3
    client.join(5)
    assert not client.is_alive()
    assert outcome and not isinstance(outcome[0], tuple)
    server.close()  # idempotent


def test_keepalive_connection_does_not_block_close(site: Path) -> None:
    server = LoopbackServer(site).start()
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    conn.request("GET", "/index.html")
    assert conn.getresponse().read() == b"<p>hello</p>"
    started = time.monotonic()
    server.close()  # the client still holds the connection open
    assert time.monotonic() - started < 3
    conn.close()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "::", "example.org", "", "10.0.0.1"])
def test_non_loopback_host_is_refused(host: str) -> None:
    with pytest.raises(ValueError):
        LoopbackServer(host=host)


def test_other_loopback_addresses_are_allowed() -> None:
    with LoopbackServer(host="localhost") as server:
        assert server.base_url.startswith("http://127.0.0.1:")
    try:
        server = LoopbackServer(host="127.0.0.2")
    except OSError:
        pytest.skip("127.0.0.2 is not configured here (only Linux routes all of 127/8)")
    with server:
        assert server.base_url.startswith("http://127.0.0.2:")
        assert _get(server.add_route("/two", body=b"2"))[2] == b"2"


def test_ipv6_loopback_when_available() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        server = LoopbackServer(host="::1")
    except OSError:
        pytest.skip("::1 cannot be bound here")
    with server:
        assert server.base_url.startswith("http://[::1]:")
        url = server.add_route("/v6", body=b"six")
        assert _get(url)[2] == b"six"


def test_fixed_port_and_reuse_after_close() -> None:
    with LoopbackServer() as first:
        port = first.port
    with LoopbackServer(port=port) as second:
        assert second.base_url == f"http://127.0.0.1:{port}/"


def test_requests_are_recorded_from_many_threads(site: Path) -> None:
    with LoopbackServer(site) as server:
        threads = [
            threading.Thread(target=_get, args=(server.base_url + f"img/a.jpg?n={i}",))
            for i in range(20)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(server.requests) == sorted(f"/img/a.jpg?n={i}" for i in range(20))


def test_closed_server_cannot_restart() -> None:
    server = LoopbackServer()
    server.close()
    with pytest.raises(RuntimeError):
        server.start()


def test_content_type_table() -> None:
    assert content_type_for("x.JPG") == "image/jpeg"
    assert content_type_for("a/b.gif") == "image/gif"
    assert content_type_for("a.png") == "image/png"
    assert content_type_for("noext") == "application/octet-stream"
    assert content_type_for("x.webp") == "image/webp"
