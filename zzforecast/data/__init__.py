"""Load and validate zzforecast's data: cluster registry, observations, projects, targets.

Modules: ``schemas`` (column contracts), ``io`` (CSV/Parquet/YAML readers),
``loaders`` (strict loaders and :func:`load_bundle`), ``validate`` (every check at once),
``ledger`` (the Excel monthly-ledger template and its importer). Import from the modules;
this package imports nothing heavy on its own.
"""

from __future__ import annotations

import importlib

# public name -> module that defines it (imported on first use)
_PUBLIC = {
    "read_table": ".io",
    "read_yaml": ".io",
    "Bundle": ".loaders",
    "load_bundle": ".loaders",
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
