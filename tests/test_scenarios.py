"""Scenario files: the bundled ones load, bad ones fail clearly, shifts move probabilities."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from attain_fixtures import make_bundle

from zzforecast.exceptions import ParamsError, UserError
from zzforecast.simulate.engine import simulate
from zzforecast.simulate.scenarios import Scenario, list_scenarios, load_scenario, parse_scenario

PARAMS = Path(__file__).resolve().parents[1] / "params"
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_bundled_scenarios_load_and_explain_themselves_in_chinese():
    names = list_scenarios(PARAMS)
    assert {"baseline", "downside", "upside"} <= set(names)
    for name in ("baseline", "downside", "upside"):
        s = load_scenario(PARAMS, name)
        assert isinstance(s, Scenario) and s.name == name
        assert CJK.search(s.label_zh) and CJK.search(s.description_zh)
        assert s.description_en and len(s.digest) == 64
        text = (PARAMS / "scenarios" / f"{name}.yaml").read_text(encoding="utf-8")
        comments = [line for line in text.splitlines() if line.lstrip().startswith("#")]
        assert sum(bool(CJK.search(c)) for c in comments) >= 4  # assumptions explained in Chinese
    down, base, up = (load_scenario(PARAMS, n) for n in ("downside", "baseline", "upside"))
    assert down.growth_shift["fai"]["city"] < base.growth_shift["fai"]["city"] < up.growth_shift["fai"]["city"]
    assert down.delay_months > base.delay_months >= up.delay_months


def _write(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "scenarios"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("body, key, words", [
    ("name: bad\ngrowth_shfit: {}\n", "growth_shfit", "unknown key"),
    ("name: bad\ngrowth_shift: {fai: {city: -3}}\n", "growth_shift.fai.city", "percent"),
    ("name: bad\ngrowth_shift: {fai: {city: abc}}\n", "growth_shift.fai.city", "expected a number"),
    ("name: bad\ngrowth_shift: {fai: {city: true}}\n", "growth_shift.fai.city", "expected a number"),
    ("name: bad\ngrowth_shift: {fai: {county: 0.01}}\n", "growth_shift.fai.county", "unknown key"),
    ("name: bad\ngrowth_shift: {gdp: {city: 0.01}}\n", "growth_shift.gdp", "unknown key"),
    ("name: bad\nvolatility_multiplier: 0\n", "volatility_multiplier", "outside"),
    ("name: bad\nvolatility_multiplier: '1.2'\n", "volatility_multiplier", "expected a number"),
    ("name: bad\ndeflator: {mean: 4}\n", "deflator.mean", "percent"),
    ("name: bad\ndeflator: {sd: -0.01}\n", "deflator.sd", "outside"),
    ("name: bad\ndeflator: 0.03\n", "deflator", "mapping"),
    ("name: bad\nprojects: {completion_rate: 90}\n", "projects.completion_rate", "percent"),
    ("name: bad\nprojects: {delay_months: -1}\n", "projects.delay_months", "outside"),
    ("name: bad\nprojects: {completion_rate: 0.9, completion_rate_sd: 0.4}\n",
     "projects.completion_rate_sd", "too large"),
    ("name: other\n", "name", "differs from the file name"),
    ("label: {zh: 坏}\n", "name", "missing"),
])
def test_bad_scenario_files_name_file_and_key(tmp_path, body, key, words):
    params = _write(tmp_path, "bad", body)
    with pytest.raises(ParamsError) as info:
        load_scenario(params, "bad")
    message = str(info.value)
    assert "bad.yaml" in message
    assert f"field '{key}'" in message
    assert words in message


def test_problems_name_the_line_of_the_key(tmp_path):
    params = _write(tmp_path, "lines", "name: lines\n# prices\ndeflator:\n  mean: 4\nfoo: 1\n")
    with pytest.raises(ParamsError) as info:
        load_scenario(params, "lines")
    where = {p.field: p.row for p in info.value.problems}
    assert where == {"deflator.mean": 4, "foo": 5}
    assert "allowed: name, label, description, growth_shift" in str(info.value)


def test_yaml_tags_and_broken_yaml_are_refused(tmp_path):
    params = _write(tmp_path, "tag", "name: tag\nvolatility_multiplier: !!python/object:os.system 1\n")
    with pytest.raises(ParamsError, match="tag"):
        load_scenario(params, "tag")
    params = _write(tmp_path, "broken", "name: broken\ngrowth_shift: {fai: [\n")
    with pytest.raises(ParamsError, match="broken.yaml"):
        load_scenario(params, "broken")


def test_every_problem_is_listed_at_once(tmp_path):
    params = _write(tmp_path, "many", "name: many\nfoo: 1\ndeflator: {mean: 3}\n")
    with pytest.raises(ParamsError) as info:
        load_scenario(params, "many")
    assert len(info.value.problems) == 2


def test_unknown_or_unsafe_names_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="available: baseline, downside, upside"):
        load_scenario(PARAMS, "sideways")
    for name in ("../stars", "", ".hidden"):
        with pytest.raises(UserError):
            load_scenario(PARAMS, name)


def test_missing_keys_take_neutral_values():
    s = parse_scenario({"name": "plain"})
    assert s.volatility_multiplier == 1.0 and s.deflator_mean == 0.0
    assert s.growth_shift == {} and s.completion_rate == 1.0


@pytest.fixture(scope="module")
def bundle():
    return make_bundle(PARAMS, n=6)


def _p_city_fai(bundle, scenario, threshold=0.12):
    sim = simulate(bundle, 2017, "2017-07", scenario, n_paths=3000, seed=5, keep_monthly=False)
    j = sim.indicators.index("fai")
    return float(np.mean(sim.total("city").growth[:, j] >= threshold)), sim


def test_scenario_shifts_move_probabilities_the_right_way(bundle):
    p_down, _ = _p_city_fai(bundle, load_scenario(PARAMS, "downside"))
    p_base, _ = _p_city_fai(bundle, "baseline")
    p_up, _ = _p_city_fai(bundle, "upside")
    assert p_down < p_base < p_up


def test_shift_by_scope_moves_only_that_scope(bundle):
    base = load_scenario(PARAMS, "baseline")
    shifted = Scenario(**{**base.__dict__, "growth_shift": {"fai": {"municipal": -0.05}}})
    _, a = _p_city_fai(bundle, base)
    _, b = _p_city_fai(bundle, shifted)
    j = a.indicators.index("fai")
    prov, muni = a.cluster_index("provincial"), a.cluster_index("municipal")
    assert np.allclose(a.growth[:, prov, j], b.growth[:, prov, j])
    drop = (a.growth[:, muni, j] - b.growth[:, muni, j]).mean(axis=0)
    expected = 0.05 * (1 - a.share[muni, j])  # the shift applies to the months to come
    assert np.allclose(drop, expected, atol=0.002)


def test_volatility_multiplier_widens_the_spread(bundle):
    base = load_scenario(PARAMS, "baseline")
    wide = Scenario(**{**base.__dict__, "volatility_multiplier": 2.0})
    _, a = _p_city_fai(bundle, base)
    _, b = _p_city_fai(bundle, wide)
    j = a.indicators.index("fai")
    ratio = b.total("city").growth[:, j].std() / a.total("city").growth[:, j].std()
    assert 1.7 < ratio < 2.3


def test_copy_of_params_folder_works(tmp_path):
    shutil.copytree(PARAMS / "scenarios", tmp_path / "scenarios")
    assert list_scenarios(tmp_path) == list_scenarios(PARAMS)


def test_a_yml_file_gets_a_rename_hint(tmp_path):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "mine.yml").write_text("name: mine\n", encoding="utf-8")
    with pytest.raises(UserError, match="rename it to mine.yaml"):
        load_scenario(tmp_path, "mine")
