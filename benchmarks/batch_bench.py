"""Benchmark: the full report batch against its floor, measured in the same run.

The floor is what the issue calls "number of notebooks x the cost of a bare notebook
importing pandas, statsmodels and seaborn / workers": the same batch runner executes that
many bare notebooks on the same number of workers. The full batch is
``zzforecast.batch.run_batch`` over every bundled cluster plus the overview (the joint
simulation, the scenario comparison, every notebook, HTML, summaries and run.json).
Target: full / floor <= 1.3.

Usage::

    .venv/bin/python benchmarks/batch_bench.py [--workers 2] [--n-paths 10000] [--pdf]

Prints one JSON object (stdout); writes into a temporary folder, removed at the end.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bare_notebook(path: Path) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "zzforecast", "display_name": "Python (zzforecast)",
                                 "language": "python"}
    params = nbformat.v4.new_code_cell("results_path = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(
        "import pandas as pd\nimport statsmodels.api as sm\nimport seaborn as sns")]
    nbformat.write(nb, path)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--n-paths", type=int, default=10000)
    parser.add_argument("--year", type=int, default=2017)
    parser.add_argument("--as-of", default="2017-07")
    parser.add_argument("--pdf", action="store_true",
                        help="also the PDFs (each report and the combined reports.pdf)")
    args = parser.parse_args()

    from zzforecast.batch import NotebookJob, run_batch, run_notebooks
    from zzforecast.data.bundle import load_bundle

    n_clusters = len(load_bundle(ROOT / "data", ROOT / "params").clusters)
    n_notebooks = n_clusters + 1  # clusters plus the overview
    tmp = Path(tempfile.mkdtemp(prefix="zzf-bench-"))
    try:
        nb = bare_notebook(tmp / "bare.ipynb")
        jobs = [NotebookJob(f"bare{i:02d}", str(nb), {}) for i in range(n_notebooks)]

        def run_floor(name: str) -> float:
            t0 = time.perf_counter()
            floor = run_notebooks(jobs, tmp / name, workers=args.workers, summary=False)
            assert floor.status == "ok", floor.run["failed"]
            return time.perf_counter() - t0

        # The machine is shared: measure the floor before and after the batch, use the mean.
        floors = [run_floor("floor1")]
        t0 = time.perf_counter()
        full = run_batch(args.year, args.as_of, "baseline", workers=args.workers,
                         out_dir=tmp / "reports", n_paths=args.n_paths, pdf=args.pdf,
                         data_dir=ROOT / "data", params_dir=ROOT / "params")
        full_s = time.perf_counter() - t0
        assert full.status == "ok", full.run["failed"]
        floors.append(run_floor("floor2"))
        floor_s = sum(floors) / len(floors)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps({
        "notebooks": n_notebooks, "workers": args.workers, "n_paths": args.n_paths,
        "pdf": args.pdf, "docx": True,
        "floor_seconds": round(floor_s, 2),
        "floor_runs": [round(f, 2) for f in floors],
        "floor_per_notebook": round(floor_s * args.workers / n_notebooks, 2),
        "batch_seconds": round(full_s, 2),
        "batch_simulation_seconds": full.run.get("simulation_seconds"),
        "ratio": round(full_s / floor_s, 3), "target": 1.3,
    }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
