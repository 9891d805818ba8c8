"""Calibration: fit free scenario values so the simulated KPIs meet observed figures.

:mod:`~simulator.calibration.expressions` reads a target's KPI expression,
:mod:`~simulator.calibration.targets` reads and checks a targets file,
:mod:`~simulator.calibration.fit` runs the fit (an analytic start, then a
search with common random numbers) and the goodness-of-fit table, and
:mod:`~simulator.calibration.result` writes the calibrated overlay and the
results folder.
"""
