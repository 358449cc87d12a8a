"""Benchmark: 200 cluster-report notebooks through a Dask LocalCluster, against the floor.

The batch is the real ``notebooks/cluster_report.ipynb`` executed as Dask tasks by
``zzforecast.batch.run_notebooks(..., scheduler=...)`` on a ``LocalCluster`` with 2
worker processes (1 thread each). Every notebook reads one saved joint simulation of the
bundled (SYNTHETIC) city, as ``zzforecast reports`` does; the 200 jobs cycle through the
bundled clusters under new job names (``c000-airport``, ...), so each one is a full
cluster report (figures, HTML, JSON results).

The floor is the same number of bare notebooks (importing pandas, statsmodels and seaborn,
see ``batch_bench.py``) through the same Dask cluster in the same run, measured before and
after the batch (the machine is shared; the mean is used).

Usage::

    .venv/bin/python benchmarks/dask_batch_bench.py [--notebooks 200] [--workers 2]

Prints one JSON object (stdout); writes into a temporary folder, removed at the end.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--n-paths", type=int, default=10000)
    parser.add_argument("--year", type=int, default=2017)
    parser.add_argument("--as-of", default="2017-07")
    args = parser.parse_args()

    from batch_bench import bare_notebook
    from distributed import LocalCluster

    from zzforecast.assess.attain import assess
    from zzforecast.batch import NotebookJob, notebook_path, run_notebooks
    from zzforecast.data.bundle import load_bundle
    from zzforecast.report.scenario_compare import compare_scenarios
    from zzforecast.simulate.engine import simulate

    tmp = Path(tempfile.mkdtemp(prefix="zzf-dask-bench-"))
    try:
        t0 = time.perf_counter()
        bundle = load_bundle(ROOT / "data", ROOT / "params")
        sim = simulate(bundle, args.year, args.as_of, "baseline", n_paths=args.n_paths, seed=0)
        comparison = compare_scenarios(bundle, args.year, args.as_of, n_paths=args.n_paths,
                                       seed=0, known={sim.scenario_name: assess(sim, bundle)})
        sim.save(tmp / "simulation.npz")
        comparison.to_csv(tmp / "scenarios.csv", index=False, encoding="utf-8")
        setup_s = time.perf_counter() - t0
        ids = list(bundle.clusters["cluster_id"])
        common = {"year": args.year, "as_of": args.as_of, "scenario": "baseline",
                  "n_paths": args.n_paths, "seed": 0, "lang": "zh",
                  "data_dir": str(ROOT / "data"), "params_dir": str(ROOT / "params"),
                  "simulation_path": str(tmp / "simulation.npz"),
                  "scenarios_path": str(tmp / "scenarios.csv")}
        cluster_nb = str(notebook_path("cluster_report"))
        jobs = [NotebookJob(f"c{i:03d}-{ids[i % len(ids)]}", cluster_nb,
                            {**common, "cluster_id": ids[i % len(ids)]})
                for i in range(args.notebooks)]
        bare = bare_notebook(tmp / "bare.ipynb")
        floor_jobs = [NotebookJob(f"bare{i:03d}", str(bare), {}) for i in range(args.notebooks)]

        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster:
            address = cluster.scheduler_address

            def timed(name, batch):
                t = time.perf_counter()
                result = run_notebooks(batch, tmp / name, scheduler=address, summary=False,
                                       web_fonts=name == "reports")
                return time.perf_counter() - t, result

            floors = []
            seconds, floor = timed("floor1", floor_jobs)
            assert floor.status == "ok", floor.run["failed"][:3]
            floors.append(seconds)
            batch_s, batch = timed("reports", jobs)
            failed = batch.run["failed"]
            seconds, floor = timed("floor2", floor_jobs)
            assert floor.status == "ok", floor.run["failed"][:3]
            floors.append(seconds)
        floor_s = sum(floors) / len(floors)
        n_html = len(list((tmp / "reports").glob("c*.html")))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps({
        "notebooks": args.notebooks, "dask_workers": args.workers, "n_paths": args.n_paths,
        "distinct_clusters": len(ids), "setup_seconds": round(setup_s, 2),
        "batch_seconds": round(batch_s, 2), "batch_ok": batch.run["n_ok"],
        "batch_failed": len(failed), "html_reports": n_html,
        "first_failures": [{k: f.get(k) for k in ("name", "ename", "evalue")}
                           for f in failed[:3]],
        "throughput_nb_per_s": round(args.notebooks / batch_s, 3),
        "floor_seconds": round(floor_s, 2), "floor_runs": [round(f, 2) for f in floors],
        "floor_throughput_nb_per_s": round(args.notebooks / floor_s, 3),
        "ratio_to_floor": round(batch_s / floor_s, 3),
    }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
