"""Reading a scenario file's text: regular files only, bounded in size, UTF-8.

A path may name anything: a device that never ends (``/dev/zero``), a named
pipe nobody writes to, a file of gigabytes, a file saved as UTF-16 by Excel.
This module opens regular files only, reads at most :data:`MAX_FILE_BYTES`,
and turns every other case into a :class:`ScenarioError` that names the file
and says what to do, without ever showing what the file holds.
"""

from __future__ import annotations

import codecs
import errno
import os
import stat
from pathlib import Path

from simulator.errors import Problem, ScenarioError

__all__ = ["MAX_FILE_BYTES", "MAX_PATH_CHARS", "decode", "read_text"]

MAX_FILE_BYTES = 10 * 1024 * 1024
"""Largest scenario file read; a national scenario is well under 1 MB."""
MAX_PATH_CHARS = 1024
"""Longest path accepted, in characters (file systems stop at 4096 bytes or less)."""


def read_text(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """The text of a regular file of at most ``limit`` bytes, as UTF-8.

    Raises :class:`ScenarioError` naming the file and what to do, without ever
    showing what the file holds.
    """
    source = str(path)

    def refuse(message: str, hint: str | None = None) -> ScenarioError:
        return ScenarioError([Problem(source, "", message, hint=hint)])

    if not source:
        raise refuse("no file named (the path is empty)", "name a .yaml file")
    if len(source) > MAX_PATH_CHARS:
        raise ScenarioError(
            [
                Problem(
                    source[:60] + "...",
                    "",
                    f"the path is {len(source)} characters long; at most {MAX_PATH_CHARS} "
                    "are accepted",
                    hint="use a shorter path or move the file",
                )
            ]
        )
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise refuse("is a folder, not a scenario file", "name a .yaml file")
        if not stat.S_ISREG(info.st_mode):
            raise refuse(
                "is not a regular file (a device, a pipe or a socket); only files are read",
                "name a .yaml file saved on disk",
            )
        if info.st_size > limit:
            raise refuse(_too_big(info.st_size, limit), "split it, or check it is the right file")
        # O_NONBLOCK: should the path be swapped for a pipe after the check, open does not hang.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise refuse("is not a regular file; only files are read", "name a .yaml file")
            data = file.read(limit + 1)
    except (FileNotFoundError, NotADirectoryError):
        raise refuse("file not found", "check the path and the file name") from None
    except PermissionError:
        raise refuse("cannot be read: permission denied", "check the file's permissions") from None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise refuse(
                "the path or one of its folder names is too long for the file system",
                "use a shorter path",
            ) from None
        raise refuse(f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise refuse(_too_big(len(data), limit), "split it, or check it is the right file")
    return decode(data, source)


def _too_big(size: int, limit: int) -> str:
    shown = f"more than {limit / 2**20:g} MB" if size > limit else f"{size} bytes"
    return f"is {shown}; a scenario file may be at most {limit / 2**20:g} MB"


_SAVE_AS = (
    "save it as UTF-8 (Notepad: Save as, Encoding: UTF-8; from Excel, copy the text "
    "into a text editor and save as UTF-8)"
)


def decode(data: bytes, source: str) -> str:
    """Bytes of a scenario file as text, or a problem saying which encoding to save in."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        kind = "UTF-32"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        len(data) >= 4 and (data[1::2][:8].count(0) >= 2 or data[0::2][:8].count(0) >= 2)
    ):
        kind = "UTF-16"
    else:
        kind = ""
    if kind:
        raise ScenarioError(
            [Problem(source, "", f"is saved as {kind} (Unicode text), not UTF-8", hint=_SAVE_AS)]
        )
    if b"\x00" in data:
        raise ScenarioError(
            [
                Problem(
                    source, "", "is not a text file (it holds NUL bytes)", hint="name a .yaml file"
                )
            ]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        try:
            guess = f" ('{bytes([byte]).decode('cp1252')}' in Windows-1252/Latin-1)"
        except UnicodeDecodeError:
            guess = ""
        raise ScenarioError(
            [
                Problem(
                    source,
                    "",
                    f"is not UTF-8: line {line} holds the byte 0x{byte:02X}{guess}; "
                    "the file was probably saved as Latin-1 or Windows-1252",
                    hint=_SAVE_AS,
                )
            ]
        ) from None
