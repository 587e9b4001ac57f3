using CsCheck;
using Deisa.Core.Client;
using Deisa.Core.Errors;
using Deisa.Core.Transport;

namespace Deisa.Tests.Properties;

/// <summary>Random graphs over random external keys give the sequential evaluator's values, whatever the worker
/// count, the wire format and the order and placement of arrivals.</summary>
public sealed class RuntimeProperties
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    private static readonly Gen<(int Tasks, int Externals, int Workers, int Seed, bool Serialize)> s_cases =
        Gen.Select(Gen.Int[1, 40], Gen.Int[0, 8], Gen.Int[1, 4], Gen.Int, Gen.Bool);

    [Fact]
    public void RandomDag_AnyWorkersAnyArrivalOrder_MatchesSequential()
    {
        s_cases.Sample(
            (tasks, externals, workers, seed, serialize) => Check(new RandomDag(tasks, externals, seed, failRate: 0), workers, seed, serialize),
            iter: 60,
            threads: 1);
    }

    [Fact]
    public void RandomDag_WithFailingTasks_FailuresReachExactlyTheirDependents()
    {
        s_cases.Sample(
            (tasks, externals, workers, seed, serialize) => Check(new RandomDag(tasks, externals, seed, failRate: 0.15), workers, seed, serialize),
            iter: 60,
            threads: 1);
    }

    private static void Check(RandomDag dag, int workers, int seed, bool serialize)
    {
        using DeisaRuntime runtime = DeisaRuntime.StartInProcess(
            workers,
            new RuntimeOptions { Operations = TestOperations.Registry, Transport = serialize ? TransportNames.InProcessSerialized : TransportNames.InProcess, ValidateScheduler = true, ThreadsPerWorker = 2 });
        runtime.Client.CreateExternal(dag.Externals.Keys);
        IReadOnlyList<Future<long>> futures = runtime.Client.Persist<long>(dag.Graph, dag.Wanted);

        var random = new Random(seed);
        using ExternalProducer producer = runtime.CreateProducer();
        Task[] puts = dag.Externals.OrderBy(_ => random.Next())
            .Select(e => producer.PutAsync(e.Key, e.Value, random.Next(workers)))
            .ToArray();
        Task.WaitAll(puts, s_timeout);

        foreach (Future<long> future in futures)
        {
            long? expected = dag.Values[future.Key];
            if (expected is { } value)
            {
                Assert.Equal(value, future.Result(s_timeout));
                continue;
            }

            TaskFailedException error = Assert.Throws<TaskFailedException>(() => future.Result(s_timeout));
            Assert.Equal(future.Key, error.Key);
            Assert.Contains(error.CauseKey, dag.Causes[future.Key]);
            Assert.Contains("fails on purpose", error.InnerException!.Message, StringComparison.Ordinal);
        }

        foreach (Future future in futures)
        {
            future.Dispose();
        }
    }
}
