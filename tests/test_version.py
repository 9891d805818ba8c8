"""The one lookup of installed versions."""

from __future__ import annotations

import importlib.metadata

import pytest

import simulator
from simulator.version import PACKAGES, installed_version, package_versions, samsim_version


def test_installed_version_matches_the_package_metadata() -> None:
    assert installed_version("numpy") == importlib.metadata.version("numpy")
    assert samsim_version() == importlib.metadata.version("samsim")
    assert simulator.__version__ == samsim_version()


def test_a_package_that_is_not_installed_has_no_version() -> None:
    assert installed_version("surely-not-an-installed-distribution") is None


def test_package_versions_lists_every_recorded_package_in_order() -> None:
    versions = package_versions()
    assert list(versions) == list(PACKAGES)
    assert versions["samsim"] == samsim_version()
    assert versions["pandas"] == importlib.metadata.version("pandas")
    assert package_versions(["simpy"]) == {"simpy": importlib.metadata.version("simpy")}


def test_an_uninstalled_source_tree_has_no_samsim_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert samsim_version() is None
