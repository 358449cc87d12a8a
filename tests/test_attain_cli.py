"""``zzforecast attain`` on the bundled (synthetic) data: text, JSON, bad arguments."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from zzforecast.cli import main


def _run(capsys, *args):
    code = main(["attain", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def paths(root):
    return ["--data", str(root / "data"), "--params", str(root / "params")]


def test_json_is_identical_on_rerun_and_has_the_contract(capsys, paths):
    args = ["--year", "2017", "--as-of", "2017-07", "--scenario", "baseline", "--n-paths",
            "2000", "--seed", "3", "--format", "json", *paths]
    code, first, _ = _run(capsys, *args)
    assert code == 0
    code, second, _ = _run(capsys, *args)
    assert code == 0 and first == second
    doc = json.loads(first)
    ids = {(t["indicator"], t["scope"], t["kind"]) for t in doc["targets"]}
    for key in [("fai", "city", "growth"), ("fai", "provincial", "growth"),
                ("iav", "city", "growth"), ("iav", "provincial", "growth"),
                ("fai", "city", "level"), ("iav", "city", "level"),
                ("revenue", "city", "level"), ("employment", "city", "level")]:
        assert key in ids, key
    cluster_scopes = {t["scope"] for t in doc["targets"]} - {"city", "provincial", "municipal"}
    # The bundled per-zone targets are all derived (annexes 2-3 not entered): no zone has
    # a target, every zone is listed as having no official target instead (issue 11).
    assert not cluster_scopes
    placeholders = {p["scope"] for p in doc["no_official_target"]}
    assert len(placeholders) >= 10
    assert all(p["label_zh"] == "无正式目标（方案附件未录入）" and "p_attain" not in p
               for p in doc["no_official_target"])
    assert doc["provenance"]["seed"] == 3 and doc["provenance"]["n_paths"] == 2000
    assert doc["synthetic"] is True
    fai = next(t for t in doc["targets"] if t["target_id"] == "fai_city_growth")
    assert fai["p_attain_within_tolerance"] is not None and fai["required_growth"] is not None
    assert set(doc["drivers"]) == {"fai", "iav"}
    assert len(doc["nowcast_check"]) == 4
    assert doc["projects"] and {"cluster_id", "planned_after_as_of"} <= set(doc["projects"][0])


def test_text_in_chinese_and_english_says_the_data_are_synthetic(capsys, paths):
    code, out, _ = _run(capsys, "--as-of", "2017-07", "--n-paths", "1000", *paths)
    assert code == 0
    assert "合成数据" in out and "实现概率" in out and "余下月份需增长" in out
    assert "全市" in out and "省级集聚区" in out
    code, out, _ = _run(capsys, "--as-of", "2017-07", "--n-paths", "1000", "--lang", "en", *paths)
    assert code == 0
    assert "SYNTHETIC DATA" in out and "P(attain)" in out and "Main drags" in out


def test_scenarios_move_the_city_probability(capsys, paths):
    p = {}
    for name in ("downside", "upside"):
        code, out, _ = _run(capsys, "--as-of", "2017-07", "--n-paths", "2000", "--scenario",
                            name, "--format", "json", *paths)
        assert code == 0
        doc = json.loads(out)
        p[name] = next(t["p_attain_within_tolerance"] for t in doc["targets"]
                       if t["target_id"] == "fai_city_growth")
    assert p["downside"] < p["upside"]


@pytest.mark.parametrize("args, words", [
    (["--as-of", "2017-13"], "month 13"),
    (["--as-of", "2017/07"], "YYYY-MM"),
    (["--as-of", "2017-09"], "after the latest data"),
    (["--as-of", "2016-07"], "not in --year 2017"),
    (["--as-of", "2017-07", "--scenario", "sideways"], "unknown scenario 'sideways'"),
    (["--as-of", "2017-07", "--clusters", "airport,atlantis"], "unknown cluster id(s): atlantis"),
    (["--as-of", "2017-07", "--clusters", " , "], "--clusters is empty"),
    (["--as-of", "2017-00"], "not between 01 and 12"),
])
def test_bad_arguments_exit_2_with_one_clear_line(capsys, paths, args, words):
    code, out, err = _run(capsys, *args, "--n-paths", "10", *paths)
    assert code == 2
    assert words in err and "Traceback" not in err
    assert out == ""


@pytest.mark.parametrize("args, words", [
    (["--as-of", "2017-07", "--n-paths", "-5"], "--n-paths"),
    (["--as-of", "2017-07", "--n-paths", "ten"], "--n-paths"),
    (["--as-of", "2017-07", "--seed", "-1"], "--seed"),
    (["--as-of", "2017-07", "--lang", "fr"], "--lang"),
    (["--as-of", "2017-07", "--tolerance", "5"], "--tolerance"),
    ([], "--as-of"),
])
def test_argparse_errors_exit_2(capsys, args, words):
    with pytest.raises(SystemExit) as info:
        main(["attain", *args])
    assert info.value.code == 2
    assert words in capsys.readouterr().err


def test_cluster_subset_and_save(capsys, paths, tmp_path):
    target = tmp_path / "sim.npz"
    code, out, err = _run(capsys, "--as-of", "2017-07", "--n-paths", "500", "--clusters",
                          "airport,zz_econ_tech", "--format", "json", "--save", str(target),
                          *paths)
    assert code == 0 and target.is_file() and "saved" in err
    doc = json.loads(out)
    scopes = {t["scope"] for t in doc["targets"]}
    assert scopes <= {"city", "provincial", "municipal", "airport", "zz_econ_tech"}


@pytest.mark.slow
def test_python_dash_m_attain_exit_codes(root):
    ok = subprocess.run([sys.executable, "-m", "zzforecast", "attain", "--as-of", "2017-07",
                         "--n-paths", "200", "--format", "json"], cwd=root,
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    json.loads(ok.stdout)
    bad = subprocess.run([sys.executable, "-m", "zzforecast", "attain", "--as-of", "2099-01",
                          "--year", "2099"], cwd=root, capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


@pytest.mark.slow
def test_json_identical_whatever_the_thread_count(root):
    import os

    outputs = []
    for threads in ("1", "2"):
        env = {**os.environ, "OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads,
               "MKL_NUM_THREADS": threads}
        result = subprocess.run([sys.executable, "-m", "zzforecast", "attain", "--as-of",
                                 "2017-07", "--n-paths", "3000", "--format", "json"],
                                cwd=root, capture_output=True, text=True, env=env)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]


def test_missing_star_rules_are_a_warning_and_the_rest_stands(capsys, root, tmp_path):
    import shutil

    params = tmp_path / "params"
    shutil.copytree(root / "params", params)
    (params / "plans" / "2017" / "stars.yaml").unlink()
    code, out, err = _run(capsys, "--as-of", "2017-07", "--n-paths", "300", "--format",
                          "json", "--data", str(root / "data"), "--params", str(params))
    assert code == 0 and "Traceback" not in err
    assert "warning: star ratings skipped:" in err and "stars.yaml" in err
    doc = json.loads(out)
    assert doc["stars"] is None and doc["targets"] and doc["drivers"]
