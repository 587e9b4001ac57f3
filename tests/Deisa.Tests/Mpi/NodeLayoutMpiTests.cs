using System.Globalization;

namespace Deisa.Tests.Mpi;

/// <summary>
/// What each rank finds of its node's cores decides how its communication thread polls: checked without binding, with
/// each rank bound to a core, and on two nodes (MPICH's launcher makes one machine look like two, with no shared
/// memory between them), where blocks and the analytics' messages cross between the nodes.
/// </summary>
[Collection(MpiCollection.Name)]
public sealed class NodeLayoutMpiTests
{
    private static Dictionary<string, int>[] Cores(MpiResult result, int ranks) => Lines(result, "CORES", ranks);

    private static Dictionary<string, int>[] Lines(MpiResult result, string prefix, int ranks)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        Dictionary<string, int>[] lines = [.. result.Lines(prefix)
            .Select(l => l.Split(' ').Skip(1).Select(f => f.Split('=')).ToDictionary(f => f[0], f => f[1] switch { "True" => 1, "False" => 0, string n => int.Parse(n, CultureInfo.InvariantCulture) }))
            .OrderBy(f => f["rank"])];
        Assert.True(lines.Length == ranks, result.ToString());
        return lines;
    }

    [Fact]
    public void Unbound_EveryRankMayRunOnEveryCore_AllCountEachOther()
    {
        // What this test process may use is what an unbound rank it launches inherits.
        int cores = Deisa.Mpi.Native.Affinity.Mask().Sum(word => System.Numerics.BitOperations.PopCount(word));

        Dictionary<string, int>[] ranks = Cores(MpiJob.RunLaunched(["-bind-to", "none"], 2, "cores"), 2);

        foreach (Dictionary<string, int> rank in ranks)
        {
            Assert.Equal((2, cores, cores, 2, cores), (rank["node_ranks"], rank["node_cores"], rank["cores"], rank["sharing"], rank["shared_cores"]));
            Assert.Equal(4 > cores ? 1 : 0, rank["gentle"]);
            Assert.Equal(1, rank["woken_by"]);
        }
    }

    [Fact]
    public void Doorbell_RanksOfANodeWakeEachOther_ThePipesLeaveNothingBehind()
    {
        string temporary = Directory.CreateTempSubdirectory("deisa-test-").FullName;
        try
        {
            MpiResult result = MpiJob.RunProcess(
                "mpiexec.mpich",
                new Dictionary<string, string?> { ["TMPDIR"] = temporary },
                "-n", "3", "dotnet", MpiJob.TestApp, "doorbell");

            Dictionary<string, int>[] ranks = Lines(result, "DOORBELL", 3);
            foreach (Dictionary<string, int> rank in ranks)
            {
                Assert.True((1, 1, 1, 1, 2) == (rank["nearby"], rank["rung"], rank["cleared"], rank["self"], rank["peers"]), result.ToString());
            }

            // The session's pipes and the scenario's were made under TMPDIR and removed once opened.
            Assert.Empty(Directory.GetFileSystemEntries(temporary));
        }
        finally
        {
            Directory.Delete(temporary, recursive: true);
        }
    }

    [Fact]
    public void BoundToACoreEach_EachRankAloneOnItsCore_NodeStillCountsBoth()
    {
        Dictionary<string, int>[] ranks = Cores(MpiJob.RunLaunched(["-bind-to", "core"], 2, "cores"), 2);

        foreach (Dictionary<string, int> rank in ranks)
        {
            // Alone on one core: the rank's own compute and communication threads share it, so it polls gently.
            Assert.Equal((2, 2, 1, 1, 1, 1), (rank["node_ranks"], rank["node_cores"], rank["cores"], rank["sharing"], rank["shared_cores"], rank["gentle"]));
        }
    }

    [Fact]
    public void TwoNodes_RanksGroupedPerNode_BlocksAndAnalyticsCrossBetweenThem()
    {
        string[] twoNodes = ["-launcher", "fork", "-hosts", "nodea:2,nodeb:2"];

        Dictionary<string, int>[] ranks = Cores(MpiJob.RunLaunched(twoNodes, 4, "cores"), 4);
        Assert.All(ranks, rank => Assert.Equal((2, 1), (rank["node_ranks"], rank["woken_by"])));

        // Each rank rings the next: 0 rings 1 and 2 rings 3 across their node; 1 to 2 and 3 to 0 cross between the
        // nodes, where no pipe reaches, so 0 and 2 are not woken.
        Dictionary<string, int>[] rung = Lines(MpiJob.RunLaunched(twoNodes, 4, "doorbell"), "DOORBELL", 4);
        Assert.Equal([0, 1, 0, 1], rung.Select(rank => rank["rung"]));
        Assert.Equal([0, 1, 0, 1], rung.Select(rank => rank["nearby"]));
        Assert.All(rung, rank => Assert.Equal((1, 1, 1), (rank["cleared"], rank["self"], rank["peers"])));

        // Simulation ranks 0 and 1 on one node, the two analytics ranks (a worker on each) on the other: every block
        // crosses between the nodes.
        MpiResult coupled = MpiJob.RunLaunched(twoNodes, 4, "coupling", "--grid", "1x2", "--size", "8x12", "--steps", "5", "--analytics", "2", "--worker-on-root");
        Assert.True(coupled.ExitCode == 0, coupled.ToString());
        coupled.AssertChecksPass(6);
        Assert.Equal(5, coupled.Stat(0, "shipped"));
        Assert.Equal(5, coupled.Stat(1, "shipped"));
    }
}
