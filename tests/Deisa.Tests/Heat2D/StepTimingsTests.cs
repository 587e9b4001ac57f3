using CsCheck;
using Deisa.Heat2D.Output;
using Deisa.Heat2D.Simulation;

namespace Deisa.Tests.Heat2D;

/// <summary>A rank's streaming step timings against the same statistics computed from every step kept in a list.</summary>
public sealed class StepTimingsTests
{
    /// <summary>Seconds over 9 decades, log-uniform, and now and then 0 (two clock reads within one tick).</summary>
    private static readonly Gen<double> s_seconds = Gen.Select(Gen.Double[-8, 1], Gen.Int[0, 19], (exponent, zero) => zero == 0 ? 0 : Math.Pow(10, exponent));

    /// <summary>A run: (compute, coupling) per step, then the wait for the last publication.</summary>
    private static readonly Gen<((double Compute, double Coupling)[] Steps, double Drain)> s_run =
        Gen.Select(Gen.Select(s_seconds, s_seconds).Array[1, 400], s_seconds);

    [Fact]
    public void Summarise_RandomRuns_MatchesAPlainList()
    {
        s_run.Sample((steps, drain) =>
        {
            var timings = new StepTimings();
            foreach ((double computeSeconds, double couplingSeconds) in steps)
            {
                timings.Add(computeSeconds, couplingSeconds);
            }

            timings.AddToLast(drain);
            RankTimings summary = timings.Summarise();

            double[] coupling = [.. steps.Select(s => s.Coupling)];
            coupling[^1] += drain;
            double[] steady = coupling.Length > 2 ? coupling[1..^1] : coupling;
            Assert.Equal(steps.Length, summary.Steps);
            Assert.Equal(coupling[0], summary.FirstCouplingSeconds);
            Assert.Equal(coupling[^1], summary.LastCouplingSeconds);
            Assert.Equal(steps.Sum(s => s.Compute), summary.ComputeSecondsTotal, 1e-12);
            Assert.Equal(coupling.Sum(), summary.CouplingSecondsTotal, 1e-12);
            Assert.Equal(coupling.Average(), summary.CouplingMean, 1e-12);
            Assert.Equal(Std(coupling), summary.CouplingStd, 1e-12);
            Assert.Equal(steady.Average(), summary.SteadyCouplingMean, 1e-12);
            Assert.Equal(Std(steady), summary.SteadyCouplingStd, 1e-12);

            double median = steady.Order().ElementAt(steady.Length / 2);
            if (coupling.Length <= 2)
            {
                // No histogram: the first and the last are kept exactly.
                Assert.Equal(median, summary.SteadyCouplingMedian);
            }
            else if (median < StepTimings.LowestSeconds)
            {
                Assert.Equal(0, summary.SteadyCouplingMedian);
            }
            else
            {
                // The bin's geometric centre is at most half a bin, in log scale, from any value in it.
                double bins = StepTimings.BinsPerOctave * Math.Abs(Math.Log2(summary.SteadyCouplingMedian / median));
                Assert.True(bins <= 0.5 + 1e-9, $"median {summary.SteadyCouplingMedian} s is {bins:F3} bins from the exact {median} s");
            }
        }, iter: 500, threads: 1);
    }

    [Fact]
    public void Add_ManySteps_AllocatesNothing()
    {
        var timings = new StepTimings();
        timings.Add(1e-3, 1e-5);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int t = 0; t < 100_000; t++)
        {
            timings.Add(1e-3, 1e-6 * (1 + (t % 1000)));
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(100_001, timings.Count);
    }

    [Fact]
    public void AddToLast_NoStep_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => new StepTimings().AddToLast(1));
    }

    [Fact]
    public void Summary_TwoRanks_SlowestRanksFiguresAndRoundTrip()
    {
        RankTimings fast = new(10, 0.5, 0.02, 1.0, 0.6, 0.06, 0.15, 0.01, 0.001, 0.009);
        RankTimings slow = new(10, 0.4, 0.03, 2.0, 0.7, 0.07, 0.12, 0.02, 0.002, 0.018);
        double[] wire = new double[RankTimings.Length];
        slow.Write(wire);
        Assert.Equal(slow, RankTimings.Read(wire));

        SimulationReport[] reports = [new(0, fast, new ShippingStatistics(1, 2, 3, 4)), new(1, slow, new ShippingStatistics(5, 6, 7, 8))];
        var summary = SimulationSummary.From(reports, "none", 8, 8, 1, 2, 1, 3.0);
        Assert.Equal(10, summary.Steps);
        Assert.Equal(0.2, summary.ComputeSecondsPerStep, 1e-15);
        Assert.Equal(0.07, summary.CouplingSecondsPerStep);
        Assert.Equal(0.7, summary.CouplingSecondsTotal);
        Assert.Equal(0.5, summary.FirstCouplingSeconds);
        Assert.Equal(0.03, summary.LastCouplingSeconds);
        Assert.Equal(0.018, summary.SteadyCouplingSeconds);
        Assert.Equal([0.06, 0.07], summary.CouplingMeanByRank);
        Assert.Equal([0.001, 0.002], summary.SteadyCouplingStdByRank);
        Assert.Equal(6, summary.BlocksShipped);

        string folder = Directory.CreateTempSubdirectory("deisa-summary-").FullName;
        try
        {
            summary.Write(folder);
            SimulationSummary? read = SimulationSummary.Read(folder);
            Assert.NotNull(read);
            Assert.Equal(summary.CouplingSecondsTotal, read.CouplingSecondsTotal);
            Assert.Equal(summary.SteadyCouplingSeconds, read.SteadyCouplingSeconds);
            Assert.Equal(summary.SteadyCouplingMeanByRank, read.SteadyCouplingMeanByRank);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static double Std(double[] values)
    {
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
    }
}
