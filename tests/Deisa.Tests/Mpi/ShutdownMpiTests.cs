namespace Deisa.Tests.Mpi;

/// <summary>
/// Jobs end with nothing left in flight: every message a rank sent is received before MPI finalizes. (Every job
/// the suite runs is checked for MPI's "was not matched" warning; these are the cases that printed it.)
/// </summary>
[Collection(MpiCollection.Name)]
public sealed class ShutdownMpiTests
{
    [Theory]
    [InlineData(3, 1)]
    [InlineData(4, 2)]
    public void ReleaseNoticesReachingFinishedSimulationRanks_ReceivedBeforeFinalize(int ranks, int analytics)
    {
        MpiResult result = MpiJob.Run(ranks, "shutdown", "--analytics", analytics.ToString(System.Globalization.CultureInfo.InvariantCulture), "--steps", "3", "--linger", "800");

        Assert.True(result.ExitCode == 0, result.ToString());
        result.AssertChecksPass(3 * (ranks - analytics));
        Assert.Equal(ranks - analytics, result.Lines("SIM").Count());
        Assert.DoesNotContain("unexpected tag-receive", result.Stderr, StringComparison.Ordinal);

        // The case happened (releases reached simulation ranks that had stopped sending), and nothing was left behind.
        Dictionary<string, string>[] ranksSeen = [.. result.Lines("SHUTDOWN").Select(l => l.Split(' ').Skip(1).Select(f => f.Split('=')).ToDictionary(f => f[0], f => f[1]))];
        Assert.Equal(ranks, ranksSeen.Length);
        Assert.All(ranksSeen, r => Assert.Equal("0", r["unreceived"]));
        Assert.True(ranksSeen.Where(r => r["simulation"] == "True").Sum(r => long.Parse(r["late"], System.Globalization.CultureInfo.InvariantCulture)) > 0, result.ToString());
    }

    [Fact]
    public void Sim1_Analytics1_ShippingBenchmark_RevocationCrossingTheSimulationsEnd_ReceivedBeforeFinalize()
    {
        // The analytics revoke the contract as they end, while the simulation's finish is on its way: the revocation
        // reached a rank that had stopped receiving, and UCX warned at MPI_Finalize.
        for (int run = 0; run < 2; run++)
        {
            MpiResult result = MpiJob.RunProgram(2, MpiJob.MpiBenchmark, "shipping", "--rounds", "1", "--sizes", "65536,1048576", "--volume", "4194304");

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("| 64 KiB |", result.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("unexpected tag-receive", result.Stderr, StringComparison.Ordinal);
        }
    }
}
