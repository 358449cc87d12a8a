"""zzforecast: will each industrial cluster zone reach this year's plan targets?

The public calls are imported lazily so that ``import zzforecast`` stays cheap for the
command line and for notebooks that need only part of the package.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> module that defines it
_PUBLIC = {
    "forecast": ".estimate.annual",
    "sample_paths": ".estimate.annual",
    "nowcast": ".estimate.nowcast",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'zzforecast' has no attribute {name!r}")
