using System.Globalization;
using Deisa.Core.Arrays;
using Deisa.Ml;
using PureHDF;

namespace Deisa.Tests.Heat2D;

/// <summary>What a Heat2D run must produce, computed densely from the serial field; and the run's configuration.</summary>
internal sealed record HeatCase(int Height, int Width, int Rows, int Cols, int Steps, int Inner, int AnalyticsRanks, string Mode, string Solver = "leading_k")
{
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
          - kind: ipca
            n_components: 2
            svd_solver: {{Solver}}
          - kind: spatial_mean
          - kind: time_derivative_mean
        output: {{Path.Combine(folder, "out")}}
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

    /// <summary>Checks results.h5 against the dense computation of the same analytics.</summary>
    public void AssertResults(string output)
    {
        double[][] fields = Fields();
        var pca = new InSituIncrementalPCA(2, svdSolver: Solver == "full" ? SvdSolver.Full : SvdSolver.LeadingK, randomState: 0);
        foreach (double[] field in fields)
        {
            pca.PartialFit(new NdArray([Height, Width], field));
        }

        using var file = H5File.OpenRead(Path.Combine(output, "results.h5"));
        IncrementalPcaState expected = pca.State!;
        Close(expected.SingularValues.Data, file.Dataset("ipca/singular_values").Read<double[]>(), 1e-10, "singular values");
        Close(expected.ExplainedVarianceRatio.Data, file.Dataset("ipca/explained_variance_ratio").Read<double[]>(), 1e-10, "explained variance ratio");
        Close(expected.Components.Data, Flat(file.Dataset("ipca/components").Read<double[,]>()), 1e-8, "components", absolute: true);
        Close(expected.Mean.Data, file.Dataset("ipca/mean").Read<double[]>(), 1e-12, "mean");

        double[] means = [.. fields.Select(f => f.Average())];
        Close(means, file.Dataset("spatial_mean").Read<double[]>(), 1e-12, "spatial mean");
        double[] trend = new double[Height * Width];
        for (int i = 0; i < trend.Length; i++)
        {
            trend[i] = Enumerable.Range(0, Steps - 1).Sum(t => fields[t + 1][i] - fields[t][i]) / (Steps - 1);
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
