"""Data vintages: what had been published by an as-of date, and when figures come out.

Every observation carries the date it was published (``vintage``, YYYY-MM-DD), and the
same period may be held in several vintages (a first release and its revisions: year-end
reconciliations, census benchmarks). A run "as of 2017-07" is an analysis made when
January-July had just been published, so it may use only rows published by then:

- the **as-of's publication date** is the as-of month's end plus the release lag of
  monthly data (the longest over the indicators, so that every monthly indicator's
  January-m figure is out): with the default lag, ``2017-07`` -> 2017-08-15;
- :func:`as_published` keeps, per (cluster, indicator, measure, frequency, period), the
  latest vintage published by that date; rows published later (a revision of 2018, a
  row mistakenly stamped 2099) change nothing.

Release lags are parameters (``params/release_lags.yaml``, optional): days after the
period ends by which a figure is published, per frequency, with per-indicator overrides.
The defaults, :data:`DEFAULT_LAGS`, follow the bureau's calendar: January-m cumulative
monthly figures by the 15th of month m+1 (15 days after the month ends), annual figures
by the end of February of the next year (59 days after 31 December). The synthetic panel
is stamped with exactly these dates (``python -m zzforecast.data.synthetic``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .schemas import INDICATORS
from .strict_yaml import read_yaml
from .yaml_models import validate_yaml

__all__ = [
    "LAGS_FILE",
    "ReleaseLags",
    "DEFAULT_LAGS",
    "load_release_lags",
    "release_lags_of",
    "as_published",
    "published_bundle",
    "SERIES_KEYS",
]

LAGS_FILE = "release_lags.yaml"
SERIES_KEYS = ("cluster_id", "indicator", "measure", "frequency", "period")
MAX_LAG_DAYS = {"monthly_ytd": 120, "annual": 400}


@dataclass(frozen=True)
class ReleaseLags:
    """Days after a period ends by which its figure is published.

    ``default`` maps frequency (``monthly_ytd``, ``annual``) to days; ``indicators`` maps
    indicator -> frequency -> days, overriding the default. ``source`` names the file the
    lags came from (``"default"`` when none).
    """

    default: Mapping[str, int] = field(default_factory=lambda: {"monthly_ytd": 15,
                                                                "annual": 59})
    indicators: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    source: str = "default"

    def days(self, indicator: str, frequency: str) -> int:
        """The lag of one indicator at one frequency, in days."""
        own = self.indicators.get(indicator, {})
        return int(own.get(frequency, self.default[frequency]))

    def monthly_lag(self) -> int:
        """The longest monthly lag over the indicators (when a month is fully out)."""
        return max([int(self.default["monthly_ytd"])]
                   + [int(v["monthly_ytd"]) for v in self.indicators.values()
                      if "monthly_ytd" in v])

    def as_of_date(self, as_of) -> pd.Timestamp:
        """The publication date of a ``YYYY-MM`` as-of: month end + the monthly lag."""
        from .asof import as_of_month_end

        return as_of_month_end(as_of) + pd.Timedelta(days=self.monthly_lag())

    def release_date(self, indicator: str, frequency: str, period: str) -> pd.Timestamp:
        """When one period's figure comes out (period end + the lag)."""
        text = str(period)
        if frequency == "annual":
            end = pd.Timestamp(year=int(text[:4]), month=12, day=31)
        else:
            end = pd.Timestamp(year=int(text[:4]), month=int(text[5:7]), day=1) \
                + pd.offsets.MonthEnd(0)
        return end + pd.Timedelta(days=self.days(indicator, frequency))


DEFAULT_LAGS = ReleaseLags()


# --------------------------------------------------------------------------- the file

