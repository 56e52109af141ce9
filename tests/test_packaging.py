"""Packaging as users install it: the licence, the extras, what the sdist carries, and a
tracker that runs without the optional servers."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]
OPTIONAL = ("textual_serve", "aiohttp", "starlette", "uvicorn")


def names(requirements: list[str]) -> set[str]:
    return {r.split(";")[0].split("[")[0].split("<")[0].split(">")[0].split("=")[0].strip()
            for r in requirements}  # fmt: skip


def test_the_licence_file_is_mit_as_pyproject_says() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n") and "Permission is hereby granted" in text
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]


def test_servers_are_extras_and_the_tests_get_both() -> None:
    extras = PROJECT["optional-dependencies"]
    assert names(extras["serve"]) == {"textual-serve"}
    assert names(extras["server"]) == {"starlette", "uvicorn"}
    assert names(extras["serve"]) | names(extras["server"]) <= names(extras["test"])
    assert not names(PROJECT["dependencies"]) & {"textual-serve", "starlette", "uvicorn"}


def test_every_dependency_is_pinned_in_constraints() -> None:
    pinned = {
        line.split("==")[0].strip().lower().replace("_", "-")
        for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
        if "==" in line and not line.startswith("#")
    }
    wanted = names(PROJECT["dependencies"])
    for extra in PROJECT["optional-dependencies"].values():
        wanted |= names(extra)
    assert {w.lower().replace("_", "-") for w in wanted} <= pinned


def test_the_sdist_carries_what_make_test_needs() -> None:
    manifest = (ROOT / "MANIFEST.in").read_text(encoding="utf-8").split()
    for path in ("LICENSE", "README.md", "CONTRIBUTING.md", "constraints.txt", "Makefile"):
        assert path in manifest and (ROOT / path).is_file()
    for folder in ("tests", "docs", "tools"):
        assert f"graft {folder}" in " ".join(manifest) or folder in manifest


def test_the_tracker_and_scripts_run_without_the_server_extras(tmp_path: Path) -> None:
    """`kameng-tui --demo` and `orders` must not import textual-serve, aiohttp, starlette or
    uvicorn: they are extras. Run with those imports made to fail."""
    script = f"""
import importlib.abc, sys
BLOCKED = {OPTIONAL!r}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, Block())
from kameng_tui.cli import main
import kameng_tui.tui.app  # the tracker itself
assert main(["orders", "--demo", "--demo-orders", "5", "--format", "json"], environ={{}}) == 0
code = main(["demo-server"], environ={{}})
assert code == 2, code
loaded = sorted(m for m in sys.modules if m.partition(".")[0] in BLOCKED)
assert not loaded, loaded
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "TZ": "UTC"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("[") and '"order_no"' in done.stdout
    assert done.stderr == (
        "kameng-tui: demo-server needs the 'server' extra: pip install 'kameng-tui[server]'\n"
    )


def test_make_demo_needs_no_extra_and_bench_gets_the_servers() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "$(PIP) -e .\n" in makefile  # `make demo`: the demo is in-process
    assert "bench: install-test" in makefile  # tools/termbytes.py starts a demo server
