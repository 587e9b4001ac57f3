using System.Threading.Channels;
using System.Threading.Tasks;
using Deisa.Core.Client;
using Deisa.Core.Errors;
using Deisa.Core.Graph;

namespace Deisa.Core.Arrays.Nodes;

/// <summary>
/// Materialises persisted arrays a window of steps at a time: the tasks of the steps up to a bounded lookahead past
/// the latest step that arrived, and no more. Each round submits what the window newly reaches, keeps alive (pins)
/// only the keys a later round will read again, and lets the rest go once their readers have them.
/// </summary>
/// <remarks>
/// <para>Rounds run on the driver's own loop, one at a time, triggered by a new persisted array or by the scheduler's
/// notice of a later step. Chunks are emitted in time order, which every operation's reading of its inputs follows
/// (a chunk reads input chunks no earlier than the previous chunk's), so a key a later round will read is always one
/// at or after a known time of its array: from the pending readers down, the driver knows, per array, the earliest
/// time still to be read, and pins what is at or after it.</para>
/// <para>Memory: the tasks and pins of the window, one tree frontier per reduction over time (a few dozen keys), and
/// each persisted array's dense result. Nothing grows with the number of steps.</para>
/// <para>Open-ended runs: the scheduler tells the client how far each one has got and where it ends
/// (<see cref="DeisaClient.OpenRun"/>). Arrays over an open time emit their chunks within the lookahead as bounded ones
/// do, and no further than the end once it is known; a chunk the window reached past the end fails, as its data never
/// comes, and its root lets it go. Reductions and folds over an open time build their steps as the window reaches them
/// but combine only steps known to be there (a partial in a tree cannot be taken back), and close when the run ended.
/// A bounded array that reads past the end of a run that ended fails, naming the steps.</para>
/// </remarks>
internal sealed class WindowDriver : IStreamingReductions
{
    /// <summary>The most steps past the latest arrival an open-ended array's window reaches: its run has no last step to build everything up to.</summary>
    internal const int MaxOpenLookahead = 1024;

    private readonly DeisaClient _client;
    private readonly int _lookahead;
    private readonly Channel<Command> _commands = Channel.CreateUnbounded<Command>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<WindowRoot> _roots = [];
    private readonly List<FoldRoot> _folds = [];
    private readonly Dictionary<ReduceNode, StreamingReduction> _reductions = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<TaskKey, Pin> _pins = [];
    private readonly Dictionary<ArrayNode, int> _released = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<ArrayNode, string[]> _openSources = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, OpenRunProgress> _runs = new(StringComparer.Ordinal);
    private readonly Dictionary<ITimeWalker, Exception> _failed = new(ReferenceEqualityComparer.Instance);
    private readonly List<ISourceClaim> _claims = [];

    // The chunks the latest rounds emitted (a few time chunks per array): a reader added later may read them again.
    private readonly List<(ArrayNode Node, int Time, int[] Chunk, TaskKey Key)> _recent = [];
    private readonly HashSet<TaskKey> _recentKeys = [];

    private readonly Task _loop;
    private long _horizon;
    private long _latest = -1;
    private bool _readersAdded;
    private bool _readersRemoved;
    private Exception? _failure;

