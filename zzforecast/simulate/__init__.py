"""The simulate stage: correlated monthly paths to the year's end.

- :mod:`.engine`: :func:`~.engine.simulate`, the entry point (vintage, inputs, scenario);
- :mod:`.paths`: the draws (correlated monthly paths, the within-year copula);
- :mod:`.simulation`: the result object (paths, totals, long frames, save/load);
- :mod:`.scenarios`: scenario files and how they shift the paths;
- :mod:`.projects`: the key-project pipeline the paths draw on;
- :mod:`.trajectory`: trajectories beyond the target year.

Imports only from :mod:`zzforecast.data` and :mod:`zzforecast.estimate`.
"""
