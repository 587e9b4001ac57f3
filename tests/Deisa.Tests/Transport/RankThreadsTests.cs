using System.Runtime;
using Deisa.Mpi;

namespace Deisa.Tests.Transport;

public sealed class RankThreadsTests
{
    private static CoreLayout TwoRanksOnTwoCores() => CoreLayout.From([[0b11UL], [0b11UL]], 0);

    [Fact]
    public void ToString_AnalyticsRoot_NamesSchedulerExecutorsPollingCollectorAndCores()
    {
        var threads = new RankThreads(RankRole.AnalyticsRoot, 2, gentlePolling: true, TwoRanksOnTwoCores(), wokenBy: 1);

        string gc = GCSettings.IsServerGC ? $"server GC with {threads.GcHeaps} heaps" : "workstation GC";
        Assert.StartsWith($"analytics root: scheduler thread, 2 executor threads, communication thread polling gently (woken by the node's other rank), {gc}", threads.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("; 2 ranks on the node's 2 cores; this one may use all 2, shared with 1 other rank", threads.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_SimulationRank_NoSchedulerNoExecutors()
    {
        var threads = new RankThreads(RankRole.Simulation, 0, gentlePolling: false, TwoRanksOnTwoCores(), wokenBy: 0);

        Assert.StartsWith("simulation rank: communication thread polling eagerly, ", threads.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("executor", threads.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Collector_IsWhatTheRuntimeRuns()
    {
        var threads = new RankThreads(RankRole.AnalyticsWorker, 1, gentlePolling: true, TwoRanksOnTwoCores(), wokenBy: 3);

        Assert.Equal(GCSettings.IsServerGC, threads.ServerGc);
        Assert.Equal(GC.GetConfigurationVariables()["ConcurrentGC"], threads.ConcurrentGc);
        Assert.Equal(threads.ConcurrentGc, threads.ToString().Contains("background collections", StringComparison.Ordinal));
        Assert.True(threads.GcHeaps >= 1);
        Assert.Contains("polling gently (woken by the node's 3 other ranks), ", threads.ToString(), StringComparison.Ordinal);
    }
}
