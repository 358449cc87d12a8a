"""Timing of the joint simulation against the floor: numpy drawing the same normals.

Target (issue 7): 10,000 joint paths for all clusters x 2 indicators (FAI, IAV) x 12
months, simulated *and assessed*, within 3x the time numpy takes to draw
n_paths x clusters x 2 x 12 float32 normal variates, both timed in this run; peak memory
under 2 GB.

    .venv/bin/python benchmarks/simulate_bench.py                 # the bundled city
    .venv/bin/python benchmarks/simulate_bench.py --scale 645     # a city of 645 clusters

``--scale N`` tiles the bundled clusters' estimated inputs into a city of N clusters (with
an equicorrelation across them) to show how the engine scales; it reuses real estimation
output, so nothing but the size changes.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _best(fn, repeat: int, clock=time.perf_counter) -> float:
    times = []
    for _ in range(repeat):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return min(times)


def _scaled(inputs, n: int):
    """Tile the estimated inputs of the bundled clusters into a city of n clusters."""
    k = len(inputs.cluster_ids)
    reps = -(-n // k)
    idx = np.tile(np.arange(k), reps)[:n]

    def take(a):
        return np.asarray(a)[idx]

    n_i = len(inputs.indicators)
    corr = np.full((n * n_i, n * n_i), 0.3)
    np.fill_diagonal(corr, 1.0)
    return replace(
        inputs, cluster_ids=tuple(f"z{i:04d}" for i in range(n)),
        cluster_levels=tuple(np.asarray(inputs.cluster_levels)[idx]), base=take(inputs.base),
        ytd_month=take(inputs.ytd_month), share=take(inputs.share),
        ytd_growth=take(inputs.ytd_growth), profile_last=take(inputs.profile_last),
        observed=take(inputs.observed), mu=take(inputs.mu), sigma=take(inputs.sigma),
        n_history=take(inputs.n_history), corr=corr, corr_method="benchmark equicorrelation")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-paths", type=int, default=10_000)
    parser.add_argument("--scale", type=int, default=0, help="tile into a city of N clusters")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from zzforecast.assess.attain import assess
    from zzforecast.data.bundle import load_bundle
    from zzforecast.estimate.engine_inputs import prepare_inputs
    from zzforecast.simulate.engine import simulate
    from zzforecast.simulate.paths import simulate_arrays
    from zzforecast.simulate.scenarios import load_scenario
    from zzforecast.simulate.simulation import Simulation

    bundle = load_bundle(ROOT / "data", ROOT / "params")
    scen = load_scenario(ROOT / "params", "baseline")
    t0 = time.perf_counter()
    inputs = prepare_inputs(bundle.clusters, bundle.observations, 2017, "2017-07",
                            indicators=("fai", "iav"))
    t_prepare = time.perf_counter() - t0
    if args.scale:
        inputs = _scaled(inputs, args.scale)
    n_c, n_i = inputs.shape
    n = args.n_paths

    class _Targets:  # the plan's FAI and IAV targets only (2 indicators simulated here)
        targets = [t for t in bundle.targets if t.indicator in ("fai", "iav")]
        cluster_targets = None
        clusters = bundle.clusters
        observations = bundle.observations

    def floor():
        rng = np.random.default_rng(0)
        rng.standard_normal((n, n_c, n_i, 12), dtype=np.float32)

    def engine():
        paths = simulate_arrays(inputs, n_paths=n, seed=0, volatility=scen.volatility_multiplier,
                                deflator_mean=scen.deflator_mean, deflator_sd=scen.deflator_sd,
                                keep_monthly=True)
        sim = Simulation.from_arrays(inputs, paths, as_of="2017-07", n_paths=n)
        return assess(sim, _Targets, clusters=False)

    engine()  # warm-up (imports, caches)
    t_floor = _best(floor, args.repeat)
    t_engine = _best(engine, args.repeat)
    # CPU time too: the machine is shared, and wall time then measures the neighbours.
    c_floor = _best(floor, args.repeat, time.process_time)
    c_engine = _best(engine, args.repeat, time.process_time)
    tracemalloc.start()
    engine()
    _, peak_engine = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    t_full = None
    if not args.scale:
        def full():
            sim = simulate(bundle, 2017, "2017-07", scen, n_paths=n, seed=0)
            return assess(sim, bundle)
        full()
        t_full = _best(full, args.repeat)
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "n_paths": n, "clusters": n_c, "indicators": n_i, "months": 12,
        "normals_in_floor": n * n_c * n_i * 12,
        "floor_seconds": round(t_floor, 4),
        "simulate_and_assess_seconds": round(t_engine, 4),
        "ratio": round(t_engine / t_floor, 2),
        "floor_cpu_seconds": round(c_floor, 4),
        "simulate_and_assess_cpu_seconds": round(c_engine, 4),
        "ratio_cpu": round(c_engine / c_floor, 2),
        "target_ratio": 3.0,
        "prepare_inputs_seconds_once": round(t_prepare, 3),
        "end_to_end_simulate_assess_seconds": None if t_full is None else round(t_full, 4),
        "peak_traced_mb": round(peak_engine / 2**20, 1),
        "process_max_rss_mb": round(maxrss_mb, 1),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for k, v in result.items():
            print(f"{k:38s} {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
