using System.Globalization;

namespace Deisa.Bench.Workflow;

/// <summary>Weak and strong scaling of the simulation alone and coupled (deisa3), and per-rank coupling variability (deisa3 against deisa1).</summary>
internal static class Scaling
{
    public static int Run(int size, int steps, int inner, int analytics, int repeat, int maxRanks, string root)
    {
        Directory.CreateDirectory(root);
        (int Rows, int Cols)[] all = [(1, 1), (2, 1), (2, 2)];
        (int Rows, int Cols)[] grids = [.. all.Where(g => g.Rows * g.Cols <= maxRanks)];
        var text = new System.Text.StringBuilder();
        foreach (bool weak in (bool[])[false, true])
        {
            var rows = new List<IEnumerable<string>>();
            foreach ((int r, int c) in grids)
            {
                // Strong: one global field for every grid. Weak: a size x size block per simulation rank.
                (int height, int width) = weak ? (size * r, size * c) : (size, size);
                (RunResult alone, RunResult coupled) = Interleaved(
                    new HeatLayout(height, width, r, c, steps, inner, analytics, "none"),
                    new HeatLayout(height, width, r, c, steps, inner, analytics, "deisa3"),
                    repeat,
                    root);
                rows.Add(
                [
                    $"{r}x{c}",
                    $"{height}x{width}",
                    $"{r * c} + {analytics}",
                    $"{alone.SimulationSeconds.ToString("F2", CultureInfo.InvariantCulture)} s",
                    $"{coupled.SimulationSeconds.ToString("F2", CultureInfo.InvariantCulture)} s",
                    (100 * ((coupled.SimulationSeconds / alone.SimulationSeconds) - 1)).ToString("+0.0;-0.0", CultureInfo.InvariantCulture) + " %",
                    $"{coupled.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture)} s",
                ]);
            }

            text.AppendLine(weak ? $"Weak scaling: a {size}x{size} block per simulation rank" : $"Strong scaling: a {size}x{size} field");
            text.AppendLine();
            text.AppendLine(RunResult.Table(["grid", "field", "ranks (simulation + analytics)", "simulation, none", "simulation, deisa3", "overhead", "total, deisa3"], rows));
        }

        // Variability: per rank, the coupling time per step over the run, on the largest grid.
        (int vr, int vc) = grids[^1];
        var variability = new List<IEnumerable<string>>();
        (RunResult deisa3, RunResult deisa1) = Interleaved(
            new HeatLayout(size * vr, size * vc, vr, vc, steps, inner, analytics, "deisa3"),
            new HeatLayout(size * vr, size * vc, vr, vc, steps, inner, analytics, "deisa1"),
            repeat,
            root);
        foreach ((string mode, RunResult run) in (IEnumerable<(string, RunResult)>)[("deisa3", deisa3), ("deisa1", deisa1)])
        {
            for (int rank = 0; rank < run.SteadyCouplingMeanByRank.Length; rank++)
            {
                variability.Add([mode, rank.ToString(CultureInfo.InvariantCulture), $"{(1000 * run.SteadyCouplingMeanByRank[rank]).ToString("F3", CultureInfo.InvariantCulture)} ms", $"{(1000 * run.SteadyCouplingStdByRank[rank]).ToString("F3", CultureInfo.InvariantCulture)} ms"]);
            }
        }

        text.AppendLine($"Coupling time per step on each simulation rank ({vr}x{vc} grid, {size}x{size} per rank), mean and standard deviation over the steps between the first (contract) and the last (drain)");
        text.AppendLine();
        text.AppendLine(RunResult.Table(["mode", "simulation rank", "mean", "standard deviation"], variability));
        string report = Program.Header($"Heat2D scaling, {steps} steps of {inner} iterations, IPCA k=2; median of {repeat}", (vr * vc) + analytics) + "\n\n" + text;
        File.WriteAllText(Path.Combine(root, "scaling.md"), report);
        Console.WriteLine(report);
        return 0;
    }

    /// <summary>Runs two layouts alternately (the machine's slow spells fall on both), and returns each one's median run.</summary>
    private static (RunResult First, RunResult Second) Interleaved(HeatLayout first, HeatLayout second, int repeat, string root)
    {
        var runs = (First: new List<RunResult>(), Second: new List<RunResult>());
        for (int i = 0; i < repeat; i++)
        {
            foreach ((HeatLayout layout, List<RunResult> into) in (IEnumerable<(HeatLayout, List<RunResult>)>)[(first, runs.First), (second, runs.Second)])
            {
                Console.Error.WriteLine($"{layout.Name} {layout.GridRows}x{layout.GridCols} {layout.Height}x{layout.Width}, run {i + 1}/{repeat}");
                into.Add(layout.Run(Program.Heat2D, root));
            }
        }

        return (RunResult.Median(runs.First), RunResult.Median(runs.Second));
    }
}
