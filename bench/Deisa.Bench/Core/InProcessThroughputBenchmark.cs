using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Deisa.Core.Client;
using Deisa.Core.Graph;

namespace Deisa.Bench.Core;

/// <summary>
/// Trivial tasks end to end in one process: the client submits a graph, the scheduler dispatches, workers run
/// and report, the client sees every key finish. Time per operation is time per task.
/// </summary>
[MemoryDiagnoser]
public class InProcessThroughputBenchmark
{
    private const int Tasks = 20_000;

    private DeisaRuntime? _runtime;
    private int _round;

    [Params(1, 2)]
    public int Workers { get; set; }

    /// <summary>Gets or sets the graph shape: independent tasks, or chains of 100 where each task reads the previous one.</summary>
    [Params("independent", "chains")]
    public string Shape { get; set; } = "independent";

    [GlobalSetup]
    public void Setup() => _runtime = DeisaRuntime.StartInProcess(
        Workers,
        new RuntimeOptions { Operations = BenchOperations.Registry, ThreadsPerWorker = 1 });

    [GlobalCleanup]
    public void Cleanup() => _runtime!.Dispose();

    [Benchmark(OperationsPerInvoke = Tasks)]
    public async Task<int> RunTrivialTasks()
    {
        int round = ++_round;
        var graph = new TaskGraph(Tasks);
        var wanted = new List<TaskKey>();
        for (int i = 0; i < Tasks; i++)
        {
            TaskKey key = ("t", round, i);
            bool chainStart = Shape == "independent" || i % 100 == 0;
            graph.Add(key, chainStart ? TaskSpec.Create(BenchOperations.Inc, i) : TaskSpec.Create(BenchOperations.Inc, new TaskKey("t", round, i - 1)));
            if (Shape == "independent" || i % 100 == 99)
            {
                wanted.Add(key);
            }
        }

        IReadOnlyList<Future> futures = await _runtime!.Client.PersistAsync(graph, wanted);
        int done = 0;
        foreach (Future future in futures)
        {
            if (await future.WaitAsync() == FutureStatus.Finished)
            {
                done++;
            }

            future.Dispose();
        }

        return done == futures.Count ? done : throw new InvalidOperationException($"{futures.Count - done} tasks did not finish.");
    }
}
