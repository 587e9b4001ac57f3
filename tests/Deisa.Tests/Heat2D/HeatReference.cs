using System.Globalization;
using Deisa.Core.Arrays;
using Deisa.Ml;
using PureHDF;

namespace Deisa.Tests.Heat2D;

/// <summary>What a Heat2D run must produce, computed densely from the serial field; and the run's configuration.</summary>
internal sealed record HeatCase(int Height, int Width, int Rows, int Cols, int Steps, int Inner, int AnalyticsRanks, string Mode, string Solver = "leading_k")
{
    /// <summary>Gets or sets what the analytics read: every n-th step, rows [R0, R1), columns [C0, C1).</summary>
    public (int Every, int R0, int R1, int C0, int C1)? Selection { get; init; }

    /// <summary>Gets the bound on steps in flight per simulation rank, or null for the default.</summary>
    public int? MaxStepsInFlight { get; init; }

    /// <summary>Gets the rolling mean's window, or null to leave it out.</summary>
    public int? RollingWindow { get; init; }

    /// <summary>Gets the stride the simulation ranks downsample by before shipping (the analytics then read that), 1 for none.</summary>
    public int Downsample { get; init; } = 1;

    /// <summary>Gets the steering threshold on the spatial mean's change, or null; with one, the analytics are the spatial and rolling means only.</summary>
    public double? StopBelow { get; init; }

    /// <summary>Gets the MiB a simulation rank may stage before its contract, or null for the default.</summary>
    public int? StagingMib { get; init; }

    /// <summary>Gets the MiB of copies in flight a simulation rank may send from (copy_budget_mib), or null for none.</summary>
    public int? CopyBudgetMib { get; init; }

    public int Ranks => (Rows * Cols) + (Mode is "deisa3" or "deisa1" ? AnalyticsRanks : 0);

    /// <summary>Writes the YAML configuration into <paramref name="folder"/>, with its output in a subfolder.</summary>
    public string Write(string folder) => WriteText(folder, string.Create(CultureInfo.InvariantCulture, $$"""
        size: {height: {{Height}}, width: {{Width}}}
        grid: {rows: {{Rows}}, cols: {{Cols}}}
        steps: {{Steps}}
        inner: {{Inner}}
        analytics_ranks: {{AnalyticsRanks}}
        mode: {{Mode}}
        arrays: [global_t]
        analytics:
        {{(StopBelow is null ? $"  - {{kind: ipca, n_components: 2, svd_solver: {Solver}}}" : string.Empty)}}
          - kind: spatial_mean
        {{(StopBelow is null ? "  - kind: time_derivative_mean" : string.Empty)}}
        {{(RollingWindow is { } window ? $"  - {{kind: rolling_mean, window: {window}}}" : string.Empty)}}
        output: {{Path.Combine(folder, "out")}}
        {{(Selection is { } sel ? $"selection: {{every: {sel.Every}, rows: [{sel.R0}, {sel.R1}], cols: [{sel.C0}, {sel.C1}]}}" : string.Empty)}}
        {{(MaxStepsInFlight is { } bound ? $"backpressure: {{max_steps_in_flight: {bound}, policy: block}}" : string.Empty)}}
        {{(Downsample > 1 ? $"downsample: {Downsample}" : string.Empty)}}
        {{(StopBelow is { } below ? $"stop_when_mean_change_below: {below:R}" : string.Empty)}}
        {{(StagingMib is { } mib ? $"staging_before_contract_mib: {mib}" : string.Empty)}}
        {{(CopyBudgetMib is { } copies ? $"copy_budget_mib: {copies}" : string.Empty)}}
        """));

