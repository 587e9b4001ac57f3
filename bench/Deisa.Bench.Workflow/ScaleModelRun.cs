using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Tasks;
using Deisa.Core.Arrays;
using Deisa.Core.Arrays.Nodes;
using Deisa.Core.Buffers;
using Deisa.Core.Client;
using Deisa.Core.Diagnostics;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Scheduling;
using Deisa.Core.Transport;
using SchedulerStatus = Deisa.Core.Scheduling.TaskStatus;

namespace Deisa.Bench.Workflow;

/// <summary>
/// One configuration of the scale model: a bare <see cref="SchedulerState"/> on this thread, fed what a job with N
/// simulation ranks, 16 workers and the real client send it, for S steps; the analytics are the sum of each step over
/// every block, <c>global_t.Sum("X", "Y")</c>, persisted.
/// </summary>
/// <remarks>
/// <para>Deisa3 follows the real path: a real <see cref="DeisaClient"/> over a <see cref="ModelMailbox"/> takes the
/// arrays (<c>GetArrays</c>), persists the sum (the <c>DeclareInterest</c> of what <see cref="DeisaArray.Reads"/>
/// derives, then the first window through the real <see cref="WindowDriver"/>) and validates the contract. Each step,
/// N blocks arrive from the workers the contract named; the scheduler's <c>StepArrived</c> moves the driver's window,
/// which submits the tasks of the step <c>Lookahead</c> ahead (its <c>UpdateGraph</c>, externals included); the client
/// collects each step's result and releases it. The model imitates only the workers: it finishes every task the
/// scheduler sends at once, answers the client's fetch of a result, and waits, after each step, until the client has
/// released that step's result and submitted the step a window ahead, so the client never falls behind (no data
/// arrives before its tasks).</para>
/// <para>Deisa1 is the model playing the Deisa1 analytics on this thread, without the client past <c>GetArrays</c>:
/// per step, N announcements and N arrivals, then the step's graph, built by the same nodes the real array code uses
/// (<see cref="GraphSink"/> over the same sum), one release of the step's blocks (the real client sends one per block),
/// and the release of the result once computed. Building that graph is the client's work and is not charged to the
/// scheduler's time.</para>
/// <para>Times: the scheduler's is this thread's own CPU time (handling, what the model does for the workers, and the
/// collections this thread ran), and its busy wall time, without its waits for the client (but with the time it
/// waited for a core, and the collections the client's allocations caused); the wall time includes the waits; CPU is
/// the whole process's. The full collections that take the live-heap samples are left out of all of them.</para>
/// </remarks>
internal sealed class ScaleModelRun : IDisposable
{
    /// <summary>The workers of the modelled job.</summary>
    public const int Workers = 16;

    /// <summary>Each rank's block: Cells x Cells doubles.</summary>
    public const int Cells = 64;

    private const string Field = "global_t";
    private const int FirstProducer = 100;

    /// <summary>How many arrivals are handled between two looks at the client's messages, as a host interleaves its inputs.</summary>
    private const int DrainEvery = 256;

    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(120);

    private readonly int _ranks;
    private readonly int _steps;
    private readonly int _side;
    private readonly int _lookahead;
    private readonly CouplingMode _mode;
    private readonly OperationRegistry _operations = new();
    private readonly EndpointId _clientId = EndpointId.Client(0);
    private readonly EndpointId[] _workers;
    private readonly EndpointId[] _producers;
    private readonly EndpointId[] _workerOf;
    private readonly SchedulerState _state;
    private readonly BlockingCollection<Message?> _inbox = [];
    private readonly ModelMailbox _mailbox;
    private readonly DeisaClient _client;
    private readonly Queue<(TaskKey Key, EndpointId Worker)> _pending = new();
    private readonly List<(EndpointId To, ContractUpdate Update)> _contract = [];
    private readonly Process _process = Process.GetCurrentProcess();
    private readonly List<string> _setupPhases = [];
    private string[] _requirements = [];
    private long _setupStart = -1;
    private bool _capture;
    private bool _deliver = true;
    private long _fromSimulation;
    private long _fromClient;
    private long _handled;
    private long _sent;
    private long _waitTicks;
    private long _clientTicks;
    private long _pausedTicks;
    private TimeSpan _pausedCpu;
    private TimeSpan _pausedThreadCpu;
    private TimeSpan _clientThreadCpu;
    private long _peakHeap;
    private long _peakCommitted;
    private int _peakKeys;

