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
public sealed class HeatAnalyticsDeisa1(InSituIncrementalPCA? ipca, bool spatialMean, bool timeDerivativeMean)
{
    /// <summary>Runs the analytics step by step.</summary>
    /// <param name="client">The client on analytics rank 0.</param>
    /// <returns>The results.</returns>
    public AnalyticsResults Run(DeisaClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        DeisaArrays arrays = client.GetArrays();
        DeisaArray gt = arrays[HeatArrays.Field];
        ArrayLayout layout = arrays.Layout(HeatArrays.Field);
        int steps = layout.Steps;
        var clock = Stopwatch.StartNew();
        var results = new AnalyticsResults();
        var means = new List<PersistedArray>();
        List<Future<object>> first = [];
        for (int t = 0; t < steps; t++)
        {
            // Deisa1: the blocks of step t exist for the analytics once the simulation announced them; holding their
            // futures keeps them until this step's work is submitted.
            List<Future<object>> blocks = [.. Blocks(layout).Select(b => client.WaitForBlockAsync<object>(layout.KeyOf(t, b)).GetAwaiter().GetResult())];
            ipca?.FitStep(gt, t, dims: ["t", "X", "Y"], samples: ["X"], features: ["Y"]);
            if (spatialMean)
            {
                means.Add(gt[t..(t + 1), .., ..].Mean("X", "Y").Persist(createExternal: false));
            }

            // The mean of the time derivative telescopes to (last − first) / (steps − 1): keep the first and last steps.
            if (timeDerivativeMean && t == 0)
            {
                first = blocks;
            }
            else if (timeDerivativeMean && t == steps - 1)
            {
                using PersistedArray trend = ((gt[t..(t + 1), .., ..] - gt[0..1, .., ..]) / (steps - 1)).Persist(createExternal: false);
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
            results.SpatialMean = new NdArray([steps], [.. means.Select(m => m.Result().Data[0])]);
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
