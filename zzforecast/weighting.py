"""Weights that decay with the age of an observation, shared by the forecasting modules.

The national series is far calmer after about 2004 than in the 1990s; a spread computed
with equal weights over many past years keeps the old volatility. Both the standalone
nowcast (:mod:`zzforecast.nowcast`) and the joint simulation's inputs
(:mod:`zzforecast.sim_inputs`) weight a past year ``decay ** age`` (age in years before
the target year) when they estimate a spread.
"""

from __future__ import annotations

import numpy as np

__all__ = ["decay_weights", "weighted_rms"]


def decay_weights(ages, decay: float) -> np.ndarray:
    """Weights ``decay ** age`` for observations ``age`` years old.

    Parameters
    ----------
    ages : array_like
        Age of each observation in years (0 = the target year itself).
    decay : float
        Yearly factor in (0, 1]; 1 gives equal weights, 0.5 halves the weight each year back.

    Returns
    -------
    numpy.ndarray
    """
    return decay ** np.asarray(ages)


def weighted_rms(values, ages, decay: float) -> float:
    """Root mean square of ``values`` with weights ``decay ** age``.

    Parameters
    ----------
    values : array_like
        Finite values (errors or deviations from a centre).
    ages : array_like
        Age of each value in years, same shape as ``values``.
    decay : float
        Yearly factor of the weights, see :func:`decay_weights`.

    Returns
    -------
    float
    """
    weight = decay_weights(ages, decay)
    mean_square = float(np.sum(weight * np.asarray(values) ** 2) / weight.sum())
    return float(np.sqrt(mean_square))