    public WindowDriver(DeisaClient client, int lookahead)
    {
        _client = client;
        _lookahead = lookahead;

        // Before any data arrives the window reaches step 0 only: a first window of the whole lookahead costs set-up in
        // proportion to it (8 steps of 16,384 blocks took seconds), and the steps after it are built as step 0 arrives,
        // while the contract holds their data if it comes first. Eager (an unbounded lookahead) builds everything now.
        _horizon = lookahead == int.MaxValue ? int.MaxValue : 1;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Gets the steps the window reaches: tasks of steps below this may exist.</summary>
    public long Horizon => Interlocked.Read(ref _horizon);

    /// <summary>Gets why the driver stopped, once it did: a refused window, or the runtime's shutdown.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>Gets the number of keys kept alive for later rounds.</summary>
    public int PinCount
    {
        get
        {
            lock (_pins)
            {
                return _pins.Count;
            }
        }
    }

    /// <summary>Gets how many entries the driver keeps per array node (released times, recent chunks, reductions, sources): bounded by what the persisted arrays read, not by the steps.</summary>
    internal int NodeEntries
    {
        get
        {
            lock (_openSources)
            {
                return _released.Count + _recent.Count + _reductions.Count + _openSources.Count;
            }
        }
    }

    /// <summary>Registers a persisted array and submits its first window.</summary>
    /// <returns>The root, once its first window was accepted.</returns>
    /// <exception cref="GraphValidationException">The scheduler refused the first window.</exception>
    public async Task<WindowRoot> AddAsync(DeisaArray array, string description, CancellationToken cancellationToken)
    {
        string[] open = OpenSources(array);
        var root = new WindowRoot(array, description, array.IsOpenEnded ? time => PastEnd(array, open, time) : null);
        var accepted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(new Command(CommandKind.Add, root, 0, accepted));
        await accepted.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return root;
    }

    /// <summary>Registers a persisted fold and submits its first window.</summary>
    /// <returns>The root, once its first window was accepted.</returns>
    public async Task<FoldRoot> AddFoldAsync(FoldRoot root, CancellationToken cancellationToken)
    {
        var accepted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(new Command(CommandKind.AddFold, null, 0, accepted, Fold: root));
        await accepted.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return root;
    }

    /// <summary>Waits until every command posted before it was carried out, releases included.</summary>
    public Task FlushAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(new Command(CommandKind.Flush, null, 0, done));
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Stops walking a released fold.</summary>
    public void RemoveFold(FoldRoot root)
    {
        root.Cancel();
        Post(new Command(CommandKind.RemoveFold, null, 0, null, Fold: root));
    }

    /// <summary>Stops materialising a released array; what only it held is let go at the next round.</summary>
    public void Remove(WindowRoot root)
    {
        root.Cancel();
        Post(new Command(CommandKind.Remove, root, 0, null));
    }

    /// <summary>Adds a reader of simulation blocks that each round asks what it must hold (<see cref="ISourceClaim"/>).</summary>
    public void AddClaim(ISourceClaim claim)
    {
        lock (_claims)
        {
            _claims.Add(claim);
        }

        // A round now, so that the steps already within the window are claimed.
        Post(new Command(CommandKind.OpenRun, null, 0, null));
    }

    /// <summary>Removes a reader of simulation blocks: later rounds claim nothing for it.</summary>
    public void RemoveClaim(ISourceClaim claim)
    {
        lock (_claims)
        {
            _claims.Remove(claim);
        }
    }

    /// <summary>Takes the scheduler's notice that data of <paramref name="step"/> arrived.</summary>
    public void OnProgress(int step) => Post(new Command(CommandKind.Progress, null, step, null));

    /// <summary>Takes the scheduler's notice that an open-ended run moved on or ended (the client holds how far).</summary>
    public void OnOpenRunProgress() => Post(new Command(CommandKind.OpenRun, null, 0, null));

    /// <summary>Stops the driver: every result not complete fails with <paramref name="reason"/>.</summary>
    public Task StopAsync(Exception reason)
    {
        Post(new Command(CommandKind.Stop, null, 0, null, reason));
        _commands.Writer.TryComplete();
        return _loop;
    }

    /// <inheritdoc/>
    public TaskKey ResultOf(ReduceNode node, ReadOnlySpan<int> outChunk) => _reductions[node].ResultOf(outChunk);

    private void Post(Command command)
    {
        if (!_commands.Writer.TryWrite(command))
        {
            Settle(command, _failure ?? new RuntimeShutdownException("The runtime shut down: no more arrays can be persisted.", [], null));
        }
    }

    /// <summary>Ends a command the stopped driver will not carry out: an addition fails with <paramref name="reason"/>, a flush has nothing left to wait for.</summary>
    private static void Settle(Command command, Exception reason)
    {
        if (command.Kind == CommandKind.Flush)
        {
            command.Accepted?.TrySetResult();
        }
        else
        {
            command.Accepted?.TrySetException(reason);
        }
    }

    private async Task RunAsync()
    {
        var accepted = new List<TaskCompletionSource>();

        // Flushes complete once the round after them ran, whether it succeeded or the driver stopped: nothing posted
        // before them is left to carry out either way.
        var flushes = new List<TaskCompletionSource>();
        try
        {
            while (await _commands.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                bool stop = false;
                while (_commands.Reader.TryRead(out Command? command))
                {
                    switch (command.Kind)
                    {
                        case CommandKind.Add:
                            _roots.Add(command.Root!);
                            Track(command.Root!.Array);
                            _readersAdded = true;
                            accepted.Add(command.Accepted!);
                            break;
                        case CommandKind.Remove:
                            command.Root!.Removed = true;
                            _roots.Remove(command.Root);
                            _readersRemoved = true;
                            break;
                        case CommandKind.Flush:
                            flushes.Add(command.Accepted!);
                            break;
                        case CommandKind.AddFold:
                            _folds.Add(command.Fold!);
                            Track(command.Fold!.Fold.Array);
                            _readersAdded = true;
                            accepted.Add(command.Accepted!);
                            break;
                        case CommandKind.RemoveFold:
                            _folds.Remove(command.Fold!);
                            _readersRemoved = true;
                            break;
                        case CommandKind.Progress:
                            Interlocked.Exchange(ref _horizon, Math.Max(_horizon, command.Step + 1L + _lookahead));
                            _latest = Math.Max(_latest, command.Step);
                            break;
                        case CommandKind.OpenRun:
                            // The round reads how far the runs got from the client.
                            break;
                        case CommandKind.Stop:
                            Fail(command.Error!);
                            stop = true;
                            break;
                    }
                }

                if (stop)
                {
                    return;
                }

                try
                {
                    await RoundAsync().ConfigureAwait(false);
                }
                catch (Exception error)
                {
                    foreach (TaskCompletionSource waiting in accepted)
                    {
                        waiting.TrySetException(error);
                    }

                    Fail(error);
                    return;
                }

                foreach (TaskCompletionSource waiting in accepted.Concat(flushes))
                {
                    waiting.TrySetResult();
                }

                accepted.Clear();
                flushes.Clear();
            }
        }
        finally
        {
            // Stopped by a failure as well as by StopAsync: later commands are refused at once rather than left unread.
            _commands.Writer.TryComplete();
            Exception reason = _failure ?? new RuntimeShutdownException("The runtime shut down before the window of steps reached every chunk.", [], null);
            foreach (TaskCompletionSource waiting in accepted)
            {
                waiting.TrySetException(reason);
            }

            foreach (TaskCompletionSource waiting in flushes)
            {
                waiting.TrySetResult();
            }

            while (_commands.Reader.TryRead(out Command? command))
            {
                Settle(command, reason);
            }
        }
    }

    private void Fail(Exception error)
    {
        _failure ??= error;
        foreach (WindowRoot root in _roots)
        {
            root.Fail(error);
        }

        foreach (FoldRoot fold in _folds)
        {
            fold.Fail(error);
        }

        lock (_pins)
        {
            foreach (Pin pin in _pins.Values)
            {
                pin.Future?.Dispose();
            }

            _pins.Clear();
        }

        foreach (ISourceClaim claim in Claims())
        {
            claim.Fail(error);
        }
    }

    private ISourceClaim[] Claims()
    {
        lock (_claims)
        {
            return [.. _claims];
        }
    }

    /// <summary>
    /// Finds the reductions over time an array reads, and which of their output chunks: the driver builds those step by
    /// step, and only those, since another chunk's partials would read blocks the contract does not ask for.
    /// </summary>
    private void Track(DeisaArray array)
    {
        var reads = new RequirementSink();
        reads.Require(array, Region.All(array));
        foreach ((ArrayNode node, List<Region> regions) in reads.Reached)
        {
            if (node is not ReduceNode { ReducesTime: true, IsIdentity: false } reduce)
            {
                continue;
            }

            if (!_reductions.TryGetValue(reduce, out StreamingReduction? reduction))
            {
                reduction = new StreamingReduction(reduce);
                _reductions.Add(reduce, reduction);
            }

            foreach (Region region in regions)
            {
                reduction.Want(region);
            }
        }
    }

    /// <summary>Emits what the window newly reaches, pins what later rounds read, submits, and lets go of older pins.</summary>
    private async Task RoundAsync()
    {
        if (_readersRemoved)
        {
            _readersRemoved = false;
            ForgetUnread();
        }

        long horizon = Horizon;
        _runs.Clear();
        var sink = new GraphSink(IsAlive, this);
        foreach (ITimeWalker walker in Walkers())
        {
            if (!walker.IsComplete && !_failed.ContainsKey(walker))
            {
                walker.Advance(Limit(walker.Input, horizon), sink);
                if ((walker.Failure ?? ReadsPastEnd(walker)) is { } failure)
                {
                    FailWalker(walker, failure);
                }
            }
        }

        // A fold's finishing tasks come once its last step is in, in the same round as its result.
        var values = new List<(FoldValue Value, TaskKey Key)>();
        foreach (FoldRoot fold in _folds)
        {
            if (!fold.Emitted && fold.Walker.Result is { } result)
            {
                foreach (KeyValuePair<TaskKey, TaskSpec> task in fold.Finish(result))
                {
                    sink.AddTask(task.Key, task.Value);
                }

                values.AddRange(fold.Values.Select(v => (v, v.Key)));
                fold.Emitted = true;
            }
        }

        var outputs = new List<(WindowRoot Root, int[] Chunk, TaskKey Key)>();
        foreach (WindowRoot root in _roots)
        {
            DeisaArray array = root.Array;
            if (root.Result.IsCompleted)
            {
                // Failed (a fold or reduction it reads has no value, it reads past a run's end), or complete.
                continue;
            }

            if (PastRunEnd(array) is { } past)
            {
                root.Fail(past);
                continue;
            }

            if (array.TimeAxis >= 0)
            {
                TimeLimit limit = Limit(array, horizon);
                while (!root.Emitted && array.Node.SourceEnd(root.Cursor) <= limit.Horizon)
                {
                    foreach (int[] chunk in array.ChunksAt(root.Cursor))
                    {
                        outputs.Add((root, chunk, sink.Require(array, chunk)));
                    }

                    root.Cursor++;
                }

                if (root.IsOpen && !root.Emitted && limit.IsDone(array, root.Cursor, array.Axes[array.TimeAxis].Count))
                {
                    root.End(FirstPast(array, limit.End, root.Cursor));
                }
            }
            else if (!root.Emitted && ReductionsDone(array) && array.Node.SourceEnd(0) <= horizon)
            {
                foreach (int[] chunk in array.ChunkIndices())
                {
                    outputs.Add((root, chunk, sink.Require(array, chunk)));
                }

                root.Cursor = 1;
            }
        }

        // What later rounds will read: from every pending reader down, the earliest time of each array.
        Dictionary<ArrayNode, int> low = Lowest();
        if (_readersAdded)
        {
            // A new reader reaches back to chunks earlier rounds emitted and, no reader then reading them again, did
            // not pin: asked for again now, they are pinned below while their data is still there. Left out, the
            // reader's tasks would come after the data went, and wait for blocks never shipped again.
            _readersAdded = false;
            foreach ((ArrayNode node, int time, int[] chunk, _) in _recent)
            {
                if (Needed(node, time, low) && time >= _released.GetValueOrDefault(node))
                {
                    sink.Require(node.Array, chunk);
                }
            }
        }

        var keep = new Dictionary<TaskKey, Pin>();
        lock (_pins)
        {
            foreach (StreamingReduction reduction in _reductions.Values)
            {
                // A reduction's frontier, and its results while a pending array still reads them.
                IEnumerable<TaskKey> held = _failed.ContainsKey(reduction) ? [] : reduction.IsComplete ? (Reads(reduction) ? reduction.Results : []) : reduction.Pending;
                foreach (TaskKey key in held)
                {
                    keep[key] = _pins.TryGetValue(key, out Pin? pinned) ? pinned : new Pin(reduction.Node, -1, null, Frontier: true);
                }
            }

            foreach (FoldRoot fold in _folds)
            {
                // A fold's state or tree frontier; its result is read by its finishing tasks in the round it completes.
                foreach (TaskKey key in fold.Walker.Pending)
                {
                    keep[key] = _pins.TryGetValue(key, out Pin? pinned) ? pinned : new Pin(fold.Fold.Array.Node, -1, null, Frontier: true);
                }
            }

            foreach ((TaskKey key, Pin pin) in _pins)
            {
                // A reduction's frontier is kept above while it is one; chunks while a pending reader reaches their time.
                if (!pin.Frontier && !keep.ContainsKey(key) && Needed(pin.Node, pin.Time, low))
                {
                    keep[key] = pin;
                }
            }
        }

        foreach ((ArrayNode node, int time, _, TaskKey key) in sink.Emitted)
        {
            if (!keep.ContainsKey(key) && Needed(node, time, low))
            {
                keep[key] = new Pin(node, time, null);
            }
        }

        Remember(sink);

        var wanted = new List<TaskKey>(outputs.Count + values.Count);
        var described = new Dictionary<TaskKey, string>();
        foreach ((WindowRoot root, _, TaskKey key) in outputs)
        {
            wanted.Add(key);
            described.TryAdd(key, $"a chunk of {root.Description}");
        }

        foreach ((FoldValue value, TaskKey key) in values)
        {
            wanted.Add(key);
            described.TryAdd(key, value.Root.Description);
        }

        string? Describe(TaskKey key) => described.GetValueOrDefault(key);

        var newPins = new List<TaskKey>();
        foreach ((TaskKey key, Pin pin) in keep)
        {
            if (pin.Future is null && !_pins.ContainsKey(key))
            {
                newPins.Add(key);
                wanted.Add(key);
            }
        }

        // Blocks held for readers outside the graph, wanted in the same submission as the tasks that read them.
        int claimedFrom = wanted.Count;
        var claimed = new List<(ISourceClaim Claim, List<TaskKey> Keys)>();
        foreach (ISourceClaim claim in Claims())
        {
            List<TaskKey> keys = claim.Claim(horizon);
            if (keys.Count > 0)
            {
                claimed.Add((claim, keys));
                wanted.AddRange(keys);
                sink.Externals.UnionWith(keys);
            }
        }

        IReadOnlyList<Future> futures = wanted.Count == 0 && sink.Tasks.Count == 0 && sink.Externals.Count == 0
            ? []
            : await _client.SubmitWindowAsync(sink.Tasks, sink.Externals, wanted, Describe).ConfigureAwait(false);

        int at = claimedFrom;
        foreach ((ISourceClaim claim, List<TaskKey> keys) in claimed)
        {
            claim.Take(keys, [.. futures.Skip(at).Take(keys.Count)]);
            at += keys.Count;
        }

        for (int i = 0; i < outputs.Count; i++)
        {
            (WindowRoot root, int[] chunk, _) = outputs[i];
            _ = root.CollectAsync(futures[i], chunk);
        }

        for (int i = 0; i < values.Count; i++)
        {
            _ = values[i].Value.CollectAsync(futures[outputs.Count + i]);
        }

        lock (_pins)
        {
            for (int i = 0; i < newPins.Count; i++)
            {
                TaskKey key = newPins[i];
                keep[key] = keep[key] with { Future = futures[outputs.Count + values.Count + i] };
            }

            foreach ((TaskKey key, Pin pin) in _pins)
            {
                if (!keep.ContainsKey(key))
                {
                    pin.Future?.Dispose();
                    if (pin.Time >= 0)
                    {
                        _released[pin.Node] = Math.Max(_released.GetValueOrDefault(pin.Node), pin.Time + 1);
                    }
                }
            }

            _pins.Clear();
            foreach ((TaskKey key, Pin pin) in keep)
            {
                if (pin.Future is not null)
                {
                    _pins.Add(key, pin);
                }
            }
        }
    }

    /// <summary>
    /// Drops the reductions over time that no persisted array or fold reads any more: walked on, they would build their
    /// trees step after step and keep their frontier, and the blocks it reads, alive for nobody.
    /// </summary>
    private void ForgetUnread()
    {
        // Every node a remaining reader reads: what the tables keep per node of the others (an array computed once
        // inside each call of a window callback is a new node each step) would grow with the steps.
        var live = new HashSet<ArrayNode>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<DeisaArray>(_roots.Select(r => r.Array).Concat(_folds.Select(f => f.Fold.Array)));
        while (stack.Count > 0)
        {
            DeisaArray current = stack.Pop();
            if (live.Add(current.Node))
            {
                foreach (DeisaArray input in current.Node.Inputs)
                {
                    stack.Push(input);
                }
            }
        }

        foreach (ReduceNode node in _reductions.Keys.ToList())
        {
            if (!live.Contains(node))
            {
                _failed.Remove(_reductions[node]);
                _reductions.Remove(node);
            }
        }

        foreach (ArrayNode node in _released.Keys.ToList())
        {
            if (!live.Contains(node))
            {
                _released.Remove(node);
            }
        }

        ForgetRecent(e => !live.Contains(e.Node));
        lock (_openSources)
        {
            foreach (ArrayNode node in _openSources.Keys.ToList())
            {
                if (!live.Contains(node))
                {
                    _openSources.Remove(node);
                }
            }
        }
    }

    /// <summary>Remembers the chunks with a time a round emitted, and forgets those more than the lookahead behind the latest of their array.</summary>
    private void Remember(GraphSink sink)
    {
        var newest = new Dictionary<ArrayNode, int>(ReferenceEqualityComparer.Instance);
        foreach ((ArrayNode Node, int Time, int[] Chunk, TaskKey Key) emitted in sink.Emitted)
        {
            // Once each: readers added later (the arrays computed inside window callbacks) emit the same blocks again.
            if (emitted.Time >= 0 && _recentKeys.Add(emitted.Key))
            {
                _recent.Add(emitted);
            }
        }

        foreach ((ArrayNode node, int time, _, _) in _recent)
        {
            newest[node] = Math.Max(newest.GetValueOrDefault(node, time), time);
        }

        ForgetRecent(e => e.Time < newest[e.Node] - _lookahead - 1);
    }

    private void ForgetRecent(Func<(ArrayNode Node, int Time, int[] Chunk, TaskKey Key), bool> forget) =>
        _recent.RemoveAll(e =>
        {
            if (!forget(e))
            {
                return false;
            }

            _recentKeys.Remove(e.Key);
            return true;
        });

    /// <summary>Whether the reductions over time an array without a time axis reads are all complete.</summary>
    private bool ReductionsDone(DeisaArray array)
    {
        var stack = new Stack<DeisaArray>();
        stack.Push(array);
        while (stack.Count > 0)
        {
            DeisaArray current = stack.Pop();
            if (current.Node is ReduceNode { ReducesTime: true, IsIdentity: false } reduce)
            {
                // One the array reads nothing of (in an empty part of a concatenation) is not tracked, and never waited for.
                if (_reductions.TryGetValue(reduce, out StreamingReduction? reduction) && !reduction.IsComplete)
                {
                    return false;
                }

                continue;
            }

            foreach (DeisaArray input in current.Node.Inputs)
            {
                stack.Push(input);
            }
        }

        return true;
    }

    /// <summary>Per array, the earliest time chunk a later round will still read; arrays no later round reads are absent.</summary>
    private Dictionary<ArrayNode, int> Lowest()
    {
        var low = new Dictionary<ArrayNode, int>(ReferenceEqualityComparer.Instance);
        foreach (WindowRoot root in _roots)
        {
            if (!root.Emitted && !root.Result.IsFaulted)
            {
                Reach(root.Array, root.Array.TimeAxis >= 0 ? root.Cursor : 0, low);
            }
        }

        foreach (StreamingReduction reduction in _reductions.Values)
        {
            if (!reduction.IsComplete && !_failed.ContainsKey(reduction) && Reads(reduction))
            {
                Reach(reduction.Node.Inputs[0], reduction.Cursor, low);
            }
        }

        foreach (FoldRoot fold in _folds)
        {
            if (!fold.Walker.IsComplete && !_failed.ContainsKey(fold.Walker))
            {
                Reach(fold.Fold.Array, fold.Walker.Cursor, low);
            }
        }

        return low;
    }

    /// <summary>Whether a pending root still reads this reduction's result.</summary>
    private bool Reads(StreamingReduction reduction) => _roots.Any(r => !r.Emitted && DependsOn(r.Array, reduction.Node));

    private static bool DependsOn(DeisaArray array, ArrayNode node)
    {
        var stack = new Stack<DeisaArray>();
        stack.Push(array);
        while (stack.Count > 0)
        {
            DeisaArray current = stack.Pop();
            if (ReferenceEquals(current.Node, node))
            {
                return true;
            }

            foreach (DeisaArray input in current.Node.Inputs)
            {
                stack.Push(input);
            }
        }

        return false;
    }

    /// <summary>Records that time chunk <paramref name="time"/> of <paramref name="array"/> and later ones are still to be read, and so, down, what they read.</summary>
    private static void Reach(DeisaArray array, int time, Dictionary<ArrayNode, int> low)
    {
        ArrayNode node = array.Node;
        if (array.TimeAxis < 0)
        {
            time = 0;
        }

        if (low.TryGetValue(node, out int known) && known <= time)
        {
            return;
        }

        low[node] = time;
        if (node is ReduceNode { ReducesTime: true })
        {
            // Its input is read by the reduction itself, from its own cursor.
            return;
        }

        for (int i = 0; i < node.Inputs.Length; i++)
        {
            DeisaArray input = node.Inputs[i];
            int first = node.FirstReadFrom(i, time);
            if (input.TimeAxis < 0)
            {
                Reach(input, 0, low);
            }
            else if (first >= 0)
            {
                Reach(input, first, low);
            }
        }
    }

    private static bool Needed(ArrayNode node, int time, Dictionary<ArrayNode, int> low) =>
        low.TryGetValue(node, out int from) && (time < 0 || time >= from);

    /// <summary>Whether a key emitted by an earlier round is still alive; asking again for a computed one let go is a bug, said loudly rather than hanging on data long gone.</summary>
    private bool IsAlive(ArrayNode node, int time, TaskKey key)
    {
        lock (_pins)
        {
            if (_pins.ContainsKey(key))
            {
                return true;
            }
        }

        // A simulation block is the scheduler's to keep or not: a reader added later (an array persisted inside a window
        // callback) reads one the window let go while something else holds it, and one gone is refused by the interest
        // check before any task is built.
        if (time >= 0 && node is not SourceNode && _released.TryGetValue(node, out int below) && time < below)
        {
            throw new InvalidOperationException($"{key} (time chunk {time} of {node.Array}) was asked for again after the window let it go: a bug in Deisa's window driver.");
        }

        return false;
    }

    /// <summary>The names of the open-ended simulation arrays an array reads, here or through its inputs.</summary>
    private string[] OpenSources(DeisaArray array)
    {
        lock (_openSources)
        {
            if (_openSources.TryGetValue(array.Node, out string[]? known))
            {
                return known;
            }

            var names = new SortedSet<string>(StringComparer.Ordinal);
            var seen = new HashSet<ArrayNode>(ReferenceEqualityComparer.Instance);
            var stack = new Stack<DeisaArray>();
            stack.Push(array);
            while (stack.Count > 0)
            {
                DeisaArray current = stack.Pop();
                if (!current.ReadsOpenTime || !seen.Add(current.Node))
                {
                    continue;
                }

                if (current.Node is SourceNode { Layout.IsOpenEnded: true } source)
                {
                    names.Add(source.Layout.Name);
                }

                foreach (DeisaArray input in current.Node.Inputs)
                {
                    stack.Push(input);
                }
            }

            string[] result = [.. names];
            _openSources.Add(array.Node, result);
            return result;
        }
    }

    /// <summary>How far an open-ended run has got, as this round sees it: read once per round, so that the round's decisions agree.</summary>
    private OpenRunProgress Run(string array)
    {
        if (!_runs.TryGetValue(array, out OpenRunProgress? progress))
        {
            progress = _client.OpenRun(array);
            _runs.Add(array, progress);
        }

        return progress;
    }

    /// <summary>
    /// How far a walk along an array's time may go this round. Bounded arrays: the window's horizon. Over an open time:
    /// a bounded lookahead, no further than the run's end once known, with the steps known to be there.
    /// </summary>
    private TimeLimit Limit(DeisaArray array, long horizon)
    {
        if (!array.IsOpenEnded)
        {
            return TimeLimit.Bounded(horizon);
        }

        (long complete, long end, bool ended) = RunsOf(OpenSources(array));
        long reach = Math.Min(horizon, _latest + 1 + Math.Min(_lookahead, MaxOpenLookahead));
        return new TimeLimit(Math.Min(reach, end), complete, end, ended);
    }

    /// <summary>Over some open-ended runs: the steps all of them have complete, the least end, and whether every one ended.</summary>
    private (long Complete, long End, bool Ended) RunsOf(string[] sources)
    {
        long complete = long.MaxValue;
        long end = long.MaxValue;
        bool ended = sources.Length > 0;
        foreach (string source in sources)
        {
            OpenRunProgress progress = Run(source);
            complete = Math.Min(complete, progress.Complete);
            end = Math.Min(end, progress.End);
            ended &= progress.Ended;
        }

        return (complete, end == int.MaxValue ? long.MaxValue : end, ended);
    }

    /// <summary>The first time chunk of an open-ended array that reads a step at or past <paramref name="end"/>, searched below <paramref name="below"/>, past which none reads less.</summary>
    private static int FirstPast(DeisaArray array, long end, int below)
    {
        int lo = 0;
        int hi = below;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (array.Node.SourceEnd(mid) > end)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }

    /// <summary>Whether time chunk <paramref name="time"/> of an open-ended array reads past its run's end as the client knows it now; called off the driver's loop, as chunks fail.</summary>
    private bool PastEnd(DeisaArray array, string[] sources, int time)
    {
        long end = long.MaxValue;
        foreach (string source in sources)
        {
            end = Math.Min(end, _client.OpenRun(source).End);
        }

        return end != int.MaxValue && array.Node.SourceEnd(time) > end;
    }

    /// <summary>
    /// Why a bounded array that reads open-ended runs cannot be computed: every run it reads ended, before steps it
    /// reads (a slice with a stop past the end). Null while it may be.
    /// </summary>
    private DeisaException? PastRunEnd(DeisaArray array)
    {
        if (array.IsOpenEnded || !array.ReadsOpenTime)
        {
            return null;
        }

        (_, long end, bool ended) = RunsOf(OpenSources(array));
        int time = array.TimeAxis;
        if (!ended || (time < 0 && !ReductionsDone(array)))
        {
            return null;
        }

        int last = time >= 0 ? array.Axes[time].Count - 1 : 0;
        long needed = last < 0 ? 0 : array.Node.SourceEnd(last);
        return needed > end
            ? new DeisaException(
                $"{array} cannot be computed: it reads steps up to {needed - 1} of {string.Join(", ", OpenSources(array).Select(s => $"'{s}'"))}, but the run ended after {end} step(s). " +
                "Slice open-ended arrays to the run's end (a[5..], with no stop) to read every step there is, or with a stop within it.")
            : null;
    }

    /// <summary>Why a walk over a bounded array that reads open-ended runs cannot end: the runs ended before its last time chunk; null otherwise.</summary>
    private DeisaException? ReadsPastEnd(ITimeWalker walker) => walker.IsComplete || walker.Input.TimeAxis < 0 ? null : PastRunEnd(walker.Input);

    /// <summary>Fails what a walk that has no result feeds: the roots that read a reduction, or a fold's values.</summary>
    private void FailWalker(ITimeWalker walker, Exception failure)
    {
        _failed[walker] = failure;
        if (walker is StreamingReduction reduction)
        {
            foreach (WindowRoot root in _roots)
            {
                if (DependsOn(root.Array, reduction.Node))
                {
                    root.Fail(failure);
                }
            }

            return;
        }

        foreach (FoldRoot fold in _folds)
        {
            if (ReferenceEquals(fold.Walker, walker))
            {
                fold.Fail(failure);
            }
        }
    }

    private IEnumerable<ITimeWalker> Walkers() => _reductions.Values.Cast<ITimeWalker>().Concat(_folds.Select(f => f.Walker));

    private enum CommandKind
    {
        Add,
        Remove,
        AddFold,
        RemoveFold,
        Flush,
        Progress,
        OpenRun,
        Stop,
    }

    /// <summary>A key kept alive for a later round, with the future that holds it once submitted.</summary>
    /// <param name="Node">The array the key is a chunk of, or the reduction whose tree holds it.</param>
    /// <param name="Time">The chunk's time, -1 without one.</param>
    /// <param name="Future">The hold, once submitted.</param>
    /// <param name="Frontier">Whether it is a partial or combine of a reduction over time, kept while its tree waits for it.</param>
    private sealed record Pin(ArrayNode Node, int Time, Future? Future, bool Frontier = false);

    private sealed record Command(CommandKind Kind, WindowRoot? Root, int Step, TaskCompletionSource? Accepted, Exception? Error = null, FoldRoot? Fold = null);
}
