"""Input resolution (files, globs, directories, URLs, Common Crawl listings), every user error, the
shard tag, and opening inputs: local files and http streams from a loopback server, with retries."""

from __future__ import annotations

import gzip
import http.server
import os
import re
import shutil
import socket
import threading
from pathlib import Path
from typing import Iterator

import pytest
from warcio.archiveiterator import ArchiveIterator

from weft.jobs.errors import FileError, UserError
from weft.pipeline.read.inputs import input_tag, open_input, resolve_inputs

CC_WARC = "warc/cc/resiliparse_CC-MAIN-2020-34_warcfile.warc.gz"
BOOKS_WARC = "warc/other/nodewarc_books.toscrape.warc"


class LoopbackSite:
    """A real HTTP server on 127.0.0.1 (port 0) serving byte strings, with scripted failures:
    `fail_first` statuses are answered before the body, `cut_at` closes the connection after that
    many body bytes although Content-Length promised all of them."""

    def __init__(self) -> None:
        self.routes: dict[str, dict] = {}
        self.requests: list[tuple[str, str]] = []  # (path, User-Agent)
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                site.requests.append((self.path, self.headers.get("User-Agent", "")))
                route = site.routes.get(self.path)
                if route is None:
                    self.send_error(404, "Not Found")
                    return
                if route["fail_first"]:
                    self.send_error(route["fail_first"].pop(0))
                    return
                body = route["body"]
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                sent = body if route["cut_at"] is None else body[: route["cut_at"]]
                self.wfile.write(sent)
                self.wfile.flush()
                if route["cut_at"] is not None:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def add(self, path: str, body: bytes, *, fail_first: tuple[int, ...] = (), cut_at: int | None = None) -> str:
        self.routes[path] = {"body": body, "fail_first": list(fail_first), "cut_at": cut_at}
        return self.base + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve_loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackSite]:
    """Body of the `site` fixtures here and in test_warc.py: a server, and no proxy in the way."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    server = LoopbackSite()
    yield server
    server.close()


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackSite]:
    yield from serve_loopback(monkeypatch)


def _mirror(tmp_path: Path, shared_data: Path, names: list[str]) -> tuple[Path, list[str]]:
    """A local Common Crawl mirror: real WARCs under crawl-data/... keys, and those keys."""
    root = tmp_path / "mirror"
    keys = []
    for i, name in enumerate(names):
        key = f"crawl-data/CC-MAIN-2024-10/segments/1707947473347.0/warc/CC-MAIN-2024021{i}-0000{i}.warc.gz"
        target = root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(shared_data / name, target)
        keys.append(key)
    return root, keys


# --- resolution ---------------------------------------------------------------------------------


def test_single_file_url_and_order_given(shared_data: Path) -> None:
    a, b = str(shared_data / CC_WARC), str(shared_data / BOOKS_WARC)
    url = "https://data.commoncrawl.org/crawl-data/CC-MAIN-2024-10/segments/x/warc/a.warc.gz"
    assert resolve_inputs([b, url, a]) == [b, url, a]


def test_duplicates_removed_keeping_first(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = str(shared_data / CC_WARC), str(shared_data / BOOKS_WARC)
    monkeypatch.chdir(shared_data)
    assert resolve_inputs([b, a, b, f"./{CC_WARC}", "warc/other/nodewarc_books.*"]) == [b, a]


def test_glob_is_sorted_and_filtered(shared_data: Path) -> None:
    found = resolve_inputs([str(shared_data / "warc" / "arc" / "*.arc")])
    assert [Path(p).name for p in found] == [
        "jwat_1-1-20110922131213-00000-svc-VirtualBox.arc",
        "jwat_small_BNF.arc",
    ]
    # a glob that also matches WAT/WET files takes only the archives
    cc = resolve_inputs([str(shared_data / "warc" / "cc" / "eugeneware_*")])
    assert [Path(p).name for p in cc] == ["eugeneware_CC-MAIN-2014-35.warc"]


def test_directory_is_recursive_sorted_and_archive_only(tmp_path: Path, shared_data: Path) -> None:
    (tmp_path / "b" / "deep").mkdir(parents=True)
    (tmp_path / "a").mkdir()
    os.symlink(shared_data / CC_WARC, tmp_path / "b" / "deep" / "x.warc.gz")
    os.symlink(shared_data / BOOKS_WARC, tmp_path / "a" / "y.warc")
    os.symlink(shared_data / "warc/arc/jwat_small_BNF.arc", tmp_path / "z.arc")
    shutil.copy(shared_data / "warc/arc/jwat_small_BNF.arc", tmp_path / "b" / "old.ARC")
    (tmp_path / "README.txt").write_text("not an archive")
    os.symlink(shared_data / "warc/cc/eugeneware_CC-MAIN-2014-35.warc.wat", tmp_path / "a" / "m.warc.wat")
    found = resolve_inputs([str(tmp_path)])
    rel = [os.path.relpath(p, tmp_path) for p in found]
    assert rel == ["a/y.warc", "b/deep/x.warc.gz", "b/old.ARC", "z.arc"]


def test_local_listing_with_local_mirror_and_slicing(tmp_path: Path, shared_data: Path) -> None:
    names = [CC_WARC, BOOKS_WARC, "warc/cc/jwarc_cc.warc.gz", "warc/cc/whirlwind_CC-MAIN-2024-22.warc.gz"]
    root, keys = _mirror(tmp_path, shared_data, names)
    listing = tmp_path / "warc.paths.gz"
    listing.write_bytes(gzip.compress(("# a comment\n\n" + "\n".join(keys) + "\n").encode()))

    everything = resolve_inputs([str(listing)], paths_base=str(root))
    assert everything == [str(root / k) for k in keys]
    assert resolve_inputs([str(listing)], paths_base=str(root), offset=1, limit=2) == everything[1:3]
    assert resolve_inputs([str(listing)], paths_base=str(root) + "/", offset=3, limit=10) == everything[3:]

    # the same keys joined onto a base URL stay URLs (nothing is fetched while resolving)
    urls = resolve_inputs([str(listing)], paths_base="https://data.commoncrawl.org", limit=2)
    assert urls == [f"https://data.commoncrawl.org/{k}" for k in keys[:2]]

    # a plain (uncompressed) listing works the same
    plain = tmp_path / "warc.paths"
    plain.write_text("\n".join(keys))
    assert resolve_inputs([str(plain)], paths_base=str(root), offset=2) == everything[2:]


def test_partial_mirror_is_enough_for_the_slice(tmp_path: Path, shared_data: Path) -> None:
    root, keys = _mirror(tmp_path, shared_data, [CC_WARC, BOOKS_WARC])
    listing = tmp_path / "warc.paths"
    listing.write_text("\n".join([*keys, "crawl-data/CC-MAIN-2024-10/segments/y/warc/not-mirrored.warc.gz"]))
    assert resolve_inputs([str(listing)], paths_base=str(root), limit=2) == [str(root / k) for k in keys]
    with pytest.raises(UserError, match="not-mirrored.warc.gz: listed file not found"):
        resolve_inputs([str(listing)], paths_base=str(root))


def test_remote_listing(site: LoopbackSite, tmp_path: Path, shared_data: Path) -> None:
    keys = ["crawl-data/CC-MAIN-2024-10/segments/s/warc/one.warc.gz", "crawl-data/CC-MAIN-2024-10/segments/s/warc/two.warc.gz"]
    url = site.add("/crawl-data/CC-MAIN-2024-10/warc.paths.gz", gzip.compress("\n".join(keys).encode()))
    assert resolve_inputs([url], paths_base=site.base + "/") == [f"{site.base}/{k}" for k in keys]
    with pytest.raises(UserError, match="cannot fetch listing.*404"):
        resolve_inputs([site.base + "/missing/warc.paths.gz"])


@pytest.mark.parametrize(
    "make_spec, message",
    [
        (lambda tmp, data: str(tmp / "nope.warc.gz"), "no such file or directory"),
        (lambda tmp, data: str(tmp / "*.warc.gz"), "glob matches nothing"),
        (lambda tmp, data: str(data / "warc" / "cc" / "*.wat"), "glob matches no .warc.gz/.warc/.arc.gz/.arc files"),
        (lambda tmp, data: str(data / "html"), "directory holds no"),
        (lambda tmp, data: str(data / "MANIFEST.tsv"), "not a WARC/ARC file or listing"),
        (lambda tmp, data: str(data / "warc/cc/eugeneware_CC-MAIN-2014-35.warc.wet"), "WAT/WET files hold no HTML"),
        (lambda tmp, data: "s3://commoncrawl/crawl-data/x.warc.gz", "unsupported URL scheme"),
        (lambda tmp, data: "https://example.org/page.html", "not a WARC/ARC file or listing"),
        (lambda tmp, data: "  ", "is not a path or URL"),
    ],
)
def test_user_errors_name_the_input(tmp_path: Path, shared_data: Path, make_spec, message) -> None:
    spec = make_spec(tmp_path, shared_data)
    with pytest.raises(UserError, match=message) as caught:
        resolve_inputs([spec])
    assert "\n" not in str(caught.value)
    assert spec.strip() in str(caught.value) or not spec.strip()


def test_empty_listing_and_listing_problems(tmp_path: Path, shared_data: Path) -> None:
    empty = tmp_path / "warc.paths.gz"
    empty.write_bytes(gzip.compress(b"\n# nothing here\n"))
    with pytest.raises(UserError, match=f"{re.escape(str(empty))}: listing names no files"):
        resolve_inputs([str(empty)], paths_base=str(tmp_path))
    wat = tmp_path / "wat.paths"
    wat.write_text("crawl-data/CC-MAIN-2024-10/segments/s/wat/x.warc.wat.gz\n")
    with pytest.raises(UserError, match="line 1: WAT/WET files hold no HTML"):
        resolve_inputs([str(wat)])
    broken = tmp_path / "broken.paths.gz"
    broken.write_bytes(gzip.compress(b"crawl-data/a.warc.gz\n")[:-12])
    with pytest.raises(UserError, match="listing is not valid gzip"):
        resolve_inputs([str(broken)])
    good = tmp_path / "ok.paths"
    good.write_text("crawl-data/a.warc.gz\n")
    with pytest.raises(UserError, match="paths_base .*no-mirror: not a directory"):
        resolve_inputs([str(good)], paths_base=str(tmp_path / "no-mirror"))
    with pytest.raises(UserError, match="missing.paths: no such file"):
        resolve_inputs([str(tmp_path / "missing.paths")])


def test_slices_and_counts_are_checked(shared_data: Path) -> None:
    one = [str(shared_data / CC_WARC)]
    with pytest.raises(UserError, match="selects none of the 1 input"):
        resolve_inputs(one, offset=1)
    with pytest.raises(UserError, match="selects none"):
        resolve_inputs(one, limit=0)
    with pytest.raises(UserError, match="offset must not be negative"):
        resolve_inputs(one, offset=-1)
    with pytest.raises(UserError, match="limit must not be negative"):
        resolve_inputs(one, limit=-5)
    with pytest.raises(UserError, match="no inputs given"):
        resolve_inputs([])
    with pytest.raises(UserError, match="not a single string"):
        resolve_inputs(one[0])  # type: ignore[arg-type]


def test_unreadable_file_is_a_user_error(tmp_path: Path) -> None:
    # A Unix socket cannot be opened for reading, even by root.
    path = tmp_path / "sock.warc.gz"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        with pytest.raises(UserError, match=r"sock\.warc\.gz: cannot read"):
            resolve_inputs([str(path)])
    finally:
        server.close()


def test_broken_symlink_is_a_user_error(tmp_path: Path) -> None:
    os.symlink(tmp_path / "gone.warc.gz", tmp_path / "link.warc.gz")
    with pytest.raises(UserError, match="link.warc.gz: no such file"):
        resolve_inputs([str(tmp_path / "link.warc.gz")])


# --- input_tag ----------------------------------------------------------------------------------


_TAG = re.compile(r"^[A-Za-z0-9._-]{1,60}-[0-9a-f]{8}$")


@pytest.mark.parametrize(
    "uri, stem",
    [
        ("/data/CC-MAIN-20200808165417-20200808195417-00395.warc.gz", "CC-MAIN-20200808165417-20200808195417-00395"),
        ("https://data.commoncrawl.org/crawl-data/CC/segments/s/warc/CC-MAIN-1.warc.gz?x=1", "CC-MAIN-1"),
        ("/w/makkaronisch-für-niedlich-20200627135227.warc", "makkaronisch-fur-niedlich-20200627135227"),
        ("/w/日本語のクロール.warc.gz", "input"),
        ("/w/my crawl (copy) #2.ARC.GZ", "my_crawl_copy_2"),
        ("/w/.hidden.arc", "hidden"),
        ("/w/" + "x" * 200 + ".warc", "x" * 60),
        ("/w/" + os.fsdecode(b"bad-\xff\xfe-name.warc"), "bad-_-name"),
    ],
)
def test_input_tag_shape(uri: str, stem: str) -> None:
    tag = input_tag(uri)
    assert _TAG.match(tag), tag
    assert tag.rsplit("-", 1)[0] == stem
    assert input_tag(uri) == tag  # deterministic


def test_same_name_in_two_places_gets_two_tags() -> None:
    tags = {input_tag("/a/part-00000.warc.gz"), input_tag("/b/part-00000.warc.gz"), input_tag("https://h/part-00000.warc.gz")}
    assert len(tags) == 3


# --- open_input ---------------------------------------------------------------------------------


def _record_ids(stream) -> list[str]:
    return [r.rec_headers.get_header("WARC-Record-ID") for r in ArchiveIterator(stream)]


def test_open_local_file(shared_data: Path) -> None:
    with open_input(str(shared_data / CC_WARC)) as stream:
        assert len(_record_ids(stream)) == 50
    with pytest.raises(FileError, match="nope.warc: cannot open"):
        open_input(str(shared_data / "nope.warc"))


def test_http_input_is_a_stream_warcio_can_read(site: LoopbackSite, shared_data: Path) -> None:
    body = (shared_data / CC_WARC).read_bytes()
    url = site.add("/crawl/a.warc.gz", body)
    with open(shared_data / CC_WARC, "rb") as local:
        expected = _record_ids(local)
    with open_input(url, timeout=5) as stream:
        assert _record_ids(stream) == expected
    assert site.requests[0][1].startswith("weft/")


def test_http_404_is_a_file_error_without_retries(site: LoopbackSite) -> None:
    with pytest.raises(FileError, match="HTTP 404"):
        open_input(site.base + "/missing.warc.gz", timeout=5, retries=3)
    assert len(site.requests) == 1


def test_http_503_once_then_success(site: LoopbackSite, shared_data: Path) -> None:
    body = (shared_data / BOOKS_WARC).read_bytes()
    url = site.add("/flaky.warc", body, fail_first=(503,))
    with open_input(url, timeout=5, retries=2) as stream:
        assert stream.read() == body
    assert [path for path, _ in site.requests] == ["/flaky.warc", "/flaky.warc"]


def test_http_408_is_retried_other_4xx_are_not(site: LoopbackSite, shared_data: Path) -> None:
    body = (shared_data / BOOKS_WARC).read_bytes()
    url = site.add("/slow-client.warc", body, fail_first=(408,))
    with open_input(url, timeout=5, retries=2) as stream:
        assert stream.read() == body
    url = site.add("/forbidden.warc", body, fail_first=(403,))
    with pytest.raises(FileError, match=r"HTTP 403"):
        open_input(url, timeout=5, retries=2)
    assert [path for path, _ in site.requests] == ["/slow-client.warc"] * 2 + ["/forbidden.warc"]


def test_http_keeps_failing_gives_up(site: LoopbackSite) -> None:
    url = site.add("/down.warc", b"never", fail_first=(429, 500))
    with pytest.raises(FileError, match=r"gave up after 2 attempt\(s\): HTTP 500"):
        open_input(url, timeout=5, retries=1)
    assert len(site.requests) == 2


def test_connection_refused_is_a_file_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # nothing listens on `port` now
    with pytest.raises(FileError, match="gave up after 1 attempt"):
        open_input(f"http://127.0.0.1:{port}/x.warc.gz", timeout=2, retries=0)