    private ScaleModelRun(int ranks, int steps, CouplingMode mode, int lookahead)
    {
        _ranks = ranks;
        _steps = steps;
        _side = (int)Math.Sqrt(ranks);
        _mode = mode;
        _lookahead = lookahead;
        _workers = [.. Enumerable.Range(0, Workers).Select(w => EndpointId.Worker(1 + w))];
        _producers = [.. Enumerable.Range(0, ranks).Select(r => EndpointId.Producer(FirstProducer + r))];
        _workerOf = [.. Enumerable.Range(0, ranks).Select(r => _workers[r % Workers])];
        _state = new SchedulerState(_clientId, _workers, new SchedulerOptions { Producers = _producers, Mode = mode, StoryCapacity = 1024 });
        _mailbox = new ModelMailbox(_clientId, _inbox);
        _client = new DeisaClient(_mailbox, EndpointId.Scheduler(0), Workers, crossesProcesses: true, new ClientOptions { Lookahead = lookahead }, _operations);
    }

    /// <summary>Runs one configuration and measures it.</summary>
    /// <param name="ranks">Simulation ranks, a perfect square (the blocks form a square grid).</param>
    /// <param name="steps">Steps.</param>
    /// <param name="mode">The coupling.</param>
    /// <param name="lookahead">The client's window, in steps (Deisa3).</param>
    /// <returns>The figures; <see cref="ScaleResult.PeakRss"/> is the process's peak so far.</returns>
    /// <exception cref="InvalidOperationException">The scheduler or the client did not do what the model expects (something left behind, a result missing).</exception>
    /// <exception cref="TimeoutException">The client did not answer in time.</exception>
    public static ScaleResult Measure(int ranks, int steps, CouplingMode mode, int lookahead)
    {
        using var run = new ScaleModelRun(ranks, steps, mode, lookahead);
        return mode == CouplingMode.Deisa3 ? run.RunDeisa3() : run.RunDeisa1();
    }

    /// <summary>Stops the client and returns what is left in the scheduler's inbox.</summary>
    public void Dispose()
    {
        _client.Close(_ => "the scale model ended", null);
        _client.StopPumpAsync().Wait(s_patience);
        while (_inbox.TryTake(out Message? message))
        {
            message?.Return();
        }

        _inbox.Dispose();
        _process.Dispose();
    }

    private ScaleResult RunDeisa3()
    {
        long start = Stopwatch.GetTimestamp();
        _setupStart = start;
        Declare();
        _setupPhases.Add(string.Create(CultureInfo.InvariantCulture, $"declarations in {Stopwatch.GetElapsedTime(start).TotalMilliseconds:F0} ms"));
        _capture = true;
        Task<PersistedArray> analytics = Task.Run(async () =>
        {
            // What the user writes on the root, through the public API.
            DeisaArrays arrays = await _client.GetArraysAsync().ConfigureAwait(false);
            PersistedArray sums = await arrays[Field].Sum("X", "Y").PersistAsync().ConfigureAwait(false);
            await _client.ValidateContractAsync().ConfigureAwait(false);
            return sums;
        });
        Wake(analytics);
        WaitUntil(() => analytics.IsCompleted, () => "the analytics' set-up (arrays, interest, first window, contract)", null);
        PersistedArray persisted = analytics.GetAwaiter().GetResult();
        double setup = Stopwatch.GetElapsedTime(start).TotalSeconds;
        _setupStart = -1;
        _capture = false;
        ContractFacts contract = Contract();
        long afterSetup = LiveHeap();

        Task<NdArray> result = persisted.GetResultAsync();
        Wake(result);
        DeisaArray sums = persisted.Array;
        (int early, int late) = SamplePoints();
        long liveEarly = 0;
        long liveLate = 0;
        int sampleEvery = Math.Clamp(_steps / 10, 1, 1000);
        Reset();
        TimeSpan cpu = Cpu();
        TimeSpan thread = ThreadClock.Now();
        long loop = Stopwatch.GetTimestamp();
        for (int t = 0; t < _steps; t++)
        {
            Arrive(t);
            TaskKey done = sums.KeyOf(t);
            bool ahead = t + _lookahead < _steps;
            TaskKey next = ahead ? sums.KeyOf(t + _lookahead) : done;
            WaitUntil(
                () => _state.GetStatus(done) == SchedulerStatus.Forgotten && (!ahead || _state.GetStatus(next) != SchedulerStatus.Forgotten),
                () => $"the client to release the result of step {t}{(ahead ? $" and to submit step {t + _lookahead}" : string.Empty)}",
                result);
            SampleStep(t, early, late, sampleEvery, ref liveEarly, ref liveLate);
        }

        StepFigures figures = PerStep(loop, cpu, thread);
        long liveEnd = LiveHeap();
        WaitUntil(() => result.IsCompleted, () => "the analytics' array to hold every step", result);
        NdArray values = result.GetAwaiter().GetResult();
        long collected = values.Data.Count(v => v == 1);
        persisted.Dispose();
        WaitUntil(() => _state.InterestCount == 0, () => "the analytics to withdraw their interest", null);
        Settle();
        return Result(setup, figures, afterSetup, early, liveEarly, late, liveLate, liveEnd, collected, contract, _client.HeldKeyCount, _client.Windows.PinCount);
    }

