"""Downloads are polite: a permanent answer costs the site one request, retryable failures are
asked again with a backoff that doubles, is capped and follows `Retry-After`, and `--resume`
asks again only for what may succeed later. Counted on a real loopback server."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from weft.demo.httpserve import LoopbackServer
from weft.pipeline.images import status as st
from weft.pipeline.images.download import DownloadSettings, LocalBudget, UnlimitedBudget, download_batch
from weft.pipeline.net.policy import NetworkPolicy
from tests.pipeline.images.test_resolve import HOST, PAGE_URL, image_job, slot_outcomes, write_warc
from tests.helpers import run_inline


@pytest.fixture
def server():
    with LoopbackServer(host=HOST) as srv:
        yield srv


def _settings(**overrides: object) -> DownloadSettings:
    values = {
        "timeout_s": 0.5,
        "retries": 2,
        "threads": 16,
        "max_image_bytes": 10_000_000,
        "user_agent_token": "weft",
        "disallowed_header_directives": ("noai", "noimageai"),
        "policy": NetworkPolicy(allow_hosts=frozenset({HOST})),
        "backoff_s": 0.05,
        "max_backoff_s": 0.2,
        **overrides,
    }
    return DownloadSettings(**values)  # type: ignore[arg-type]


def _requests(server: LoopbackServer) -> Counter[str]:
    return Counter(server.requests)


def test_permanent_answers_are_asked_once_and_the_rest_one_plus_retries_times(
    shared_data: Path, tmp_path: Path, server: LoopbackServer
) -> None:
    hopper = (shared_data / "images/pillow/hopper.png").read_bytes()
    routes = {
        # permanent: one request each
        "/ok.png": dict(body=hopper),
        "/missing.png": dict(status=404, body=b"no"),
        "/gone.png": dict(status=410, body=b"gone"),
        "/forbidden.png": dict(status=403, body=b"no"),
        "/noai.png": dict(body=hopper, headers={"X-Robots-Tag": "noai"}),
        # retryable: 1 + retries requests each
        "/broken.png": dict(status=500, body=b"oops"),
        "/busy.png": dict(status=503, body=b"busy"),
        "/request-timeout.png": dict(status=408, body=b"too slow"),
        "/too-many.png": dict(status=429, body=b"slow down"),
        "/slow.png": dict(body=hopper, delay_s=1.5),
    }
    urls = {path: server.add_route(path, **route) for path, route in routes.items()}
    results = {r.url: r for r in download_batch(sorted(urls.values()), tmp_path / "dl", _settings(), UnlimitedBudget())}

    asked = _requests(server)
    assert {path: asked[path] for path in routes} == {
        "/ok.png": 1, "/missing.png": 1, "/gone.png": 1, "/forbidden.png": 1, "/noai.png": 1,
        "/broken.png": 3, "/busy.png": 3, "/request-timeout.png": 3, "/too-many.png": 3, "/slow.png": 3,
    }
    outcome = {path: (results[url].status, results[url].http_status) for path, url in urls.items()}
    assert outcome == {
        "/ok.png": (st.OK, 200),
        "/missing.png": (st.HTTP_ERROR, 404),
        "/gone.png": (st.HTTP_ERROR, 410),
        "/forbidden.png": (st.HTTP_ERROR, 403),
        "/noai.png": (st.OPTED_OUT, None),
        "/broken.png": (st.HTTP_ERROR, 500),
        "/busy.png": (st.HTTP_ERROR, 503),
        "/request-timeout.png": (st.HTTP_ERROR, 408),
        "/too-many.png": (st.HTTP_ERROR, 429),
        "/slow.png": (st.TIMEOUT, None),
    }
    assert results[urls["/ok.png"]].content == hopper and results[urls["/ok.png"]].bytes == len(hopper)


def test_a_body_cut_short_is_retried_and_reported(tmp_path: Path, server: LoopbackServer, shared_data: Path) -> None:
    """A server that closes the connection before the promised length: http.client's short-read
    check must survive the opener reading the body for img2dataset."""
    hopper = (shared_data / "images/pillow/hopper.png").read_bytes()
    url = server.add_route("/cut.png", body=hopper[:100], headers={"Content-Length": str(len(hopper)), "Connection": "close"})
    (result,) = download_batch([url], tmp_path / "dl", _settings(retries=1), UnlimitedBudget())
    assert _requests(server)["/cut.png"] == 2
    assert result.status == st.CONNECTION_ERROR and result.content is None


def _timed(urls: list[str], tmp_path: Path, settings: DownloadSettings) -> float:
    start = time.monotonic()
    download_batch(urls, tmp_path / "dl", settings, UnlimitedBudget())
    return time.monotonic() - start


def test_backoff_doubles_up_to_its_cap_and_follows_retry_after(tmp_path: Path, server: LoopbackServer) -> None:
    busy = server.add_route("/busy.png", status=503, body=b"busy")
    # 0.3 s, then 0.6 s before the third request
    assert 0.9 <= _timed([busy], tmp_path, _settings(retries=2, backoff_s=0.3, max_backoff_s=5.0)) < 3.0
    # a long backoff is capped: 0.2 s twice
    assert 0.4 <= _timed([busy], tmp_path, _settings(retries=2, backoff_s=60.0, max_backoff_s=0.2)) < 2.0
    assert _requests(server)["/busy.png"] == 6

    later = server.add_route("/later.png", status=429, body=b"later", headers={"Retry-After": "1"})
    assert 1.0 <= _timed([later], tmp_path, _settings(retries=1, backoff_s=0.01, max_backoff_s=2.0)) < 3.0
    assert _requests(server)["/later.png"] == 2

    # A server asking for more patience than the cap is not asked again in this job.
    tomorrow = server.add_route("/tomorrow.png", status=503, body=b"later", headers={"Retry-After": "86400"})
    assert _timed([tomorrow], tmp_path, _settings(retries=3, backoff_s=0.01, max_backoff_s=2.0)) < 1.5
    assert _requests(server)["/tomorrow.png"] == 1


def test_the_budget_stops_retries(tmp_path: Path, server: LoopbackServer, shared_data: Path) -> None:
    broken = server.add_route("/broken.png", status=500, body=b"oops")
    budget = LocalBudget(10)
    budget.charge(10)
    (result,) = download_batch([broken], tmp_path / "dl", _settings(), budget)
    assert result.status == st.BUDGET_EXHAUSTED and _requests(server)["/broken.png"] == 0


def test_a_job_asks_a_404_once_and_a_500_one_plus_retries_times(shared_data: Path, tmp_path: Path, server: LoopbackServer) -> None:
    hopper = (shared_data / "images/pillow/hopper.png").read_bytes()
    good = server.add_route("/img/good.png", body=hopper)
    missing = server.add_route("/img/missing.png", status=404, body=b"no")
    broken = server.add_route("/img/broken.png", status=500, body=b"oops")
    warc = write_warc(tmp_path / "pages.warc.gz", {PAGE_URL: [good, missing, broken], "http://gallery.example.org/2.html": [missing]})
    manifest = run_inline(image_job(tmp_path / "out", warc, retries=2))
    assert _requests(server) == {"/img/good.png": 1, "/img/missing.png": 1, "/img/broken.png": 3}
    got = slot_outcomes(tmp_path / "out")
    assert (got[missing]["status"], got[missing]["fetch"].http_status) == (st.HTTP_ERROR, 404)
    assert (got[broken]["status"], got[broken]["fetch"].http_status) == (st.HTTP_ERROR, 500)
    assert manifest["counts"]["image_slots"] == {st.OK: 1, st.HTTP_ERROR: 3}


def test_resume_asks_again_after_408_but_not_after_404(shared_data: Path, tmp_path: Path, server: LoopbackServer) -> None:
    missing = server.add_route("/img/missing.png", status=404, body=b"no")
    timed_out = server.add_route("/img/408.png", status=408, body=b"too slow")
    warc = write_warc(tmp_path / "pages.warc.gz", {PAGE_URL: [missing, timed_out]})
    cfg = image_job(tmp_path / "out", warc, retries=0)
    run_inline(cfg)
    assert _requests(server) == {"/img/missing.png": 1, "/img/408.png": 1}
    run_inline(replace(cfg, output=replace(cfg.output, overwrite=True, resume=True)))
    assert _requests(server) == {"/img/missing.png": 1, "/img/408.png": 2}


@pytest.mark.parametrize(
    "status, code, retryable",
    [
        (st.HTTP_ERROR, 400, False),
        (st.HTTP_ERROR, 401, False),
        (st.HTTP_ERROR, 403, False),
        (st.HTTP_ERROR, 404, False),
        (st.HTTP_ERROR, 408, True),
        (st.HTTP_ERROR, 410, False),
        (st.HTTP_ERROR, 429, True),
        (st.HTTP_ERROR, 451, False),
        (st.HTTP_ERROR, 500, True),
        (st.HTTP_ERROR, 503, True),
        (st.HTTP_ERROR, 301, False),  # too many redirects
        (st.HTTP_ERROR, None, False),
        (st.TIMEOUT, None, True),
        (st.CONNECTION_ERROR, None, True),
        (st.BUDGET_EXHAUSTED, None, True),
        (st.BLOCKED, None, False),
        (st.TOO_LARGE, None, False),
        (st.OPTED_OUT, None, False),
        (st.DECODE_ERROR, None, False),
    ],
)
def test_which_statuses_are_retryable(status: str, code: int | None, retryable: bool) -> None:
    assert st.is_retryable(status, code) is retryable


def test_an_image_url_written_with_spaces_and_non_ascii_letters_is_fetched_as_a_browser_asks(
    shared_data: Path, tmp_path: Path, server: LoopbackServer
) -> None:
    hopper = (shared_data / "images/pillow/hopper.png").read_bytes()
    sent = server.add_route("/img/Thailand%202011-01/gr%C3%B6%C3%9Fe.png", body=hopper)
    written = server.base_url + "img/Thailand 2011-01/größe.png"
    warc = write_warc(tmp_path / "pages.warc.gz", {PAGE_URL: [written]})
    run_inline(image_job(tmp_path / "out", warc))
    assert _requests(server) == {"/img/Thailand%202011-01/gr%C3%B6%C3%9Fe.png": 1}
    assert slot_outcomes(tmp_path / "out")[sent]["status"] == st.OK
