"""samsim installs like a real package, with the versions of constraints.txt.

The slow test builds the sdist and the wheel from a copy of the source tree,
installs the wheel (not editable) into a fresh virtual environment with its
dependencies pinned by ``constraints.txt``, and runs ``samsim`` there from a
folder outside the repository, so nothing in the source tree or in the
development environment (which has an editable install) can stand in for a
file the wheel lacks. ``uv`` (in the dev extra) builds and installs: from its
cache this takes a few seconds, where pip needs half a minute to unpack the
same wheels.

The fast tests check that ``constraints.txt`` pins every dependency named in
``pyproject.toml`` to one version that pyproject allows, that the environment
running the tests has exactly those versions, and that ``make`` re-installs
with them when either file changes.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest
from helpers import minimal_scenario, write_yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "constraints.txt"
# What the build reads; copied so that the build leaves nothing in the source tree.
BUILD_INPUTS = ("pyproject.toml", "README.md", "LICENSE", "simulator")


def project_table() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        project: dict[str, Any] = tomllib.load(file)["project"]
    return project


def named_requirements() -> dict[str, list[Requirement]]:
    """The runtime dependencies and each extra's, as parsed requirements."""
    project = project_table()
    groups = {"runtime": project["dependencies"], **project["optional-dependencies"]}
    return {group: [Requirement(text) for text in texts] for group, texts in groups.items()}


def pins() -> dict[str, list[Requirement]]:
    """Each package of constraints.txt (canonical name) with its pin lines."""
    found: dict[str, list[Requirement]] = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if text:
            requirement = Requirement(text)
            found.setdefault(canonicalize_name(requirement.name), []).append(requirement)
    return found


def pinned_version(requirement: Requirement) -> str:
    (spec,) = requirement.specifier
    assert spec.operator == "==", f"{requirement} is not pinned with =="
    return spec.version


def test_lock_pins_every_dependency_once_to_a_version_pyproject_allows() -> None:
    locked = pins()
    groups = named_requirements()
    assert {"runtime", "dask", "dev"} <= set(groups)
    # dask[distributed] brings distributed: workers need it pinned as well.
    expected = [(group, r) for group, rs in groups.items() for r in rs]
    expected.append(("dask", Requirement("distributed")))
    for group, requirement in expected:
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{group} dependency {requirement} is missing; run `make lock`"
        (pin,) = locked[name]  # one version for every Python and platform
        assert pin.marker is None, f"{pin}: a marker would leave it out somewhere"
        version = pinned_version(pin)
        assert requirement.specifier.contains(version, prereleases=True), (
            f"constraints.txt pins {name}=={version}, which pyproject.toml's "
            f"{requirement} excludes; run `make lock`"
        )
    for name, lines in locked.items():
        assert len(lines) == 1, f"{name} has several pins: {lines}"
        pinned_version(lines[0])
    assert "make lock" in CONSTRAINTS.read_text(encoding="utf-8").splitlines()[1]


def test_this_environment_has_the_locked_versions() -> None:
    """`make` installs with constraints.txt, so tests run what workers install."""
    wrong = []
    for name, (pin,) in pins().items():
        if pin.marker is not None and not pin.marker.evaluate():
            continue
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            wrong.append(f"{name} missing")
            continue
        if installed != pinned_version(pin):
            wrong.append(f"{name} {installed} instead of {pinned_version(pin)}")
    assert not wrong, f"run `make` to re-install: {wrong}"


@pytest.mark.parametrize("changed", ["pyproject.toml", "constraints.txt"])
def test_make_reinstalls_with_the_lock_when_pyproject_or_lock_change(
    changed: str, tmp_path: Path
) -> None:
    make = shutil.which("make")
    assert make, "make is needed for `make run` and `make test`"
    for name in ("Makefile", "pyproject.toml", "constraints.txt"):
        shutil.copy2(ROOT / name, tmp_path / name)
        os.utime(tmp_path / name, (1_000_000, 1_000_000))
    stamp = tmp_path / ".venv" / ".installed"
    stamp.parent.mkdir()
    stamp.touch()
    os.utime(stamp, (1_000_100, 1_000_100))

    def plan(*args: str) -> subprocess.CompletedProcess[str]:
        command = [make, "--no-print-directory", *args]
        return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)

    assert plan("-q", "install").returncode == 0  # installed after both changed
    os.utime(tmp_path / changed, (1_000_200, 1_000_200))
    assert plan("-q", "install").returncode == 1
    dry = plan("-n", "test")  # prints the commands, runs none
    assert dry.returncode == 0, dry.stderr
    assert "pip install --quiet -c constraints.txt -e '.[dev,dask]'" in dry.stdout
    steps = [line.split()[0] for line in dry.stdout.splitlines() if line.startswith(".venv/")]
    tools = [".venv/bin/ruff", ".venv/bin/ruff", ".venv/bin/mypy", ".venv/bin/lint-imports"]
    assert steps[-5:] == [*tools, ".venv/bin/pytest"]  # lint, typecheck, imports, pytest


