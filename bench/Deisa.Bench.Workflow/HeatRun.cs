using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;

namespace Deisa.Bench.Workflow;

/// <summary>One layout of the Heat2D job, and how to run it under mpiexec.mpich and read what it reported.</summary>
/// <param name="Height">Global field rows.</param>
/// <param name="Width">Global field columns.</param>
/// <param name="GridRows">Simulation process grid rows.</param>
/// <param name="GridCols">Simulation process grid columns.</param>
/// <param name="Steps">Published steps.</param>
/// <param name="Inner">Stencil iterations per step.</param>
/// <param name="AnalyticsRanks">Analytics ranks in modes deisa3 and deisa1.</param>
/// <param name="Mode">none, deisa3, deisa1 or posthoc.</param>
/// <param name="Selection">Every n-th step of a window, rows [R0, R1) and columns [C0, C1), or everything.</param>
/// <param name="Neighbour">A control: the same job runs alongside, uncoupled, on the other cores (what sharing the machine costs, Deisa or not).</param>
/// <param name="LightAnalytics">The spatial mean only instead of the incremental PCA: every block still travels, the analytics hardly compute.</param>
/// <param name="CopyBudgetMib">Heat2D's <c>copy_budget_mib</c>: the MiB of blocks each simulation rank may send from copies, its field free at once; 0 sends from the field.</param>
internal sealed record HeatLayout(int Height, int Width, int GridRows, int GridCols, int Steps, int Inner, int AnalyticsRanks, string Mode, (int Every, int R0, int R1, int C0, int C1)? Selection = null, bool LightAnalytics = false, bool Neighbour = false, int CopyBudgetMib = 0)
{
    private static int s_runs;

    public int SimulationRanks => GridRows * GridCols;

    public int Ranks => SimulationRanks + (Mode is "deisa3" or "deisa1" ? AnalyticsRanks : 0);

    public string Name => Mode + (Selection is null ? string.Empty : ", selective") + (LightAnalytics ? ", spatial mean only" : string.Empty) + (Neighbour ? ", beside a second simulation" : string.Empty)
        + (CopyBudgetMib > 0 ? string.Create(CultureInfo.InvariantCulture, $", sent from copies ({CopyBudgetMib} MiB)") : string.Empty);

    /// <summary>Gets the MiB of two blocks of a simulation rank: a copy budget that lets a block wait for its receiver while the next is computed.</summary>
    public int TwoBlocksMib => (int)Math.Max(1, ((2L * Height * Width * sizeof(double) / SimulationRanks) + (1 << 20) - 1) >> 20);

    /// <summary>
    /// The job's configuration. Without a bound on steps in flight (Heat2D's default is 64): the comparisons measure
    /// what coupling costs the simulation, and where the analytics lag behind a bound would add the wait for them.
    /// </summary>
    public string Yaml(string output) => string.Create(CultureInfo.InvariantCulture, $$"""
        size: {height: {{Height}}, width: {{Width}}}
        grid: {rows: {{GridRows}}, cols: {{GridCols}}}
        steps: {{Steps}}
        inner: {{Inner}}
        analytics_ranks: {{AnalyticsRanks}}
        mode: {{Mode}}
        arrays: [global_t]
        analytics:
        {{(LightAnalytics ? "  - kind: spatial_mean" : "  - kind: ipca\n    n_components: 2\n    svd_solver: leading_k")}}
        output: {{output}}
        backpressure: {max_steps_in_flight: 0}
        {{(Selection is { } s ? $"selection: {{every: {s.Every}, rows: [{s.R0}, {s.R1}], cols: [{s.C0}, {s.C1}]}}" : string.Empty)}}
        {{(CopyBudgetMib > 0 ? $"copy_budget_mib: {CopyBudgetMib}" : string.Empty)}}
        """);

    private ProcessStartInfo Launch(string heat2d, string config)
    {
        var start = new ProcessStartInfo("mpiexec.mpich") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in (string[])["-n", Ranks.ToString(CultureInfo.InvariantCulture), "dotnet", heat2d, "--config", config, "--no-progress"])
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    /// <summary>Runs the job once in a fresh folder under <paramref name="root"/> and reads its reports.</summary>
    public RunResult Run(string heat2d, string root)
    {
        string folder = Path.Combine(root, $"{Mode}-{(Selection is null ? "all" : "sel")}{(LightAnalytics ? "-mean" : string.Empty)}{(Neighbour ? "-beside" : string.Empty)}{(CopyBudgetMib > 0 ? "-copies" : string.Empty)}-{GridRows}x{GridCols}-{Height}x{Width}-{Interlocked.Increment(ref s_runs)}");
        Directory.CreateDirectory(folder);
        string config = Path.Combine(folder, "heat.yml");
        File.WriteAllText(config, Yaml(Path.Combine(folder, "out")));
        string other = Path.Combine(folder, "neighbour.yml");
        File.WriteAllText(other, Yaml(Path.Combine(folder, "neighbour")));
        using Process? neighbour = Neighbour ? Process.Start(Launch(heat2d, other)) ?? throw new InvalidOperationException("mpiexec.mpich did not start.") : null;

        // Drained, so that a full pipe never stalls the neighbour.
        Task? neighbourOut = neighbour?.StandardOutput.ReadToEndAsync();
        Task? neighbourErr = neighbour?.StandardError.ReadToEndAsync();

        var clock = Stopwatch.StartNew();
        using Process job = Process.Start(Launch(heat2d, config)) ?? throw new InvalidOperationException("mpiexec.mpich did not start.");
        Task<string> stdout = job.StandardOutput.ReadToEndAsync();
        Task<string> stderr = job.StandardError.ReadToEndAsync();
        if (!job.WaitForExit(TimeSpan.FromMinutes(30)))
        {
            job.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Name} on {Ranks} ranks ran for 30 minutes and was killed; see {folder}.");
        }

