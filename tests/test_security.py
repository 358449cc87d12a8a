"""Security: paths stay inside the output folder, data text is escaped, YAML is safe,
Excel formulas stay text, and nothing reaches the network at run time.

One tiny report batch (one cluster, 200 paths, one worker) runs in a subprocess whose
``socket.connect`` refuses every non-loopback address (a ``sitecustomize`` on PYTHONPATH,
inherited by the Jupyter kernels); its cluster carries hostile names.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from zzforecast.cli import main

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
PARAMS = ROOT / "params"
EVIL = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://example.invalid","x")'

GUARD = '''\
import os
import socket

_LOG = os.environ["ZZ_NET_LOG"]
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_getaddrinfo = socket.getaddrinfo
_LOCAL = ("localhost", "127.0.0.1", "::1", "0.0.0.0", "")


def _local(host):
    return host is None or str(host) in _LOCAL or str(host).startswith("127.")


def _check(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(f"connect {address!r}\\n")
        raise OSError(f"network blocked by the test: {address!r}")


def connect(self, address):
    _check(self, address)
    return _connect(self, address)


def connect_ex(self, address):
    _check(self, address)
    return _connect_ex(self, address)


def getaddrinfo(host, *args, **kwargs):
    if not _local(host):
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(f"getaddrinfo {host!r}\\n")
        raise OSError(f"name lookup blocked by the test: {host!r}")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
socket.getaddrinfo = getaddrinfo
'''


def require_kernel():
    from jupyter_client.kernelspec import find_kernel_specs

    if "zzforecast" not in find_kernel_specs():
        pytest.skip("the Jupyter kernel 'zzforecast' is not registered; run `make setup`")


def offline_env(tmp: Path) -> tuple[dict, Path]:
    """Environment for a subprocess whose sockets reach only loopback and unix sockets."""
    site = tmp / "offline_site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
    log = tmp / "network.log"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["ZZ_NET_LOG"] = str(log)
    return env, log


def zz(*args: str, cwd: Path, env: dict | None = None, timeout: float = 240):
    exe = Path(sys.executable).parent / "zzforecast"
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "zzforecast"]
    return subprocess.run([*command, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture()
def copy(tmp_path) -> Path:
    shutil.copytree(DATA, tmp_path / "data", ignore=shutil.ignore_patterns("templates"))
    shutil.copytree(PARAMS, tmp_path / "params")
    return tmp_path


def set_cluster(root: Path, cluster_id: str = "airport", **values: str) -> None:
    path = root / "data" / "clusters.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    row = frame.index[frame["cluster_id"] == cluster_id][0]
    for key, value in values.items():
        frame.loc[row, key] = value
    frame.to_csv(path, index=False)


# --------------------------------------------------------------------------- ids and paths

BAD_IDS = ["../x", "a/b", "..", "CON", "a" * 200, "集聚区", "airport\\..\\x", "/etc/passwd",
           "air port", ".hidden", "AIRPORT", "a\x00b"]


@pytest.mark.parametrize("bad", BAD_IDS, ids=[f"id{i}" for i in range(len(BAD_IDS))])
def test_hostile_cluster_ids_in_the_registry_are_refused(copy, capsys, bad):
    path = copy / "data" / "clusters.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[len(frame)] = [bad if c == "cluster_id" else frame.iloc[0][c]
                             for c in frame.columns]
    frame.to_csv(path, index=False)
    before = tree(copy)
    code = main(["validate", "--data", str(copy / "data"), "--params", str(copy / "params")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "clusters.csv" in err and "cluster_id" in err and f"row {len(frame) + 1}" in err
    assert tree(copy) == before


@pytest.mark.parametrize("bad", ["../x", "a/b", "CON", "a" * 200, "集聚区", "..", "/tmp"])
def test_hostile_cluster_ids_on_the_command_line_are_refused(tmp_path, capsys, bad):
    before = set(tmp_path.rglob("*"))
    code = main(["attain", "--as-of", "2017-07", "--n-paths", "20", "--data", str(DATA),
                 "--params", str(PARAMS), "--clusters", f"airport,{bad}"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and "cluster" in err
    assert set(tmp_path.rglob("*")) == before


def test_cluster_id_pattern_admits_no_path_characters():
    import re

    from zzforecast.data.schemas import CLUSTER_ID_PATTERN

    for bad in BAD_IDS:
        assert not re.fullmatch(CLUSTER_ID_PATTERN, bad), bad
    assert re.fullmatch(CLUSTER_ID_PATTERN, "zz_econ_tech")


# --------------------------------------------------------------------------- YAML

PAYLOAD = "!!python/object/apply:os.system ['touch {marker}']"


@pytest.mark.parametrize("where", ["targets", "scenario", "stars"])
def test_yaml_code_payload_never_runs(copy, capsys, where):
    marker = copy / "PWNED"
    payload = PAYLOAD.format(marker=marker)
    if where == "targets":
        path = copy / "params" / "plans" / "2017" / "targets.yaml"
        text = path.read_text(encoding="utf-8").replace("year: 2017\n", f"year: {payload}\n", 1)
    elif where == "scenario":
        path = copy / "params" / "scenarios" / "downside.yaml"
        text = path.read_text(encoding="utf-8").replace(
            "volatility_multiplier: 1.3", f"volatility_multiplier: {payload}", 1)
    else:
        path = copy / "params" / "plans" / "2017" / "stars.yaml"
        text = path.read_text(encoding="utf-8").replace("assumption: true",
                                                        f"assumption: {payload}", 1)
    assert payload in text
    path.write_text(text, encoding="utf-8")
    for argv in (["validate"], ["attain", "--as-of", "2017-07", "--n-paths", "20",
                                "--scenario", "downside"], ["audit"]):
        code = main([*argv, "--data", str(copy / "data"), "--params", str(copy / "params")])
        err = capsys.readouterr().err
        assert not marker.exists(), f"YAML payload executed by {argv[0]}"
        if argv[0] == "validate" or (argv[0] == "attain" and where != "stars") \
                or (argv[0] == "audit" and where == "targets"):
            assert code == 2 and "tag" in err and path.name in err, (argv, err)

    from zzforecast.data.strict_yaml import read_yaml
    from zzforecast.exceptions import DataError

    with pytest.raises(DataError):
        read_yaml(path)
    assert not marker.exists()


# --------------------------------------------------------------------------- Excel

def test_ledger_template_keeps_formula_like_names_as_text(copy, tmp_path):
    import openpyxl

    from zzforecast.data.ledger_template import write_ledger_template
    from zzforecast.data.loaders import load_clusters

    set_cluster(copy, name_zh=FORMULA, name_en="=1+1")
    out = tmp_path / "ledger.xlsx"
    write_ledger_template(out, clusters=load_clusters(copy / "data" / "clusters.csv"))
    book = openpyxl.load_workbook(out)
    formulas = [(ws.title, c.coordinate, c.value) for ws in book for row in ws.iter_rows()
                for c in row if c.data_type == "f"]
    texts = [c.value for ws in book for row in ws.iter_rows() for c in row]
    assert not formulas
    assert FORMULA in texts


def test_ledger_formula_cells_are_refused_not_evaluated(copy, tmp_path, capsys):
    import openpyxl

    from zzforecast.data.ledger_template import write_ledger_template
    from zzforecast.data.loaders import load_clusters

    path = tmp_path / "ledger.xlsx"
    write_ledger_template(path, clusters=load_clusters(copy / "data" / "clusters.csv"))
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    marker = tmp_path / "PWNED"
    # A formula that a spreadsheet would evaluate; the importer must only ever see text.
    sheet["E3"] = f'=WEBSERVICE("http://example.invalid/{marker}")'
    book.save(path)
    code = main(["validate", "--data", str(copy / "data"), "--ledger", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and "formula" in err and "Traceback" not in err
    assert not marker.exists()


# --------------------------------------------------------------------------- network

def test_the_network_guard_really_blocks(tmp_path):
    env, log = offline_env(tmp_path)
    probe = ("import socket\ntry:\n    socket.create_connection(('192.0.2.1', 80), timeout=1)\n"
             "except OSError as exc:\n    print('blocked', exc)\n")
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                          text=True, timeout=60)
    assert "blocked" in done.stdout and "192.0.2.1" in log.read_text(encoding="utf-8")


def test_attain_runs_offline(tmp_path):
    env, log = offline_env(tmp_path)
    done = zz("attain", "--as-of", "2017-07", "--n-paths", "200", "--format", "json",
              "--data", str(DATA), "--params", str(PARAMS), cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not log.exists(), log.read_text(encoding="utf-8")


@pytest.mark.slow
def test_report_batch_offline_escapes_names_and_stays_in_its_folder(copy):
    """A hostile name: escaped in every page, text in the workbook, no network."""
    require_kernel()
    set_cluster(copy, name_zh=EVIL, name_en=FORMULA)
    env, log = offline_env(copy)
    done = zz("reports", "--year", "2017", "--as-of", "2017-07", "--clusters", "airport",
              "--workers", "1", "--n-paths", "200", "--out", "out", "--no-progress",
              "--data", "data", "--params", "params", cwd=copy, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert not log.exists(), log.read_text(encoding="utf-8")
    folder = copy / "out" / "2017" / "2017-07" / "baseline"
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for page in ("airport.html", "overview.html", "index.html"):
        text = (folder / page).read_text(encoding="utf-8")
        assert EVIL not in text and "<script" not in text.lower(), page
        assert escaped in text, page
    # every file written lies inside the output folder
    written = [p.resolve() for p in (copy / "out").rglob("*")]
    assert written and all(folder.resolve() in p.parents or p == folder.resolve()
                           or p in folder.resolve().parents for p in written)
    import openpyxl

    book = openpyxl.load_workbook(folder / "summary.xlsx")
    cells = [c for ws in book for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert FORMULA in [c.value for c in cells]
    summary = pd.read_csv(folder / "summary.csv", comment="#", encoding="utf-8-sig")
    assert EVIL in set(summary["name_zh"])  # plain data in the CSV, never markup
    assert "'" + FORMULA in set(summary["name_en"])  # a spreadsheet shows it as text
    assert FORMULA not in set(summary["name_en"])
