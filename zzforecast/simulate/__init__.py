"""The simulate stage: correlated monthly paths to the year's end.

- :mod:`.engine`: the attainability engine (paths, result object);
- :mod:`.scenarios`: scenario files and how they shift the paths;
- :mod:`.projects`: the key-project pipeline the paths draw on;
- :mod:`.trajectory`: trajectories beyond the target year.

Imports only from :mod:`zzforecast.data` and :mod:`zzforecast.estimate`.
"""