        double total = clock.Elapsed.TotalSeconds;
        if (neighbour is not null && !neighbour.WaitForExit(TimeSpan.FromMinutes(30)))
        {
            neighbour.Kill(entireProcessTree: true);
        }

        neighbourOut?.Wait(TimeSpan.FromSeconds(10));
        neighbourErr?.Wait(TimeSpan.FromSeconds(10));

        if (job.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Name} on {Ranks} ranks failed ({job.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
        }

        string output = Path.Combine(folder, "out");
        using JsonDocument simulation = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "simulation.json")));
        JsonElement sim = simulation.RootElement;
        string analyticsPath = Path.Combine(output, "analytics.json");
        JsonElement? analytics = File.Exists(analyticsPath) ? JsonDocument.Parse(File.ReadAllText(analyticsPath)).RootElement : null;
        var usage = Directory.EnumerateFiles(Path.Combine(output, "ranks"))
            .Select(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement)
            .ToDictionary(e => e.GetProperty("Rank").GetInt32(), e => e.GetProperty("PeakResidentBytes").GetInt64());
        if (Directory.Exists(Path.Combine(output, "posthoc")))
        {
            // The step files of a post hoc run are the bulk of the disk it used; the measurements are read.
            Directory.Delete(Path.Combine(output, "posthoc"), recursive: true);
        }

        return new RunResult(
            this,
            total,
            sim.GetProperty("WallSeconds").GetDouble(),
            sim.GetProperty("ComputeSecondsPerStep").GetDouble(),
            sim.GetProperty("CouplingSecondsPerStep").GetDouble(),
            [.. sim.GetProperty("SteadyCouplingMeanByRank").EnumerateArray().Select(v => v.GetDouble())],
            [.. sim.GetProperty("SteadyCouplingStdByRank").EnumerateArray().Select(v => v.GetDouble())],
            sim.GetProperty("BytesShipped").GetInt64(),
            sim.GetProperty("BlocksShipped").GetInt64(),
            analytics?.GetProperty("Seconds").GetDouble() ?? 0,
            analytics is { } a ? a.GetProperty("MessagesFromSimulation").GetInt64() + a.GetProperty("MessagesFromWorkers").GetInt64() + a.GetProperty("MessagesFromClient").GetInt64() : 0,
            analytics?.GetProperty("MessagesFromSimulation").GetInt64() ?? 0,
            analytics?.GetProperty("BytesFromOtherRanks").GetInt64() ?? 0,
            usage.Where(u => u.Key < SimulationRanks).Select(u => u.Value).DefaultIfEmpty().Max(),
            usage.Where(u => u.Key >= SimulationRanks).Select(u => u.Value).DefaultIfEmpty().Max(),
            sim.GetProperty("CouplingSecondsTotal").GetDouble(),
            sim.GetProperty("FirstCouplingSeconds").GetDouble(),
            sim.GetProperty("LastCouplingSeconds").GetDouble(),
            sim.GetProperty("SteadyCouplingSeconds").GetDouble());
    }
}

/// <summary>What one run measured.</summary>
internal sealed record RunResult(
    HeatLayout Layout,
    double TotalSeconds,
    double SimulationSeconds,
    double ComputePerStep,
    double CouplingPerStep,
    double[] SteadyCouplingMeanByRank,
    double[] SteadyCouplingStdByRank,
    long BytesShipped,
    long BlocksShipped,
    double AnalyticsSeconds,
    long SchedulerMessages,
    long SchedulerMessagesFromSimulation,
    long SchedulerBytes,
    long PeakSimulationRss,
    long PeakAnalyticsRss,
    double CouplingTotal,
    double FirstCoupling,
    double LastCoupling,
    double SteadyCoupling)
{
    /// <summary>Gets the share of the simulation's time spent coupling, every step included (measured within the run, so free of the noise between runs).</summary>
    public double CouplingShare => CouplingTotal / SimulationSeconds;

    /// <summary>The run whose total time is the median of <paramref name="runs"/> (the others are noise on this machine).</summary>
    public static RunResult Median(IReadOnlyList<RunResult> runs) => runs.OrderBy(r => r.TotalSeconds).ElementAt(runs.Count / 2);

    public static string Mib(long bytes) => (bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture);

    public static string Kib(long bytes) => (bytes / 1024.0).ToString("F1", CultureInfo.InvariantCulture);

    public static string Table(IEnumerable<string> header, IEnumerable<IEnumerable<string>> rows)
    {
        var text = new StringBuilder();
        text.AppendLine($"| {string.Join(" | ", header)} |");
        text.AppendLine($"|{string.Concat(header.Select(_ => "---|"))}");
        foreach (IEnumerable<string> row in rows)
        {
            text.AppendLine($"| {string.Join(" | ", row)} |");
        }

        return text.ToString();
    }
}
