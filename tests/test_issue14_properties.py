"""Issue 14 "done when": property-based tests of ``forecast`` and ``sample_paths``.

Hypothesis feeds random valid and invalid long frames. Every call ends one of two ways: a
``ValueError`` whose message names the series (or the argument), or finite output with
ordered quantiles (forecast) and the promised shape (sample paths). (``nowcast`` is being
rewritten in zzforecast/estimate/ and gets its own properties there.)
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from zzforecast import forecast, sample_paths  # noqa: E402

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
IDS = st.sampled_from(["zz_econ_tech", "airport", "s-3", "郑州", "x y"])


@st.composite
def series(draw, uid: str) -> pd.DataFrame:
    n = draw(st.integers(min_value=6, max_value=30))
    start = draw(st.integers(min_value=1950, max_value=2010))
    scale = draw(st.sampled_from([1e-3, 1.0, 1e3, 1e6]))
    level = draw(st.floats(min_value=-5, max_value=50, allow_nan=False))
    trend = draw(st.floats(min_value=-1, max_value=2, allow_nan=False))
    noise = draw(st.lists(st.floats(min_value=-1, max_value=1, allow_nan=False),
                          min_size=n, max_size=n))
    constant = draw(st.booleans()) and draw(st.booleans())  # 1 in 4: a flat series
    y = [scale * (level if constant else level + trend * k + noise[k]) for k in range(n)]
    return pd.DataFrame({"unique_id": uid, "ds": list(range(start, start + n)), "y": y})


@st.composite
def frames(draw) -> pd.DataFrame:
    uids = draw(st.lists(IDS, min_size=1, max_size=3, unique=True))
    return pd.concat([draw(series(uid)) for uid in uids], ignore_index=True)


def _mangle(frame: pd.DataFrame, how: str, rng: np.random.Generator) -> tuple[pd.DataFrame, str]:
    """An invalid frame and the series the error must name."""
    uid = str(frame["unique_id"].iloc[0])
    rows = frame.index[frame["unique_id"] == uid]
    frame = frame.copy()
    if how == "short":  # below the models' minimum of 3 points
        frame = frame.drop(rows[2:])
    elif how == "duplicate":
        frame = pd.concat([frame, frame.loc[[rows[2]]]], ignore_index=True)
    elif how == "nan":
        frame.loc[rows[int(rng.integers(len(rows)))], "y"] = np.nan
    elif how == "inf":
        frame.loc[rows[int(rng.integers(len(rows)))], "y"] = np.inf
    elif how == "text":
        frame["y"] = frame["y"].astype(object)
        frame.loc[rows[1], "y"] = "n/a"
    return frame, uid


def _check_forecast(out: pd.DataFrame, frame: pd.DataFrame, h: int) -> None:
    n = frame["unique_id"].nunique()
    assert len(out) == n * h
    assert set(out["unique_id"]) == set(frame["unique_id"])
    cols = ["mean", "lo-80", "hi-80", "lo-95", "hi-95"]
    values = out[cols].to_numpy(dtype=float)
    assert np.isfinite(values).all()
    lo95, lo80, hi80, hi95 = (out[c].to_numpy() for c in ("lo-95", "lo-80", "hi-80", "hi-95"))
    tol = 1e-9 * (1 + np.abs(values).max())
    assert (lo95 <= lo80 + tol).all() and (lo80 <= hi80 + tol).all()
    assert (hi80 <= hi95 + tol).all()
    for uid, g in out.groupby("unique_id"):
        last = frame.loc[frame["unique_id"] == uid, "ds"].max()
        assert g["ds"].tolist() == list(range(last + 1, last + h + 1))


@SETTINGS
@given(frame=frames(), h=st.integers(min_value=1, max_value=6))
def test_forecast_on_valid_frames_is_finite_with_ordered_quantiles(frame, h):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = forecast(frame, h, level=(80, 95))
    _check_forecast(out, frame, h)


@SETTINGS
@given(frame=frames(), h=st.integers(min_value=1, max_value=4),
       n_paths=st.integers(min_value=1, max_value=40), seed=st.integers(0, 2**31 - 1))
def test_sample_paths_on_valid_frames_are_finite_and_complete(frame, h, n_paths, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        paths = sample_paths(frame, h, n_paths=n_paths, seed=seed)
        again = sample_paths(frame, h, n_paths=n_paths, seed=seed)
    assert {"unique_id", "ds", "sample_id", "y"} <= set(paths.columns)
    assert len(paths) == frame["unique_id"].nunique() * h * n_paths
    assert np.isfinite(paths["y"].to_numpy(dtype=float)).all()
    assert sorted(set(paths["sample_id"])) == list(range(n_paths))
    pd.testing.assert_frame_equal(paths, again)  # the seed fixes the paths


@SETTINGS
@given(frame=frames(), how=st.sampled_from(["short", "duplicate", "nan", "inf", "text"]),
       which=st.sampled_from(["forecast", "sample_paths"]), salt=st.integers(0, 1000))
def test_invalid_frames_raise_a_value_error_naming_the_series(frame, how, which, salt):
    bad, uid = _mangle(frame, how, np.random.default_rng(salt))
    call = forecast if which == "forecast" else sample_paths
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError) as info:
            call(bad, 2)
    assert uid in str(info.value), str(info.value)


@pytest.mark.parametrize(("kwargs", "word"), [
    ({"h": 0}, "h"), ({"h": 2.5}, "h"), ({"h": 2, "level": ("x",)}, "level"),
    ({"h": 2, "level": (math.nan,)}, "level"), ({"h": 2, "level": (120,)}, "level"),
])
def test_bad_arguments_raise_a_value_error_naming_the_argument(kwargs, word):
    frame = pd.DataFrame({"unique_id": "a", "ds": list(range(2007, 2017)),
                          "y": [float(v % 4 + v) for v in range(10)]})
    with pytest.raises(ValueError, match=word):
        forecast(frame, **kwargs)