    public static string WriteText(string folder, string yaml)
    {
        string path = Path.Combine(folder, "heat.yml");
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>Every published step's field, from the serial implementation.</summary>
    public double[][] Fields()
    {
        var field = new SerialHeatField(Height, Width);
        var fields = new double[Steps][];
        for (int t = 0; t < Steps; t++)
        {
            field.Advance(Inner);
            fields[t] = field.CopyBlock(0, 0, 1, 1);
        }

        return fields;
    }

    /// <summary>The array the analytics read, each step: the field, or every n-th row and column of it.</summary>
    public double[][] ReadFields(out int height, out int width)
    {
        int f = Downsample;
        (height, width) = ((Height + f - 1) / f, (Width + f - 1) / f);
        int w = width;
        return [.. Fields().Select(field => Enumerable.Range(0, w * ((Height + f - 1) / f)).Select(i => field[(i / w * f * Width) + (i % w * f)]).ToArray())];
    }

    /// <summary>The steps and windows the analytics read, from the serial field.</summary>
    public double[][] SelectedFields(out int height, out int width)
    {
        double[][] read = ReadFields(out int fullHeight, out int fullWidth);
        (int every, int r0, int r1, int c0, int c1) = Selection ?? (1, 0, fullHeight, 0, fullWidth);
        (height, width) = (r1 - r0, c1 - c0);
        int w = width;
        return [.. read.Where((_, t) => t % every == 0).Select(f => Enumerable.Range(r0, r1 - r0).SelectMany(y => f.AsSpan((y * fullWidth) + c0, w).ToArray()).ToArray())];
    }

    /// <summary>
    /// A steered run and the step its analytics must decide to stop at: the threshold falls between the spatial mean's
    /// changes at steps 20 and 21 of the serial run, so the analytics see it at step 21 and ask every rank to stop a few
    /// steps later, long before the 400 steps. No staging and a bound of 4 steps in flight: the simulation cannot run to
    /// the end before the analytics decide.
    /// </summary>
    public static HeatCase Steered(out int decided)
    {
        var probe = new HeatCase(Height: 16, Width: 16, Rows: 2, Cols: 1, Steps: 400, Inner: 2, AnalyticsRanks: 2, Mode: "deisa3");
        double[] means = [.. probe.Fields().Select(f => f.Average())];
        double[] changes = [.. means.Select((m, t) => t == 0 ? double.NaN : Math.Abs(m - means[t - 1]))];
        Assert.True(changes[21] < changes[20] * 0.999, $"The serial mean's changes do not fall at step 21: {changes[20]:R}, {changes[21]:R}.");
        double threshold = (changes[20] + changes[21]) / 2;
        decided = Array.FindIndex(changes, c => c < threshold);
        return probe with { StopBelow = threshold, MaxStepsInFlight = 4, StagingMib = 0, RollingWindow = 2 };
    }

    /// <summary>
    /// Checks a steered run (<see cref="Steered"/>): the summary names the decision and the step every rank stopped
    /// at, and what was planned over time ends with the steps run, each as the serial run gives it.
    /// </summary>
    public void AssertSteered(string stdout, string output, int decided)
    {
        System.Text.RegularExpressions.Match line = System.Text.RegularExpressions.Regex.Match(
            stdout, @"steering     the spatial mean changed by \S+ < \S+ at step (\d+): stop requested at step (\d+); every simulation rank ran (\d+) steps");
        Assert.True(line.Success, stdout);
        int stoppedAt = int.Parse(line.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.Equal(decided, int.Parse(line.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.Equal(stoppedAt, int.Parse(line.Groups[3].Value, CultureInfo.InvariantCulture));
        Assert.InRange(stoppedAt, decided + 1, Steps - 1);

        double[] means = [.. Fields().Select(f => f.Average())];
        using var file = H5File.OpenRead(Path.Combine(output, "results.h5"));
        double[] spatial = file.Dataset("spatial_mean").Read<double[]>();
        Assert.Equal(stoppedAt, spatial.Length);
        for (int t = 0; t < stoppedAt; t++)
        {
            Assert.True(Math.Abs(spatial[t] - means[t]) <= 1e-12 * Math.Abs(means[t]), $"spatial mean at step {t}: {spatial[t]:R}, serial {means[t]:R}");
        }

        Assert.Equal(stoppedAt, file.Dataset("rolling_mean").Read<double[]>().Length);
        using System.Text.Json.JsonDocument summary = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "simulation.json")));
        Assert.All(summary.RootElement.GetProperty("StepsByRank").EnumerateArray(), steps => Assert.Equal(stoppedAt, steps.GetInt32()));
    }

    /// <summary>Checks results.h5 against the dense computation of the same analytics.</summary>
    public void AssertResults(string output)
    {
        double[][] fields = SelectedFields(out int height, out int width);
        var pca = new InSituIncrementalPCA(2, svdSolver: Solver == "full" ? SvdSolver.Full : SvdSolver.LeadingK, randomState: 0);
        foreach (double[] field in fields)
        {
            pca.PartialFit(new NdArray([height, width], field));
        }

        using var file = H5File.OpenRead(Path.Combine(output, "results.h5"));
        IncrementalPcaState expected = pca.State!;
        Close(expected.SingularValues.Data, file.Dataset("ipca/singular_values").Read<double[]>(), 1e-10, "singular values");
        Close(expected.ExplainedVarianceRatio.Data, file.Dataset("ipca/explained_variance_ratio").Read<double[]>(), 1e-10, "explained variance ratio");
        Close(expected.Components.Data, Flat(file.Dataset("ipca/components").Read<double[,]>()), 1e-8, "components", absolute: true);
        Close(expected.Mean.Data, file.Dataset("ipca/mean").Read<double[]>(), 1e-12, "mean");

        double[] means = [.. fields.Select(f => f.Average())];
        Close(means, file.Dataset("spatial_mean").Read<double[]>(), 1e-12, "spatial mean");
        if (RollingWindow is { } window)
        {
            // Each step's value: the mean over every cell of the window's steps (the latest ones, fewer at the start).
            double[] rolling = [.. Enumerable.Range(0, fields.Length).Select(t => fields.Skip(Math.Max(0, t - window + 1)).Take(Math.Min(window, t + 1)).SelectMany(f => f).Average())];
            Close(rolling, file.Dataset("rolling_mean").Read<double[]>(), 1e-12, "rolling mean");
        }

        double[] trend = new double[height * width];
        for (int i = 0; i < trend.Length; i++)
        {
            trend[i] = Enumerable.Range(0, fields.Length - 1).Sum(t => fields[t + 1][i] - fields[t][i]) / (fields.Length - 1);
        }

        // Deisa1's analytics telescope the sum of differences: equal up to rounding of the field's magnitude (1e6).
        Close(trend, Flat(file.Dataset("time_derivative_mean").Read<double[,]>()), 1e-6, "time derivative mean", absolute: true);
    }

    /// <summary>Checks field.h5 against the serial field after the last step, bit for bit.</summary>
    public void AssertField(string output)
    {
        using var file = H5File.OpenRead(Path.Combine(output, "field.h5"));
        double[] actual = Flat(file.Dataset("temperature").Read<double[,]>());
        double[] expected = Fields()[^1];
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(
                BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(actual[i]),
                $"Cell ({i / Width}, {i % Width}) of a {Rows}x{Cols} run: {actual[i]:R}, serial {expected[i]:R}.");
        }
    }

    private static double[] Flat(double[,] values)
    {
        double[] flat = new double[values.Length];
        Buffer.BlockCopy(values, 0, flat, 0, flat.Length * sizeof(double));
        return flat;
    }

    private static void Close(double[] expected, double[] actual, double tolerance, string what, bool absolute = false)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]) / (absolute ? 1 : Math.Max(Math.Abs(expected[i]), 1e-300));
            Assert.True(error <= tolerance, $"{what}[{i}]: {actual[i]:R} vs {expected[i]:R} (error {error:E2} > {tolerance:E0}).");
        }
    }
}