    private ScaleResult RunDeisa1()
    {
        long start = Stopwatch.GetTimestamp();

        // Deisa1 contracts every block of every step as soon as the arrays are declared.
        _capture = true;
        Declare();
        _capture = false;
        Task<DeisaArrays> analytics = Task.Run(() => _client.GetArraysAsync());
        Wake(analytics);
        WaitUntil(() => analytics.IsCompleted, () => "the client's arrays", null);
        DeisaArray sums = analytics.GetAwaiter().GetResult()[Field].Sum("X", "Y");
        double setup = Stopwatch.GetElapsedTime(start).TotalSeconds;

        // From here the model is the Deisa1 analytics: what the scheduler tells the client goes nowhere.
        _deliver = false;
        ContractFacts contract = Contract();
        long afterSetup = LiveHeap();
        (int early, int late) = SamplePoints();
        long liveEarly = 0;
        long liveLate = 0;
        long released = 0;
        int sampleEvery = Math.Clamp(_steps / 10, 1, 1000);
        Reset();
        TimeSpan cpu = Cpu();
        TimeSpan thread = ThreadClock.Now();
        long loop = Stopwatch.GetTimestamp();
        for (int t = 0; t < _steps; t++)
        {
            for (int r = 0; r < _ranks; r++)
            {
                BlockMetadata announce = BlockMetadata.Rent();
                announce.From = _producers[r];
                announce.Key = Block(t, r);
                announce.Worker = _workerOf[r];
                announce.Start.AddRange([t, (r / _side) * Cells, (r % _side) * Cells]);
                announce.Count.AddRange([1, Cells, Cells]);
                Handle(announce);
                Arrived(t, r);
            }

            _peakKeys = Math.Max(_peakKeys, _state.TaskCount);
            long building = Stopwatch.GetTimestamp();
            TimeSpan buildingCpu = ThreadClock.Now();
            var sink = new GraphSink();
            TaskKey output = sink.Require(sums, [t]);
            UpdateGraph graph = UpdateGraph.Rent();
            graph.From = _clientId;
            graph.RequestId = 10 + t;
            foreach (KeyValuePair<TaskKey, TaskSpec> task in sink.Tasks)
            {
                graph.Keys.Add(task.Key);
                graph.Specs.Add(task.Value);
            }

            graph.Wanted.Add(output);
            ReleaseKeys blocks = ReleaseKeys.Rent();
            blocks.From = _clientId;
            for (int r = 0; r < _ranks; r++)
            {
                blocks.Keys.Add(Block(t, r));
            }

            _clientTicks += Stopwatch.GetTimestamp() - building;
            _clientThreadCpu += ThreadClock.Now() - buildingCpu;
            Handle(graph);
            Handle(blocks);
            RunTasks();
            if (_state.GetStatus(output) != SchedulerStatus.Memory)
            {
                throw new InvalidOperationException($"Step {t}'s result {output} is {_state.GetStatus(output)} once every task finished: the model is not what the scheduler expects.");
            }

            ReleaseKeys release = ReleaseKeys.Rent();
            release.From = _clientId;
            release.Keys.Add(output);
            Handle(release);
            released++;
            SampleStep(t, early, late, sampleEvery, ref liveEarly, ref liveLate);
        }

        StepFigures figures = PerStep(loop, cpu, thread);
        long liveEnd = LiveHeap();
        return Result(setup, figures, afterSetup, early, liveEarly, late, liveLate, liveEnd, released, contract, 0, 0);
    }

