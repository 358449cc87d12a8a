"""Issue 14 items 1 and 5: a report batch never loses data, whatever happens to it.

Real batches with real kernels (the ``zzforecast`` kernel): a report folder that is a
symbolic link, a user's files in it, a batch killed with SIGKILL or SIGTERM (no worker or
kernel outlives it; the next run removes its staging folder), and two batches on one folder
(the second is refused while the first runs).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from zzforecast.batch.jobs import NotebookJob
from zzforecast.batch.runner import run_notebooks
from zzforecast.cli import main
from zzforecast.exceptions import UserError

ROOT = Path(__file__).resolve().parents[1]
FAULTS = str(ROOT / "tests" / "notebooks" / "faults.ipynb")


@pytest.fixture(scope="module", autouse=True)
def _kernel():
    from jupyter_client.kernelspec import find_kernel_specs

    if "zzforecast" not in find_kernel_specs():
        pytest.skip("the Jupyter kernel 'zzforecast' is not registered; run `make setup`")


def _ok_jobs(*names):
    return [NotebookJob(n, FAULTS, {"cluster_id": n, "mode": "ok"}) for n in names]


def _user_folder(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    mine = tmp_path / "my_documents"
    mine.mkdir()
    files = {"thesis.docx": b"years of work", "data.csv": b"a,b\n1,2\n"}
    for name, data in files.items():
        (mine / name).write_bytes(data)
    return mine, files


def _contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


# --------------------------------------------------------------------------- item 1

def test_item1_symlinked_batch_folder_is_refused(tmp_path):
    mine, files = _user_folder(tmp_path)
    out = tmp_path / "out" / "2017"
    out.mkdir(parents=True)
    (out / "baseline").symlink_to(mine, target_is_directory=True)
    with pytest.raises(UserError, match="symbolic link"):
        run_notebooks(_ok_jobs("alpha"), out / "baseline", workers=1, summary=False,
                      web_fonts=False)
    assert _contents(mine) == files
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my_documents", "out"]
    assert sorted(p.name for p in out.iterdir()) == ["baseline"]


@pytest.mark.parametrize("link", ["year", "scenario"])
def test_item1_symlinked_batch_folder_is_refused_by_reports_exit_2(tmp_path, capsys,
                                                                   monkeypatch, link):
    mine, files = _user_folder(tmp_path)
    monkeypatch.chdir(tmp_path)
    if link == "year":
        (tmp_path / "out").mkdir()
        (tmp_path / "out" / "2017").symlink_to(mine, target_is_directory=True)
    else:
        (tmp_path / "out" / "2017" / "2017-07").mkdir(parents=True)
        (tmp_path / "out" / "2017" / "2017-07" / "baseline").symlink_to(
            mine, target_is_directory=True)
    code = main(["reports", "--year", "2017", "--as-of", "2017-07", "--n-paths", "50",
                 "--workers", "1", "--data", str(ROOT / "data"), "--params",
                 str(ROOT / "params"), "--out", "out", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "symbolic link" in err and "Traceback" not in err
    assert _contents(mine) == files
    assert sorted(p.name for p in mine.iterdir()) == sorted(files)


def test_item1_a_folder_holding_files_no_batch_wrote_is_refused(tmp_path):
    out = tmp_path / "2017" / "baseline"
    out.mkdir(parents=True)
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(UserError, match=r"did not write \(notes.txt\)"):
        run_notebooks(_ok_jobs("alpha"), out, workers=1, summary=False, web_fonts=False)
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["baseline"]


def test_item1_installing_a_batch_deletes_only_what_a_batch_wrote(tmp_path):
    out = tmp_path / "2017" / "baseline"
    assert run_notebooks(_ok_jobs("alpha"), out, workers=1, summary=False,
                         web_fonts=False).status == "ok"
    # A rerun is allowed (the folder holds one batch's files only) ...
    added = []

    def user_saves_a_file(record):  # ... and a user saves a file there while it runs
        (out / "notes.txt").write_text("mine", encoding="utf-8")
        added.append(record["name"])

    result = run_notebooks(_ok_jobs("beta"), out, workers=1, summary=False, web_fonts=False,
                           progress=user_saves_a_file)
    assert result.status == "ok" and added == ["beta"]
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert not (out / "alpha.json").exists() and (out / "beta.json").is_file()
    assert sorted(p.name for p in out.parent.iterdir()) == ["baseline"]


# --------------------------------------------------------------------------- item 5

def _hang_notebook(tmp_path: Path) -> Path:
    """A notebook that records its kernel's and worker's pids, then waits forever."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "zzforecast", "language": "python",
                                 "display_name": "zzforecast"}
    nb.metadata["language_info"] = {"name": "python"}
    params = nbformat.v4.new_code_cell('cluster_id = "a"\nresults_path = None\nmarkers = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(
        "import os, time, pathlib\n"
        "pathlib.Path(markers, cluster_id + '.tmp').write_text("
        "f'{os.getpid()} {os.getppid()}')\n"
        "os.replace(pathlib.Path(markers, cluster_id + '.tmp'), "
        "pathlib.Path(markers, cluster_id + '.pids'))\n"
        "time.sleep(600)")]
    path = tmp_path / "hang.ipynb"
    nbformat.write(nb, str(path))
    return path


