using System.Globalization;
using Deisa.Heat2D.Analytics;
using Deisa.Heat2D.Configuration;

namespace Deisa.Heat2D.Output;

/// <summary>The run's summary: what ran, how long each part took, what was shipped, and the analytics' results.</summary>
internal static class SummaryPrinter
{
    public const string FileName = "summary.txt";

    public static void Print(TextWriter output, HeatConfig config, string launch, SimulationSummary? simulation, AnalyticsResults? results, string folder, bool inProcess = false)
    {
        var text = new StringWriter(CultureInfo.InvariantCulture);
        text.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Deisa Heat2D: {config.Size!.Height}x{config.Size.Width} cells on a {config.Grid!.Rows}x{config.Grid.Cols} grid, " +
            $"{config.Steps} steps of {config.Inner} iterations, mode {config.Mode}, {launch}"));
        if (simulation is { } s)
        {
            double share = s.ComputeSecondsPerStep > 0 ? 100 * s.SteadyCouplingSeconds / s.ComputeSecondsPerStep : 0;
            text.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  simulation   {s.WallSeconds:F2} s; per step {1000 * s.ComputeSecondsPerStep:F2} ms computing, {1000 * s.SteadyCouplingSeconds:F3} ms coupling (the slowest rank's median; {share:F1} % of computing)"));
            if (config.RunMode is RunMode.Deisa3 or RunMode.Deisa1 && s.Steps > 2)
            {
                text.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"               once: {1000 * s.FirstCouplingSeconds:F1} ms at the first publication ({1000 * s.FirstCouplingCpuSeconds:F1} ms of it on the CPU, {1000 * s.FirstCouplingGcPauseSeconds:F1} ms in GC pauses), {1000 * s.ContractWaitSeconds:F1} ms waiting for the contract ({s.BlocksStaged} blocks staged before it), {1000 * s.LastCouplingSeconds:F1} ms for the last send; {100 * s.CouplingSecondsTotal / s.WallSeconds:F1} % of the simulation's time in all"));
            }
            long published = s.BlocksShipped + s.BlocksSkipped;
            string copies = config.CopyBudgetMib <= 0 ? string.Empty
                : inProcess ? "; copy_budget_mib unused in one process, where every block is copied to its worker"
                : string.Create(CultureInfo.InvariantCulture, $"; {s.BlocksCopied} sent from copies (budget {config.CopyBudgetMib} MiB per rank)");
            text.WriteLine(config.RunMode switch
            {
                RunMode.None => "  shipping     none (mode none)",
                RunMode.PostHoc => string.Create(CultureInfo.InvariantCulture, $"  files        {s.BlocksShipped} blocks written, {s.BytesShipped / 1048576.0:F1} MiB"),
                _ => string.Create(CultureInfo.InvariantCulture,
                    $"  shipping     {s.BlocksShipped} of {published} blocks published (the contract), {s.BytesShipped / 1048576.0:F1} MiB, {s.MessagesToScheduler} messages to the scheduler{copies}"),
            });
            if (config.MaxStepsInFlight > 0 && config.RunMode == RunMode.Deisa3)
            {
                text.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  backpressure at most {s.PeakStepsInFlight} of {config.MaxStepsInFlight} steps in flight per rank; the slowest rank waited {s.BlockedSeconds:F2} s for the analytics"));
            }
        }

        if (results is { } r)
        {
            string since = config.RunMode switch
            {
                RunMode.Deisa1 => "after the analytics started",
                RunMode.PostHoc => "after the analytics started reading the files",
                _ => "after the contract was validated",
            };
            int steps = simulation?.Steps ?? config.Steps;
            text.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  analytics    results {r.Seconds:F2} s {since} ({1000 * r.Seconds / Math.Max(1, steps):F2} ms per step)"));
            if (config.Downsample > 1)
            {
                text.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  preprocess   the simulation ranks downsampled their blocks by {config.Downsample} before shipping; the analytics read {HeatArrays.Coarse}, {config.ReadHeight}x{config.ReadWidth}"));
            }

            if (config.Steered)
            {
                text.WriteLine(Steering(config, simulation, r));
            }

            if (r.ExplainedVarianceRatio is { } ratio)
            {
                text.WriteLine($"  ipca         explained variance ratio {Join(ratio.Data, "F4")}; singular values {Join(r.SingularValues!.Data, "G6")}; {r.SamplesSeen} samples");
            }

            if (r.SpatialMean is { } means)
            {
                text.WriteLine($"  mean         step 0: {means.Data[0].ToString("G6", CultureInfo.InvariantCulture)}, step {means.Length - 1}: {means.Data[^1].ToString("G6", CultureInfo.InvariantCulture)}");
            }

            if (r.RollingMean is { } rolling)
            {
                text.WriteLine($"  rolling mean over {config.Find(AnalyticConfig.RollingMean)!.Window} steps: first {rolling.Data[0].ToString("G6", CultureInfo.InvariantCulture)}, last {rolling.Data[^1].ToString("G6", CultureInfo.InvariantCulture)}");
            }

            if (r.TimeDerivativeMean is { } trend)
            {
                text.WriteLine($"  dT/dt        mean over time and cells {trend.Data.Average().ToString("G6", CultureInfo.InvariantCulture)}, largest {trend.Data.Max().ToString("G6", CultureInfo.InvariantCulture)}");
            }
        }

        text.WriteLine($"  output       {folder} ({string.Join(", ", Directory.EnumerateFiles(folder).Select(Path.GetFileName).Where(f => f != FileName).Order(StringComparer.Ordinal))})");
        string summary = text.ToString();
        File.WriteAllText(Path.Combine(folder, FileName), summary);
        output.Write(summary);
        output.Flush();
    }

    private static string Steering(HeatConfig config, SimulationSummary? simulation, AnalyticsResults r)
    {
        int[] ran = simulation?.StepsByRank ?? [];
        string ranks = ran.Length == 0 ? string.Empty
            : ran.Distinct().Count() == 1 ? string.Create(CultureInfo.InvariantCulture, $"every simulation rank ran {ran[0]} steps")
            : $"the simulation ranks ran {string.Join(", ", ran)} steps: they should agree, this is a bug";
        return r.StopDecidedAt is { } at
            ? string.Create(CultureInfo.InvariantCulture,
                $"  steering     the spatial mean changed by {r.StopChange:G3} < {config.StopWhenMeanChangeBelow:G3} at step {at * (config.Selection?.Every ?? 1)}: stop requested at step {r.StopRequestedAt}; {ranks}")
            : string.Create(CultureInfo.InvariantCulture,
                $"  steering     the spatial mean never changed by less than {config.StopWhenMeanChangeBelow:G3}; {ranks}");
    }

    private static string Join(double[] values, string format) => string.Join(" ", values.Select(v => v.ToString(format, CultureInfo.InvariantCulture)));
}
