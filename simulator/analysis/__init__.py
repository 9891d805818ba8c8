"""Statistics over replications: intervals, significance, Erlang references, warm-up, precision.

Pure functions over arrays and tables; nothing here runs a simulation.
"""
