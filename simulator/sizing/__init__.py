"""Sizing: the fewest beds that meet a target, with an unconstrained reference curve."""
