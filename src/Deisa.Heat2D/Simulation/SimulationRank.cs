using System.Diagnostics;
using Deisa.Core.Diagnostics;

namespace Deisa.Heat2D.Simulation;

/// <summary>One simulation rank's run: <c>inner</c> iterations per step, then the step is published.</summary>
internal static class SimulationRank
{
    /// <summary>
    /// Runs every step; the field is published straight from its buffer, which the block lends (it is not written
    /// again until the publication completes, while the stencil goes on in the two other buffers), so a publication
    /// has a whole step to complete before the next one waits for it. Does not finish the sink: the caller does, once
    /// it has reported (the analytics may end as soon as every rank finished).
    /// </summary>
    /// <param name="block">The rank's block.</param>
    /// <param name="halo">Fills the ghosts before each iteration.</param>
    /// <param name="sink">Takes each step.</param>
    /// <param name="steps">Steps to run.</param>
    /// <param name="inner">Iterations per step.</param>
    /// <param name="publishTimeout">How long a publication may take before the run fails.</param>
    /// <param name="stepDone">Called after each step, with its index (progress).</param>
    /// <param name="stop">Asked before each step whether to stop there (the analytics' steering); every rank gets the same answer at the same step.</param>
    public static SimulationReport Run(HeatBlock block, IHaloExchange halo, IStepSink sink, int steps, int inner, TimeSpan publishTimeout, Action<int>? stepDone = null, Func<int, bool>? stop = null)
    {
        var timings = new StepTimings();
        var clock = new Stopwatch();
        StepPublication inFlight = default;
        TimeSpan firstPause = TimeSpan.Zero;
        TimeSpan firstCpu = TimeSpan.Zero;
        for (int t = 0; t < steps; t++)
        {
            if (stop?.Invoke(t) == true)
            {
                break;
            }

            clock.Restart();
            for (int i = 0; i < inner; i++)
            {
                halo.Exchange(block);
                block.Iterate();
            }

            double compute = clock.Elapsed.TotalSeconds;
            TimeSpan paused = t == 0 ? GC.GetTotalPauseDuration() : TimeSpan.Zero;
            TimeSpan cpu = t == 0 ? ThreadClock.Now() : TimeSpan.Zero;
            clock.Restart();
            if (block.HasLent)
            {
                // Zero copy: the previous step's buffer may still be on its way to a worker.
                Wait(inFlight, publishTimeout, t - 1);
                block.GiveBack();
            }

            block.Lend();
            inFlight = sink.Publish(t, block);
            timings.Add(compute, clock.Elapsed.TotalSeconds);
            if (t == 0)
            {
                // What of the first publication the garbage collector took (the whole process is paused then).
                firstPause = GC.GetTotalPauseDuration() - paused;
                firstCpu = ThreadClock.Now() - cpu;
            }

            stepDone?.Invoke(t);
        }

        clock.Restart();
        Wait(inFlight, publishTimeout, steps - 1);
        block.GiveBack();

        // A run shorter than the analytics' set-up has published everything before the contract: its statistics
        // count what was shipped once the contract said, and its last step waited for that.
        sink.Settle();
        timings.AddToLast(clock.Elapsed.TotalSeconds);
        return new SimulationReport(block.Place.Rank, timings.Summarise(), sink.Statistics, firstPause.TotalSeconds, firstCpu.TotalSeconds);
    }

    private static void Wait(StepPublication publication, TimeSpan timeout, int step)
    {
        if (!publication.Wait(timeout))
        {
            throw new TimeoutException($"Publishing step {step} took more than {timeout.TotalSeconds:0} s: are the analytics ranks alive?");
        }
    }
}

/// <summary>What one simulation rank did.</summary>
/// <param name="Rank">The simulation rank.</param>
/// <param name="Timings">Its compute and coupling over the steps, in a fixed size whatever their number.</param>
/// <param name="Shipped">What was shipped.</param>
/// <param name="FirstCouplingGcPauseSeconds">The garbage collector's pauses during the first step's coupling.</param>
/// <param name="FirstCouplingCpuSeconds">The CPU time the simulation thread used in the first step's coupling: the rest of it the thread waited or was descheduled.</param>
internal sealed record SimulationReport(int Rank, RankTimings Timings, ShippingStatistics Shipped, double FirstCouplingGcPauseSeconds = 0, double FirstCouplingCpuSeconds = 0);