_BATCH = """
import sys
from zzforecast.batch.jobs import NotebookJob
from zzforecast.batch.runner import run_notebooks
nb, out, markers = sys.argv[1:4]
jobs = [NotebookJob(n, nb, {"cluster_id": n, "markers": markers}) for n in ("a", "b")]
run_notebooks(jobs, out, workers=2, summary=False, web_fonts=False)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            state = fh.read().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in (b"Z", b"X")


def _wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def _start_hanging_batch(tmp_path: Path):
    """A real batch in its own process, both notebooks running; returns it and its pids."""
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs Linux /proc to find the batch's processes")
    markers = tmp_path / "markers"
    markers.mkdir()
    out = tmp_path / "reports" / "2017" / "baseline"
    proc = subprocess.Popen([sys.executable, "-c", _BATCH, str(_hang_notebook(tmp_path)),
                             str(out), str(markers)], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    files = [markers / "a.pids", markers / "b.pids"]
    if not _wait_until(lambda: all(f.is_file() for f in files) or proc.poll() is not None,
                       180):
        proc.kill()
        pytest.fail("the batch's notebooks never started")
    assert proc.poll() is None, proc.stderr.read().decode()
    pids = {proc.pid}
    for f in files:
        kernel, worker = (int(x) for x in f.read_text().split())
        pids |= {kernel, worker}
    # and every other process the batch started (fork server, resource tracker)
    pids |= set(_descendants(proc.pid))
    return proc, out, pids


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                children.setdefault(int(fh.read().rsplit(b")", 1)[1].split()[1]),
                                    []).append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out += [child]
            todo.append(child)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_item5_killed_batch_leaves_no_worker_alive_and_next_run_cleans_staging(tmp_path, sig):
    proc, out, pids = _start_hanging_batch(tmp_path)
    assert len(pids) >= 6  # the batch, its fork server, two workers, two kernels
    staging = list(out.parent.glob(".baseline.staging-*"))
    assert len(staging) == 1
    os.kill(proc.pid, sig)
    proc.wait()
    left = _wait_until(lambda: not any(_alive(p) for p in pids), 10)
    assert left, [p for p in pids if _alive(p)]
    if sig == signal.SIGTERM:  # a terminated batch cleans up after itself
        assert proc.returncode == 128 + signal.SIGTERM
        assert not list(out.parent.glob(".baseline.*"))
    else:  # a killed one cannot: the next run removes its staging folder
        assert staging[0].is_dir()
    result = run_notebooks(_ok_jobs("alpha"), out, workers=1, summary=False,
                           web_fonts=False)
    assert result.status == "ok"
    assert sorted(p.name for p in out.parent.iterdir()) == ["baseline"]


@pytest.mark.slow
def test_item5_a_second_batch_on_the_same_folder_is_refused_while_one_runs(tmp_path):
    proc, out, pids = _start_hanging_batch(tmp_path)
    try:
        # a UserError: the command line's exit 2, one line, nothing written
        with pytest.raises(UserError, match="another report batch is writing"):
            run_notebooks(_ok_jobs("alpha"), out, workers=1, summary=False, web_fonts=False)
        assert len(list(out.parent.glob(".baseline.staging-*"))) == 1  # the first one's
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    _wait_until(lambda: not any(_alive(p) for p in pids), 10)
    # The lock died with the first batch: the next run goes ahead, and its output is whole.
    result = run_notebooks(_ok_jobs("alpha", "beta"), out, workers=1, summary=True,
                           web_fonts=False)
    assert result.status == "ok"
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert [j["name"] for j in run["jobs"]] == ["alpha", "beta"]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{n}.{s}" for n in ("alpha", "beta") for s in ("html", "ipynb", "json")]
        + ["index.html", "run.json", "summary.csv", "summary.xlsx"])


# --------------------------------------------------------------------------- item 14

def test_item14_a_fractional_timeout_runs_the_notebooks(tmp_path):
    result = run_notebooks(_ok_jobs("alpha"), tmp_path / "2017" / "baseline", workers=1,
                           timeout=300.5, summary=False, web_fonts=False)
    assert result.status == "ok", result.failed
    assert (tmp_path / "2017" / "baseline" / "alpha.json").is_file()


# --------------------------------------------------------------------------- item 15

@pytest.mark.parametrize(("kwargs", "word"), [
    ({"n_paths": "5"}, "n_paths"), ({"n_paths": 2.5}, "n_paths"), ({"seed": -1}, "seed"),
    ({"seed": "abc"}, "seed"), ({"timeout": -1}, "timeout"), ({"timeout": "x"}, "timeout"),
    ({"timeout": float("nan")}, "timeout"), ({"workers": 0}, "workers"),
    ({"workers": "2"}, "workers"), ({"scenario": "a b"}, "scenario"),
])
def test_item15_run_batch_arguments_raise_a_value_error_naming_the_argument(tmp_path, kwargs,
                                                                           word):
    from zzforecast.batch.cluster_reports import run_batch

    args = {"year": 2017, "as_of": "2017-07", "clusters": "airport", "out_dir": tmp_path,
            "overview": False, "data_dir": ROOT / "data", "params_dir": ROOT / "params",
            **kwargs}
    with pytest.raises(ValueError, match=word):
        run_batch(**args)
    assert list(tmp_path.iterdir()) == []
