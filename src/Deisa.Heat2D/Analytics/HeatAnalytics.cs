using System.Diagnostics;
using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Core.Errors;
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
/// <param name="rollingCalls">How many of the rolling mean's calls may run at once: each step's mean is its own, so they may overlap.</param>
/// <param name="array">The array to read: the simulation's field, or the downsample its ranks compute (<c>global_t_coarse</c>).</param>
/// <param name="stopWhenMeanChangeBelow">
/// Steering: stop the simulation once the spatial mean of a step read differs from the previous one's by less than
/// this (0 never stops). The field must then be declared open-ended, so that what is planned over time ends with the
/// steps run.
/// </param>
public sealed class HeatAnalytics(
    InSituIncrementalPCA? ipca, bool spatialMean, bool timeDerivativeMean, Selection? selection = null, int rollingWindow = 0, string array = "global_t", double stopWhenMeanChangeBelow = 0, int rollingCalls = 1)
{
    // A stop request goes this many steps past the step it was decided at, and that much further each time some rank
    // had already passed it: the simulation runs ahead of the analytics by up to its bound on steps in flight.
    private const int StopAhead = 4;
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
        DeisaArray gt = arrays[array][Slice.Every(s.Every), s.Rows, s.Cols];

        // Incremental PCA, one partial fit per step: rows (X) are samples, columns (Y) features.
        ipca?.Fit(gt, dims: ["t", "X", "Y"], samples: ["X"], features: ["Y"]);
        using PersistedArray? means = spatialMean ? gt.Mean("X", "Y").Persist() : null;
        using PersistedArray? trend = timeDerivativeMean ? gt.Diff("t").Mean("t").Persist() : null;

        // The streaming way: a callback at each step over the latest steps (deisa-dask's Window), here the mean
        // temperature of the last rollingWindow steps. It holds those steps on the workers, nothing more. Each step's
        // mean depends on no other, so up to rollingCalls calls overlap: one call's round trips to the workers then
        // run while the next computes, as a per-step graph's steps do. Calls start in step order, so each takes its
        // place in the results before its first await.
        List<double>? rolling = rollingWindow > 0 ? [] : null;
        using WindowRegistration? rollingMean = rolling is null ? null : client.RegisterAsync(
            async step =>
            {
                int place;
                lock (rolling)
                {
                    place = rolling.Count;
                    rolling.Add(double.NaN);
                }

                double mean = (await step[0].Mean().ComputeAsync(step.Cancellation).ConfigureAwait(false)).Data[0];
                lock (rolling)
                {
                    rolling[place] = mean;
                }
            },
            [new Window(gt, rollingWindow)],
            new WindowCallbackOptions { Name = "rolling_mean", MaxConcurrency = rollingCalls }).GetAwaiter().GetResult();

        // Steering: each step's mean against the previous one's; once the change is below the threshold, every
        // simulation rank is asked to stop at the same step.
        var results = new AnalyticsResults();
        double previous = double.NaN;
        using WindowRegistration? stopper = stopWhenMeanChangeBelow <= 0 ? null : client.Register(
            step =>
            {
                double mean = step[0].Mean().Compute().Data[0];
                double change = Math.Abs(mean - previous);
                previous = mean;
                if (results.StopDecidedAt is null && change < stopWhenMeanChangeBelow)
                {
                    results.StopDecidedAt = step.Step;
                    results.StopChange = change;
                    results.StopRequestedAt = RequestStop(client, (step.Step * s.Every) + StopAhead);
                }
            },
            [new Window(gt, 1)],
            new WindowCallbackOptions { Name = "stop_when_mean_change_below" });

        // The contract: exactly the blocks the graphs above read. The simulation starts shipping now.
        client.ValidateContract();
        var clock = Stopwatch.StartNew();
        results.DeclarationsSeconds = arraysSeconds;
        results.ContractSeconds = setup.Elapsed.TotalSeconds - arraysSeconds;
        if (ipca is not null)
        {
            results.ReadPca(ipca);
        }

        results.SpatialMean = means?.Result();
        results.TimeDerivativeMean = trend?.Result();
        rollingMean?.Wait();
        stopper?.Wait();
        results.RollingMean = rolling is null ? null : new NdArray([rolling.Count], [.. rolling]);
        results.Seconds = clock.Elapsed.TotalSeconds;
        return results;
    }

    /// <summary>Asks every simulation rank to stop at <paramref name="step"/>, or at a later step if some rank already passed it.</summary>
    /// <returns>The step they stop at.</returns>
    private static int RequestStop(DeisaClient client, int step)
    {
        // The ranks run at most their bound on steps in flight ahead: a few tries reach past them.
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            try
            {
                client.RequestStop(step);
                return step;
            }
            catch (SteeringTooLateException)
            {
                step += StopAhead;
            }
        }

        throw new DeisaException($"The simulation ranks stayed ahead of every stop request up to step {step}: is a bound on steps in flight set (backpressure)?");
    }
}
