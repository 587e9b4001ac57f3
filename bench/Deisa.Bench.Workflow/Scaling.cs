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
                RunResult alone = Median(new HeatLayout(height, width, r, c, steps, inner, analytics, "none"), repeat, root);
                RunResult coupled = Median(new HeatLayout(height, width, r, c, steps, inner, analytics, "deisa3"), repeat, root);
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
        foreach (string mode in (string[])["deisa3", "deisa1"])
        {
            RunResult run = Median(new HeatLayout(size * vr, size * vc, vr, vc, steps, inner, analytics, mode), repeat, root);
            for (int rank = 0; rank < run.CouplingMeanByRank.Length; rank++)
            {
                variability.Add([mode, rank.ToString(CultureInfo.InvariantCulture), $"{(1000 * run.CouplingMeanByRank[rank]).ToString("F3", CultureInfo.InvariantCulture)} ms", $"{(1000 * run.CouplingStdByRank[rank]).ToString("F3", CultureInfo.InvariantCulture)} ms"]);
            }
        }

        text.AppendLine($"Coupling time per step on each simulation rank ({vr}x{vc} grid, {size}x{size} per rank), mean and standard deviation over the steps");
        text.AppendLine();
        text.AppendLine(RunResult.Table(["mode", "simulation rank", "mean", "standard deviation"], variability));
        string report = Program.Header($"Heat2D scaling, {steps} steps of {inner} iterations, IPCA k=2; median of {repeat}", (vr * vc) + analytics) + "\n\n" + text;
        File.WriteAllText(Path.Combine(root, "scaling.md"), report);
        Console.WriteLine(report);
        return 0;
    }

    private static RunResult Median(HeatLayout layout, int repeat, string root)
    {
        var runs = new List<RunResult>();
        for (int i = 0; i < repeat; i++)
        {
            Console.Error.WriteLine($"{layout.Name} {layout.GridRows}x{layout.GridCols} {layout.Height}x{layout.Width}, run {i + 1}/{repeat}");
            runs.Add(layout.Run(Program.Heat2D, root));
        }

        return RunResult.Median(runs);
    }
}
