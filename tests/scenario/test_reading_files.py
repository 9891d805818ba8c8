"""Reading scenario files that are not what they seem, through the command line.

Devices, pipes, huge files, alias bombs, deep nesting, files saved from Excel
or Notepad, and YAML 1.1 number surprises: each gives exit code 2 and one
line naming the file and the key path, saying what to write instead, with no
traceback. Whatever could hang or eat memory runs in a child process with an
address-space limit of 2 GB and a timeout, so a regression fails the test
instead of the machine.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from helpers import minimal_scenario, write_yaml
from test_validation_errors import Case, assert_problem, problem_line

from simulator.cli import main
from simulator.errors import ScenarioError
from simulator.scenario.yamlio import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, load_text

MEMORY = 2 * 2**30
"""Address space the child process may use, bytes."""
TIMEOUT = 60


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def samsim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``samsim ARGS`` in a child limited to :data:`MEMORY` and :data:`TIMEOUT` seconds."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    return subprocess.run(
        [sys.executable, "-c", "from simulator.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        preexec_fn=limit,
        stdin=subprocess.PIPE,  # open and never written: a read of stdin would hang
        cwd=cwd,
    )


def assert_refused(result: subprocess.CompletedProcess[str], source: str, case: Case) -> str:
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert "MemoryError" not in output, output
    assert result.returncode == 2, f"exit {result.returncode}:\n{output}"
    line = problem_line(output, source, case.path, case.message)
    if case.hint is not None:
        assert case.hint in line.split("; ", 1)[-1], line
    return line


def base_file(folder: Path) -> Path:
    return write_yaml(folder / "base.yaml", minimal_scenario())


def overlay(folder: Path, text: str, name: str = "overlay.yaml") -> Path:
    base_file(folder)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- files that are not files ------------------------------------------------------

DEVICES = ["/dev/zero", "/dev/urandom", "/dev/stdin"]


def test_devices_pipes_and_huge_files(tmp_path: Path) -> None:
    """One child validates them all: a hang or a memory blow-up fails by timeout or limit."""
    os.mkfifo(tmp_path / "pipe.yaml")  # nobody writes: opening it to read would block for ever
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    with (tmp_path / "big.yaml").open("wb") as file:  # sparse: st_size is 10 MB + 1
        file.truncate(MAX_FILE_BYTES + 1)
    base_file(tmp_path)
    overlays = {}
    for i, target in enumerate([*DEVICES, "zero.yaml", "pipe.yaml", "big.yaml"]):
        overlays[target] = tmp_path / f"extends-{i}.yaml"
        overlays[target].write_text(f"extends: {target}\nname: x\n")
    pipe, big = str(tmp_path / "pipe.yaml"), str(tmp_path / "big.yaml")
    started = time.perf_counter()
    result = samsim("validate", *DEVICES, pipe, big, *(str(p) for p in overlays.values()))
    assert time.perf_counter() - started < TIMEOUT / 2
    not_file = Case("x", "", "", "is not a regular file", "name a .yaml file saved on disk")
    too_big = Case(
        "x", "", "", "a scenario file may be at most 10 MB", "check it is the right file"
    )
    for device in DEVICES:
        assert_refused(result, device, not_file)
        assert_refused(
            result,
            str(overlays[device]),
            Case("x", "", "extends", "must name a .yaml or .yml file", got=repr(device)),
        )
    assert_refused(result, str(tmp_path / "zero.yaml"), not_file)
    assert_refused(result, pipe, not_file)
    assert_refused(result, big, too_big)
    output = result.stdout + result.stderr
    assert output.count(f"{pipe}: is not a regular file") == 2  # named and extended
    assert output.count(f"{big}: is ") == 2


def test_extends_empty(tmp_path: Path) -> None:
    path = overlay(tmp_path, 'extends: ""\nname: x\n')
    result = invoke("validate", str(path))
    assert_problem(
        result, str(path), Case("x", "", "extends", "is empty", "extends: baseline.yaml")
    )
    assert "folder" not in result.output


def test_extends_a_folder(tmp_path: Path) -> None:
    (tmp_path / "sub.yaml").mkdir()
    path = overlay(tmp_path, "extends: sub.yaml\nname: x\n")
    result = invoke("validate", str(path))
    assert_problem(result, str(tmp_path / "sub.yaml"), Case("x", "", "", "is a folder"))


@pytest.mark.parametrize("suffix", ["", ".yaml", "/x.yaml"])
def test_extends_a_5000_character_path(tmp_path: Path, suffix: str) -> None:
    parent = "a" * 5000 + suffix
    path = overlay(tmp_path, f"extends: {parent}\nname: x\n")
    result = invoke("validate", str(path))
    assert_problem(
        result, str(path), Case("x", "", "extends", "characters long; at most 1024", "shorter path")
    )


def test_a_255_character_folder_name(tmp_path: Path) -> None:
    """Short enough for the check on the whole path, too long for one folder name."""
    parent = "b" * 300 + "/x.yaml"
    path = overlay(tmp_path, f"extends: {parent}\nname: x\n")
    result = invoke("validate", str(path))
    assert_problem(
        result, str(path), Case("x", "", "extends", "the file it extends does not exist")
    )


def test_a_file_without_read_permission(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    secret = tmp_path / "secret.yaml"
    secret.write_text("name: x\n")
    secret.chmod(0)
    result = invoke("validate", str(secret))
    assert_problem(result, str(secret), Case("x", "", "", "permission denied"))


# --- files that are not scenarios: never echoed --------------------------------------


def test_extends_etc_shadow(tmp_path: Path) -> None:
    path = overlay(tmp_path, "extends: /etc/shadow\nname: x\n")
    result = invoke("validate", str(path))
    assert_problem(result, str(path), Case("x", "", "extends", "must name a .yaml or .yml file"))
    assert len(result.output.splitlines()) == 2  # "invalid FILE" and the problem, nothing read


SECRET = "root:$6$hunter2salt$hash:19000:0:99999:7:::\nadmin:password-hunter2:19000::::::\n"


def test_a_yaml_named_system_file_is_not_echoed(tmp_path: Path) -> None:
    (tmp_path / "shadow.yaml").write_text(SECRET)
    path = overlay(tmp_path, "extends: shadow.yaml\nname: x\n")
    result = invoke("validate", str(path))
    assert_problem(
        result,
        str(tmp_path / "shadow.yaml"),
        Case("x", "", "", "is not a scenario file: none of its", "check it is the right file"),
    )
    assert "hunter2" not in result.output and "root:" not in result.output


@pytest.mark.parametrize(
    ("text", "holds"),
    [
        ("root:x:0:0:root:/root:/bin/bash hunter2\n", "a line of text"),
        ("- hunter2\n- hunter2\n", "a list"),
        ("12345\n", "a single value (int)"),
    ],
)
def test_a_file_that_is_no_map_is_not_echoed(tmp_path: Path, text: str, holds: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text)
    result = invoke("validate", str(path))
    assert_problem(result, str(path), Case("x", "", "", f"but this one holds {holds}"))
    assert "hunter2" not in result.output and "12345" not in result.output


# --- encodings ------------------------------------------------------------------------


def scenario_text() -> str:
    data = minimal_scenario()
    data["municipalities"]["north"]["name"] = "Målselv"  # noqa: RUF001 - a Norwegian å
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_saved_as_utf16(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "excel.yaml"
    path.write_bytes(scenario_text().encode(encoding))
    result = invoke("validate", str(path))
    kind = "UTF-32" if "32" in encoding else "UTF-16"
    assert_problem(result, str(path), Case("x", "", "", f"is saved as {kind}", "save it as UTF-8"))


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_saved_as_latin1(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "notepad.yaml"
    path.write_bytes(scenario_text().encode(encoding))
    line = scenario_text().splitlines().index("    name: Målselv") + 1  # noqa: RUF001
    result = invoke("validate", str(path))
    assert_problem(
        result,
        str(path),
        Case("x", "", "", f"is not UTF-8: line {line} holds the byte 0xE5", "save it as UTF-8"),
    )
    assert "'å' in Windows-1252/Latin-1" in result.output


def test_utf8_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(scenario_text().encode("utf-8-sig"))
    result = invoke("show", str(path))
    assert result.exit_code == 0, result.output
    assert "Målselv" in result.output  # noqa: RUF001


# --- alias bombs and deep nesting ----------------------------------------------------------


def laughs(levels: int = 9, width: int = 9) -> str:
    """The billion laughs: ``width ** levels`` strings from about a kilobyte of YAML."""
    lines = ["a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines)


def test_the_bomb_is_about_a_kilobyte() -> None:
    assert 400 < len(laughs()) < 1300


def test_alias_bombs_in_files(tmp_path: Path) -> None:
    """Under description: and as the whole file; refused before anything expands."""
    text = yaml.safe_dump(minimal_scenario(), sort_keys=False)
    text = "x-anchors:\n" + "\n".join("  " + line for line in laughs().splitlines()) + "\n" + text
    text = text.replace("name: minimal\n", "name: minimal\ndescription: *a8\n", 1)
    under = tmp_path / "under-description.yaml"
    under.write_text(text)
    whole = tmp_path / "whole.yaml"
    whole.write_text(laughs() + "\n")
    started = time.perf_counter()
    result = samsim("validate", str(under), str(whole))
    assert time.perf_counter() - started < TIMEOUT / 2
    expand = f"aliases (*name) expand this to more than {MAX_NODES:,} values"
    for path in (under, whole):
        assert_refused(result, str(path), Case("x", "", "", expand, "use fewer aliases"))


def test_alias_bomb_through_set(tmp_path: Path) -> None:
    path = base_file(tmp_path)
    value = "{" + laughs().replace("\n", ", ") + ", b: *a8}"
    result = samsim("show", str(path), "--set", f"description={value}")
    assert_refused(result, "--set", Case("x", "", "description", "aliases (*name) expand"))


def test_a_recursive_alias(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("name: x\ndescription: &a [1, *a]\n")
    result = invoke("validate", str(path))
    assert_problem(
        result,
        str(path),
        Case("x", "", "", "an alias (*name) refers to the map or list that holds it"),
    )


def test_deep_nesting(tmp_path: Path) -> None:
    files = []
    for depth in (MAX_DEPTH + 1, 250, 5000):
        files.append(tmp_path / f"lists-{depth}.yaml")
        files[-1].write_text("name: x\ndescription: " + "[" * depth + "]" * depth + "\n")
    files.append(tmp_path / "maps-300.yaml")
    files[-1].write_text("name: x\n" + "".join("  " * i + f"k{i}:\n" for i in range(300)) + "\n")
    result = samsim("validate", *(str(f) for f in files))
    for path in files:
        line = assert_refused(result, str(path), Case("x", "", "", "nested", "about 8 levels"))
        assert "Recursion" not in line
    assert_refused(result, str(files[1]), Case("x", "", "", f"nested more than {MAX_DEPTH} deep"))


def test_many_plain_values_are_not_called_aliases() -> None:
    with pytest.raises(Exception, match="holds more than") as info:
        load_text("[" + "1," * (MAX_NODES + 1) + "]", "x.yaml")
    assert "alias" not in str(info.value)


def test_validation_memory_does_not_grow_with_the_bomb(tmp_path: Path) -> None:
    """Twice the levels is 9**9 more strings; both are refused in well under a second."""
    times = []
    for levels in (6, 9, 12):
        path = tmp_path / f"bomb{levels}.yaml"
        path.write_text(laughs(levels) + "\n")
        started = time.perf_counter()
        result = invoke("validate", str(path))
        times.append(time.perf_counter() - started)
        assert result.exit_code == 2
    assert max(times) < 2.0, times


# --- the fast (libyaml) and the pure-Python parser agree ------------------------------------

PARSER_TEXTS = [
    "a: 010\n",
    "a: [2,5, 3,1]\n",
    "a: {mean: 3,58, cv: 1}\n",
    "0301: {x: 1}\n",
    "a: !!binary aGk=\n",
    "a: 1:30\nb: yes\nc: true\nd: 1e3\ne: 0o17\nf: 2025-01-01\n",
    "a: &x {b: 1, c: 2}\nd:\n  <<: *x\n  b: 3\n",
    "a: 1\na: 2\n",
    "a: &a [*a]\n",
    "a: " + "[" * 300 + "]" * 300 + "\n",
    "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 100)),
    "name: x\nrun: [\n",
    "a: 2025-02-30\n",
]


@pytest.mark.parametrize("text", PARSER_TEXTS, ids=range(len(PARSER_TEXTS)))
def test_both_parsers_agree(text: str) -> None:
    answers = []
    for parser in ("fast", "python"):
        try:
            document = load_text(text, "x.yaml", parser=parser)
            answers.append((document.data, [str(w) for w in document.warnings]))
        except ScenarioError as exc:
            answers.append(("refused", [p.path for p in exc.problems]))
    assert answers[0] == answers[1]


def test_the_bomb_is_refused_by_both_parsers() -> None:
    for parser in ("fast", "python"):
        with pytest.raises(ScenarioError, match="aliases"):
            load_text(laughs() + "\n", "x.yaml", parser=parser)


@pytest.mark.parametrize(
    "text",
    [
        "a: !!int abc\n",
        "a: !!float x\n",
        "a: !!timestamp x\n",
        "a: !!bool maybe\n",
        "a: !!null x\n",
        "a: !!map [1]\n",
        "a: !!str [1]\n",
        "a: !!set {b}\n",
        "a: !!omap [{b: 1}]\n",
        "a: !!int 010\n",
    ],
)
def test_a_written_tag_is_refused_with_its_line(text: str) -> None:
    for parser in ("fast", "python"):
        with pytest.raises(ScenarioError) as info:
            load_text(text, "x.yaml", parser=parser)
        (problem,) = info.value.problems
        assert problem.path == "a"
        assert problem.message.startswith("line 1, column 4: the tag !!")
        assert "is not allowed in a scenario" in problem.message


def test_tags_that_change_nothing_are_allowed() -> None:
    text = "a: !!str 0301\nb: !!int 12\nc: !!seq [1]\nd: !!map {e: 1}\n"
    assert load_text(text, "x.yaml").data == {"a": "0301", "b": 12, "c": [1], "d": {"e": 1}}


def test_a_number_of_thousands_of_digits() -> None:
    with pytest.raises(ScenarioError, match="a number of 5000 digits"):
        load_text("a: " + "9" * 5000 + "\n", "x.yaml")
