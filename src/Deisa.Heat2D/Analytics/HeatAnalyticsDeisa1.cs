using System.Diagnostics;
using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Ml;

namespace Deisa.Heat2D.Analytics;

/// <summary>
/// The same analytics as <see cref="HeatAnalytics"/>, the way Deisa1 couples: the simulation announces and ships
/// every block every step, and the analytics submit each step's work once its blocks are announced.
/// </summary>
/// <param name="ipca">The incremental PCA's estimator, or null to skip it.</param>
/// <param name="spatialMean">Whether to compute the mean temperature of each step.</param>
/// <param name="timeDerivativeMean">Whether to compute, per cell, the mean over time of the time derivative.</param>
/// <param name="selection">What to read: every n-th step of a window of rows and columns (all of it by default).</param>
public sealed class HeatAnalyticsDeisa1(InSituIncrementalPCA? ipca, bool spatialMean, bool timeDerivativeMean, Selection? selection = null)
{
    /// <summary>Runs the analytics step by step.</summary>
    /// <param name="client">The client on analytics rank 0.</param>
    /// <returns>The results.</returns>
    public AnalyticsResults Run(DeisaClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        DeisaArrays arrays = client.GetArrays();
        ArrayLayout layout = arrays.Layout(HeatArrays.Field);
        Selection s = selection ?? Selection.All;
        DeisaArray gt = arrays[HeatArrays.Field][Slice.Every(s.Every), s.Rows, s.Cols];
        int selected = (int)gt.Shape[0];
        var clock = Stopwatch.StartNew();
        var results = new AnalyticsResults();
        var means = new List<PersistedArray>();
        List<Future<object>> first = [];
        for (int t = 0; t < layout.Steps; t++)
        {
            // Deisa1: every block of every step is announced, and held for the client until it takes it; taking
            // it and disposing the future releases the blocks no analytic reads.
            List<Future<object>> blocks = [.. Blocks(layout).Select(b => client.WaitForBlockAsync<object>(layout.KeyOf(t, b)).GetAwaiter().GetResult())];
            if (t % s.Every != 0)
            {
                Release(blocks);
                continue;
            }

            int k = t / s.Every;
            ipca?.FitStep(gt, k, dims: ["t", "X", "Y"], samples: ["X"], features: ["Y"]);
            if (spatialMean)
            {
                means.Add(gt[k..(k + 1), .., ..].Mean("X", "Y").Persist(createExternal: false));
            }

            // The mean of the time derivative telescopes to (last − first) / (selected − 1): keep the first step.
            if (timeDerivativeMean && k == 0)
            {
                first = blocks;
            }
            else if (timeDerivativeMean && k == selected - 1)
            {
                using PersistedArray trend = ((gt[k..(k + 1), .., ..] - gt[0..1, .., ..]) / (selected - 1)).Persist(createExternal: false);
                Release(first);
                Release(blocks);
                NdArray value = trend.Result();
                results.TimeDerivativeMean = new NdArray([value.Shape[1], value.Shape[2]], value.Data);
            }
            else
            {
                Release(blocks);
            }
        }

        if (ipca is not null)
        {
            results.ReadPca(ipca);
        }

        if (spatialMean)
        {
            results.SpatialMean = new NdArray([selected], [.. means.Select(m => m.Result().Data[0])]);
            means.ForEach(m => m.Dispose());
        }

        results.Seconds = clock.Elapsed.TotalSeconds;
        return results;
    }

    private static IEnumerable<int[]> Blocks(ArrayLayout layout)
    {
        for (int by = 0; by < layout.BlockGrid[0]; by++)
        {
            for (int bx = 0; bx < layout.BlockGrid[1]; bx++)
            {
                yield return [by, bx];
            }
        }
    }

    private static void Release(List<Future<object>> blocks)
    {
        foreach (Future<object> block in blocks)
        {
            block.Dispose();
        }
    }
}
