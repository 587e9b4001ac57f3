using System.Threading.Tasks;
using Deisa.Core.Arrays;
using Deisa.Core.Arrays.Nodes;
using Deisa.Core.Client;
using Deisa.Core.Errors;
using Deisa.Core.Graph;

namespace Deisa.Core.Streaming;

/// <summary>
/// A window callback at work (<see cref="DeisaClient.RegisterAsync"/>): as the simulation ships the steps its windows
/// read, it calls the callback once per step, in step order, with each window's latest steps.
/// </summary>
/// <remarks>
/// <para>The contract asks for what the windows read, and nothing more, from their registration on (register before
/// <see cref="DeisaClient.ValidateContract"/>; one registered later gets the steps not yet produced).</para>
/// <para>Memory: each window holds its latest steps on the workers (the blocks they read, <see cref="Window.Size"/>
/// steps of them), and each running call the steps of its windows until it returns. Nothing grows with the steps:
/// a registration over a run of any length costs what one window costs.</para>
/// <para>Wait for it (<see cref="WaitAsync"/>) before the analytics return: it completes once the windows' last steps
/// were called, for an open-ended run when the simulation finished.</para>
/// </remarks>
public sealed class WindowRegistration : IAsyncDisposable, IDisposable, ISourceClaim
{
    // How many steps ahead of the one it waits for a registration holds what arrived: past it, data that persisted
    // arrays read and let go before the registration holds it is refused by the scheduler, named, rather than lost.
    private const int MaxClaimAhead = 1024;

    // The time indices a registration holds in one submission when the window driver has not claimed them.
    private const int HoldAhead = 8;

    private readonly DeisaClient _client;
    private readonly Func<WindowStep, Task> _callback;
    private readonly Track[] _tracks;
    private readonly WindowCallbackOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _slots;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _lock = new();
    private readonly List<Task> _running = [];
    private readonly List<(TaskCompletionSource<IReadOnlyList<Future>> Hold, int Keys)> _lastClaim = [];
    private bool _finished;
    private long _interest;
    private Task _loop = Task.CompletedTask;
    private Exception? _failure;
    private long _calls;
    private long _skipped;
    private int _lastStep = -1;
    private int _disposed;

    private WindowRegistration(DeisaClient client, Func<WindowStep, Task> callback, Window[] windows, WindowCallbackOptions options)
    {
        _client = client;
        _callback = callback;
        _options = options;
        _tracks = [.. windows.Select(w => new Track(w))];
        _slots = new SemaphoreSlim(options.MaxConcurrency);
        Name = options.Name ?? "callback";
    }

    /// <summary>Gets the callback's name in messages.</summary>
    public string Name { get; }

    /// <summary>Gets the number of calls that returned (or failed).</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Gets the number of steps skipped under <see cref="CallbackErrorPolicy.Skip"/>: a failed call or data that never came.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Gets the step of the latest call that returned, -1 before any.</summary>
    public int LastStep => Volatile.Read(ref _lastStep);

    /// <summary>Gets a task that completes once every step was called, or fails with the <see cref="WindowCallbackException"/> that stopped the registration.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Waits until every step was called.</summary>
    /// <param name="cancellationToken">Stops waiting (not the registration).</param>
    /// <returns>A task that completes with the registration.</returns>
    /// <exception cref="WindowCallbackException">A call failed under <see cref="CallbackErrorPolicy.Stop"/>, or a step's data never came.</exception>
    public Task WaitAsync(CancellationToken cancellationToken = default) => _completion.Task.WaitAsync(cancellationToken);

    /// <summary>Blocks until every step was called.</summary>
    /// <param name="timeout">How long to wait; <see cref="ClientOptions.ResultTimeout"/> when null.</param>
    /// <exception cref="WindowCallbackException">A call failed under <see cref="CallbackErrorPolicy.Stop"/>, or a step's data never came.</exception>
    /// <exception cref="DeisaTimeoutException">The steps were not all called in time.</exception>
    public void Wait(TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? _client.ResultTimeout;
        bool done;
        try
        {
            done = _completion.Task.Wait(limit);
        }
        catch (AggregateException)
        {
            done = true;
        }

        if (!done)
        {
            throw new DeisaTimeoutException(
                $"The window callback '{Name}' did not get through its steps within {limit.TotalSeconds:0.#} s ({Calls} call(s), the latest at step {LastStep}). " +
                "Check that the simulation runs and ships; an open-ended run's windows end when the simulation finishes. Pass a longer timeout, or raise ClientOptions.ResultTimeout, for longer runs.");
        }

        _completion.Task.GetAwaiter().GetResult();
    }

