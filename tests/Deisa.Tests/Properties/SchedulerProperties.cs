using CsCheck;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Scheduling;
using Deisa.Tests.Scheduling;

namespace Deisa.Tests.Properties;

/// <summary>A bare scheduler driven by a simulated cluster in random order: every invariant holds after every
/// event, every wanted key ends in memory or erred, and once everything is released the scheduler forgets all.</summary>
public sealed class SchedulerProperties
{
    [Fact]
    public void RandomInterleavings_InvariantsHold_AndEverythingIsForgottenAtTheEnd()
    {
        Gen.Select(Gen.Int[1, 30], Gen.Int[0, 6], Gen.Int[1, 4], Gen.Int).Sample(
            (tasks, externals, workers, seed) => Run(new RandomDag(tasks, externals, seed, failRate: 0.1), workers, seed),
            iter: 300,
            threads: 1);
    }

    private static void Run(RandomDag dag, int workers, int seed)
    {
        var random = new Random(seed);
        var f = new SchedulerFixture(workers);
        f.CreateExternal([.. dag.Externals.Keys]);
        var running = new List<(TaskKey Key, int Worker)>();
        Collect(f.Submit(dag.Graph, [.. dag.Wanted]), f, running);
        var toArrive = dag.Externals.Keys.OrderBy(_ => random.Next()).ToList();
        var held = new HashSet<TaskKey>(dag.Wanted);

        while (running.Count > 0 || toArrive.Count > 0)
        {
            int choice = random.Next(10);
            if (choice < 2 && toArrive.Count > 0)
            {
                TaskKey key = toArrive[^1];
                toArrive.RemoveAt(toArrive.Count - 1);
                Collect(f.Arrive(key, random.Next(workers)), f, running);
            }
            else if (choice == 2 && held.Count > 0 && random.Next(4) == 0)
            {
                // The client loses interest in a key midway.
                TaskKey key = held.ElementAt(random.Next(held.Count));
                held.Remove(key);
                Collect(f.Release(key), f, running);
            }
            else if (running.Count > 0)
            {
                int at = random.Next(running.Count);
                (TaskKey key, int worker) = running[at];
                running.RemoveAt(at);
                List<OutgoingMessage> sent = dag.Failing[key] ? f.Err(key, worker) : f.Finish(key, worker, random.Next(1, 1000));
                Collect(sent, f, running);
            }
        }

        foreach (TaskKey key in held)
        {
            Assert.True(f[key] is TaskStatus.Memory or TaskStatus.Erred, $"{key} ended {f[key]}:\n{f.State.FormatStory(key)}");
            Assert.Equal(dag.Values[key] is null, f[key] == TaskStatus.Erred);
        }

        Collect(f.Release([.. held]), f, running);
        Assert.Empty(running);
        Assert.Equal(0, f.State.TaskCount);
    }

    private static void Collect(List<OutgoingMessage> sent, SchedulerFixture f, List<(TaskKey Key, int Worker)> running)
    {
        foreach (OutgoingMessage outgoing in sent)
        {
            switch (outgoing.Message)
            {
                case ComputeTask compute:
                    running.Add((compute.Key, Array.IndexOf(f.Workers, outgoing.To)));
                    break;
                case FreeKeys free:
                    // A cancelled task stops running; its completion would be stale, and the worker drops it.
                    running.RemoveAll(r => free.Keys.Contains(r.Key) && f.Workers[r.Worker] == outgoing.To);
                    break;
            }

            outgoing.Message.Return();
        }
    }
}
