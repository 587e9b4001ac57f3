using System.Text.Json;
using Deisa.Heat2D.Simulation;

namespace Deisa.Heat2D.Output;

/// <summary>
/// What the simulation ranks did, gathered on simulation rank 0 and written as simulation.json. Each figure over the
/// steps is the slowest rank's (the largest over the ranks of that rank's own statistic), next to the per-rank means
/// and standard deviations; nothing is kept per step, so the file's size does not grow with the run.
/// </summary>
/// <param name="Mode">The run mode.</param>
/// <param name="Height">Global field rows.</param>
/// <param name="Width">Global field columns.</param>
/// <param name="GridRows">Simulation process grid rows.</param>
/// <param name="GridCols">Simulation process grid columns.</param>
/// <param name="Steps">Steps run.</param>
/// <param name="Inner">Stencil iterations per step.</param>
/// <param name="WallSeconds">The simulation's wall time on rank 0.</param>
/// <param name="ComputeSecondsPerStep">The largest per-rank mean compute time per step.</param>
/// <param name="CouplingSecondsPerStep">The largest per-rank mean coupling time per step.</param>
/// <param name="CouplingSecondsTotal">The largest per-rank coupling time over every step.</param>
/// <param name="CouplingMeanByRank">Per rank, the mean coupling per step.</param>
/// <param name="CouplingStdByRank">Per rank, the standard deviation of the coupling over the steps.</param>
/// <param name="BlocksShipped">Blocks shipped (or written), every rank.</param>
/// <param name="BlocksSkipped">Blocks published but not shipped (outside the contract), every rank.</param>
/// <param name="BytesShipped">Bytes shipped (or written), every rank.</param>
/// <param name="MessagesToScheduler">Messages the simulation sent the scheduler, every rank.</param>
/// <param name="FirstCouplingSeconds">The slowest rank's first step: the first publication (staged if the contract has not arrived).</param>
/// <param name="LastCouplingSeconds">The slowest rank's last step, which waits for the last publication to complete.</param>
/// <param name="SteadyCouplingSeconds">
/// The largest per-rank median coupling of the steps in between: what publishing costs once running. The slowest
/// rank's median, to within ±4.4 % (a histogram bin, see <see cref="StepTimings"/>), not the median over the steps
/// of the slowest rank at each step.
/// </param>
/// <param name="SteadyCouplingMeanByRank">Per rank, the mean coupling of the steps in between.</param>
/// <param name="SteadyCouplingStdByRank">Per rank, the standard deviation of the coupling of the steps in between.</param>
/// <param name="BlockedSeconds">The longest any rank waited for room under backpressure.</param>
/// <param name="PeakStepsInFlight">The most steps in flight on any rank.</param>
/// <param name="BlocksStaged">Blocks published before the contract arrived and copied aside meanwhile, every rank.</param>
/// <param name="ContractWaitSeconds">The longest any rank waited for the contract (once its staging budget was used up).</param>
/// <param name="FirstCouplingGcPauseSeconds">Of <paramref name="FirstCouplingSeconds"/>, the garbage collector's pauses on that rank.</param>
/// <param name="FirstCouplingCpuSeconds">Of <paramref name="FirstCouplingSeconds"/>, the CPU time that rank's simulation thread used: the rest it waited or was descheduled.</param>
/// <param name="StepsByRank">Per rank, the steps it ran: all the same, also when the analytics stopped the run early.</param>
/// <param name="BlocksCopied">Blocks sent from copies, the field free at once (<c>copy_budget_mib</c>), every rank.</param>
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
    double CouplingSecondsTotal,
    double[] CouplingMeanByRank,
    double[] CouplingStdByRank,
    long BlocksShipped,
    long BlocksSkipped,
    long BytesShipped,
    long MessagesToScheduler,
    double FirstCouplingSeconds,
    double LastCouplingSeconds,
    double SteadyCouplingSeconds,
    double[] SteadyCouplingMeanByRank,
    double[] SteadyCouplingStdByRank,
    double BlockedSeconds,
    int PeakStepsInFlight,
    long BlocksStaged = 0,
    double ContractWaitSeconds = 0,
    double FirstCouplingGcPauseSeconds = 0,
    double FirstCouplingCpuSeconds = 0,
    int[]? StepsByRank = null,
    long BlocksCopied = 0)
{
    public const string FileName = "simulation.json";

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    /// <summary>
    /// Combines every rank's timings: for each figure over the steps the slowest rank's (first and last steps
    /// apart: the first may wait for the contract, the last for the last publication's completion), and per rank the
    /// means and standard deviations.
    /// </summary>
    public static SimulationSummary From(IReadOnlyList<SimulationReport> reports, string mode, int height, int width, int rows, int cols, int inner, double wallSeconds)
    {
        int steps = (int)reports[0].Timings.Steps;
        return new SimulationSummary(
            mode, height, width, rows, cols, steps, inner, wallSeconds,
            reports.Max(r => r.Timings.ComputeMean),
            reports.Max(r => r.Timings.CouplingMean),
            reports.Max(r => r.Timings.CouplingSecondsTotal),
            [.. reports.Select(r => r.Timings.CouplingMean)],
            [.. reports.Select(r => r.Timings.CouplingStd)],
            reports.Sum(r => r.Shipped.BlocksShipped),
            reports.Sum(r => r.Shipped.BlocksSkipped),
            reports.Sum(r => r.Shipped.BytesShipped),
            reports.Sum(r => r.Shipped.MessagesToScheduler),
            reports.Max(r => r.Timings.FirstCouplingSeconds),
            reports.Max(r => r.Timings.LastCouplingSeconds),
            reports.Max(r => r.Timings.SteadyCouplingMedian),
            [.. reports.Select(r => r.Timings.SteadyCouplingMean)],
            [.. reports.Select(r => r.Timings.SteadyCouplingStd)],
            reports.Max(r => r.Shipped.BlockedSeconds),
            reports.Max(r => r.Shipped.PeakStepsInFlight),
            reports.Sum(r => r.Shipped.BlocksStaged),
            reports.Max(r => r.Shipped.ContractWaitSeconds),
            reports.MaxBy(r => r.Timings.FirstCouplingSeconds)!.FirstCouplingGcPauseSeconds,
            reports.MaxBy(r => r.Timings.FirstCouplingSeconds)!.FirstCouplingCpuSeconds,
            [.. reports.Select(r => (int)r.Timings.Steps)],
            reports.Sum(r => r.Shipped.BlocksCopied));
    }

    public void Write(string folder) => File.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, s_json));

    public static SimulationSummary? Read(string folder)
    {
        string path = Path.Combine(folder, FileName);
        return File.Exists(path) ? JsonSerializer.Deserialize<SimulationSummary>(File.ReadAllText(path), s_json) : null;
    }
}
