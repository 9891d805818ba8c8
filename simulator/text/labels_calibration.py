"""Labels of the calibration output: the goodness-of-fit plot and table, English and bokmål.

Read them through :func:`calibration_label`.
"""

from __future__ import annotations

__all__ = ["CALIBRATION", "calibration_label"]

CALIBRATION: dict[str, tuple[str, str]] = {
    "title": (
        "Goodness of fit: simulated / observed, mean with 95 % interval ({n} replications)",
        "Tilpasning: simulert / observert, snitt med 95 %-intervall ({n} replikasjoner)",
    ),
    "axis": ("simulated / observed", "simulert / observert"),
    "band": ("observed, with tolerance", "observert, med toleranse"),
    "fitted": ("fitted", "tilpasset"),
    "held_out": ("held out", "holdt utenfor"),
    "inside": ("inside tolerance", "innenfor toleransen"),
    "outside": ("outside tolerance", "utenfor toleransen"),
    "none": ("No target has an observed value other than 0", "Ingen mål har observert verdi ≠ 0"),
}


def calibration_label(key: str, lang: str = "en", **values: object) -> str:
    """The label ``key`` in ``lang`` (``en`` or ``nb``), with ``values`` filled in."""
    english, norwegian = CALIBRATION[key]
    return (norwegian if lang == "nb" else english).format(**values)
