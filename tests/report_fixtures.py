"""One small real batch shared by the report, browser and notebook tests (built once)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLUSTERS = ("airport", "xinmi")  # one provincial zone with projects, one more
N_PATHS = 500
_CACHE: dict = {}


def require_kernel() -> None:
    from jupyter_client.kernelspec import find_kernel_specs

    if "zzforecast" not in find_kernel_specs():
        pytest.skip("the Jupyter kernel 'zzforecast' is not registered; run `make setup`")


def small_batch(tmp_path_factory, **overrides):
    """Run ``run_batch`` on two clusters and the overview once per session; return it."""
    from zzforecast.batch import run_batch

    key = tuple(sorted(overrides.items()))
    if key not in _CACHE:
        require_kernel()
        out = tmp_path_factory.mktemp("reports")
        kwargs = dict(clusters=",".join(CLUSTERS), workers=2, out_dir=out, n_paths=N_PATHS,
                      seed=3, data_dir=ROOT / "data", params_dir=ROOT / "params")
        kwargs.update(overrides)
        _CACHE[key] = run_batch(2017, "2017-07", "baseline", **kwargs)
    return _CACHE[key]