class _Lag(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    monthly_ytd: int | None = Field(default=None, ge=0, le=MAX_LAG_DAYS["monthly_ytd"])
    annual: int | None = Field(default=None, ge=0, le=MAX_LAG_DAYS["annual"])


class _LagsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    note: str | None = None
    default: _Lag = _Lag()
    indicators: dict[str, _Lag] = {}

    @field_validator("indicators")
    @classmethod
    def _known(cls, value: dict[str, _Lag]) -> dict[str, _Lag]:
        unknown = [k for k in value if k not in INDICATORS]
        if unknown:
            raise ValueError(f"unknown indicator {unknown[0]!r}; known: "
                             f"{', '.join(INDICATORS)}")
        return value


def load_release_lags(path: str | Path) -> ReleaseLags:
    """Read ``params/release_lags.yaml``.

    Format (every key optional; days after the period ends)::

        default:
          monthly_ytd: 15   # 1-m月累计 published by the 15th of month m+1
          annual: 59        # a year's figures by the end of February
        indicators:
          iav: {monthly_ytd: 18}

    Raises
    ------
    ParamsError
        Naming the file, line and field: unknown keys or indicators, a lag that is not a
        whole number of days, negative, or longer than 120 days (monthly) / 400 (annual).
    """
    path = Path(path)
    model = validate_yaml(_LagsFile, read_yaml(path), path)  # read_yaml refuses an empty file
    default = dict(DEFAULT_LAGS.default)
    default.update({k: v for k, v in model.default.model_dump().items() if v is not None})
    indicators = {ind: {k: v for k, v in lag.model_dump().items() if v is not None}
                  for ind, lag in model.indicators.items()}
    return ReleaseLags(default=default, indicators=indicators, source=str(path))


def release_lags_of(bundle_or_lags=None) -> ReleaseLags:
    """The lags of a bundle (its ``release_lags``, else its params file, else defaults)."""
    if bundle_or_lags is None:
        return DEFAULT_LAGS
    if isinstance(bundle_or_lags, ReleaseLags):
        return bundle_or_lags
    lags = getattr(bundle_or_lags, "release_lags", None)
    if isinstance(lags, ReleaseLags):
        return lags
    params = getattr(bundle_or_lags, "params_dir", None)
    if params is not None and (Path(params) / LAGS_FILE).is_file():
        return load_release_lags(Path(params) / LAGS_FILE)
    return DEFAULT_LAGS


# --------------------------------------------------------------------------- the filter

def _vintage_dates(vintage: pd.Series) -> pd.Series:
    uniques = pd.unique(vintage.astype(str))
    parsed = pd.to_datetime(pd.Series(uniques).str.slice(0, 10), format="%Y-%m-%d",
                            errors="coerce")
    return vintage.astype(str).map(dict(zip(uniques, parsed, strict=True)))


def as_published(observations: pd.DataFrame, as_of, lags: ReleaseLags | None = None, *,
                 published_by=None) -> pd.DataFrame:
    """The observations as they stood when ``as_of``'s data had just been published.

    Parameters
    ----------
    observations : pandas.DataFrame
        Long observations with ``vintage`` (YYYY-MM-DD) and the key columns
        :data:`SERIES_KEYS`. A frame without ``vintage`` is returned unchanged.
    as_of : str
        The as-of month ``YYYY-MM`` (anything :func:`~zzforecast.data.asof.parse_as_of`
        takes); its publication date is ``lags.as_of_date(as_of)``.
    lags : ReleaseLags, optional
        Release lags (default :data:`DEFAULT_LAGS`). When None and the frame was already
        filtered by this function (``attrs["published_by"]``, e.g. a bundle's observations
        after :func:`published_bundle` with the bundle's own lags), it is returned as is.
    published_by : date-like, optional
        Use this publication date instead of the one the lags give.

    Returns
    -------
    pandas.DataFrame
        The rows published by that date and, per (cluster, indicator, measure,
        frequency, period), only the latest vintage among them; original order and
        index kept, ``attrs`` kept plus ``attrs["published_by"]`` (YYYY-MM-DD).
    """
    if lags is None and published_by is None and observations.attrs.get("published_by"):
        return observations
    lags = lags or DEFAULT_LAGS
    cutoff = (pd.Timestamp(published_by).normalize() if published_by is not None
              else lags.as_of_date(as_of))
    stamp = cutoff.strftime("%Y-%m-%d")
    if observations.attrs.get("published_by") == stamp or "vintage" not in observations:
        return observations
    dates = _vintage_dates(observations["vintage"])
    keep = (dates <= cutoff).to_numpy() | dates.isna().to_numpy()
    kept = observations[keep]
    keys = [k for k in ("scope", *SERIES_KEYS) if k in kept.columns]  # scope: published totals
    if keys and len(kept):
        order = pd.DataFrame({"d": dates[keep].to_numpy(), "pos": np.arange(len(kept))})
        key_frame = kept[keys].astype(str).reset_index(drop=True)
        order = pd.concat([key_frame, order], axis=1).sort_values(
            [*keys, "d", "pos"], kind="stable", na_position="first")
        last = ~order.duplicated(keys, keep="last")
        chosen = np.sort(order.loc[last, "pos"].to_numpy())
        kept = kept.iloc[chosen]
    out = kept.copy()
    out.attrs = {**observations.attrs, "published_by": stamp}
    return out


def published_bundle(bundle, as_of, lags: ReleaseLags | None = None):
    """``bundle`` with its observations as published by ``as_of``'s publication date.

    ``bundle.vintage`` becomes the latest vintage among the rows kept (what the run's
    provenance prints as its data vintage).
    """
    lags = lags or release_lags_of(bundle)
    obs = getattr(bundle, "observations", None)
    if obs is None:
        return bundle
    filtered = as_published(obs, as_of, lags)
    if filtered is obs:
        return bundle
    changes = {"observations": filtered}
    if hasattr(bundle, "vintage") and len(filtered):  # the latest publication date it holds
        changes["vintage"] = str(filtered["vintage"].astype(str).max())[:10]
    return dataclasses.replace(bundle, **changes)

