using System.Diagnostics;
using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Core.Streaming;
using Deisa.Ml;

namespace Deisa.Heat2D.Analytics;

/// <summary>
/// The in-transit analytics of the mini-app, in the shape of the original Deisa script: copy this class and change
/// it. It runs on analytics rank 0, before the simulation's data exists: it describes the whole computation over
/// every step, validates the contract (from then on the simulation ships exactly the blocks these graphs read),
/// then waits for the results.
/// </summary>
/// <param name="ipca">The incremental PCA's estimator, or null to skip it.</param>
/// <param name="spatialMean">Whether to compute the mean temperature of each step.</param>
/// <param name="timeDerivativeMean">Whether to compute, per cell, the mean over time of the time derivative.</param>
/// <param name="selection">What to read: every n-th step of a window of rows and columns (all of it by default).</param>
/// <param name="rollingWindow">The steps the rolling mean averages over (a window callback), or 0 to skip it.</param>
public sealed class HeatAnalytics(InSituIncrementalPCA? ipca, bool spatialMean, bool timeDerivativeMean, Selection? selection = null, int rollingWindow = 0)
{
    /// <summary>Runs the analytics (Deisa3 coupling: external tasks and a contract).</summary>
    /// <param name="client">The client on analytics rank 0.</param>
    /// <returns>The results.</returns>
    public AnalyticsResults Run(DeisaClient client)
    {
        ArgumentNullException.ThrowIfNull(client);

        // The simulation's arrays, as lazy arrays over space and time: nothing is shipped yet.
        var setup = Stopwatch.StartNew();
        DeisaArrays arrays = client.GetArrays();
        double arraysSeconds = setup.Elapsed.TotalSeconds;

        // The slice the analytics read, for example gt[Slice.Every(10), 0..128, ..]: only its blocks are shipped.
        Selection s = selection ?? Selection.All;
        DeisaArray gt = arrays[HeatArrays.Field][Slice.Every(s.Every), s.Rows, s.Cols];

        // Incremental PCA, one partial fit per step: rows (X) are samples, columns (Y) features.
        ipca?.Fit(gt, dims: ["t", "X", "Y"], samples: ["X"], features: ["Y"]);
        using PersistedArray? means = spatialMean ? gt.Mean("X", "Y").Persist() : null;
        using PersistedArray? trend = timeDerivativeMean ? gt.Diff("t").Mean("t").Persist() : null;

        // The streaming way: a callback at each step over the latest steps (deisa-dask's Window), here the mean
        // temperature of the last rollingWindow steps. It holds those steps on the workers, nothing more.
        double[]? rolling = rollingWindow > 0 ? new double[gt.Shape[0]] : null;
        int called = 0;
        using WindowRegistration? rollingMean = rolling is null ? null : client.Register(
            step => rolling[called++] = step[0].Mean().Compute().Data[0],
            [new Window(gt, rollingWindow)],
            new WindowCallbackOptions { Name = "rolling_mean" });

        // The contract: exactly the blocks the graphs above read. The simulation starts shipping now.
        client.ValidateContract();
        var clock = Stopwatch.StartNew();
        var results = new AnalyticsResults { DeclarationsSeconds = arraysSeconds, ContractSeconds = setup.Elapsed.TotalSeconds - arraysSeconds };
        if (ipca is not null)
        {
            results.ReadPca(ipca);
        }

        results.SpatialMean = means?.Result();
        results.TimeDerivativeMean = trend?.Result();
        rollingMean?.Wait();
        results.RollingMean = rolling is null ? null : new NdArray([rolling.Length], rolling);
        results.Seconds = clock.Elapsed.TotalSeconds;
        return results;
    }
}
