using BenchmarkDotNet.Attributes;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Scheduling;
using Deisa.Core.Transport;

namespace Deisa.Bench.Core;

/// <summary>
/// The scheduler state machine alone on a 100,000-task random DAG: submit it, then answer every ComputeTask with a
/// TaskFinished until all is done. No task is wanted by the client, so each one makes exactly five transitions
/// (Released, Waiting, Processing, Memory, Released, Forgotten): the time per operation is the time per transition.
/// </summary>
[MemoryDiagnoser]
public class SchedulerStateBenchmark
{
    private const int Tasks = 100_000;
    private const int TransitionsPerTask = 5;

    private readonly List<TaskKey> _keys = new(Tasks);
    private readonly List<TaskSpec> _specs = new(Tasks);
    private readonly Queue<(TaskKey Key, EndpointId Worker)> _running = new();
    private EndpointId[] _workers = [];

    [Params(1, 8)]
    public int Workers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _workers = Enumerable.Range(0, Workers).Select(EndpointId.Worker).ToArray();
        var random = new Random(42);
        for (int i = 0; i < Tasks; i++)
        {
            // Each task reads up to two of the 1,000 tasks before it: a wide, deep graph with locality.
            TaskKey key = ("t", i);
            TaskSpec spec = i < 2
                ? TaskSpec.Create(BenchOperations.Inc, i)
                : TaskSpec.Create(BenchOperations.Add, _keys[i - 1 - random.Next(Math.Min(i, 1000))], _keys[i - 1 - random.Next(Math.Min(i, 1000))]);
            _keys.Add(key);
            _specs.Add(spec);
        }
    }

    [Benchmark(OperationsPerInvoke = Tasks * TransitionsPerTask)]
    public long SubmitAndRunToCompletion()
    {
        var state = new SchedulerState(EndpointId.Client(0), _workers, new SchedulerOptions { StoryCapacity = 1 << 16 });
        UpdateGraph update = UpdateGraph.Rent();
        update.From = EndpointId.Client(0);
        update.Keys.AddRange(_keys);
        update.Specs.AddRange(_specs);
        state.Handle(update);
        update.Return();
        Drain(state);
        while (_running.TryDequeue(out (TaskKey Key, EndpointId Worker) running))
        {
            TaskFinished finished = TaskFinished.Rent();
            finished.From = running.Worker;
            finished.Key = running.Key;
            finished.Nbytes = 8;
            state.Handle(finished);
            finished.Return();
            Drain(state);
        }

        if (state.TransitionCount != (long)Tasks * TransitionsPerTask || state.TaskCount != 0)
        {
            throw new InvalidOperationException($"Expected {Tasks * TransitionsPerTask} transitions and nothing left; got {state.TransitionCount} and {state.TaskCount} tasks.");
        }

        return state.TransitionCount;
    }

    private void Drain(SchedulerState state)
    {
        foreach (OutgoingMessage outgoing in state.Outbox)
        {
            if (outgoing.Message is ComputeTask compute)
            {
                _running.Enqueue((compute.Key, outgoing.To));
            }

            outgoing.Message.Return();
        }

        state.ClearOutbox();
    }
}
