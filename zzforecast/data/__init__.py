"""Load and validate zzforecast's data: cluster registry, observations, projects, plans.

Modules: ``schemas`` (column contracts and the indicator registry), ``tables`` and
``strict_yaml`` (CSV/Parquet and YAML readers), ``writing`` (the atomic writer),
``loaders`` (strict per-file loaders), ``observations`` (the observation rules),
``plan`` (one year's plan), ``bundle`` (:func:`load_bundle`), ``validate`` (every check at
once), ``ledger`` / ``ledger_template`` (the Excel monthly ledger), ``synthetic`` (the
bundled SYNTHETIC panel). Import from the modules; this package imports nothing heavy on
its own, and the names below load their module on first use.
"""

from __future__ import annotations

import importlib

# public name -> module that defines it (imported on first use)
_PUBLIC = {
    "read_table": ".tables",
    "read_yaml": ".strict_yaml",
    "Bundle": ".bundle",
    "load_bundle": ".bundle",
    "load_clusters": ".loaders",
    "load_observations": ".loaders",
    "load_projects": ".loaders",
    "load_cluster_targets": ".loaders",
    "write_ledger_template": ".ledger_template",
    "import_ledger": ".ledger",
}

__all__ = list(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name], __name__), name)
    raise AttributeError(f"module 'zzforecast.data' has no attribute {name!r}")