    /// <summary>Stops the registration: no more calls, and its windows' data and contract are let go.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _stop.Cancel();
        }
    }

    /// <summary>Stops the registration and waits for its running calls to return.</summary>
    /// <returns>A task that completes once it stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        Dispose();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Checks a registration, declares what it reads to the contract and starts its loop.</summary>
    internal static async Task<WindowRegistration> StartAsync(DeisaClient client, Func<WindowStep, Task> callback, IReadOnlyList<Window> windows, WindowCallbackOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(callback);
        ArgumentNullException.ThrowIfNull(windows);
        options ??= new WindowCallbackOptions();
        options.Validate();
        if (windows.Count == 0)
        {
            throw new ArgumentException("A window callback needs at least one window: new Window(arrays[\"name\"], size).", nameof(windows));
        }

        var reads = new List<SourceRequirement>();
        for (int i = 0; i < windows.Count; i++)
        {
            Window window = windows[i] ?? throw new ArgumentException($"Window {i} of the registration is null.", nameof(windows));
            if (!ReferenceEquals(window.Array.Client, client))
            {
                throw new ArgumentException($"{window} comes from another client's arrays: take the arrays from the client you register on.", nameof(windows));
            }

            IReadOnlyList<SourceRequirement> read = window.Array.Reads();
            if (read.Count == 0)
            {
                throw new ArgumentException($"{window} reads no simulation data, so no step of it ever arrives: window an array computed from the simulation's arrays.", nameof(windows));
            }

            reads.AddRange(read);
        }

        var registration = new WindowRegistration(client, callback, [.. windows], options);
        registration._interest = await client.DeclareInterestAsync($"the window callback '{registration.Name}' ({string.Join(", ", windows)})", reads, cancellationToken).ConfigureAwait(false);

        // Persisted arrays read the same blocks: the window driver holds them for the registration in the rounds that
        // first reach them, before their tasks can consume and let go of them.
        client.Windows.AddClaim(registration);
        registration._loop = Task.Run(registration.RunAsync, CancellationToken.None);
        return registration;
    }

    private async Task RunAsync()
    {
        try
        {
            while (await NextTriggerAsync().ConfigureAwait(false) is (int step, bool[] isNew))
            {
                await CallAsync(step, isNew).ConfigureAwait(false);
            }

            Task[] running;
            lock (_lock)
            {
                running = [.. _running];
            }

            await Task.WhenAll(running).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed, or stopped by a failed call: the failure, if any, is the outcome.
        }
        catch (Exception error)
        {
            Fail(error as WindowCallbackException ?? new WindowCallbackException(Name, LastStep, $"The window callback '{Name}' stopped after step {LastStep}: {error.Message}", error));
        }
        finally
        {
            await _client.ForgetClaimAsync(this).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            lock (_lock)
            {
                _finished = true;
                foreach (Track track in _tracks)
                {
                    foreach (Hold hold in track.Held)
                    {
                        hold.Release();
                    }

                    track.Held.Clear();
                    foreach ((TaskCompletionSource<IReadOnlyList<Future>> claimed, _) in track.Claimed.Values)
                    {
                        if (claimed.Task.IsCompletedSuccessfully)
                        {
                            Dispose(claimed.Task.Result);
                        }
                    }

                    track.Claimed.Clear();
                }
            }

            if (_interest != 0)
            {
                _client.WithdrawInterest(_interest);
            }

            if (Volatile.Read(ref _failure) is { } failure)
            {
                _completion.TrySetException(failure);
            }
            else if (Volatile.Read(ref _disposed) != 0)
            {
                _completion.TrySetCanceled();
            }
            else
            {
                _completion.TrySetResult();
            }
        }
    }

    /// <summary>
    /// Holds the windows' steps up to the next step that triggers a call, and gives it with which windows got it; null
    /// once the windows are through their steps.
    /// </summary>
    private async Task<(int Step, bool[] IsNew)?> NextTriggerAsync()
    {
        bool all = _options.Trigger == WindowTrigger.All;
        while (true)
        {
            _stop.Token.ThrowIfCancellationRequested();
            int step = all ? -1 : int.MaxValue;
            bool any = false;
            foreach (Track track in _tracks)
            {
                if (track.Done)
                {
                    if (all)
                    {
                        return null;
                    }

                    continue;
                }

                any = true;
                int next = track.StepOf(track.Next);
                step = all ? Math.Max(step, next) : Math.Min(step, next);
            }

            if (!any)
            {
                return null;
            }

            bool[] isNew = new bool[_tracks.Length];
            for (int i = 0; i < _tracks.Length; i++)
            {
                Track track = _tracks[i];
                while (!track.Done && track.StepOf(track.Next) <= step)
                {
                    int index = track.Next++;
                    if (await HoldAsync(track, index).ConfigureAwait(false) is { } hold)
                    {
                        lock (_lock)
                        {
                            track.Add(hold);
                        }

                        isNew[i] |= hold.Step == step;
                    }
                }
            }

            bool trigger = all ? isNew.All(n => n) : isNew.Any(n => n) && _tracks.All(t => t.Held.Count > 0);
            if (trigger)
            {
                return (step, isNew);
            }

            if (all && _tracks.Any(t => t.Done))
            {
                return null;
            }
        }
    }

    /// <summary>Keeps the blocks of one time index of a window on the workers once they arrived; null when they never come.</summary>
    private async Task<Hold?> HoldAsync(Track track, int index)
    {
        int step = track.StepOf(index);
        List<TaskKey> keys;
        Task<IReadOnlyList<Future>>? claimed;
        List<TaskKey>? batch = null;
        var ahead = new List<(TaskCompletionSource<IReadOnlyList<Future>> Hold, int Keys)>();
        lock (_lock)
        {
            if (track.Claimed.Remove(index, out (TaskCompletionSource<IReadOnlyList<Future>> Hold, List<TaskKey> Keys) round))
            {
                claimed = round.Hold.Task;
                keys = round.Keys;
            }
            else
            {
                keys = track.KeysAt(index);
                // Not reached by the window driver yet: held here, with the next few indices in the same submission
                // (one round trip for several steps, which is what a call per step costs otherwise), and not claimed
                // by a later round. Data that come early are kept by the scheduler anyway, so this holds no more.
                claimed = null;
                batch = [.. keys];
                int end = (int)Math.Min(track.Count, (long)index + HoldAhead);
                for (int next = Math.Max(index + 1, track.ClaimNext); next < end; next++)
                {
                    ClaimIndex(track, next, ahead, batch);
                }

                track.ClaimNext = Math.Max(track.ClaimNext, end);
            }
        }

        IReadOnlyList<Future> futures = claimed is not null
            ? await claimed.WaitAsync(_stop.Token).ConfigureAwait(false)
            : await HoldHereAsync(track, step, keys.Count, batch!, ahead).ConfigureAwait(false);
        var hold = new Hold(index, step, futures, keys);
        Exception? missing = null;

        // One wake-up once they are all there, not one per block.
        await Future.WhenAllDone(futures).WaitAsync(_stop.Token).ConfigureAwait(false);
        foreach (Future future in futures)
        {
            if (future.Status != FutureStatus.Finished && missing is null)
            {
                try
                {
                    await future.GetResultAsync(_stop.Token).ConfigureAwait(false);
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    missing = error;
                }
            }
        }

        if (missing is null)
        {
            return hold;
        }

        hold.Release();
        if (RunEnded(track.Sources, step))
        {
            // An open-ended run ended before this step: the window is through.
            track.Ended = true;
            return null;
        }

        Skip(new WindowCallbackException(Name, step, $"The window callback '{Name}' cannot run at step {step}: data of {track.Window} never comes ({missing.Message}).", missing));
        return null;
    }

    /// <summary>
    /// Holds the blocks of one time index and of the indices after it that <paramref name="ahead"/> waits for, in one
    /// submission; gives the first index's futures, the others to their waiters.
    /// </summary>
    private async Task<IReadOnlyList<Future>> HoldHereAsync(Track track, int step, int count, List<TaskKey> batch, List<(TaskCompletionSource<IReadOnlyList<Future>> Hold, int Keys)> ahead)
    {
        IReadOnlyList<Future> all;
        try
        {
            all = await _client.SubmitWindowAsync(new TaskGraph(), batch, batch, key => $"{key} of {track.Window}, read by the window callback '{Name}' (from step {step})").ConfigureAwait(false);
        }
        catch (Exception error)
        {
            foreach ((TaskCompletionSource<IReadOnlyList<Future>> hold, _) in ahead)
            {
                hold.TrySetException(error);
            }

            throw;
        }

        lock (_lock)
        {
            HandOut(ahead, all, count);
        }

        return [.. all.Take(count)];
    }

    /// <inheritdoc/>
    List<TaskKey> ISourceClaim.Claim(long horizon)
    {
        var keys = new List<TaskKey>();
        lock (_lock)
        {
            _lastClaim.Clear();
            if (_finished)
            {
                return keys;
            }

            foreach (Track track in _tracks)
            {
                while (track.ClaimNext < track.Count && track.ClaimNext < track.Next + MaxClaimAhead && track.StepOf(track.ClaimNext) < horizon)
                {
                    ClaimIndex(track, track.ClaimNext++, _lastClaim, keys);
                }
            }
        }

        return keys;
    }

    /// <inheritdoc/>
    void ISourceClaim.Take(List<TaskKey> keys, IReadOnlyList<Future> futures)
    {
        lock (_lock)
        {
            HandOut(_lastClaim, futures, 0);
            _lastClaim.Clear();
        }
    }

    /// <summary>
    /// Claims the blocks of one time index for a submission to come: their keys go to <paramref name="keys"/>, and
    /// the loop waits for their futures in the track's table (under the registration's lock).
    /// </summary>
    private static void ClaimIndex(Track track, int index, List<(TaskCompletionSource<IReadOnlyList<Future>> Hold, int Keys)> claims, List<TaskKey> keys)
    {
        List<TaskKey> blocks = track.KeysAt(index);
        var hold = new TaskCompletionSource<IReadOnlyList<Future>>(TaskCreationOptions.RunContinuationsAsynchronously);
        track.Claimed[index] = (hold, blocks);
        claims.Add((hold, blocks.Count));
        keys.AddRange(blocks);
    }

    /// <summary>
    /// Gives each claim its futures, in order from <paramref name="from"/>; a claim nobody will take (the registration
    /// ended) lets its futures go (under the registration's lock).
    /// </summary>
    private void HandOut(List<(TaskCompletionSource<IReadOnlyList<Future>> Hold, int Keys)> claims, IReadOnlyList<Future> futures, int from)
    {
        int at = from;
        foreach ((TaskCompletionSource<IReadOnlyList<Future>> hold, int count) in claims)
        {
            // The loop may be waiting for it already (it took the claim out of the track's table).
            IReadOnlyList<Future> held = [.. futures.Skip(at).Take(count)];
            at += count;
            if (_finished || !hold.TrySetResult(held))
            {
                Dispose(held);
            }
        }
    }

    /// <inheritdoc/>
    void ISourceClaim.Fail(Exception error)
    {
        lock (_lock)
        {
            foreach ((TaskCompletionSource<IReadOnlyList<Future>> hold, _) in _lastClaim)
            {
                hold.TrySetException(error);
            }

            foreach (Track track in _tracks)
            {
                foreach ((TaskCompletionSource<IReadOnlyList<Future>> claimed, _) in track.Claimed.Values)
                {
                    claimed.TrySetException(error);
                }
            }
        }
    }

    private static void Dispose(IReadOnlyList<Future> futures)
    {
        foreach (Future future in futures)
        {
            future.Dispose();
        }
    }

    private bool RunEnded(string[] sources, int step)
    {
        foreach (string source in sources)
        {
            OpenRunProgress progress = _client.OpenRun(source);
            if (progress.End != int.MaxValue && step >= progress.End)
            {
                return true;
            }
        }

        return false;
    }

    private async Task CallAsync(int step, bool[] isNew)
    {
        var arrays = new DeisaArray[_tracks.Length];
        int[][] steps = new int[_tracks.Length][];
        var holds = new List<Hold>();
        for (int i = 0; i < _tracks.Length; i++)
        {
            (arrays[i], steps[i]) = _tracks[i].Current();
            holds.AddRange(_tracks[i].Held);
        }

        lock (_lock)
        {
            foreach (Hold hold in holds)
            {
                hold.Refs++;
            }
        }

        var call = new WindowStep(step, arrays, steps, isNew, _stop.Token);
        if (_options.MaxConcurrency == 1)
        {
            await RunCallAsync(call, holds).ConfigureAwait(false);
            return;
        }

        await _slots.WaitAsync(_stop.Token).ConfigureAwait(false);
        Task running = RunCallAsync(call, holds).ContinueWith(_ => _slots.Release(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        lock (_lock)
        {
            _running.RemoveAll(t => t.IsCompleted);
            _running.Add(running);
        }
    }

    private async Task RunCallAsync(WindowStep call, List<Hold> holds)
    {
        var held = new HeldBlocks([.. holds.SelectMany(h => h.Keys)]);
        HeldBlocks.Enter(held);
        try
        {
            await _callback(call).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopped while it ran.
        }
        catch (Exception error)
        {
            Skip(new WindowCallbackException(Name, call.Step, $"The window callback '{Name}' failed at step {call.Step}: {error.GetType().Name}: {error.Message}", error));
        }
        finally
        {
            held.Exit();
            lock (_lock)
            {
                foreach (Hold hold in holds)
                {
                    if (--hold.Refs == 0 && !hold.InWindow)
                    {
                        hold.Release();
                    }
                }
            }

            Interlocked.Increment(ref _calls);
            InterlockedMax(ref _lastStep, call.Step);
        }
    }

    /// <summary>Reports a failure under the policy: skipped and told, or the end of the registration.</summary>
    private void Skip(WindowCallbackException error)
    {
        if (_options.OnError == CallbackErrorPolicy.Stop)
        {
            Fail(error);
            throw new OperationCanceledException(error.Message, error, _stop.Token);
        }

        Interlocked.Increment(ref _skipped);
        if (_options.OnSkipped is { } told)
        {
            told(error);
        }
        else
        {
            Console.Error.WriteLine($"deisa: skipped: {error.Message}");
        }
    }

    private void Fail(WindowCallbackException error)
    {
        Interlocked.CompareExchange(ref _failure, error, null);
        _stop.Cancel();
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current = Volatile.Read(ref target);
        while (value > current)
        {
            int seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>One window: where it is along its time dimension and the steps it holds.</summary>
    private sealed class Track(Window window)
    {
        public Window Window { get; } = window;

        /// <summary>Gets the number of time indices; <see cref="int.MaxValue"/> when open-ended.</summary>
        public int Count { get; } = window.Array.IsOpenEnded ? int.MaxValue : (int)window.Array.Shape[window.Array.TimeDimension];

        /// <summary>Gets or sets the first time index not claimed yet, by the window driver or by the registration itself (under the registration's lock).</summary>
        public int ClaimNext { get; set; }

        /// <summary>Gets the holds claimed ahead (by the window driver or a batch), by time index, with their blocks, until the registration takes them (under the registration's lock).</summary>
        public Dictionary<int, (TaskCompletionSource<IReadOnlyList<Future>> Hold, List<TaskKey> Keys)> Claimed { get; } = [];

        /// <summary>Gets the simulation arrays the window reads.</summary>
        public string[] Sources { get; } = [.. window.Array.Reads().Select(r => r.Array).Distinct(StringComparer.Ordinal)];

        /// <summary>Gets or sets the next time index to hold.</summary>
        public int Next { get; set; }

        /// <summary>Gets or sets whether an open-ended run ended before <see cref="Next"/>.</summary>
        public bool Ended { get; set; }

        /// <summary>Gets the held steps, oldest first, at most the window's size.</summary>
        public List<Hold> Held { get; } = [];

        public bool Done => Ended || Next >= Count;

        /// <summary>The simulation step of a time index: the latest step it reads.</summary>
        public int StepOf(int index) => (int)Math.Min(Window.Array.Node.SourceEnd(index) - 1, int.MaxValue);

        /// <summary>
        /// Gets, for a window straight over a simulation array (slices of it, nothing computed), that array's layout
        /// and the block positions each step reads: the same at every step, as the slices are. Null otherwise.
        /// </summary>
        private (ArrayLayout Layout, int[][] Blocks)? Direct { get; } = DirectBlocks(window);

        /// <summary>The simulation blocks a time index reads; worked out once per index, as it is claimed or held.</summary>
        public List<TaskKey> KeysAt(int index)
        {
            if (Direct is ({ } layout, int[][] blocks))
            {
                // Deriving them from a slice of the window at every step (Derive) was a fifth of the analytics
                // root's busy time with a call per step (perf, BENCHMARKS.md).
                int step = StepOf(index);
                var direct = new List<TaskKey>(blocks.Length);
                foreach (int[] block in blocks)
                {
                    direct.Add(layout.KeyOf(step, block));
                }

                return direct;
            }

            return Derive(index);
        }

        private static (ArrayLayout Layout, int[][] Blocks)? DirectBlocks(Window window)
        {
            DeisaArray array = window.Array;
            DeisaArray over = array;
            while (over.Node is SelectNode)
            {
                over = over.Node.Inputs[0];
            }

            if (over.Node is not SourceNode source || (!array.IsOpenEnded && array.Shape[array.TimeDimension] == 0))
            {
                return null;
            }

            var blocks = new List<int[]>();
            foreach (SourceRequirement requirement in array[TimeSlice(array, 0, 1)].Reads())
            {
                if (requirement.Array != source.Layout.Name || requirement.Steps.Count != 1)
                {
                    return null;
                }

                blocks.AddRange(requirement.BlocksIn(source.Layout));
            }

            return (source.Layout, [.. blocks.DistinctBy(b => string.Join(',', b))]);
        }

        private List<TaskKey> Derive(int index)
        {
            DeisaArray one = Window.Array[TimeSlice(index, index + 1)];
            var keys = new HashSet<TaskKey>();
            foreach (SourceRequirement requirement in one.Reads())
            {
                ArrayLayout layout = Window.Array.Context.Layout(requirement.Array);
                foreach (int[] block in requirement.BlocksIn(layout))
                {
                    foreach (int step in requirement.Steps.Enumerate())
                    {
                        keys.Add(layout.KeyOf(step, block));
                    }
                }
            }

            return [.. keys];
        }

        /// <summary>Adds a newly held step; the oldest leaves the window past its size (under the registration's lock).</summary>
        public void Add(Hold hold)
        {
            Held.Add(hold);
            if (Held.Count > Window.Size)
            {
                Hold oldest = Held[0];
                Held.RemoveAt(0);
                oldest.LeaveWindow();
            }
        }

        /// <summary>The window's array over its held steps, and those steps.</summary>
        public (DeisaArray Array, int[] Steps) Current()
        {
            int[] steps = [.. Held.Select(h => h.Step)];
            int first = Held[0].Index;
            int last = Held[^1].Index;
            if (last - first + 1 == Held.Count)
            {
                return (Window.Array[TimeSlice(first, last + 1)], steps);
            }

            // A step skipped inside the window (its data never came): the others, joined along time.
            string dimension = Window.Array.DimensionNames[Window.Array.TimeDimension];
            return (DeisaArray.Concatenate(dimension, [.. Held.Select(h => Window.Array[TimeSlice(h.Index, h.Index + 1)])]), steps);
        }

        private Slice[] TimeSlice(int start, int end) => TimeSlice(Window.Array, start, end);

        private static Slice[] TimeSlice(DeisaArray array, int start, int end)
        {
            var slices = new Slice[array.Rank];
            Array.Fill(slices, Slice.All);
            slices[array.TimeDimension] = start..end;
            return slices;
        }
    }

    /// <summary>The blocks of one time index of a window, kept on the workers while the window or a running call has it.</summary>
    private sealed class Hold(int index, int step, IReadOnlyList<Future> futures, List<TaskKey> keys)
    {
        private IReadOnlyList<Future>? _futures = futures;

        /// <summary>Gets the simulation blocks held.</summary>
        public List<TaskKey> Keys { get; } = keys;

        public int Index { get; } = index;

        public int Step { get; } = step;

        /// <summary>Gets or sets the running calls that read it (under the registration's lock).</summary>
        public int Refs { get; set; }

        public bool InWindow { get; private set; } = true;

        /// <summary>Leaves the window; let go unless a running call reads it (under the registration's lock).</summary>
        public void LeaveWindow()
        {
            InWindow = false;
            if (Refs == 0)
            {
                Release();
            }
        }

        public void Release()
        {
            if (Interlocked.Exchange(ref _futures, null) is { } held)
            {
                Future.DisposeAll(held);
            }
        }
    }
}
