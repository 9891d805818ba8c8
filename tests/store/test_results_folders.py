"""Result folders on disk (:mod:`simulator.store.folders`, ``results``, ``readers``).

A results folder is written whole or not at all: a write that fails (full
disk, read-only or vanished folder, a name too long) removes its staging
folder and says so; a folder that is read back for a report is checked first
(manifest well formed, every table present and matching its checksum).
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from simulator import simulate, validate
from simulator.experiment.simulate import Results
from simulator.report.inputs import sources_of
from simulator.store import results as store_results
from simulator.store.folders import (
    ResultsFolderError,
    check_names,
    check_writable,
    sha256_of,
    stale_staging,
)
from simulator.store.readers import RUN_TABLES, check_folder, read_run, title_with_period
from simulator.store.results import run_id

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers import minimal_scenario  # noqa: E402


@pytest.fixture(scope="module")
def results() -> Results:
    data: dict[str, Any] = minimal_scenario()
    data["run"].update(days=30, warmup_days=5)
    return simulate(validate(data), replications=2, seed=3)


def write(results: Results, out: Path, overrides: list[str] | None = None) -> Path:
    return Path(results.write(str(out), overrides=overrides or []))


def staging_left(parent: Path) -> list[Path]:
    return [p for p in parent.rglob(".incomplete-*")] if parent.exists() else []


# --- writing ---------------------------------------------------------------------------


def test_manifest_holds_checksums_of_every_table_and_the_overrides(
    results: Results, tmp_path: Path
) -> None:
    folder = write(results, tmp_path, overrides=["facilities.hospital.beds=12"])
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["overrides"] == ["facilities.hospital.beds=12"]
    # flows.csv is checksummed too, but not required of older folders (not in RUN_TABLES)
    assert set(manifest["checksums"]) == {*RUN_TABLES, "flows.csv", "scenario.yaml"}
    for name, digest in manifest["checksums"].items():
        assert sha256_of(folder / name) == digest, name
    check_folder(folder)  # a folder just written is whole
    assert folder.name.endswith("-seed3-2025")  # the run id names the period's year(s)


def test_a_full_disk_removes_the_staging_folder_and_says_so(
    results: Results, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = pd.DataFrame.to_csv

    def fill_up(self: pd.DataFrame, path: Any = None, *args: Any, **kwargs: Any) -> Any:
        if path is not None and str(path).endswith("daily_occupancy.csv"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", fill_up)
    with pytest.raises(ResultsFolderError) as caught:
        write(results, tmp_path)
    message = str(caught.value)
    assert "No space left on device" in message and "nothing was kept" in message
    assert "same seed" in message
    assert staging_left(tmp_path) == []
    assert list((tmp_path / "minimal").iterdir()) == []


def test_an_interrupted_write_removes_the_staging_folder(
    results: Results, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(store_results, "copy_inputs", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write(results, tmp_path)
    assert staging_left(tmp_path) == []


def test_a_vanished_folder_is_a_clear_error(results: Results, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()

    def vanish(folder: Path) -> None:
        shutil.rmtree(out)  # the results folder goes while the run writes
        (folder / "x").write_text("")

    with pytest.raises(ResultsFolderError, match="could not write the results"):
        store_results.staged_folder(out / "minimal", "run", vanish)
    assert not out.exists() or staging_left(out) == []


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs, where the privileges allow mounting one."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here: " + done.stderr.decode(errors="replace"))
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_really_full_disk(results: Results, tiny_disk: Path) -> None:
    filler = tiny_disk / "filler"
    filler.write_bytes(b"x" * (shutil.disk_usage(tiny_disk).free - 8192))
    used = shutil.disk_usage(tiny_disk).used
    check_writable(tiny_disk)  # 8 KiB left: room for the probe, not for the results
    with pytest.raises(ResultsFolderError, match="No space left on device"):
        write(results, tiny_disk)
    assert staging_left(tiny_disk) == []
    assert shutil.disk_usage(tiny_disk).used == used  # nothing half-written stays


def test_a_read_only_disk_is_refused_before_simulating(tiny_disk: Path) -> None:
    done = subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=False)
    if done.returncode != 0:
        pytest.skip("cannot remount read-only here")
    with pytest.raises(ResultsFolderError, match="Read-only file system"):
        check_writable(tiny_disk)
    with pytest.raises(ResultsFolderError, match="Read-only file system"):
        check_writable(tiny_disk / "results")


def test_out_is_checked_before_simulating(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for out in (blocker, blocker / "sub"):
        with pytest.raises(ResultsFolderError, match=str(out)):
            check_writable(out)
    if Path("/proc/self").exists():
        with pytest.raises(ResultsFolderError, match="cannot write results there"):
            check_writable(Path("/proc"))
    assert check_writable(tmp_path / "new" / "folder").is_dir()
    assert staging_left(tmp_path) == []  # the probe is gone


def test_names_longer_than_the_file_system_allows_are_refused(tmp_path: Path) -> None:
    check_names(["a" * 255, "inputs/" + "b" * 255])
    with pytest.raises(ResultsFolderError, match="256 bytes"):
        check_names(["a" * 256])
    with pytest.raises(ResultsFolderError, match="256 bytes"):
        check_names(["æ" * 128])  # two bytes each in UTF-8
    with pytest.raises(ResultsFolderError, match="name: key, or the file"):
        check_writable(tmp_path, ["x" * 300])


def test_stale_staging_folders_are_listed_not_removed(tmp_path: Path) -> None:
    old = tmp_path / "scenario" / ".incomplete-20250101T000000Z-seed1-99"
    new = tmp_path / "scenario" / ".incomplete-20250102T000000Z-seed1-98"
    old.mkdir(parents=True)
    new.mkdir()
    two_days = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).timestamp()
    os.utime(old, (two_days, two_days))
    assert stale_staging(tmp_path) == [old]
    assert old.exists() and new.exists()


def test_run_id_names_the_period() -> None:
    started = dt.datetime(2026, 3, 1, 10, 15, tzinfo=dt.UTC)
    assert run_id(started, 1) == "20260301T101500Z-seed1"
    period = (dt.date(2040, 1, 1), dt.date(2042, 12, 31))
    assert run_id(started, 1, period) == "20260301T101500Z-seed1-2040-2042"


# --- reading back ----------------------------------------------------------------------


@pytest.fixture
def whole(results: Results, tmp_path: Path) -> Path:
    return write(results, tmp_path / "results")


def test_a_truncated_table_is_refused(whole: Path) -> None:
    path = whole / "daily_occupancy.csv"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ResultsFolderError, match="daily_occupancy.csv differs from the checksum"):
        check_folder(whole)


def test_a_truncated_table_without_checksums_is_refused(whole: Path) -> None:
    manifest = json.loads((whole / "manifest.json").read_text(encoding="utf-8"))
    del manifest["checksums"]  # as an older version wrote it
    (whole / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    check_folder(whole)
    path = whole / "daily_occupancy.csv"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 + 3])
    with pytest.raises(ResultsFolderError, match="daily_occupancy.csv"):
        check_folder(whole)


def test_a_missing_summary_is_refused(whole: Path) -> None:
    (whole / "summary.csv").unlink()
    with pytest.raises(ResultsFolderError, match="summary.csv is missing"):
        check_folder(whole)


def test_a_truncated_manifest_is_refused(whole: Path) -> None:
    path = whole / "manifest.json"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(ResultsFolderError, match="manifest.json does not parse"):
        check_folder(whole)


def test_a_staging_folder_is_refused(whole: Path) -> None:
    staging = whole.parent / ".incomplete-20250101T000000Z-seed1-42"
    shutil.copytree(whole, staging)
    with pytest.raises(ResultsFolderError, match="staging folder"):
        check_folder(staging)


def test_title_carries_the_resolved_period() -> None:
    growth = {"run": {"start_date": "2040-01-01", "days": 1095}}
    title = "Befolkningsutvikling – dagens kapasitet i 2035–2037"
    assert title_with_period(title, growth) == f"{title} · 2040–2042"
    same = {"run": {"start_date": "2035-01-01", "days": 1095}}
    assert title_with_period(title, same) == title
    assert title_with_period("Baseline 2035-2037", same) == "Baseline 2035-2037"
    assert title_with_period("No years", same) == "No years · 2035–2037"
    assert title_with_period("No run settings", {}) == "No run settings"


def test_a_changed_value_loses_its_files_source_comment(whole: Path, tmp_path: Path) -> None:
    source = tmp_path / "scenario.yaml"
    source.write_text(
        "facilities:\n"
        "  hospital:\n"
        "    beds: 10   # ten beds (hospital annual report)\n"
        "    costs:\n"
        "      per_bed_day: 12000   # price list 2025\n"
        "  kohd-north:\n"
        "    beds: 2   # two beds (municipal plan)\n",
        encoding="utf-8",
    )
    manifest = json.loads((whole / "manifest.json").read_text(encoding="utf-8"))
    manifest["scenario_files"] = [str(source)]
    manifest["overrides"] = ["facilities.hospital.beds=14", "facilities.hospital.costs={}"]
    (whole / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    sources = sources_of(read_run(whole), "en")
    assert (
        sources["facilities.hospital.beds"] == "changed for this run: facilities.hospital.beds=14"
    )
    assert "facilities.hospital.costs.per_bed_day" not in sources
    assert sources["facilities.kohd-north.beds"] == "two beds (municipal plan)"
    assert "annual report" not in json.dumps(sources)
