// A complete Deisa program: run it with  mpiexec.mpich -n 3 dotnet Deisa.Samples.Minimal.dll
// Ranks 0-1 simulate and publish a 1D field every step; rank 2 runs the analytics in transit.
using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Core.Graph;
using Deisa.Mpi;
using Deisa.Mpi.Bridge;

const int Steps = 10;
const int CellsPerRank = 1000;

// 1. The operations tasks may run, registered the same way on every rank.
var operations = new OperationRegistry();
Operation blockSum = operations.Register("block-sum", static args =>
{
    double sum = 0;
    foreach (double x in args.GetSpan<double>(0))
    {
        sum += x;
    }

    return sum;
}, minArgs: 1, maxArgs: 1);
Operation total = operations.Register("total", static args =>
{
    double sum = 0;
    foreach (object? part in args.GetList(0))
    {
        sum += (double)part!;
    }

    return sum;
}, minArgs: 1, maxArgs: 1);

// 2. One session per rank: MPI starts, the last rank becomes the analytics, the others simulate.
using DeisaSession session = DeisaSession.Initialize(new DeisaMpiOptions { Operations = operations, AnalyticsRanks = 1 });

if (session.IsSimulation)
{
    // 3. The simulation: declare once, publish every step, finish.
    int rank = session.SimulationRank;
    int ranks = session.Layout.SimulationSize;
    double[] field = new double[CellsPerRank];
    using Bridge bridge = session.CreateBridge();
    bridge.DeclareArray<double>("field", shape: [Steps, ranks * CellsPerRank], timeDimension: 0, start: [rank * CellsPerRank], count: [CellsPerRank]);
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

// 4. The analytics: one graph over all steps, before the data exists; only what it reads is ever sent.
return session.RunAnalytics(client =>
{
    ArrayLayout layout = client.GetArrays()["field"];
    var graph = new TaskGraph();
    var blocks = new List<TaskKey>();
    var totals = new List<TaskKey>();
    for (int step = 0; step < Steps; step += 2)
    {
        var sums = new List<TaskKey>();
        for (int b = 0; b < layout.BlockGrid[0]; b++)
        {
            TaskKey block = layout.KeyOf(step, [b]);
            blocks.Add(block);
            sums.Add(graph.Add(("sum", step, b), TaskSpec.Create(blockSum, block)));
        }

        totals.Add(graph.Add(("total", step), TaskSpec.Create(total, TaskArg.FromKeys(sums))));
    }

    client.CreateExternal(blocks);
    IReadOnlyList<Future<double>> futures = client.Persist<double>(graph, totals);
    client.ValidateContract();
    foreach (Future<double> future in futures)
    {
        Console.WriteLine($"step {future.Key[0]}: total {future.Result(TimeSpan.FromMinutes(1))}");
        future.Dispose();
    }

    return 0;
});
