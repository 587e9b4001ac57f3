#!/usr/bin/env python3
"""Generates the scikit-learn IncrementalPCA reference values that Deisa.Ml's tests compare against.

Run with Debian's scikit-learn (apt-get install python3-sklearn), from the repository root:
    /usr/bin/python3 tools/ml/generate_ipca_reference.py
It rewrites tests/Deisa.Tests/Ml/Data/ipca_reference.json; CI only reads that file and needs no Python.
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn.decomposition import IncrementalPCA


def dataset(seed, batches, samples, features, spectrum):
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.standard_normal((features, features)))
    scales = np.asarray(spectrum + [0.01] * (features - len(spectrum)))
    offset = rng.standard_normal(features) * 3
    return [
        (rng.standard_normal((samples, features)) * scales) @ basis.T + offset + 0.1 * b
        for b in range(batches)
    ]


def case(name, seed, batches, samples, features, spectrum, k, whiten):
    data = dataset(seed, batches, samples, features, spectrum)
    ipca = IncrementalPCA(n_components=k, whiten=whiten)
    steps = []
    for batch in data:
        ipca.partial_fit(batch)
        steps.append({
            "components": ipca.components_.tolist(),
            "explained_variance": ipca.explained_variance_.tolist(),
            "explained_variance_ratio": ipca.explained_variance_ratio_.tolist(),
            "singular_values": ipca.singular_values_.tolist(),
            "mean": ipca.mean_.tolist(),
            "var": ipca.var_.tolist(),
            "noise_variance": float(ipca.noise_variance_),
            "n_samples_seen": int(ipca.n_samples_seen_),
        })
    return {
        "name": name,
        "n_components": k,
        "whiten": whiten,
        "batches": [b.tolist() for b in data],
        "steps": steps,
        "transform_of_first_batch": ipca.transform(data[0]).tolist(),
    }


def main():
    cases = [
        case("clear-gap", 1, 4, 30, 16, [10.0, 6.0, 3.0, 1.0, 0.5], 3, False),
        case("whiten", 2, 3, 25, 12, [8.0, 4.0, 2.0], 2, True),
        case("fewer-samples-than-features", 3, 3, 10, 24, [5.0, 4.0, 3.0, 2.0, 1.0], 4, False),
        case("single-component", 4, 5, 20, 8, [3.0, 1.0], 1, False),
    ]
    out = pathlib.Path(__file__).resolve().parents[2] / "tests" / "Deisa.Tests" / "Ml" / "Data" / "ipca_reference.json"
    out.write_text(json.dumps({"sklearn": sklearn.__version__, "numpy": np.__version__, "cases": cases}, indent=0))
    print(f"wrote {out} (scikit-learn {sklearn.__version__})")


if __name__ == "__main__":
    main()
