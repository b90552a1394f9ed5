"""The same job on a real two-node Ray cluster started with `ray start`, all on loopback.

The head listens on 127.0.0.2 and the second node on 127.0.0.3 (both loopback addresses; Ray
rewrites 127.0.0.1 to the machine's outward IP). weft connects with `--ray-address`, ships its
own packages with a runtime_env, and must write the same shards as an in-process run.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.helpers import job, run_inline

pytestmark = [pytest.mark.cluster, pytest.mark.ray]

BIN = Path(sys.executable).parent
HEAD_IP, WORKER_IP = "127.0.0.2", "127.0.0.3"


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@pytest.fixture
def cluster_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env.update(
        RAY_USAGE_STATS_ENABLED="0",
        RAY_AUTH_MODE="token",  # Ray's default for clusters; the token is this test's own
        RAY_AUTH_TOKEN=secrets.token_hex(32),
    )
    return env


def _start_node(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """`ray start --block` in a session of its own: the test owns the node's processes and stops
    exactly those (never `ray stop`, which ends every Ray on the machine)."""
    with open(log, "wb") as out:
        return subprocess.Popen(argv + ["--block"], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_started(proc: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if "Ray runtime started" in text:
            return
        assert proc.poll() is None, text[-2000:]
        time.sleep(0.2)
    raise AssertionError(f"ray start did not come up: {log.read_text(errors='replace')[-2000:]}")


def _stop_node(proc: subprocess.Popen) -> None:
    """SIGTERM to `ray start --block`, which stops its node's processes (a node that ran tasks
    drains for up to 30 s first: the test does not wait for that), then SIGKILL to whatever of
    its session is left."""
    proc.terminate()
    try:
        proc.wait(timeout=3)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def _own_processes(temp_dir: str) -> list[int]:
    """Processes whose command line names this test's Ray temp dir (its raylet, GCS, workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if temp_dir.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.fixture
def cluster(cluster_env: dict[str, str], tmp_path: Path):
    port = _free_port(HEAD_IP)
    ray = str(BIN / "ray")
    # Ray puts unix sockets under its temp dir, whose paths must stay under 108 bytes.
    temp_dir = tempfile.mkdtemp(prefix="weft-ray-")
    common = ["--num-cpus=1", "--disable-usage-stats", f"--temp-dir={temp_dir}"]
    nodes: list[subprocess.Popen] = []
    try:
        head = _start_node([ray, "start", "--head", f"--node-ip-address={HEAD_IP}", f"--port={port}", "--include-dashboard=false", *common],
                           cluster_env, tmp_path / "head.log")
        nodes.append(head)
        _wait_started(head, tmp_path / "head.log")
        worker = _start_node([ray, "start", f"--address={HEAD_IP}:{port}", f"--node-ip-address={WORKER_IP}", *common],
                             cluster_env, tmp_path / "worker.log")
        nodes.append(worker)
        _wait_started(worker, tmp_path / "worker.log")
        yield f"{HEAD_IP}:{port}"
    finally:
        for node in reversed(nodes):
            _stop_node(node)
        deadline = time.monotonic() + 30
        while _own_processes(temp_dir) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = _own_processes(temp_dir)
        shutil.rmtree(temp_dir, ignore_errors=True)
        assert not left, f"Ray processes of this test still running: {left}"


def test_job_on_a_two_node_cluster_matches_the_in_process_run(cluster, cluster_env, shared_data, tmp_path) -> None:
    inputs = [
        str(shared_data / "warc/cc/resiliparse_CC-MAIN-2020-34_warcfile.warc.gz"),
        str(shared_data / "warc/other/dolma_sample-0001.warc.gz"),
        str(shared_data / "warc/arc/jwat_small_BNF.arc"),
        str(shared_data / "warc/other/nodewarc_books.toscrape.warc"),
    ]
    out = tmp_path / "out"
    argv = [str(BIN / "weft"), "run", "--ray-address", cluster, "--output", str(out), "--set", "read.pages_per_chunk=6", "--set", "images.download=false"]
    for path in inputs:
        argv += ["--input", path]
    # Run from a directory that is not the checkout: the workers must get weft from the runtime_env.
    done = subprocess.run(argv, env=cluster_env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["executor"]["mode"] == "cluster" and manifest["executor"]["nodes"] == 2
    assert manifest["counts"]["balanced"]
    assert manifest["counts"]["unique_images"]["archive:ok"] == 20  # the image stage ran on the cluster
    run_inline(job(tmp_path / "inline", *inputs, read={"pages_per_chunk": 6}, images={"resolve": True, "download": False}))
    names = sorted(s["path"] for s in manifest["shards"])
    assert names and names == sorted(p.name for p in (tmp_path / "inline").iterdir() if p.suffix in (".parquet", ".tar"))
    for name in names:
        assert (out / name).read_bytes() == (tmp_path / "inline" / name).read_bytes(), name
