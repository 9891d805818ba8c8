"""Sweeps: designs over scenario values, sweep files, the per-point store and the runner."""
