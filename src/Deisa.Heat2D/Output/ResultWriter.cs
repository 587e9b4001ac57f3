using Deisa.Core.Arrays;
using Deisa.Heat2D.Analytics;
using PureHDF;
using ScottPlot;

namespace Deisa.Heat2D.Output;

/// <summary>Writes results as HDF5 (h5py opens them) and pictures as PNG.</summary>
internal static class ResultWriter
{
    public const string FieldFile = "field.h5";
    public const string ResultsFile = "results.h5";

    /// <summary>The final temperature field: field.h5 (dataset "temperature", height × width) and temperature.png.</summary>
    public static void WriteField(string folder, double[] field, int height, int width)
    {
        new H5File { ["temperature"] = To2D(field, height, width) }.Write(Path.Combine(folder, FieldFile));
        Heatmap(field, height, width, "Temperature after the last step", "temperature.png", folder);
    }

    /// <summary>The analytics' results: results.h5 (one dataset per result) and a picture of each.</summary>
    public static void WriteAnalytics(string folder, AnalyticsResults r)
    {
        var file = new H5File();
        if (r.Components is { } components)
        {
            file["ipca"] = new H5Group
            {
                ["components"] = To2D(components.Data, components.Shape[0], components.Shape[1]),
                ["explained_variance"] = r.ExplainedVariance!.Data,
                ["explained_variance_ratio"] = r.ExplainedVarianceRatio!.Data,
                ["singular_values"] = r.SingularValues!.Data,
                ["mean"] = r.Mean!.Data,
                ["noise_variance"] = new[] { r.NoiseVariance ?? double.NaN },
                ["n_samples_seen"] = new[] { r.SamplesSeen ?? 0 },
            };
            PlotComponents(folder, components);
            PlotExplainedVariance(folder, r.ExplainedVarianceRatio.Data);
        }

        if (r.SpatialMean is { } means)
        {
            file["spatial_mean"] = means.Data;
            // A signal plot (evenly spaced points, drawn as each pixel column's range): a scatter of a million-step
            // run's means took 50 MiB and seconds at the end of the run, the root's peak memory.
            var plot = new Plot();
            plot.Add.Signal(means.Data);
            Save(plot, "Mean temperature of each step", "step", "mean temperature", Path.Combine(folder, "spatial_mean.png"));
        }

        if (r.RollingMean is { } rolling)
        {
            file["rolling_mean"] = rolling.Data;
            var plot = new Plot();
            plot.Add.Signal(rolling.Data);
            Save(plot, "Mean temperature over each step's window", "step", "rolling mean temperature", Path.Combine(folder, "rolling_mean.png"));
        }

        if (r.TimeDerivativeMean is { } trend)
        {
            file["time_derivative_mean"] = To2D(trend.Data, trend.Shape[0], trend.Shape[1]);
            Heatmap(trend.Data, trend.Shape[0], trend.Shape[1], "Mean over time of dT/dt, per cell", "time_derivative_mean.png", folder);
        }

        file.Write(Path.Combine(folder, ResultsFile));
    }

    private static void PlotComponents(string folder, NdArray components)
    {
        var plot = new Plot();
        int width = components.Shape[1];
        double[] y = [.. Enumerable.Range(0, width).Select(i => (double)i)];
        for (int c = 0; c < components.Shape[0]; c++)
        {
            var line = plot.Add.Scatter(y, components.Data.AsSpan(c * width, width).ToArray());
            line.LegendText = $"component {c + 1}";
            line.MarkerSize = 0;
        }

        plot.ShowLegend();
        Save(plot, "Principal components (samples: rows X, features: columns Y)", "Y (column)", "weight", Path.Combine(folder, "components.png"));
    }

    private static void PlotExplainedVariance(string folder, double[] ratio)
    {
        var plot = new Plot();
        plot.Add.Bars(ratio);
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, ratio.Length).Select(i => (double)i)], [.. Enumerable.Range(1, ratio.Length).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        plot.Axes.Margins(bottom: 0);
        Save(plot, "Explained variance ratio", "component", "fraction of the variance", Path.Combine(folder, "explained_variance.png"));
    }

    private static void Heatmap(double[] data, int height, int width, string title, string name, string folder)
    {
        var plot = new Plot();
        var map = plot.Add.Heatmap(To2D(data, height, width));
        plot.Add.ColorBar(map);
        Save(plot, title, "Y (column)", "X (row)", Path.Combine(folder, name));
    }

    private static void Save(Plot plot, string title, string x, string y, string path)
    {
        plot.Title(title);
        plot.XLabel(x);
        plot.YLabel(y);
        plot.SavePng(path, 800, 500);
    }

    private static double[,] To2D(double[] data, int rows, int cols)
    {
        double[,] result = new double[rows, cols];
        Buffer.BlockCopy(data, 0, result, 0, rows * cols * sizeof(double));
        return result;
    }
}
