"""weft installs under one `weft` namespace, so a user's own `pipeline/` or `schemas/` never
shadows it (and weft never shadows theirs)."""

from __future__ import annotations

import ast
import configparser
import subprocess
import sys
from pathlib import Path

from tests.helpers import REPO

ROOTS = ("pipeline", "filters", "jobs", "schemas", "demo", "train")


def test_every_package_folder_is_installed_under_weft() -> None:
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    listed = set(cfg["options"]["packages"].split())
    on_disk = {"weft." + ".".join(init.parent.relative_to(REPO).parts) for root in ROOTS for init in (REPO / root).rglob("__init__.py")}
    assert listed == on_disk
    mapped = dict(line.split(" = ") for line in cfg["options"]["package_dir"].strip().splitlines())
    assert mapped == {f"weft.{root}": root for root in ROOTS}


def test_a_project_with_its_own_pipeline_and_schemas_packages_gets_both(tmp_path: Path) -> None:
    for name in ("pipeline", "schemas", "filters", "jobs"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(f"OWNER = 'user:{name}'\n")
    code = (
        "import pipeline, schemas, filters, jobs\n"
        "from weft.schemas import iter_documents\n"
        "from weft.pipeline.cli.main import main\n"
        "import weft.schemas\n"
        "assert [m.OWNER for m in (pipeline, schemas, filters, jobs)] == ['user:pipeline', 'user:schemas', 'user:filters', 'user:jobs']\n"
        "assert not hasattr(weft.schemas, 'OWNER') and callable(iter_documents)\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    weft = Path(sys.executable).parent / "weft"
    listed = subprocess.run([str(weft), "filters", "list", "--job", "kosmos1"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert "english_fasttext_v1" in listed.stdout


def _weft_imports(package: str) -> dict[str, set[str]]:
    """Module file -> the weft modules it imports (anywhere in the file, lazily or not)."""
    found: dict[str, set[str]] = {}
    for path in sorted((REPO / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        found[str(path.relative_to(REPO))] = {n for n in names if n.split(".")[0] in ("weft", "torch")}
    return found


def test_schemas_need_nothing_else_of_weft() -> None:
    """A trainer can copy `schemas/` alone: it imports only itself (and pyarrow, stdlib)."""
    for module, names in _weft_imports("schemas").items():
        assert all(n.startswith("weft.schemas") for n in names), (module, names)


def test_train_needs_only_the_schemas_and_torch_is_an_extra() -> None:
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    assert not [r for r in cfg["options"]["install_requires"].split() if r.startswith("torch")]
    extras = cfg["options.extras_require"]
    assert extras["train"].split() == ["torch==2.13.0"] and "torch==2.13.0" in extras["test"].split()
    torch_modules = {"train/loader.py", "train/model.py", "train/loop.py"}
    for module, names in _weft_imports("train").items():
        allowed = ("weft.schemas", "weft.train", "weft.jobs.errors", "torch")
        assert all(n.startswith(allowed) for n in names), (module, names)
        if module not in torch_modules and module != "train/cli.py":
            assert not any(n.startswith("torch") for n in names), module
    code = "import sys, weft.train, weft.train.cli, weft.pipeline.cli.main; print(sorted(m for m in sys.modules if m.split('.')[0] == 'torch'))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", "importing weft.train or weft's CLI does not import torch"
