"""Result folders on disk: checked before simulating, written whole or not at all.

A simulation can take hours; finding out afterwards that its results cannot be
written loses them. So :func:`check_writable` proves, before anything runs,
that the results folder can be created and written and that every folder and
file name fits the file system (``NAME_MAX``, 255 bytes per name on Linux,
macOS and Windows). Writing itself goes through a hidden staging folder
(``.incomplete-<run id>-<pid>``, see :func:`simulator.store.results.staged_folder`)
that is removed again when the write fails, so a full disk or a vanished
folder leaves nothing half-written behind; :class:`ResultsFolderError` says
what happened and what to do.

Staging folders of *other* processes are never removed: a concurrent run may
own one. :func:`stale_staging` lists those older than a day, for the command
line to mention.

Tables are checksummed (SHA-256, :func:`file_checksums`) into the folder's
manifest, written last, so a reader can tell a whole folder from a damaged one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from simulator.errors import SamsimError

__all__ = [
    "NAME_MAX",
    "STAGING_PREFIX",
    "ResultsFolderError",
    "atomic_write",
    "check_names",
    "check_writable",
    "file_checksums",
    "name_max",
    "sha256_of",
    "stale_staging",
]

NAME_MAX = 255
"""Bytes in one folder or file name on the common file systems (ext4, APFS, NTFS)."""

STAGING_PREFIX = ".incomplete-"
"""Names of staging folders start with this; nothing else in a results folder does."""

STALE_AFTER = dt.timedelta(days=1)
"""A staging folder older than this belongs to a write that will never finish."""


class ResultsFolderError(SamsimError):
    """A results folder cannot be written, or one that is read is not whole."""


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def name_max(folder: Path) -> int:
    """The longest name, in bytes, the file system holding ``folder`` accepts."""
    try:
        return min(NAME_MAX, int(os.pathconf(folder, "PC_NAME_MAX")))
    except (OSError, ValueError, AttributeError):  # no pathconf on Windows
        return NAME_MAX


def check_names(names: Iterable[str], limit: int = NAME_MAX) -> None:
    """Refuse a folder or file name longer than ``limit`` bytes (each part of a ``a/b`` path).

    Raises
    ------
    ResultsFolderError
        Naming the name, its length and the limit.
    """
    for name in names:
        for part in Path(name).parts:
            size = len(part.encode("utf-8"))
            if size > limit:
                shown = part if len(part) <= 60 else part[:57] + "..."
                raise ResultsFolderError(
                    f"the name {shown!r} is {size} bytes long, but a folder or file name may "
                    f"have at most {limit} bytes here; shorten it (a scenario's name: key, "
                    "or the file's name)"
                )


def check_writable(out: Path, names: Iterable[str] = ()) -> Path:
    """Create ``out`` if needed and prove that results can be written in it now.

    Makes and removes a small probe folder with a file in it, and checks
    ``names`` (the folder and file names the write will create) against the
    file system's name limit. Returns ``out``.

    Raises
    ------
    ResultsFolderError
        When ``out`` cannot be created, is not a folder, is not writable
        (read-only, ``/proc``, no permission, no space) or a name is too long.
    """
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ResultsFolderError(
            f"{out}: cannot create the results folder ({_reason(exc)}); "
            "choose a folder on a disk you can write to"
        ) from None
    if not out.is_dir():
        raise ResultsFolderError(f"{out}: not a folder; choose a folder for the results")
    check_names(names, name_max(out))
    probe = out / f"{STAGING_PREFIX}write-test-{os.getpid()}"
    try:
        probe.mkdir(exist_ok=True)
        with (probe / "probe.csv").open("wb") as file:
            file.write(b"probe\n" * 512)
            file.flush()
            os.fsync(file.fileno())
    except OSError as exc:
        raise ResultsFolderError(
            f"{out}: cannot write results there ({_reason(exc)}); "
            "choose a folder on a disk you can write to, with free space"
        ) from None
    finally:
        shutil.rmtree(probe, ignore_errors=True)
    return out


def stale_staging(parent: Path, now: dt.datetime | None = None) -> list[Path]:
    """Staging folders under ``parent`` (and one level down) older than a day, oldest first.

    They are left by writes that were killed (power cut, ``kill -9``); a live
    run finishes or removes its own within the run. They are listed, not
    removed: the caller says where they are.
    """
    now = now or dt.datetime.now(dt.UTC)
    found: list[tuple[float, Path]] = []
    try:
        candidates = [
            *Path(parent).glob(f"{STAGING_PREFIX}*"),
            *Path(parent).glob(f"*/{STAGING_PREFIX}*"),
        ]
    except OSError:
        return []
    for path in candidates:
        try:
            modified = path.stat().st_mtime
        except OSError:
            continue
        age = now - dt.datetime.fromtimestamp(modified, dt.UTC)
        if path.is_dir() and age > STALE_AFTER:
            found.append((modified, path))
    return [path for _, path in sorted(found)]


def sha256_of(path: Path) -> str:
    """SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_checksums(folder: Path, names: Iterable[str]) -> dict[str, str]:
    """SHA-256 of each named file in ``folder`` that exists, by name."""
    return {name: sha256_of(folder / name) for name in names if (folder / name).is_file()}


def atomic_write(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file renamed over it.

    A reader sees the old file or the new one, never half of one; an
    interrupted write leaves the old file and removes the temporary one.
    """
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` as :func:`atomic_write` writes text."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with temporary.open("wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path
