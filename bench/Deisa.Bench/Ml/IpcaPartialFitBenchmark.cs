using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using Deisa.Core.Arrays;
using Deisa.Ml;

namespace Deisa.Bench.Ml;

/// <summary>
/// One incremental PCA update (partial fit of a batch into a warm state) per solver and backend, on the batches
/// bench/ml/sklearn_ipca.py wrote and timed with scikit-learn (set DEISA_IPCA_DATA to its folder; run both with
/// bench/ml/run_ipca_benchmark.sh). Without the files, it generates batches with the same spectrum.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class IpcaPartialFitBenchmark
{
    private InSituIncrementalPCA _pca = null!;
    private IncrementalPcaState _warm = null!;
    private NdArray _batch = null!;

    [ParamsSource(nameof(Cases))]
    public IpcaCase Case { get; set; } = null!;

    /// <summary>Every case, or those whose name contains DEISA_IPCA_FILTER (for example "1024x1024 k=2").</summary>
    public static IEnumerable<IpcaCase> Cases()
    {
        string? filter = Environment.GetEnvironmentVariable("DEISA_IPCA_FILTER");
        return AllCases().Where(c => string.IsNullOrEmpty(filter) || c.ToString().Contains(filter, StringComparison.Ordinal));
    }

    private static IEnumerable<IpcaCase> AllCases()
    {
        string[] sizes = ["512x512", "1024x1024", "2048x1024"];
        foreach (string size in sizes)
        {
            foreach (SvdSolver solver in (SvdSolver[])[SvdSolver.Full, SvdSolver.LeadingK, SvdSolver.Randomized])
            {
                yield return new IpcaCase(size, 2, solver, LinearAlgebraBackend.Native);
            }
        }

        yield return new IpcaCase("1024x1024", 10, SvdSolver.Full, LinearAlgebraBackend.Native);
        yield return new IpcaCase("1024x1024", 10, SvdSolver.LeadingK, LinearAlgebraBackend.Native);

        // The managed fallback, on the two smaller sizes: how far MathNet's managed provider is from OpenBLAS.
        foreach (string size in sizes[..2])
        {
            yield return new IpcaCase(size, 2, SvdSolver.Full, LinearAlgebraBackend.Managed);
            yield return new IpcaCase(size, 2, SvdSolver.LeadingK, LinearAlgebraBackend.Managed);
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        string[] parts = Case.Size.Split('x');
        int samples = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        int features = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        NdArray[] batches = IpcaBatches.Load(Case.Size, samples, features);
        _pca = new InSituIncrementalPCA(Case.Components, svdSolver: Case.Solver, randomState: 0, backend: Case.Backend);
        _warm = _pca.Update(null, batches[0]);
        _batch = batches[1];
        IncrementalPcaState probe = _pca.Update(_warm, _batch);

        // Picked up by run_ipca_benchmark.sh from the log: what the solver did, and what it found.
        Console.WriteLine(
            $"// ipca {Case}: iterations {probe.SolverIterations}, fell back {probe.SolverFellBack}, singular values " +
            string.Join(" ", probe.SingularValues.Data.Select(s => s.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) +
            $", {DeisaMl.DescribeLinearAlgebra(Case.Backend)}");
    }

    [Benchmark]
    public IncrementalPcaState PartialFit() => _pca.Update(_warm, _batch);

    /// <summary>One benchmark case, named for the results table.</summary>
    public sealed record IpcaCase(string Size, int Components, SvdSolver Solver, LinearAlgebraBackend Backend)
    {
        public override string ToString() => $"{Size} k={Components} {Solver} {Backend}";
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            // Updates take 5 ms to several seconds: a few iterations give stable medians without hour-long runs.
            AddJob(Job.ShortRun.WithId("ipca"));

            // Case names like "2048x1024 k=2 Randomized Native" must reach the tables and the JSON whole.
            WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(48));
        }
    }
}
