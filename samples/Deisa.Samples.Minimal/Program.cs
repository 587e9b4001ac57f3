// A complete Deisa program: run it with  mpiexec.mpich -n 3 dotnet Deisa.Samples.Minimal.dll
// Ranks 0-1 simulate and publish a 1D field every step; rank 2 runs the analytics in transit.
using Deisa.Core.Arrays;
using Deisa.Mpi;
using Deisa.Mpi.Bridge;

const int Steps = 10;
const int CellsPerRank = 1000;

// 1. One session per rank: MPI starts, the last rank becomes the analytics, the others simulate.
using DeisaSession session = DeisaSession.Initialize(new DeisaMpiOptions { AnalyticsRanks = 1 });

if (session.IsSimulation)
{
    // 2. The simulation: declare once, publish every step, finish.
    int rank = session.SimulationRank;
    int ranks = session.Layout.SimulationSize;
    double[] field = new double[CellsPerRank];
    using Bridge bridge = session.CreateBridge();
    bridge.DeclareArray<double>(
        "field", shape: [Steps, ranks * CellsPerRank], timeDimension: 0, start: [rank * CellsPerRank], count: [CellsPerRank], dimensionNames: ["t", "x"]);
    for (int step = 0; step < Steps; step++)
    {
        Array.Fill(field, step + (0.5 * rank));
        PublishHandle sent = bridge.Publish<double>("field", step, field);

        // The block is sent straight from 'field': wait before writing into it again.
        sent.Wait(TimeSpan.FromMinutes(1));
    }

    bridge.Finish();
    Console.WriteLine($"rank {rank}: shipped {bridge.Statistics.BlocksShipped} of {Steps} blocks");
    return 0;
}

// 3. The analytics: one computation over all steps, described before the data exists.
return session.RunAnalytics(client =>
{
    DeisaArray field = client.GetArrays()["field"];

    // Every other step only: the simulation never sends the others.
    using PersistedArray totals = field[Slice.Every(2), ..].Sum("x").Persist();
    client.ValidateContract();
    NdArray values = totals.Result(TimeSpan.FromMinutes(1));
    for (int i = 0; i < values.Length; i++)
    {
        Console.WriteLine($"step {2 * i}: total {values[i]}");
    }

    return 0;
});