    /// <summary>After step <paramref name="t"/>: the live heap at the early and late steps, the peaks every <paramref name="sampleEvery"/> steps.</summary>
    private void SampleStep(int t, int early, int late, int sampleEvery, ref long liveEarly, ref long liveLate)
    {
        liveEarly = t == early ? LiveHeap() : liveEarly;
        liveLate = t == late ? LiveHeap() : liveLate;
        if ((t + 1) % sampleEvery == 0)
        {
            SamplePeak();
        }
    }

    /// <summary>Each simulation rank declares its block of the array, once.</summary>
    private void Declare()
    {
        for (int r = 0; r < _ranks; r++)
        {
            DeclareArrays declare = DeclareArrays.Rent();
            declare.From = _producers[r];
            declare.Arrays.Add(new ArrayDeclaration(Field, ElementType.Float64, [_steps, _side * Cells, _side * Cells], 0, [(r / _side) * Cells, (r % _side) * Cells], [Cells, Cells], ["t", "X", "Y"]));
            Handle(declare);
        }
    }

    /// <summary>Every rank's block of step <paramref name="t"/> reaches its worker, with a look at the client's messages now and then.</summary>
    private void Arrive(int t)
    {
        for (int r = 0; r < _ranks; r++)
        {
            Arrived(t, r);
            if ((r + 1) % DrainEvery == 0)
            {
                Drain();
            }
        }

        _peakKeys = Math.Max(_peakKeys, _state.TaskCount);
    }

    private void Arrived(int t, int r)
    {
        ExternalArrived arrived = ExternalArrived.Rent();
        arrived.From = _workerOf[r];
        arrived.Key = Block(t, r);
        arrived.Nbytes = Cells * Cells * sizeof(double);
        arrived.Producer = _producers[r];
        arrived.Stored = true;
        Handle(arrived);
    }

    private TaskKey Block(int t, int r) => new(Field, t, r / _side, r % _side);

