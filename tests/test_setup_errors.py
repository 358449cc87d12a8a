"""What the machine lacks is a SetupError: exit 2 with the fix to apply, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from zzforecast.exceptions import SetupError, UserError, WorkerDied, ZzforecastError

ROOT = Path(__file__).resolve().parents[1]


def _reports(tmp_path, *extra):
    return ["reports", "--year", "2017", "--as-of", "2017-07", "--n-paths", "50",
            "--workers", "1", "--clusters", "airport", "--data", str(ROOT / "data"),
            "--params", str(ROOT / "params"), "--out", str(tmp_path / "out"),
            "--no-progress", *extra]


def test_a_missing_kernel_exits_2_with_the_fix(monkeypatch, tmp_path, capsys):
    import jupyter_client.kernelspec

    from zzforecast.cli import main

    monkeypatch.setattr(jupyter_client.kernelspec, "find_kernel_specs", lambda: {})
    code = main(_reports(tmp_path))
    err = capsys.readouterr().err
    assert code == 2, err
    assert "kernel 'zzforecast' is not registered" in err
    assert "fix: run `make setup`" in err
    assert "python -m ipykernel install --sys-prefix --name zzforecast" in err
    assert "Traceback" not in err and "internal error" not in err
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_a_missing_notebooks_folder_exits_2_with_the_fix(monkeypatch, tmp_path, capsys):
    from zzforecast.batch import cluster_reports
    from zzforecast.cli import main

    monkeypatch.setattr(cluster_reports, "NOTEBOOK_DIR", tmp_path / "no-notebooks")
    monkeypatch.setattr(cluster_reports, "check_kernel", lambda name: None)
    code = main(_reports(tmp_path))
    err = capsys.readouterr().err
    assert code == 2, err
    assert "notebook not found" in err and "fix: install zzforecast from a clone" in err
    assert "Traceback" not in err


def test_a_missing_cjk_font_is_a_setup_error_with_the_fix(monkeypatch):
    from zzforecast.report import fonts

    fonts.font_paths.cache_clear()
    monkeypatch.setattr(fonts, "FONT_PACKAGE", "no_such_font_package_zz")
    try:
        with pytest.raises(SetupError) as exc:
            fonts.font_paths()
    finally:
        fonts.font_paths.cache_clear()
    assert "is not installed" in str(exc.value)
    assert exc.value.fix == "run `make setup`, or `pip install rinoh-typeface-notosanscjk`"
    assert isinstance(exc.value, UserError)  # the CLI maps it to exit 2


def test_batch_errors_belong_to_the_hierarchy():
    from zzforecast.report.fonts import font_path

    assert issubclass(WorkerDied, ZzforecastError)
    with pytest.raises(UserError, match="style"):
        font_path("italic")


def test_the_cli_alone_maps_a_batch_to_its_exit_code():
    from zzforecast.batch import BatchResult
    from zzforecast.cli.reports import EXIT_CODES

    def result(installed, *statuses):
        return BatchResult(out_dir=Path("x"), installed=installed,
                           jobs=[{"status": s} for s in statuses], run={})

    assert not hasattr(BatchResult, "exit_code")
    assert EXIT_CODES[result(True, "ok", "ok").status] == 0
    assert EXIT_CODES[result(True, "ok", "failed").status] == 3
    assert EXIT_CODES[result(False, "failed", "timeout").status] == 1
