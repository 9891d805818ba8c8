"""The one did-you-mean hint used by every message that refuses an unknown name."""

from __future__ import annotations

from simulator.text.suggest import did_you_mean, nearest, suggest


def test_nearest_finds_the_closest_name() -> None:
    assert nearest("bedz", ["schedule", "beds", "costs"]) == "beds"
    assert nearest("kohd-nort", ["kohd-north", "kohd-south"]) == "kohd-north"


def test_nearest_is_none_when_nothing_is_close() -> None:
    assert nearest("xyz", ["beds", "schedule"]) is None
    assert nearest("beds", []) is None


def test_cutoff_decides_what_counts_as_close() -> None:
    # "wait" vs "wait_p90_days": similarity 2*4/17 = 0.47
    assert nearest("wait", ["wait_p90_days"]) is None
    assert nearest("wait", ["wait_p90_days"], cutoff=0.4) == "wait_p90_days"


def test_did_you_mean_wording() -> None:
    assert did_you_mean("titel", ["title", "run"]) == "did you mean 'title'?"
    assert did_you_mean("qqq", ["title", "run"]) is None


def test_suggest_falls_back_to_the_known_names_in_order() -> None:
    assert suggest("bedz", ["beds", "schedule"]) == "did you mean 'beds'?"
    assert suggest("xyz", ["schedule", "beds"]) == "known: schedule, beds"
    assert suggest("xyz", ("a", "b"), known="known ids") == "known ids: a, b"


def test_choices_may_be_any_iterable_of_names() -> None:
    facilities = {"kohd-north": 1, "kohd-south": 2}
    assert suggest("kohd-nord", facilities, known="facilities") == "did you mean 'kohd-north'?"
    assert suggest("zzz", facilities, known="facilities") == "facilities: kohd-north, kohd-south"