    private void Handle(Message? message)
    {
        if (message is null)
        {
            return;
        }

        _handled++;
        _fromSimulation += message.From.Kind == EndpointKind.Producer ? 1 : 0;
        _fromClient += message.From.Kind == EndpointKind.Client ? 1 : 0;
        if (message is DeclareInterest interest)
        {
            _requirements = [.. _requirements, .. interest.Requirements.Select(r => r.ToString())];
        }

        if (_setupStart >= 0 && message is GetArrays or DeclareInterest or UpdateGraph or ValidateContract)
        {
            // Set-up, phase by phase: when the scheduler took each of the client's requests, and what it cost it.
            string what = message.GetType().Name;
            long handling = Stopwatch.GetTimestamp();
            _state.Handle(message);
            _setupPhases.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"{what} at {Stopwatch.GetElapsedTime(_setupStart, handling).TotalMilliseconds:F0} ms, handled in {Stopwatch.GetElapsedTime(handling).TotalMilliseconds:F1} ms"));
        }
        else
        {
            _state.Handle(message);
        }

        message.Return();
        foreach (OutgoingMessage outgoing in _state.Outbox)
        {
            Route(outgoing);
        }

        _state.ClearOutbox();
    }

    /// <summary>Sends on what the scheduler emitted: tasks to the model's workers, the contract aside to be measured, the rest to the client.</summary>
    private void Route(OutgoingMessage outgoing)
    {
        _sent++;
        switch (outgoing.Message)
        {
            case ComputeTask compute:
                _pending.Enqueue((compute.Key, outgoing.To));
                compute.Return();
                return;
            case ContractUpdate update when _capture:
                _contract.Add((outgoing.To, update));
                return;
        }

        if (!(_deliver && outgoing.To == _clientId && _mailbox.TryDeliver(outgoing.Message)))
        {
            outgoing.Message.Return();
        }
    }

    /// <summary>The workers finish every task sent to them, at once.</summary>
    private void RunTasks()
    {
        while (_pending.TryDequeue(out (TaskKey Key, EndpointId Worker) task))
        {
            TaskFinished finished = TaskFinished.Rent();
            finished.From = task.Worker;
            finished.Key = task.Key;
            finished.Nbytes = 8;
            Handle(finished);
        }
    }

    /// <summary>Handles what the client has sent so far, without waiting.</summary>
    private void Drain()
    {
        while (_inbox.TryTake(out Message? message))
        {
            Handle(message);
        }
    }

    /// <summary>Handles what the client has sent and runs the tasks that follow, until neither is left.</summary>
    private void Settle()
    {
        while (true)
        {
            Drain();
            if (_pending.Count == 0)
            {
                return;
            }

            RunTasks();
        }
    }

    /// <summary>Handles the client's messages and runs tasks until <paramref name="done"/> holds; only the blocking waits count as waiting.</summary>
    /// <param name="done">What is waited for.</param>
    /// <param name="what">Says what, for the error: built only on failure.</param>
    /// <param name="failed">A task whose failure ends the wait by rethrowing it.</param>
    /// <exception cref="TimeoutException">Nothing came from the client for two minutes.</exception>
    private void WaitUntil(Func<bool> done, Func<string> what, Task? failed)
    {
        while (true)
        {
            Settle();
            if (failed is { IsFaulted: true })
            {
                failed.GetAwaiter().GetResult();
            }

            if (done())
            {
                return;
            }

            long before = Stopwatch.GetTimestamp();
            bool got = _inbox.TryTake(out Message? message, s_patience);
            _waitTicks += Stopwatch.GetTimestamp() - before;
            if (!got)
            {
                throw new TimeoutException($"The scale model waited {s_patience.TotalSeconds:0} s for {what()}; the scheduler knows {_state.TaskCount} keys. The client stopped answering, or the model expects what the client does not do.");
            }

            Handle(message);
        }
    }

    /// <summary>Wakes the scheduler thread's wait when <paramref name="task"/> ends, which sends it nothing else.</summary>
    private void Wake(Task task) => task.ContinueWith(static (_, inbox) => ((BlockingCollection<Message?>)inbox!).Add(null), _inbox, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

    /// <summary>Measures the contract sent at validation (count, step intervals, bytes on the wire) and notes where each rank ships.</summary>
    private ContractFacts Contract()
    {
        var codec = new MessageCodec(_operations);
        using var writer = new PooledBufferWriter();
        var blocks = new HashSet<(string Array, string Block)>();
        int entries = 0;
        int maxIntervals = 0;
        long bytes = 0;
        foreach ((EndpointId to, ContractUpdate update) in _contract)
        {
            writer.Clear();
            codec.EncodeFrame([update], writer);
            bytes += writer.WrittenCount;
            foreach (ContractEntry entry in update.Entries)
            {
                entries++;
                maxIntervals = Math.Max(maxIntervals, entry.Steps.IntervalCount);
                blocks.Add((entry.Array, string.Join(",", entry.Block)));
                _workerOf[to.Rank - FirstProducer] = entry.Worker;
            }

            update.Return();
        }

        int ranks = _contract.Count;
        _contract.Clear();
        return new ContractFacts(ranks, entries, blocks.Count, maxIntervals, _state.ContractSize, bytes);
    }

    /// <summary>The steps after which the live heap is sampled: early, and the last with a full window still ahead.</summary>
    private (int Early, int Late) SamplePoints()
    {
        int early = _steps / 10;
        int late = _steps - _lookahead - 1;
        return late > early ? (early, late) : (-1, -1);
    }

    private void Reset()
    {
        _handled = 0;
        _fromSimulation = 0;
        _fromClient = 0;
        _sent = 0;
        _waitTicks = 0;
        _clientTicks = 0;
        _pausedTicks = 0;
        _pausedCpu = TimeSpan.Zero;
        _pausedThreadCpu = TimeSpan.Zero;
        _clientThreadCpu = TimeSpan.Zero;
    }

    private TimeSpan Cpu()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <summary>The step loop's figures, per step, taken as it ends (what follows, the analytics' release, is not in them).</summary>
    private StepFigures PerStep(long loop, TimeSpan cpu, TimeSpan thread)
    {
        double ms = 1000.0 / Stopwatch.Frequency / _steps;
        long wall = Stopwatch.GetTimestamp() - loop - _pausedTicks;
        return new StepFigures(
            wall * ms,
            (wall - _waitTicks - _clientTicks) * ms,
            (ThreadClock.Now() - thread - _pausedThreadCpu - _clientThreadCpu).TotalMilliseconds / _steps,
            (Cpu() - cpu - _pausedCpu).TotalMilliseconds / _steps,
            _handled,
            _fromSimulation,
            _fromClient,
            _sent);
    }

    /// <summary>The live managed heap after a full collection; its time and CPU are left out of the step figures.</summary>
    private long LiveHeap()
    {
        long start = Stopwatch.GetTimestamp();
        TimeSpan cpu = Cpu();
        TimeSpan thread = ThreadClock.Now();
        long live = GC.GetTotalMemory(forceFullCollection: true);
        SamplePeak();
        _pausedThreadCpu += ThreadClock.Now() - thread;
        _pausedCpu += Cpu() - cpu;
        _pausedTicks += Stopwatch.GetTimestamp() - start;
        return live;
    }

    private void SamplePeak()
    {
        GCMemoryInfo info = GC.GetGCMemoryInfo();
        _peakHeap = Math.Max(_peakHeap, info.HeapSizeBytes);
        _peakCommitted = Math.Max(_peakCommitted, info.TotalCommittedBytes);
    }

    private ScaleResult Result(
        double setup,
        StepFigures figures,
        long afterSetup,
        int early,
        long liveEarly,
        int late,
        long liveLate,
        long liveEnd,
        long results,
        ContractFacts contract,
        int clientKeys,
        int pins)
    {
        _process.Refresh();
        return new ScaleResult(
            _ranks,
            _steps,
            _mode.ToString().ToLowerInvariant(),
            _lookahead,
            setup,
            figures.SchedulerCpu,
            figures.Scheduler,
            figures.Wall,
            figures.Cpu,
            afterSetup,
            early,
            liveEarly,
            late,
            liveLate,
            liveEnd,
            early >= 0 ? (double)(liveLate - liveEarly) / (late - early) : 0,
            _peakHeap,
            _peakCommitted,
            _process.PeakWorkingSet64,
            _peakKeys,
            _state.TaskCount,
            _state.HeldCount,
            clientKeys,
            pins,
            results,
            contract.Ranks,
            contract.Entries,
            contract.Blocks,
            contract.MaxIntervals,
            contract.Steps,
            contract.Bytes,
            _requirements,
            [.. _setupPhases],
            figures.Handled,
            figures.FromSimulation,
            figures.FromClient,
            figures.Sent);
    }

    /// <summary>The contract as validation sent it.</summary>
    /// <param name="Ranks">Ranks sent a contract.</param>
    /// <param name="Entries">Entries over every rank.</param>
    /// <param name="Blocks">Distinct (array, block) pairs among them.</param>
    /// <param name="MaxIntervals">Most step intervals in one entry.</param>
    /// <param name="Steps">(step, block) pairs contracted.</param>
    /// <param name="Bytes">Encoded size, one frame per rank.</param>
    private readonly record struct ContractFacts(int Ranks, int Entries, int Blocks, int MaxIntervals, long Steps, long Bytes);

    /// <summary>The step loop's figures.</summary>
    /// <param name="Wall">Wall milliseconds per step.</param>
    /// <param name="Scheduler">The scheduler thread's busy milliseconds per step.</param>
    /// <param name="SchedulerCpu">The scheduler thread's own CPU milliseconds per step.</param>
    /// <param name="Cpu">The process's CPU milliseconds per step.</param>
    /// <param name="Handled">Messages the scheduler handled.</param>
    /// <param name="FromSimulation">Of those, from simulation ranks.</param>
    /// <param name="FromClient">Of those, from the client.</param>
    /// <param name="Sent">Messages the scheduler sent.</param>
    private readonly record struct StepFigures(double Wall, double Scheduler, double SchedulerCpu, double Cpu, long Handled, long FromSimulation, long FromClient, long Sent);
}
