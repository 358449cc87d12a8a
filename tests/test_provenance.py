"""Provenance records: digests, overrides, the synthetic notice."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from zzforecast.provenance import (
    Provenance,
    digest_files,
    digest_tree,
    package_versions,
    synthetic_notice,
)


def test_digests_depend_on_names_and_bytes_not_on_order_or_location(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.csv").write_text("1,2\n")
        (tmp_path / folder / "y.csv").write_text("3,4\n")
    a = tmp_path / "a"
    first = digest_files([a / "x.csv", a / "y.csv"], root=a)
    assert first == digest_files([a / "y.csv", a / "x.csv"], root=a)
    assert first == digest_tree(tmp_path / "b") and len(first) == 64
    (a / "y.csv").write_text("3,5\n")
    assert digest_files([a / "x.csv", a / "y.csv"], root=a) != first
    (tmp_path / "b" / ".hidden").write_text("ignored")
    assert digest_tree(tmp_path / "b") == first


def test_provenance_reads_bundle_and_simulation_and_overrides_win():
    bundle = SimpleNamespace(data_digest="d" * 64, params_digest="p" * 64,
                             vintage="2017-08-15 00:00:00", synthetic=True)
    sim = SimpleNamespace(seed=5, n_paths=1000, as_of="2017-07", scenario="downside", year=2017)
    prov = Provenance.from_objects(bundle, sim, seed=9, extra_key="x")
    assert prov.seed == 9 and prov.n_paths == 1000 and prov.vintage == "2017-08-15"
    assert prov.scenario == "downside" and prov.synthetic is True and prov.version
    assert prov.extra == {"extra_key": "x"}
    assert prov.to_dict()["data_digest"] == "d" * 64
    assert "合成数据" in prov.notice("zh") and "SYNTHETIC" in prov.notice("en")
    assert Provenance.from_objects(SimpleNamespace(synthetic=False)).notice() is None


def test_notice_language_and_versions():
    with pytest.raises(ValueError, match="lang"):
        synthetic_notice("fr")
    versions = package_versions(("numpy", "no-such-package-zz"))
    assert versions["numpy"] and versions["no-such-package-zz"] is None and versions["python"]
