using System.Text.Json;
using Deisa.Heat2D.Simulation;

namespace Deisa.Heat2D.Output;

/// <summary>What the simulation ranks did, gathered on simulation rank 0 and written as simulation.json.</summary>
internal sealed record SimulationSummary(
    string Mode,
    int Height,
    int Width,
    int GridRows,
    int GridCols,
    int Steps,
    int Inner,
    double WallSeconds,
    double ComputeSecondsPerStep,
    double CouplingSecondsPerStep,
    double[] CouplingMeanByRank,
    double[] CouplingStdByRank,
    long BlocksShipped,
    long BlocksSkipped,
    long BytesShipped,
    long MessagesToScheduler,
    double[] ComputeSecondsByStep,
    double[] CouplingSecondsByStep,
    double[] SteadyCouplingMeanByRank,
    double[] SteadyCouplingStdByRank,
    double BlockedSeconds,
    int PeakStepsInFlight)
{
    public const string FileName = "simulation.json";

    /// <summary>Gets the first step's coupling: the first publication, which waits for the contract.</summary>
    public double FirstCouplingSeconds => CouplingSecondsByStep[0];

    /// <summary>Gets the last step's coupling, which waits for the last publication to complete.</summary>
    public double LastCouplingSeconds => CouplingSecondsByStep[^1];

    /// <summary>Gets the median coupling of the steps in between (the slowest rank's each step): what publishing costs once running.</summary>
    public double SteadyCouplingSeconds
    {
        get
        {
            double[] middle = Steady(CouplingSecondsByStep);
            Array.Sort(middle);
            return middle[middle.Length / 2];
        }
    }

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    /// <summary>
    /// Combines every rank's report: per step, the slowest rank's compute and coupling (kept step by step: the first
    /// step's coupling includes waiting for the contract, the last one the last publication's completion), then their
    /// mean over steps.
    /// </summary>
    public static SimulationSummary From(IReadOnlyList<SimulationReport> reports, string mode, int height, int width, int rows, int cols, int inner, double wallSeconds)
    {
        int steps = reports[0].ComputeSeconds.Length;
        double[] compute = [.. Enumerable.Range(0, steps).Select(t => reports.Max(r => r.ComputeSeconds[t]))];
        double[] coupling = [.. Enumerable.Range(0, steps).Select(t => reports.Max(r => r.CouplingSeconds[t]))];
        return new SimulationSummary(
            mode, height, width, rows, cols, steps, inner, wallSeconds, compute.Average(), coupling.Average(),
            [.. reports.Select(r => r.CouplingSeconds.Average())],
            [.. reports.Select(r => Std(r.CouplingSeconds))],
            reports.Sum(r => r.Shipped.BlocksShipped),
            reports.Sum(r => r.Shipped.BlocksSkipped),
            reports.Sum(r => r.Shipped.BytesShipped),
            reports.Sum(r => r.Shipped.MessagesToScheduler),
            compute,
            coupling,
            [.. reports.Select(r => Steady(r.CouplingSeconds).Average())],
            [.. reports.Select(r => Std(Steady(r.CouplingSeconds)))],
            reports.Max(r => r.Shipped.BlockedSeconds),
            reports.Max(r => r.Shipped.PeakStepsInFlight));
    }

    public void Write(string folder) => File.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, s_json));

    public static SimulationSummary? Read(string folder)
    {
        string path = Path.Combine(folder, FileName);
        return File.Exists(path) ? JsonSerializer.Deserialize<SimulationSummary>(File.ReadAllText(path), s_json) : null;
    }

    /// <summary>The steps between the first (which waits for the contract) and the last (which waits for the last publication).</summary>
    private static double[] Steady(double[] perStep) => perStep.Length > 2 ? perStep[1..^1] : perStep;

    private static double Std(double[] values)
    {
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
    }
}
