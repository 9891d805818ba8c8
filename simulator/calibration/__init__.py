"""Calibration: fit free scenario values so the simulated KPIs meet observed figures.

:mod:`~simulator.calibration.expressions` reads a target's KPI expression,
:mod:`~simulator.calibration.targets` reads and checks a targets file,
:mod:`~simulator.calibration.evaluation` runs the scenario at free values and
judges it (the goodness-of-fit table), :mod:`~simulator.calibration.fit` runs
the fit (an analytic start, then a search with common random numbers), and
:mod:`~simulator.calibration.result` writes the calibrated overlay and the
results folder.
"""