def uv(*args: str | Path, cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "uv", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"uv {args}:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def copy_build_inputs(target: Path) -> None:
    target.mkdir()
    for name in BUILD_INPUTS:
        source = ROOT / name
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            shutil.copy2(source, target / name)


def subpackages() -> list[str]:
    """Every package of the source tree: each must come from the wheel."""
    return sorted(
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "simulator").rglob("__init__.py")
        if "__pycache__" not in init.parts
    )


PROBE = """
import importlib, importlib.metadata, json, sys
files = {name: importlib.import_module(name).__file__ for name in sys.argv[1:]}
dist = importlib.metadata.distribution("samsim")
print(json.dumps({
    "files": files,
    "version": dist.version,
    "records": [str(f) for f in dist.files or ()],
}))
"""


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_venv_and_runs(tmp_path: Path) -> None:
    started = time.perf_counter()
    # Without PYTHONDONTWRITEBYTECODE the first import writes .pyc files that the
    # later processes reuse: numpy, pandas and matplotlib are compiled once, not five times.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE")
    }
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env["UV_NO_CONFIG"] = "1"
    version = importlib.metadata.version("samsim")

    # Build the sdist, then the wheel from the sdist, as a release would.
    copy_build_inputs(tmp_path / "src")
    dist = tmp_path / "dist"
    log = uv("build", "--out-dir", dist, tmp_path / "src", cwd=tmp_path, env=env)
    assert "deprecat" not in log.lower(), log  # e.g. setuptools on the license
    wheel = dist / f"samsim-{version}-py3-none-any.whl"
    assert (dist / f"samsim-{version}.tar.gz").is_file()
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = archive.read(f"samsim-{version}.dist-info/entry_points.txt").decode()
    sources = {
        path.relative_to(tmp_path / "src").as_posix()
        for path in (tmp_path / "src" / "simulator").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert "simulator/py.typed" in sources
    assert sources <= names, f"not in the wheel: {sorted(sources - names)}"
    assert f"samsim-{version}.dist-info/licenses/LICENSE" in names
    assert re.search(r"^samsim = simulator\.cli:main$", entry_points, re.MULTILINE)
    built = time.perf_counter()

    # A fresh environment with the plain package, dependencies from the lock.
    venv = tmp_path / "venv"
    uv("venv", "--quiet", "--python", sys.executable, venv, cwd=tmp_path, env=env)
    python = venv / "bin" / "python"
    uv("pip", "install", "--python", python, "-c", CONSTRAINTS, wheel, cwd=tmp_path, env=env)
    installed = time.perf_counter()

    work = tmp_path / "work"  # outside the repository: nothing there to import
    work.mkdir()

    def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*map(str, args)], cwd=work, env=env, capture_output=True, text=True, timeout=300
        )

    probe = run(python, "-c", PROBE, *subpackages())
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)
    site = venv.resolve()
    for name, file in found["files"].items():
        assert Path(file).resolve().is_relative_to(site), f"{name} imported from {file}"
    assert found["version"] == version
    assert "simulator/py.typed" in found["records"]
    # Not the dask extra: a plain install must not need it.
    assert run(python, "-c", "import distributed").returncode != 0

    samsim = venv / "bin" / "samsim"
    help_ = run(samsim, "--help")
    assert help_.returncode == 0, help_.stderr
    assert "run" in help_.stdout and "compare" in help_.stdout

    data = minimal_scenario()
    data["run"].update(days=20, warmup_days=5)
    write_yaml(work / "minimal.yaml", data)
    result = run(samsim, "run", "minimal.yaml", "-r", "2", "-j", "2", "-s", "1", "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    folder = work / result.stdout.strip().splitlines()[-1]
    assert folder.parent == work / "results" / "minimal", folder
    summary = (folder / "summary.csv").read_text(encoding="utf-8").splitlines()
    assert summary[0] == "kpi,mean,std,ci_low,ci_high,n"
    assert any(line.startswith("cost.total,") and line.endswith(",2") for line in summary)
    assert (folder / "report.html").is_file()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["samsim_version"] == version
    assert manifest["packages"]["numpy"] == pinned_version(pins()["numpy"][0])
    ran = time.perf_counter()

    # A Dask worker's install: the same wheel with its extra, the same lock.
    requirement = f"samsim[dask] @ {wheel.as_uri()}"
    uv("pip", "install", "--python", python, "-c", CONSTRAINTS, requirement, cwd=work, env=env)
    check = run(python, "-c", "import distributed, simulator.experiment.dask_cluster")
    assert check.returncode == 0, check.stderr
    versions = run(
        python,
        "-c",
        "import importlib.metadata as m, sys; print(*(m.version(n) for n in sys.argv[1:]))",
        *(name for name in ("numpy", "scipy", "simpy", "pandas", "dask", "distributed")),
    )
    assert versions.returncode == 0, versions.stderr
    expected = [pinned_version(pins()[n][0]) for n in ("numpy", "scipy", "simpy", "pandas")]
    expected += [pinned_version(pins()[n][0]) for n in ("dask", "distributed")]
    assert versions.stdout.split() == expected
    done = time.perf_counter()
    print(
        f"build {built - started:.1f} s, venv+install {installed - built:.1f} s, "
        f"help+run {ran - installed:.1f} s, dask extra {done - ran:.1f} s"
    )
