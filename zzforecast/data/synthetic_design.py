"""The design of the bundled SYNTHETIC panel: seed, years, growth paths, zone sizes, totals.

These constants describe how the demonstration data in ``data/`` were generated (by
``synthetic.py``); they are not facts about any real zone. Changing one changes the
bundled data once it is regenerated with ``python -m zzforecast.data.synthetic``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_SEED", "VINTAGE", "FIRST_YEAR", "LAST_YEAR", "PLAN_YEAR", "LAST_MONTH",
    "MEAN_GROWTH", "DEFLATOR", "SD_COMMON", "SD_IDIO", "SD_SCOPE",
    "STARTUP", "SIZES", "Calibration", "zone_sizes",
]

DEFAULT_SEED = 20170817
VINTAGE = "2017-08-15"  # the publication date of the panel's last month (1-7月 2017)
FIRST_YEAR, LAST_YEAR = 2010, 2016
PLAN_YEAR, LAST_MONTH = 2017, 7

# City mean growth by year (2011..2017; FAI, revenue nominal; IAV real). Its keys are the
# indicators the panel holds, in the column order of SIZES; units and price bases come
# from the indicator registry (schemas.INDICATORS).
MEAN_GROWTH = {
    "fai": (0.30, 0.26, 0.24, 0.20, 0.17, 0.14, 0.125),
    "iav": (0.22, 0.18, 0.16, 0.14, 0.12, 0.105, 0.098),
    "revenue": (0.25, 0.20, 0.17, 0.14, 0.10, 0.11, 0.12),
    "employment": (0.10, 0.08, 0.06, 0.05, 0.04, 0.035, 0.04),
}
# IAV deflator by year (2011..2017), close to national industrial PPI.
DEFLATOR = (0.060, -0.017, -0.019, -0.019, -0.052, -0.014, 0.063)
SD_COMMON = {"fai": 0.04, "iav": 0.025, "revenue": 0.03, "employment": 0.012}
SD_IDIO = {"fai": 0.07, "iav": 0.04, "revenue": 0.05, "employment": 0.02}
SD_SCOPE = {"fai": 0.01, "iav": 0.02, "revenue": 0.02, "employment": 0.01}
STARTUP = (0.35, 0.20, 0.10)  # extra growth in the first years after founding

# Relative 2016 sizes (FAI, IAV, revenue, employment) of the registered zones; a zone not
# listed gets the median size of its level. Invented for the demonstration.
SIZES = {
    "airport": (640, 520, 3300, 30.0),
    "zz_econ_tech": (330, 230, 1050, 11.0),
    "high_tech": (250, 120, 560, 7.0),
    "zhongmou_auto": (230, 110, 600, 5.0),
    "xingyang": (150, 70, 330, 4.5),
    "xinmi": (140, 75, 320, 5.5),
    "xinzheng_xingang": (170, 80, 360, 5.0),
    "dengfeng": (90, 50, 210, 3.5),
    "mazhai": (80, 35, 180, 2.5),
    "baisha": (120, 30, 140, 2.0),
    "shangjie_equipment": (80, 50, 220, 3.0),
    "jindai": (70, 20, 90, 1.5),
    "huiji": (80, 30, 130, 1.8),
    "new_materials_park": (60, 25, 95, 1.1),
    "dengfeng_high_tech": (45, 18, 70, 0.9),
}

@dataclass(frozen=True)
class Calibration:
    """2016 city totals the generator hits (canonical units)."""

    fai_2016: float = 2800 / 1.13
    iav_2016: float = 1600 / 1.10  # assumes no change in industrial prices in 2017
    revenue_2016: float = 7550.0  # 8500 needs +12.6%
    employment_2016: float = 86.0  # 92万 needs +7.0%, 90万 +4.7%

    def total(self, indicator: str) -> float:
        return getattr(self, f"{indicator}_2016")


def zone_sizes(clusters: pd.DataFrame) -> np.ndarray:
    """Relative 2016 sizes (FAI, IAV, revenue, employment), one row per zone of ``clusters``."""
    known = np.array([SIZES[c] for c in clusters["cluster_id"] if c in SIZES] or [[1, 1, 1, 1]])
    out = []
    for cid, level in zip(clusters["cluster_id"], clusters["level"], strict=True):
        if cid in SIZES:
            out.append(SIZES[cid])
        else:
            same = [SIZES[c] for c, lv in zip(clusters["cluster_id"], clusters["level"],
                                               strict=True) if c in SIZES and lv == level]
            out.append(np.median(np.array(same), axis=0) if same else np.median(known, axis=0))
    return np.asarray(out, dtype=float)
