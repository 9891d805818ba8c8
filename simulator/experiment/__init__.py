"""Experiments: replications on a local process pool or Dask, results, comparisons."""
