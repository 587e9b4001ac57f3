#!/usr/bin/env python3
"""Writes the incremental PCA benchmark's batches and times scikit-learn's IncrementalPCA.partial_fit on them.

Called by bench/ml/run_ipca_benchmark.sh, which then times Deisa.Ml on the same files (BenchmarkDotNet) and prints
both side by side. Each case: batch 0 fits the state, then partial_fit(batch 1) is timed from a copy of that state,
as Deisa's benchmark does.
    /usr/bin/python3 bench/ml/sklearn_ipca.py DATA_DIR REPEATS
"""
import copy
import json
import pathlib
import statistics
import sys
import time

import numpy as np
import sklearn
from sklearn.decomposition import IncrementalPCA

# (samples, features, components): the sizes with k = 2, and one case with more components.
CASES = [(512, 512, 2), (1024, 1024, 2), (2048, 1024, 2), (1024, 1024, 10)]


def batches(samples, features, seed=42):
    """Two batches of an exponentially decaying spectrum (σᵢ = 10·0.7ⁱ for 20 modes) plus noise 0.01 on random axes."""
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.standard_normal((features, features)))
    scales = np.full(features, 0.01)
    scales[:20] = 10 * 0.7 ** np.arange(20)
    offset = rng.standard_normal(features) * 3
    return [(rng.standard_normal((samples, features)) * scales) @ basis.T + offset for _ in range(2)]


def main():
    out = pathlib.Path(sys.argv[1])
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    results = []
    for samples, features, k in CASES:
        name = f"{samples}x{features}"
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        data = batches(samples, features)
        for i, batch in enumerate(data):
            np.ascontiguousarray(batch, dtype="<f8").tofile(folder / f"batch_{i}.f64")
        warm = IncrementalPCA(n_components=k).partial_fit(data[0])
        times = []
        for _ in range(repeats):
            ipca = copy.deepcopy(warm)
            start = time.perf_counter()
            ipca.partial_fit(data[1])
            times.append(time.perf_counter() - start)
        results.append({"size": name, "k": k, "median_ms": 1000 * statistics.median(times), "min_ms": 1000 * min(times),
                        "singular_values": ipca.singular_values_.tolist()})
        print(f"sklearn {name} k={k}: median {results[-1]['median_ms']:.1f} ms over {repeats}", flush=True)
    (out / "sklearn.json").write_text(json.dumps({"sklearn": sklearn.__version__, "numpy": np.__version__, "results": results}, indent=1))


if __name__ == "__main__":
    main()
