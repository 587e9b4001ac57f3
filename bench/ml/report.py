#!/usr/bin/env python3
"""Prints the incremental PCA benchmark table: scikit-learn and Deisa.Ml on the same batches, with ratios.

    python3 bench/ml/report.py DATA_DIR
reads DATA_DIR/sklearn.json (sklearn_ipca.py), DATA_DIR/bdn/results/*-report-full.json (BenchmarkDotNet) and
DATA_DIR/bdn.log (the '// ipca' lines the benchmark prints: solver iterations and singular values).
"""
import glob
import json
import pathlib
import re
import sys


def main():
    data = pathlib.Path(sys.argv[1])
    sklearn = json.loads((data / "sklearn.json").read_text())
    reference = {(r["size"], r["k"]): r for r in sklearn["results"]}
    report = json.loads(pathlib.Path(sorted(glob.glob(str(data / "bdn" / "results" / "*IpcaPartialFit*-report-full*.json")))[-1]).read_text())
    details = {}
    for line in (data / "bdn.log").read_text().splitlines():
        m = re.match(r"// ipca (\S+) k=(\d+) (\S+) (\S+): iterations (\d+), fell back (\w+), singular values ([^,]+), (.*)", line)
        if m:
            details[(m[1], int(m[2]), m[3], m[4])] = (int(m[5]), m[6], [float(v) for v in m[7].split()], m[8])

    print(f"scikit-learn {sklearn['sklearn']}, numpy {sklearn['numpy']}; {report['HostEnvironmentInfo']['ProcessorName']}, "
          f"{report['HostEnvironmentInfo']['LogicalCoreCount']} logical cores")
    print()
    print("| batch (samples x features) | k | solver | backend | Deisa median | scikit-learn median | sklearn / Deisa | max rel. diff of singular values | iterations |")
    print("|---|---|---|---|---|---|---|---|---|")
    for bench in report["Benchmarks"]:
        case = re.search(r"Case=(\S+) k=(\d+) (\S+) (\S+)", bench["Parameters"]).groups()
        size, k, solver, backend = case[0], int(case[1]), case[2], case[3]
        ms = bench["Statistics"]["Median"] / 1e6
        ref = reference[(size, k)]
        iterations, fell_back, values, _ = details.get((size, k, solver, backend), (0, "False", [], ""))
        diff = max((abs(a - b) / abs(b) for a, b in zip(values, ref["singular_values"])), default=float("nan"))
        note = f"{iterations}" + (" (fell back)" if fell_back == "True" else "")
        print(f"| {size} | {k} | {solver} | {backend} | {ms:.1f} ms | {ref['median_ms']:.1f} ms | {ref['median_ms'] / ms:.2f}x | {diff:.1e} | {note} |")


if __name__ == "__main__":
    main()
