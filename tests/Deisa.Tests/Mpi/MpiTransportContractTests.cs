using Deisa.Testing;

namespace Deisa.Tests.Mpi;

/// <summary>
/// The transport contract the in-process transports pass (<see cref="TransportContract"/>), over the MPI transport under
/// mpiexec: two simulation ranks send, the analytics root receives; on one node, and on two emulated nodes (MPICH's
/// launcher makes one machine look like two, with no shared memory between them) so every frame crosses the network
/// path.
/// </summary>
[Collection(MpiCollection.Name)]
public sealed class MpiTransportContractTests
{
    private const int Ranks = 3;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Contract_HoldsAcrossRanks(bool twoNodes)
    {
        MpiResult result = twoNodes
            ? MpiJob.RunLaunched(["-launcher", "fork", "-hosts", "nodea:2,nodeb:1"], Ranks, "transport-contract")
            : MpiJob.Run(Ranks, "transport-contract");

        Assert.True(result.ExitCode == 0, result.ToString());
        result.AssertChecksPass(((TransportContract.Cases.Count + 1) * Ranks) + (Ranks - 1));
        Assert.Equal(Ranks - 1, result.Lines("CHECK").Count(l => l.StartsWith("CHECK PASS contract-large-values-as-payloads-rank", StringComparison.Ordinal)));
        string[] expected = [.. TransportContract.Cases.Select(c => c.Name).Append("dispose-ends-waits")
            .SelectMany(name => Enumerable.Range(0, Ranks).Select(rank => $"CHECK PASS contract-{name}-rank{rank}"))];
        string[] missing = [.. expected.Where(line => !result.Lines("CHECK").Contains(line))];
        Assert.True(missing.Length == 0, $"No pass reported for:\n{string.Join('\n', missing)}\n{result}");
    }
}
