"""January is never published alone (the first release is 1-2月): every --as-of refuses it."""

from __future__ import annotations

import argparse

import pytest

from zzforecast.cli import arguments, main


@pytest.mark.parametrize("argv", [
    ["attain", "--year", "2017", "--as-of", "2017-01"],
    ["nowcast", "--file", "does-not-matter.csv", "--as-of", "2017-01"],
])
def test_run_level_as_of_refuses_january(capsys, argv):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "2017-01" in err and "1-2月" in err and "2017-02" in err
    assert "Traceback" not in err


def test_reports_refuses_january_at_the_argument_layer(capsys, tmp_path):
    with pytest.raises(SystemExit) as info:
        main(["reports", "--year", "2017", "--as-of", "2017-01", "--out", str(tmp_path)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "--as-of" in err and "1-2月" in err and "Traceback" not in err
    assert not any(tmp_path.iterdir())  # nothing was started


@pytest.mark.parametrize("text, january", [
    ("2017-01", True), ("2017-01-31", True), (" 2018-01 ", True),
    ("2017-02", False), ("2017-10", False), ("2017-11", False), ("2001-12", False),
])
def test_is_january(text, january):
    assert arguments.is_january(text) is january


def test_as_of_type_keeps_february_to_december():
    assert arguments.as_of("2017-02") == "2017-02"
    assert arguments.as_of("2017-12") == "2017-12"
    with pytest.raises(argparse.ArgumentTypeError, match="1-2月"):
        arguments.as_of("2017-01")
