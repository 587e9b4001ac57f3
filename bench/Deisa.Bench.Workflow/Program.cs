using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Deisa.Core.Arrays;
using ScottPlot;

namespace Deisa.Bench.Workflow;

/// <summary>
/// The whole-workflow benchmark: Heat2D with its incremental PCA in every mode on one layout, side by side, repeated
/// and interleaved (the machine is shared and noisy); scaling series; and the scheduler's scale model.
/// </summary>
public static class Program
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    public static int Main(string[] args)
    {
        var size = new Option<int>("--size") { Description = "Global field: size x size cells.", DefaultValueFactory = _ => 1024 };
        var steps = new Option<int>("--steps") { Description = "Published steps.", DefaultValueFactory = _ => 100 };
        var inner = new Option<int>("--inner") { Description = "Stencil iterations per step.", DefaultValueFactory = _ => 50 };
        var grid = new Option<string>("--grid") { Description = "Simulation process grid, ROWSxCOLS.", DefaultValueFactory = _ => "1x1" };
        var analytics = new Option<int>("--analytics") { Description = "Analytics ranks in modes deisa3 and deisa1.", DefaultValueFactory = _ => 1 };
        var repeat = new Option<int>("--repeat") { Description = "Runs of each mode; the median is reported.", DefaultValueFactory = _ => 3 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Where runs, the report and the plot go.", DefaultValueFactory = _ => new DirectoryInfo("workflow-results") };
        foreach (Option<int> option in (Option<int>[])[size, steps, inner, analytics, repeat])
        {
            option.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<int>() < 1)
                {
                    r.AddError($"{option.Name} must be at least 1, not {r.GetValueOrDefault<int>()}.");
                }
            });
        }

        grid.Validators.Add(r =>
        {
            if (TryGrid(r.GetValueOrDefault<string>()!) is null)
            {
                r.AddError($"--grid '{r.GetValueOrDefault<string>()}': expected ROWSxCOLS with positive numbers, for example 2x1.");
            }
        });

        var compare = new Command("compare", "Every mode on one layout, the selective case (every 10th step of a quarter), deisa3 shipping everything to light analytics (the spatial mean), a control: none beside a second, uncoupled simulation, and deisa3 sending from copies (a budget of two blocks per simulation rank).")
        {
            size, steps, inner, grid, analytics, repeat, output,
        };
        compare.SetAction(r => Compare(r.GetValue(size), r.GetValue(steps), r.GetValue(inner), TryGrid(r.GetValue(grid)!)!.Value, r.GetValue(analytics), r.GetValue(repeat), r.GetValue(output)!.FullName));

        var maxRanks = new Option<int>("--max-simulation-ranks") { Description = "The largest simulation grid of the series.", DefaultValueFactory = _ => 4 };
        var scaling = new Command("scaling", "Weak and strong scaling of deisa3 and none, 1 to N simulation ranks, and per-rank coupling variability in deisa3 and deisa1.")
        {
            size, steps, inner, analytics, repeat, output, maxRanks,
        };
        scaling.SetAction(r => Scaling.Run(r.GetValue(size), r.GetValue(steps), r.GetValue(inner), r.GetValue(analytics), r.GetValue(repeat), r.GetValue(maxRanks), r.GetValue(output)!.FullName));

        var modelRanks = new Option<string>("--ranks") { Description = "Simulation ranks, comma-separated perfect squares (the blocks form a square grid).", DefaultValueFactory = _ => "1024,4096,16384" };
        var modelSteps = new Option<string>("--steps") { Description = "Steps of the Deisa3 runs, comma-separated.", DefaultValueFactory = _ => "100,1000,10000" };
        var deisa1Steps = new Option<string>("--deisa1-steps") { Description = "Steps of the Deisa1 comparison, comma-separated.", DefaultValueFactory = _ => "100" };
        var modes = new Option<string>("--modes") { Description = "Couplings to run, comma-separated: deisa3, deisa1.", DefaultValueFactory = _ => "deisa3,deisa1" };
        var lookahead = new Option<int>("--lookahead") { Description = "Steps of tasks the client builds past the latest arrival (ClientOptions.Lookahead).", DefaultValueFactory = _ => 8 };
        lookahead.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
            {
                r.AddError($"--lookahead must be at least 1, not {r.GetValueOrDefault<int>()}.");
            }
        });
        foreach (Option<string> list in (Option<string>[])[modelRanks, modelSteps, deisa1Steps])
        {
            bool squares = list == modelRanks;
            list.Validators.Add(r =>
            {
                string text = r.GetValueOrDefault<string>()!;
                if (TryList(text) is not { } values || (squares && values.Any(v => (int)Math.Sqrt(v) * (int)Math.Sqrt(v) != v)))
                {
                    r.AddError($"{list.Name} '{text}': expected comma-separated positive numbers{(squares ? " that are perfect squares, for example 1024,16384" : ", for example 100,10000")}.");
                }
            });
        }

        modes.Validators.Add(r =>
        {
            if (TryModes(r.GetValueOrDefault<string>()!) is null)
            {
                r.AddError($"--modes '{r.GetValueOrDefault<string>()}': expected deisa3, deisa1 or both, comma-separated.");
            }
        });

        var model = new Command("scale-model", "The scheduler with the real client in one process, fed what N synthetic simulation ranks and 16 workers send it, over ranks x steps; each configuration in a fresh process.")
        {
            modelRanks, modelSteps, deisa1Steps, modes, lookahead, output,
        };
        model.SetAction(r => ScaleModel.Run(TryList(r.GetValue(modelRanks)!)!, TryList(r.GetValue(modelSteps)!)!, TryList(r.GetValue(deisa1Steps)!)!, TryModes(r.GetValue(modes)!)!, r.GetValue(lookahead), r.GetValue(output)!.FullName));

        var oneRanks = new Option<int>("--ranks") { Description = "Simulation ranks, a perfect square.", Required = true };
        oneRanks.Validators.Add(r =>
        {
            int value = r.GetValueOrDefault<int>();
            if (value < 1 || (int)Math.Sqrt(value) * (int)Math.Sqrt(value) != value)
            {
                r.AddError($"--ranks must be a positive perfect square, not {value}.");
            }
        });
        var oneSteps = new Option<int>("--steps") { Description = "Steps.", Required = true };
        oneSteps.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
            {
                r.AddError($"--steps must be at least 1, not {r.GetValueOrDefault<int>()}.");
            }
        });
        var oneMode = new Option<string>("--mode") { Description = "deisa3 or deisa1.", DefaultValueFactory = _ => "deisa3" };
        oneMode.Validators.Add(r =>
        {
            if (TryModes(r.GetValueOrDefault<string>()!) is not { Length: 1 })
            {
                r.AddError($"--mode '{r.GetValueOrDefault<string>()}': expected deisa3 or deisa1.");
            }
        });
        var json = new Option<FileInfo?>("--json") { Description = "Where the figures go, as JSON; standard output when absent." };
        var modelOne = new Command("scale-model-one", "One configuration of the scale model in this process (what scale-model runs in each child process).")
        {
            oneRanks, oneSteps, oneMode, lookahead, json,
        };
        modelOne.SetAction(r => ScaleModel.RunOne(r.GetValue(oneRanks), r.GetValue(oneSteps), TryModes(r.GetValue(oneMode)!)![0], r.GetValue(lookahead), r.GetValue(json)?.FullName));

        var root = new RootCommand("Deisa's whole-workflow benchmarks.") { compare, scaling, model, modelOne };
        return root.Parse(args).Invoke();
    }

    internal static string Heat2D { get; } = LocateHeat2D();

    private static (int Rows, int Cols)? TryGrid(string text)
    {
        string[] parts = text.Split('x');
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int rows)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int cols)
            && rows > 0 && cols > 0 ? (rows, cols) : null;
    }

    /// <summary>Reads comma-separated positive numbers; null when the text is not that.</summary>
    private static int[]? TryList(string text)
    {
        var values = new List<int>();
        foreach (string part in text.Split(','))
        {
            if (!int.TryParse(part.Trim().Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < 1)
            {
                return null;
            }

            values.Add(value);
        }

        return [.. values];
    }

    /// <summary>Reads comma-separated coupling names; null when one is not deisa3 or deisa1.</summary>
    private static CouplingMode[]? TryModes(string text)
    {
        var modes = new List<CouplingMode>();
        foreach (string part in text.Split(','))
        {
            switch (part.Trim().ToLowerInvariant())
            {
                case "deisa3":
                    modes.Add(CouplingMode.Deisa3);
                    break;
                case "deisa1":
                    modes.Add(CouplingMode.Deisa1);
                    break;
                default:
                    return null;
            }
        }

        return [.. modes.Distinct()];
    }

    internal static string Header(string what, int ranks)
    {
        return $"{what}; {DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, {ranks} MPI rank(s) at most ({(double)ranks / Environment.ProcessorCount:0.#} per core); Heat2D {Heat2DKind}";
    }

    private static int Compare(int size, int steps, int inner, (int Rows, int Cols) grid, int analytics, int repeat, string root)
    {
        Directory.CreateDirectory(root);
        int quarter = size / 2;
        HeatLayout[] layouts =
        [
            new(size, size, grid.Rows, grid.Cols, steps, inner, analytics, "none"),
            new(size, size, grid.Rows, grid.Cols, steps, inner, analytics, "deisa3"),
            new(size, size, grid.Rows, grid.Cols, steps, inner, analytics, "deisa1"),
            new(size, size, grid.Rows, grid.Cols, steps, inner, analytics, "posthoc"),
            new(size, size, grid.Rows, grid.Cols, steps, inner, analytics, "deisa3", (10, 0, quarter, 0, quarter)),
            new(size, size, grid.Rows, grid.Cols, steps, inner, analytics, "deisa1", (10, 0, quarter, 0, quarter)),
            new(size, size, grid.Rows, grid.Cols, steps, inner, analytics, "deisa3", LightAnalytics: true),
            new(size, size, grid.Rows, grid.Cols, steps, inner, analytics, "none", Neighbour: true),
        ];
        layouts = [.. layouts, layouts[1] with { CopyBudgetMib = layouts[1].TwoBlocksMib }];
        var runs = layouts.ToDictionary(l => l, _ => new List<RunResult>());
        for (int r = 0; r < repeat; r++)
        {
            // Interleaved, so that a slow spell of the machine does not fall on one mode only.
            foreach (HeatLayout layout in layouts)
            {
                Console.Error.WriteLine($"run {r + 1}/{repeat}: {layout.Name} on {layout.Ranks} ranks");
                runs[layout].Add(layout.Run(Heat2D, root));
            }
        }

        RunResult[] median = [.. layouts.Select(l => RunResult.Median(runs[l]))];
        RunResult none = median[0];
        string times = RunResult.Table(
            ["mode", "ranks", "simulation", "vs none", "coupling share of the simulation", "compute per step", "coupling per step (median)", "coupling, first step (contract)", "coupling, last step (drain)", "analytics", "total (launch to exit)", "total vs deisa3"],
            median.Select(m => (IEnumerable<string>)
            [
                m.Layout.Name,
                m.Layout.Ranks.ToString(CultureInfo.InvariantCulture),
                F(m.SimulationSeconds, "s"),
                Percent(m.SimulationSeconds / none.SimulationSeconds),
                (100 * m.CouplingShare).ToString("0.0", CultureInfo.InvariantCulture) + " %",
                F(1000 * m.ComputePerStep, "ms"),
                F(1000 * m.SteadyCoupling, "ms"),
                F(1000 * m.FirstCoupling, "ms"),
                F(1000 * m.LastCoupling, "ms"),
                m.Layout.Mode == "none" ? "-" : F(m.AnalyticsSeconds, "s"),
                F(m.TotalSeconds, "s"),
                (m.TotalSeconds / median[1].TotalSeconds).ToString("0.00x", CultureInfo.InvariantCulture),
            ]));
        string load = RunResult.Table(
            ["mode", "messages to the scheduler", "of which from the simulation", "KiB to the scheduler's rank", "blocks shipped (or written)", "MiB shipped (or written)", "peak RSS per simulation rank (MiB)", "peak RSS per analytics rank (MiB)"],
            median.Select(m => (IEnumerable<string>)
            [
                m.Layout.Name,
                m.Layout.Mode is "deisa3" or "deisa1" ? m.SchedulerMessages.ToString("N0", CultureInfo.InvariantCulture) : "-",
                m.Layout.Mode is "deisa3" or "deisa1" ? m.SchedulerMessagesFromSimulation.ToString("N0", CultureInfo.InvariantCulture) : "-",
                m.Layout.Mode is "deisa3" or "deisa1" ? RunResult.Kib(m.SchedulerBytes) : "-",
                m.BlocksShipped.ToString("N0", CultureInfo.InvariantCulture),
                RunResult.Mib(m.BytesShipped),
                RunResult.Mib(m.PeakSimulationRss),
                m.PeakAnalyticsRss > 0 ? RunResult.Mib(m.PeakAnalyticsRss) : "-",
            ]));
        string report = Header(
            $"Heat2D {size}x{size}, grid {grid.Rows}x{grid.Cols}, {steps} steps of {inner} iterations, IPCA k=2 (leading_k); {analytics} analytics rank(s) in deisa3/deisa1; median of {repeat} interleaved runs",
            layouts.Max(l => l.Ranks)) + "\n\nTime (the simulation's figures are each the slowest rank's: its mean compute per step, its median coupling, its first and last step; analytics: from the contract, or from reading the files, to the last result)\n\n" + times + "\nLoad and memory\n\n" + load;
        File.WriteAllText(Path.Combine(root, "compare.md"), report);
        File.WriteAllText(Path.Combine(root, "compare.json"), JsonSerializer.Serialize(
            median.Select(m => new
            {
                m.Layout.Mode,
                Selective = m.Layout.Selection is not null,
                m.Layout.LightAnalytics,
                m.Layout.Neighbour,
                m.Layout.CopyBudgetMib,
                m.Layout.Ranks,
                m.SimulationSeconds,
                m.TotalSeconds,
                m.AnalyticsSeconds,
                m.ComputePerStep,
                m.SteadyCoupling,
                m.CouplingShare,
                m.SchedulerMessages,
                m.SchedulerMessagesFromSimulation,
                m.BlocksShipped,
                m.BytesShipped,
                m.PeakSimulationRss,
                m.PeakAnalyticsRss,
            }),
            s_json));
        Console.WriteLine(report);
        Plot(median, Path.Combine(root, "workflow.png"));
        Console.WriteLine($"plot: {Path.Combine(root, "workflow.png")}");
        return 0;
    }

    private static void Plot(RunResult[] runs, string path)
    {
        var plot = new Plot();
        string[] names = [.. runs.Select(r => r.Layout.Name.Replace(", ", "\n", StringComparison.Ordinal))];
        var bars = new List<Bar>();
        for (int i = 0; i < runs.Length; i++)
        {
            bars.Add(new Bar { Position = (3 * i) + 0, Value = runs[i].SimulationSeconds, FillColor = Colors.SteelBlue });
            bars.Add(new Bar { Position = (3 * i) + 1, Value = runs[i].TotalSeconds, FillColor = Colors.Orange });
        }

        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, runs.Length).Select(i => (3.0 * i) + 0.5)], names);
        plot.Axes.Margins(bottom: 0);
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "simulation", FillColor = Colors.SteelBlue });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "total (launch to exit)", FillColor = Colors.Orange });
        plot.ShowLegend(Alignment.UpperLeft);
        plot.Title("Heat2D + incremental PCA: time by coupling mode");
        plot.YLabel("seconds");
        plot.SavePng(path, 1200, 550);
    }

    private static string Percent(double ratio) => (100 * (ratio - 1)).ToString("+0.0;-0.0", CultureInfo.InvariantCulture) + " %";

    private static string F(double value, string unit) => $"{value.ToString(value < 10 ? "F2" : "F1", CultureInfo.InvariantCulture)} {unit}";

    /// <summary>Which build of the mini-app the runs launch: the one run_mpi.sh runs, or the plain build.</summary>
    internal static string Heat2DKind => Heat2D == Environment.GetEnvironmentVariable("DEISA_HEAT2D")
        ? $"as DEISA_HEAT2D names it ({Heat2D})"
        : "JIT-compiled build (set DEISA_HEAT2D to the ReadyToRun one, as bench/run_all.sh does)";

    /// <summary>
    /// The mini-app to launch: <c>DEISA_HEAT2D</c> when set (bench/run_all.sh sets the ReadyToRun build that
    /// run_mpi.sh runs, whose ranks start about twice as fast), else this configuration's build.
    /// </summary>
    private static string LocateHeat2D()
    {
        if (Environment.GetEnvironmentVariable("DEISA_HEAT2D") is { Length: > 0 } chosen)
        {
            return File.Exists(chosen) ? chosen : throw new FileNotFoundException($"DEISA_HEAT2D names {chosen}, which does not exist; run scripts/setup.sh's deisa_publish_heat2d (run_mpi.sh does) or unset it.", chosen);
        }

        var here = new DirectoryInfo(AppContext.BaseDirectory);
        string framework = here.Name;
        string configuration = here.Parent!.Name;
        DirectoryInfo root = here;
        while (root.Parent is not null && !File.Exists(Path.Combine(root.FullName, "Deisa.sln")))
        {
            root = root.Parent;
        }

        string path = Path.Combine(root.FullName, "src", "Deisa.Heat2D", "bin", configuration, framework, "Deisa.Heat2D.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build Deisa.Heat2D first (dotnet build Deisa.sln -c {configuration}).", path);
    }
}
