"""The result of a joint simulation: paths of every cluster and indicator, their totals, files.

:class:`Simulation` holds the paths :func:`zzforecast.simulate.engine.simulate` draws (with
the inputs, the scenario and the provenance they were drawn under), sums them into city,
provincial and municipal totals path by path, gives them as long frames, and saves and
loads them (an ``.npz`` of the arrays and a ``.json`` of the metadata, both written
atomically).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..data.schemas import CITY_SCOPE, MUNICIPAL_SCOPE, PROVINCIAL_SCOPE
from ..data.writing import atomic_write
from ..estimate.engine_inputs import SimInputs
from ..exceptions import DataError, UserError
from .scenarios import Scenario

__all__ = ["Simulation", "Totals"]

_FORMAT_VERSION = 2  # 2: the metadata also hold the scenario's assumptions
_READABLE_FORMATS = (1, _FORMAT_VERSION)


@dataclass(frozen=True)
class Totals:
    """Paths of an aggregate: ``annual`` and ``growth`` are (n_paths, n_indicators)."""

    annual: np.ndarray
    growth: np.ndarray
    base: np.ndarray  # (n_indicators,) last year's total of the clusters included


_ARRAYS = ("annual", "growth", "remaining", "monthly", "deflator", "base", "share",
           "ytd_growth", "ytd_month", "cum_last", "mu", "sigma", "corr", "project_adjustment")


@dataclass
class Simulation:
    """Joint paths of every cluster and indicator for one year, scenario and vintage.

    Attributes
    ----------
    cluster_ids, cluster_levels, indicators : tuple of str
    annual : ndarray (n_paths, n_clusters, n_indicators), float32
        Full-year levels in canonical units (nominal for IAV).
    growth : ndarray, same shape
        Full-year growth on the indicator's growth basis (real for IAV).
    monthly : ndarray (n_paths, n_clusters, n_indicators, 12) or None
        Cumulative year-to-date levels; published months as published, NaN where an
        indicator has no monthly release.
    remaining : ndarray (n_paths, n_clusters, n_indicators)
        Growth of the months still to come over the same months last year.
    deflator : ndarray (n_paths,)
        Price change turning real IAV growth into the nominal level.
    base, share, ytd_growth, ytd_month, cum_last : ndarray (n_clusters, n_indicators)
        Last year's level A(t-1), the seasonal share s, year-to-date growth g, its month
        m and last year's cumulative C(m, t-1).
    scenario : Scenario or None
        The scenario the paths were drawn under, exactly as applied (so an in-memory
        edit travels with the paths); None only for a file saved in format 1, which kept
        just the name. ``scenario_name`` is its name.
    """

    cluster_ids: tuple[str, ...]
    cluster_levels: tuple[str, ...]
    indicators: tuple[str, ...]
    annual: np.ndarray
    growth: np.ndarray
    remaining: np.ndarray
    deflator: np.ndarray
    base: np.ndarray
    share: np.ndarray
    ytd_growth: np.ndarray
    ytd_month: np.ndarray
    cum_last: np.ndarray
    mu: np.ndarray
    sigma: np.ndarray
    corr: np.ndarray
    monthly: np.ndarray | None = None
    project_adjustment: np.ndarray | None = None
    year: int = 0
    as_of: str = ""
    scenario_name: str = ""
    seed: int = 0
    n_paths: int = 0
    data_digest: str = ""
    params_digest: str = ""
    scenario_digest: str = ""
    version: str = ""
    synthetic: bool = False
    method: dict = field(default_factory=dict)
    # The scenario the paths were drawn under, as applied (an in-memory edit included), so
    # later stages read its assumptions here rather than from the file; None for a file
    # saved before simulations kept their scenario (format 1).
    scenario: Scenario | None = field(default=None, compare=False)
    inputs: SimInputs | None = field(default=None, repr=False, compare=False)  # not saved

    @classmethod
    def from_arrays(cls, inputs: SimInputs, paths: dict, **meta) -> Simulation:
        """Build a Simulation from prepared inputs and :func:`simulate_arrays` output."""
        cum_last = inputs.share * np.where(np.isfinite(inputs.base), inputs.base, 0.0)
        meta.setdefault("year", inputs.year)
        return cls(
            cluster_ids=inputs.cluster_ids, cluster_levels=inputs.cluster_levels,
            indicators=inputs.indicators, annual=paths["annual"], growth=paths["growth"],
            remaining=paths["remaining"], deflator=paths["deflator"], base=inputs.base,
            share=inputs.share, ytd_growth=inputs.ytd_growth, ytd_month=inputs.ytd_month,
            cum_last=cum_last, mu=inputs.mu, sigma=inputs.sigma, corr=inputs.corr,
            monthly=paths.get("monthly"), inputs=inputs, **meta)

    # ---- aggregation
    def cluster_index(self, scope: str) -> np.ndarray:
        """Indices of the clusters in a scope: ``city``, ``provincial``, ``municipal`` or a cluster id.

        Raises
        ------
        UserError
            For an unknown scope.
        """
        levels = np.asarray(self.cluster_levels)
        if scope == CITY_SCOPE:
            return np.arange(len(self.cluster_ids))
        if scope in (PROVINCIAL_SCOPE, MUNICIPAL_SCOPE):
            return np.where(levels == scope)[0]
        if scope in self.cluster_ids:
            return np.array([self.cluster_ids.index(scope)])
        raise UserError(f"unknown scope '{scope}': expected city, provincial, municipal "
                        f"or a cluster id")

    def total(self, scope: str) -> Totals:
        """Aggregate paths of a scope, summing cluster paths path by path.

        Growth of a total is ``sum(base * (1 + growth)) / sum(base) - 1`` over the clusters
        reporting the indicator (so for IAV it stays real), and the level is the sum of
        cluster levels.
        """
        idx = self.cluster_index(scope)
        base = self.base[idx]  # (k, n_i)
        ok = np.isfinite(base)
        b = np.where(ok, base, 0.0)
        total_base = b.sum(axis=0)
        none = total_base == 0
        with np.errstate(invalid="ignore", divide="ignore"):
            weight = np.where(none, 0.0, b / np.where(none, 1.0, total_base))
        g = self.growth[:, idx, :]
        a = self.annual[:, idx, :]
        if not ok.all():
            g = np.where(ok[None], g, np.float32(0))
            a = np.where(ok[None], a, np.float32(0))
        # sum_c w_c (1 + G_c) - 1 = sum_c w_c G_c, since the weights add up to 1.
        growth = np.einsum("pcj,cj->pj", g, weight.astype(np.float32)).astype(np.float64)
        annual = a.sum(axis=1, dtype=np.float64)
        growth[:, none] = np.nan
        annual[:, none] = np.nan
        return Totals(annual=annual, growth=growth, base=np.where(none, np.nan, total_base))

    def to_frame(self, indicator: str, measure: str = "growth", *,
                 scopes: list[str] | None = None):
        """Paths as a long frame in the statsforecast shape (``unique_id, ds, sample_id, y``).

        Parameters
        ----------
        indicator : str
        measure : {"growth", "level", "monthly"}
            Full-year growth, full-year level, or the monthly cumulative levels.
        scopes : list of str, optional
            Cluster ids and/or ``city`` / ``provincial`` / ``municipal`` (default: every
            cluster). Aggregates are sums of cluster paths (monthly: of cluster levels).

        Returns
        -------
        pandas.DataFrame
            ``unique_id`` (scope), ``ds`` (the year for annual measures, month ends for
            ``monthly``), ``sample_id`` (0..n_paths-1) and ``y``.
        """
        import pandas as pd

        if measure not in ("growth", "level", "monthly"):
            raise UserError(f"measure must be growth, level or monthly, got {measure!r}")
        j = self.indicator_index(indicator)
        scopes = list(self.cluster_ids) if scopes is None else list(scopes)
        n = self.annual.shape[0]
        frames = []
        for scope in scopes:
            idx = self.cluster_index(scope)
            if measure == "monthly":
                if self.monthly is None:
                    raise UserError("this simulation kept no monthly paths (keep_monthly=False)")
                block = self.monthly[:, idx, j, :].astype(np.float64).sum(axis=1)  # (n, 12)
                ds = pd.date_range(f"{self.year}-01-31", periods=12, freq="ME")
                frames.append(pd.DataFrame({
                    "unique_id": scope, "ds": np.tile(ds, n),
                    "sample_id": np.repeat(np.arange(n), 12), "y": block.reshape(-1)}))
                continue
            if len(idx) == 1 and scope in self.cluster_ids:
                y = (self.growth if measure == "growth" else self.annual)[:, idx[0], j]
            else:
                tot = self.total(scope)
                y = (tot.growth if measure == "growth" else tot.annual)[:, j]
            frames.append(pd.DataFrame({"unique_id": scope, "ds": self.year,
                                        "sample_id": np.arange(n), "y": np.asarray(y, float)}))
        return pd.concat(frames, ignore_index=True)

    def indicator_index(self, indicator: str) -> int:
        if indicator not in self.indicators:
            raise UserError(f"indicator '{indicator}' was not simulated; simulated: "
                            f"{', '.join(self.indicators)}")
        return self.indicators.index(indicator)

    # ---- persistence
    def metadata(self) -> dict[str, Any]:
        return {
            "format_version": _FORMAT_VERSION,
            "cluster_ids": list(self.cluster_ids), "cluster_levels": list(self.cluster_levels),
            "indicators": list(self.indicators), "year": self.year, "as_of": self.as_of,
            "scenario": self.scenario_name,
            "scenario_assumptions": None if self.scenario is None else asdict(self.scenario),
            "seed": self.seed, "n_paths": self.n_paths,
            "data_digest": self.data_digest, "params_digest": self.params_digest,
            "scenario_digest": self.scenario_digest, "version": self.version,
            "synthetic": self.synthetic, "method": self.method,
        }

    def save(self, path: str | os.PathLike) -> Path:
        """Write the simulation to ``path`` (.npz) and ``path`` + ``.json``, atomically.

        Each file is written to a temporary file in the same folder and renamed
        (:func:`zzforecast.data.writing.atomic_write`), so a reader sees the old or the
        new version, never half a file.

        Raises
        ------
        UserError
            When the files cannot be written (the message names the path and the cause).
        """
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_suffix(path.suffix + ".npz") if path.suffix else path.with_suffix(".npz")
        arrays = {k: getattr(self, k) for k in _ARRAYS if getattr(self, k) is not None}
        meta = json.dumps(self.metadata(), ensure_ascii=False, indent=2, sort_keys=True)
        atomic_write(path, lambda f: np.savez_compressed(f, **arrays), make_parents=True)
        atomic_write(Path(str(path) + ".json"), meta.encode("utf-8"))
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Simulation:
        """Read a simulation written by :meth:`save`.

        Raises
        ------
        DataError
            When the files are missing or not a zzforecast simulation.
        """
        path = Path(path)
        meta_path = Path(str(path) + ".json")
        if not path.is_file() or not meta_path.is_file():
            raise DataError(f"{path}: simulation file (and its .json metadata) not found")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except (OSError, ValueError) as exc:
            raise DataError(f"{path}: not a readable zzforecast simulation ({exc})") from None
        if meta.get("format_version") not in _READABLE_FORMATS:
            raise DataError(f"{path}: simulation format {meta.get('format_version')!r}, "
                            f"expected one of {', '.join(map(str, _READABLE_FORMATS))}")
        meta.pop("format_version")
        # On disk "scenario" is the name (as in format 1); the assumptions sit beside it.
        meta["scenario_name"] = meta.pop("scenario", "")
        assumptions = meta.pop("scenario_assumptions", None)
        known_meta = set(cls.__dataclass_fields__) - set(_ARRAYS) - {"inputs", "scenario"}
        required = {"annual", "growth", "remaining", "deflator", "base", "share",
                    "ytd_growth", "ytd_month", "cum_last", "mu", "sigma", "corr"}
        problems = sorted(required - set(arrays)) + sorted(set(arrays) - set(_ARRAYS))
        problems += sorted(set(meta) - known_meta)
        if problems:
            raise DataError(f"{path}: not a zzforecast simulation (unexpected or missing: "
                            f"{', '.join(problems)})")
        try:
            meta["cluster_ids"] = tuple(str(c) for c in meta["cluster_ids"])
            meta["cluster_levels"] = tuple(str(c) for c in meta["cluster_levels"])
            meta["indicators"] = tuple(str(i) for i in meta["indicators"])
            shape = (int(meta["n_paths"]), len(meta["cluster_ids"]), len(meta["indicators"]))
            scenario = None if assumptions is None else Scenario(**assumptions)
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"{path}: simulation metadata is incomplete ({exc})") from None
        for name in ("annual", "growth", "remaining"):
            if arrays[name].shape != shape:
                raise DataError(f"{path}: array '{name}' has shape {arrays[name].shape}, "
                                f"metadata says {shape}")
        return cls(**arrays, **meta, scenario=scenario)

