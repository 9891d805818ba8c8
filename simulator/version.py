"""The installed versions of samsim and the packages its results depend on.

Looked up in one place because a result folder records them (``manifest.json``,
``sweep.json``), the package exposes ``__version__``, and a Dask run compares
the workers' samsim version with its own. Like :mod:`simulator.errors` it sits
at the bottom of the package and imports nothing else from samsim.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable

__all__ = ["PACKAGES", "installed_version", "package_versions", "samsim_version"]

PACKAGES = ("samsim", "simpy", "numpy", "scipy", "pandas", "pydantic", "matplotlib", "click")
"""The distributions whose versions a results folder records."""


def installed_version(package: str) -> str | None:
    """The installed version of the distribution ``package``, or None if it is not installed."""
    try:
        # Looked up through the module (not imported by name) so tests can patch it.
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def samsim_version() -> str | None:
    """The installed samsim's version, or None when running from an uninstalled source tree.

    A module-level function so that a Dask client can run it on every worker.
    """
    return installed_version("samsim")


def package_versions(packages: Iterable[str] = PACKAGES) -> dict[str, str | None]:
    """``{distribution: version or None}`` for ``packages``, in their order."""
    return {p: installed_version(p) for p in packages}
