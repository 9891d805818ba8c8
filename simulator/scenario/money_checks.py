"""Cross-field rules of money: price indices, cost-sharing keys and payments per episode.

Kept beside :mod:`simulator.scenario.checks` (which holds the rules of
pathways and capacity); :func:`money_rules` returns findings in the same
shape, run by :func:`simulator.scenario.validation.validate`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from simulator.errors import show_value
from simulator.scenario.findings import Finding
from simulator.scenario.schema import Scenario
from simulator.text.suggest import suggest

__all__ = ["money_rules"]

"""(key path, what is wrong, the value, a hint), as in :mod:`simulator.scenario.checks`."""


def _sharing(s: Scenario) -> Iterator[Finding]:
    mids = list(s.municipalities)
    for fid, facility in s.facilities.items():
        key = facility.costs.sharing
        path = f"facilities.{fid}.costs.sharing"
        if key != "use" and facility.costs.payer != "municipality":
            yield (
                path,
                "a cost-sharing key splits a cost the municipalities pay; this facility's "
                "payer is the health trust",
                show_value(key) if isinstance(key, str) else None,
                "remove sharing, or set costs.payer: municipality",
            )
        if not isinstance(key, dict):
            continue
        for mid in key:
            if mid not in s.municipalities:
                yield (
                    f"{path}.{mid}",
                    "no municipality with this id",
                    None,
                    suggest(mid, mids, known="known ids"),
                )
        total = sum(key.values())
        if not math.isclose(total, 1.0, abs_tol=1e-9):
            yield (
                path,
                "shares must sum to 1",
                f"sum {total:g}",
                "give each municipality its share of the facility's cost",
            )


def _prices(s: Scenario) -> Iterator[Finding]:
    c = s.costs
    if c.price_index and c.index_per_year != 0:
        yield (
            "costs.price_index",
            "give either price_index or index_per_year, not both",
            None,
            "a table by year replaces the yearly growth",
        )
    if c.price_index and c.price_year is not None:
        yield (
            "costs.price_year",
            "is not used with price_index: the table gives each year's index",
            show_value(c.price_year),
            "remove price_year, or use index_per_year",
        )


def _payments(s: Scenario) -> Iterator[Finding]:
    gids = list(s.groups)
    for gid in s.costs.payments:
        if gid not in s.groups:
            yield (
                f"costs.payments.{gid}",
                "no group with this id",
                None,
                suggest(gid, gids, known="known ids"),
            )


def money_rules(scenario: Scenario) -> list[Finding]:
    """Every money rule the scenario breaks."""
    return [*_sharing(scenario), *_prices(scenario), *_payments(scenario)]
