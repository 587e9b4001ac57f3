using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Threading.Tasks;
using Deisa.Core.Arrays;
using Deisa.Core.Buffers;
using Deisa.Core.Coupling;
using Deisa.Core.Errors;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Streaming;
using Deisa.Core.Transport;

namespace Deisa.Core.Client;

/// <summary>The analytics' handle on the runtime: submit task graphs, create external keys, get results.</summary>
/// <remarks>
/// <para>Lives on the same rank as the scheduler. Every method is thread-safe. Calls that wait for the scheduler
/// (submission, external keys) fail with a <see cref="DeisaTimeoutException"/> after
/// <see cref="ClientOptions.RequestTimeout"/> rather than hang, and with <see cref="RuntimeShutdownException"/>
/// once the runtime stops.</para>
/// <para>Values live on workers while at least one <see cref="Future"/> to their key is alive, or a pending task
/// needs them. Dispose futures as soon as their values are not needed.</para>
/// </remarks>
public sealed class DeisaClient
{
    // The client whose releases this thread gathers into one message (DisposeTogether), and that message.
    [ThreadStatic]
    private static DeisaClient? s_batching;
    [ThreadStatic]
    private static ReleaseKeys? s_batch;

    private readonly Lock _lock = new();
    private readonly Mailbox _mailbox;
    private readonly EndpointId _scheduler;
    private readonly ClientOptions _options;
    private readonly Dictionary<TaskKey, ClientKey> _keys = [];
    private readonly ConcurrentDictionary<long, TaskCompletionSource<object?>> _requests = new();
    private readonly Dictionary<TaskKey, TaskCompletionSource<ClientKey>> _announced = [];
    private readonly MailboxThread _pump;
    private long _nextRequestId;
    private long _nextInterestId;
    private Exception? _closed;

    // What makes a wait impossible: blocks of the simulation's arrays created while the contract was not validated
    // yet, which the simulation will only ship once it is. Known from GetArrays on; empty once validated.
    private HashSet<string>? _declaredArrays;
    private HashSet<TaskKey>? _unvalidatedBlocks;
    private bool _contractValidated;
    private Arrays.Nodes.WindowDriver? _driver;
    private int _latestArrived = -1;

    // How far each open-ended run has got, as the scheduler tells it; written by the message loop before it handles
    // the failures that follow (keys past the run's end), so that whoever sees those failures sees the end first.
    private readonly ConcurrentDictionary<string, OpenRunProgress> _openRuns = new(StringComparer.Ordinal);

    internal DeisaClient(Mailbox mailbox, EndpointId scheduler, int workerCount, bool crossesProcesses, ClientOptions? options, OperationRegistry operations)
    {
        Operations = operations;
        _mailbox = mailbox;
        _scheduler = scheduler;
        _options = options ?? new ClientOptions();
        WorkerCount = workerCount;
        CrossesProcesses = crossesProcesses;
        // Nothing would ever complete the futures again if this loop died: fail them now rather than let them hang.
        _pump = new MailboxThread(mailbox.Reader, $"deisa-client-{mailbox.Id.Rank}", Dispatch, error => Close(_ => "the client's message loop failed", error));
        _pump.Start();
    }

    /// <summary>Gets the number of workers.</summary>
    public int WorkerCount { get; }

    /// <summary>Gets the operations tasks may name (the runtime's registry).</summary>
    public OperationRegistry Operations { get; }

    /// <summary>Gets whether tasks cross processes, so only registered operations and encodable arguments are accepted.</summary>
    public bool CrossesProcesses { get; }

    /// <summary>Gets how long blocking waits without a timeout of their own wait (<see cref="ClientOptions.ResultTimeout"/>).</summary>
    public TimeSpan ResultTimeout => _options.ResultTimeout;

    /// <summary>Gets the number of keys the client holds futures to.</summary>
    public int HeldKeyCount
    {
        get
        {
            lock (_lock)
            {
                return _keys.Count;
            }
        }
    }

    /// <summary>Submits one task and returns a future to its value.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="key">The task's key.</param>
    /// <param name="spec">What it computes.</param>
    /// <returns>The future.</returns>
    /// <exception cref="GraphValidationException">The scheduler refused the task (unknown dependency, key taken by another task).</exception>
    public Future<T> Submit<T>(TaskKey key, TaskSpec spec) => (Future<T>)SubmitGraph(SingleTask(key, spec), [key], Typed<T>.Factory)[0];

    /// <summary>Submits one task and returns a future to its value.</summary>
    /// <param name="key">The task's key.</param>
    /// <param name="spec">What it computes.</param>
    /// <returns>The future.</returns>
    /// <exception cref="GraphValidationException">The scheduler refused the task.</exception>
    public Future Submit(TaskKey key, TaskSpec spec) => SubmitGraph(SingleTask(key, spec), [key], s_untyped)[0];

    /// <summary>Submits a graph and keeps the values of <paramref name="outputs"/> in memory on the workers.</summary>
    /// <param name="graph">The tasks; only those the outputs need are sent.</param>
    /// <param name="outputs">The keys to keep; the graph's sinks (keys no task of the graph depends on) when null.</param>
    /// <returns>One future per output, in order.</returns>
    /// <exception cref="GraphValidationException">The scheduler refused the graph (cycle, unknown dependency, key taken); nothing was applied.</exception>
    /// <exception cref="ArgumentException">A task cannot cross processes while the runtime does.</exception>
    public IReadOnlyList<Future> Persist(TaskGraph graph, IEnumerable<TaskKey>? outputs = null) =>
        SubmitGraph(graph, outputs is null ? Sinks(graph) : outputs.ToList(), s_untyped);

    /// <summary>Submits a graph and keeps the values of <paramref name="outputs"/>, all of one type.</summary>
    /// <typeparam name="T">The value type of the outputs.</typeparam>
    /// <param name="graph">The tasks; only those the outputs need are sent.</param>
    /// <param name="outputs">The keys to keep; the graph's sinks when null.</param>
    /// <returns>One typed future per output, in order.</returns>
    /// <exception cref="GraphValidationException">The scheduler refused the graph; nothing was applied.</exception>
    public IReadOnlyList<Future<T>> Persist<T>(TaskGraph graph, IEnumerable<TaskKey>? outputs = null) =>
        SubmitGraph(graph, outputs is null ? Sinks(graph) : outputs.ToList(), Typed<T>.Factory).Cast<Future<T>>().ToArray();

    /// <summary>Submits a graph and keeps the values of <paramref name="outputs"/>, without blocking.</summary>
    /// <param name="graph">The tasks.</param>
    /// <param name="outputs">The keys to keep; the graph's sinks when null.</param>
    /// <param name="cancellationToken">Stops waiting for the scheduler's answer.</param>
    /// <returns>One future per output, in order.</returns>
    public Task<IReadOnlyList<Future>> PersistAsync(TaskGraph graph, IEnumerable<TaskKey>? outputs = null, CancellationToken cancellationToken = default) =>
        SubmitGraphAsync(graph, outputs is null ? Sinks(graph) : outputs.ToList(), s_untyped, cancellationToken);

    /// <summary>Submits a graph, waits for one key's value and releases it.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="graph">The tasks.</param>
    /// <param name="output">The key to compute.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The value. A <see cref="IRefCountedValue"/> comes with one reference the caller owns and must release.</returns>
    /// <exception cref="TaskFailedException">The task or a dependency failed; the original exception is inside.</exception>
    public async Task<T> ComputeAsync<T>(TaskGraph graph, TaskKey output, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<Future> futures = await SubmitGraphAsync(graph, [output], Typed<T>.Factory, cancellationToken).ConfigureAwait(false);
        using var future = (Future<T>)futures[0];
        T value = await future.GetResultAsync(cancellationToken).ConfigureAwait(false);
        ValueOwnership.Retain(value);
        return value;
    }

    /// <summary>Submits a graph, waits for one key's value and releases it.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="graph">The tasks.</param>
    /// <param name="output">The key to compute.</param>
    /// <param name="timeout">How long to wait for the value; <see cref="ClientOptions.ResultTimeout"/> when null.</param>
    /// <returns>The value.</returns>
    /// <exception cref="TaskFailedException">The task or a dependency failed.</exception>
    /// <exception cref="DeisaTimeoutException">The value did not come in time.</exception>
    /// <exception cref="InvalidOperationException">The value reads simulation blocks and the contract was never validated.</exception>
    public T Compute<T>(TaskGraph graph, TaskKey output, TimeSpan? timeout = null)
    {
        using var future = (Future<T>)SubmitGraph(graph, [output], Typed<T>.Factory)[0];
        T value = future.Result(timeout);
        ValueOwnership.Retain(value);
        return value;
    }

    /// <summary>Waits for the values of several futures, fetching them with one request per worker.</summary>
    /// <param name="futures">The futures.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The values, in order.</returns>
    /// <exception cref="TaskFailedException">One of the tasks failed.</exception>
    public async Task<object?[]> GatherAsync(IEnumerable<Future> futures, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(futures);
        ThrowIfClosed();
        Future[] all = futures.ToArray();
        await Task.WhenAll(all.Select(f => f.State.Done.Task)).WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            StartFetches(all.Select(f => f.State).Where(s => s.Status == FutureStatus.Finished && s.Fetch is null).Distinct());
        }

        return await Task.WhenAll(all.Select(f => f.GetResultAsync(cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>Gets a future to a key the scheduler already knows, such as an external key.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="key">The key.</param>
    /// <returns>The future.</returns>
    /// <exception cref="GraphValidationException">The scheduler does not know the key.</exception>
    public Future<T> GetFuture<T>(TaskKey key) => (Future<T>)SubmitGraph(new TaskGraph(), [key], Typed<T>.Factory)[0];

    /// <summary>Declares keys whose data an outside producer (a simulation) will put on workers.</summary>
    /// <param name="keys">The keys; already-external keys are accepted again.</param>
    /// <exception cref="DuplicateKeyException">A key is already a computed task, or an external key whose data already arrived.</exception>
    public void CreateExternal(IEnumerable<TaskKey> keys) => CreateExternalAsync(keys).GetAwaiter().GetResult();

    /// <summary>Declares keys whose data an outside producer will put on workers, without blocking.</summary>
    /// <param name="keys">The keys.</param>
    /// <param name="cancellationToken">Stops waiting for the scheduler's answer.</param>
    /// <returns>A task that completes once the scheduler knows the keys.</returns>
    public async Task CreateExternalAsync(IEnumerable<TaskKey> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        CreateExternal message = Protocol.CreateExternal.Rent();
        message.Keys.AddRange(keys);
        message.RequestId = NextRequestId();
        List<TaskKey>? blocks = null;
        lock (_lock)
        {
            if (!_contractValidated && _declaredArrays is not null)
            {
                blocks = message.Keys.Where(k => _declaredArrays.Contains(k.Name)).ToList();
            }
        }

        ThrowIfError(await RequestAsync(message.RequestId, _scheduler, message, _options.RequestTimeout, "CreateExternal", cancellationToken).ConfigureAwait(false));
        if (blocks is { Count: > 0 })
        {
            lock (_lock)
            {
                if (!_contractValidated)
                {
                    (_unvalidatedBlocks ??= []).UnionWith(blocks);
                }
            }
        }
    }

    /// <summary>Declares that an external key's data will never come: it and its dependents fail with <paramref name="reason"/>.</summary>
    /// <param name="key">The external key, still waiting for its data, or a block the contract asks for at a step the window of persisted arrays has not reached yet: what reads it fails when the window gets there, as the simulation moves on.</param>
    /// <param name="reason">Why, shown to whoever waits on it.</param>
    /// <exception cref="GraphValidationException">The key is not an external key waiting for data.</exception>
    public void FailExternal(TaskKey key, string reason) => FailExternalAsync(key, reason).GetAwaiter().GetResult();

    /// <summary>Declares that an external key's data will never come, without blocking.</summary>
    /// <param name="key">The external key.</param>
    /// <param name="reason">Why.</param>
    /// <param name="cancellationToken">Stops waiting for the scheduler's answer.</param>
    /// <returns>A task that completes once the scheduler applied it.</returns>
    public async Task FailExternalAsync(TaskKey key, string reason, CancellationToken cancellationToken = default)
    {
        FailExternal message = Protocol.FailExternal.Rent();
        message.RequestId = NextRequestId();
        message.Key = key;
        message.Reason = reason ?? string.Empty;
        ThrowIfError(await RequestAsync(message.RequestId, _scheduler, message, _options.RequestTimeout, "FailExternal", cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Waits until every simulation rank has declared its arrays, then returns them as lazy arrays.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The arrays by name.</returns>
    /// <exception cref="DeisaException">The declarations do not fit together; the message names the ranks and values.</exception>
    /// <exception cref="DeisaTimeoutException">Not every rank declared within <see cref="ClientOptions.RequestTimeout"/>.</exception>
    public async Task<DeisaArrays> GetArraysAsync(CancellationToken cancellationToken = default)
    {
        GetArrays message = Protocol.GetArrays.Rent();
        message.RequestId = NextRequestId();
        var reply = (ArraysResult)(await RequestAsync(message.RequestId, _scheduler, message, _options.RequestTimeout, "GetArrays (waiting for every simulation rank to declare its arrays)", cancellationToken).ConfigureAwait(false))!;
        ThrowIfError(reply.Error);
        lock (_lock)
        {
            _declaredArrays ??= [.. reply.Declarations.Select(d => d.Declaration.Name)];
        }

        return new DeisaArrays(this, Operations, new ArrayCatalog(reply.Declarations));
    }

    /// <summary>Waits until every simulation rank has declared its arrays, then returns them as lazy arrays.</summary>
    /// <returns>The arrays by name.</returns>
    public DeisaArrays GetArrays() => GetArraysAsync().GetAwaiter().GetResult();

    /// <summary>
    /// Derives the contract from the external keys the submitted graphs depend on, freezes it, and sends each
    /// simulation rank the blocks it must ship and where.
    /// </summary>
    /// <exception cref="GraphValidationException">An external key does not name a block of its array.</exception>
    /// <exception cref="DeisaException">The contract was already validated, or arrays are not all declared.</exception>
    public void ValidateContract() => ValidateContractAsync().GetAwaiter().GetResult();

    /// <summary>Derives, freezes and sends the contract, without blocking.</summary>
    /// <param name="cancellationToken">Stops waiting for the scheduler's answer.</param>
    /// <returns>A task that completes once the contract was sent.</returns>
    public async Task ValidateContractAsync(CancellationToken cancellationToken = default)
    {
        Arrays.Nodes.WindowDriver? driver;
        lock (_lock)
        {
            driver = _driver;
        }

        if (driver is not null)
        {
            // Arrays released just before validation let go of their window first: the contract holds what is read.
            await driver.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        ValidateContract message = Protocol.ValidateContract.Rent();
        message.RequestId = NextRequestId();
        ThrowIfError(await RequestAsync(message.RequestId, _scheduler, message, _options.RequestTimeout, "ValidateContract", cancellationToken).ConfigureAwait(false));
        lock (_lock)
        {
            _contractValidated = true;
            _unvalidatedBlocks = null;
        }
    }

    /// <summary>
    /// Tells the scheduler what a persisted computation reads of the simulation: the contract is derived from these
    /// at validation, and grows with one declared after it.
    /// </summary>
    /// <returns>The interest's number, to withdraw it.</returns>
    /// <exception cref="GraphValidationException">It reads steps already gone, or outside a declared array.</exception>
    /// <summary>Gets how many interests this client declared (each a round trip to the scheduler).</summary>
    internal long InterestsDeclared => Interlocked.Read(ref _nextInterestId);

    internal async Task<long> DeclareInterestAsync(string description, IReadOnlyList<SourceRequirement> requirements, CancellationToken cancellationToken)
    {
        DeclareInterest message = Protocol.DeclareInterest.Rent();
        message.RequestId = NextRequestId();
        message.InterestId = Interlocked.Increment(ref _nextInterestId);
        message.Description = description;
        message.Requirements.AddRange(requirements);
        long id = message.InterestId;
        ThrowIfError(await RequestAsync(message.RequestId, _scheduler, message, _options.RequestTimeout, "DeclareInterest", cancellationToken).ConfigureAwait(false));
        return id;
    }

    /// <summary>Tells the scheduler a persisted computation was released: the contract shrinks to what the others read.</summary>
    internal void WithdrawInterest(long interestId)
    {
        if (_closed is not null)
        {
            return;
        }

        WithdrawInterest message = Protocol.WithdrawInterest.Rent();
        message.InterestId = interestId;
        _mailbox.Send(_scheduler, message);
    }

    /// <summary>Revokes the contract: simulation ranks ship nothing more, and every contracted key still awaited fails.</summary>
    /// <param name="reason">Why, shown to the simulation and to whoever waits on those keys.</param>
    public void RevokeContract(string reason) => RevokeContractAsync(reason).GetAwaiter().GetResult();

    /// <summary>Revokes the contract, without blocking.</summary>
    /// <param name="reason">Why.</param>
    /// <param name="cancellationToken">Stops waiting for the scheduler's answer.</param>
    /// <returns>A task that completes once the producers were told.</returns>
    public async Task RevokeContractAsync(string reason, CancellationToken cancellationToken = default)
    {
        RevokeContract message = Protocol.RevokeContract.Rent();
        message.RequestId = NextRequestId();
        message.Reason = reason ?? string.Empty;
        ThrowIfError(await RequestAsync(message.RequestId, _scheduler, message, _options.RequestTimeout, "RevokeContract", cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Sets a steering value for every simulation rank from a step on (the simulation reads it with
    /// <c>Bridge.TryGet</c> or <c>Bridge.Get</c>): every rank is given it at that step, or none is. Returns once every
    /// rank still running accepted it; set it a few steps ahead of the simulation so that no rank waits for the decision.
    /// </summary>
    /// <param name="name">The value's name; <c>deisa.stop</c> is taken by <see cref="RequestStop"/>.</param>
    /// <param name="step">The first step that sees the value; it holds until a value set for a later step replaces it.</param>
    /// <param name="value">A bool, number, string or array of numbers (what the message codec encodes), small: it goes to every rank.</param>
    /// <exception cref="SteeringTooLateException">Some rank had already read the name at or past that step: no rank was given it.</exception>
    /// <exception cref="DeisaTimeoutException">The ranks did not answer within <see cref="ClientOptions.RequestTimeout"/>.</exception>
    public void Steer(string name, int step, object? value) => SteerAsync(name, step, value).GetAwaiter().GetResult();

    /// <summary>Sets a steering value for every simulation rank from a step on, without blocking (see <see cref="Steer"/>).</summary>
    /// <param name="name">The value's name.</param>
    /// <param name="step">The first step that sees the value.</param>
    /// <param name="value">The value.</param>
    /// <param name="cancellationToken">Stops waiting for the ranks' answer (the value may still be given to all of them).</param>
    /// <returns>A task that completes once every rank accepted the value.</returns>
    public Task SteerAsync(string name, int step, object? value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name == SteeringInbox.StopName)
        {
            throw new ArgumentException($"The steering name '{name}' is taken by RequestStop; use another name.", nameof(name));
        }

        return SendSteeringAsync(name, step, value, cancellationToken);
    }

    /// <summary>
    /// Asks every simulation rank to stop at a step: <c>Bridge.StopRequested(step)</c> is true from that step on, on
    /// every rank at the same step, so they stop together.
    /// </summary>
    /// <param name="step">The first step at which the ranks stop.</param>
    /// <exception cref="SteeringTooLateException">Some rank had already asked whether to stop at or past that step: ask for a later one.</exception>
    public void RequestStop(int step) => RequestStopAsync(step).GetAwaiter().GetResult();

    /// <summary>Asks every simulation rank to stop at a step, without blocking (see <see cref="RequestStop"/>).</summary>
    /// <param name="step">The first step at which the ranks stop.</param>
    /// <param name="cancellationToken">Stops waiting for the ranks' answer.</param>
    /// <returns>A task that completes once every rank accepted the request.</returns>
    public Task RequestStopAsync(int step, CancellationToken cancellationToken = default) =>
        SendSteeringAsync(SteeringInbox.StopName, step, true, cancellationToken);

    private async Task SendSteeringAsync(string name, int step, object? value, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ThrowIfClosed();
        SteerRequest message = SteerRequest.Rent();
        message.RequestId = NextRequestId();
        message.Name = name;
        message.Step = step;
        message.Value = value;
        ThrowIfError(await RequestAsync(message.RequestId, _scheduler, message, _options.RequestTimeout, $"Steer '{name}' for step {step}", cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Registers a callback over sliding windows of steps (deisa-dask's <c>register</c> with <c>Window</c>s): once per
    /// step, in step order, it gets each window's latest steps as arrays to compute or persist from. The contract asks
    /// for what the windows read, and only that.
    /// </summary>
    /// <param name="callback">What to run at each step; it may compute from the window's arrays.</param>
    /// <param name="windows">The windows, one per array read; the callback gets them in this order.</param>
    /// <param name="options">When it runs, what a failure does, how many calls at once; the defaults when null.</param>
    /// <param name="cancellationToken">Stops waiting for the scheduler's answer.</param>
    /// <returns>The registration: wait for it before the analytics end, dispose it to stop.</returns>
    /// <exception cref="ArgumentException">No window, or a window that reads no simulation data or comes from another client.</exception>
    /// <exception cref="GraphValidationException">The windows read steps the simulation already went past.</exception>
    public Task<WindowRegistration> RegisterAsync(Func<WindowStep, Task> callback, IReadOnlyList<Window> windows, WindowCallbackOptions? options = null, CancellationToken cancellationToken = default)
    {
        ThrowIfClosed();
        return WindowRegistration.StartAsync(this, callback, windows, options, cancellationToken);
    }

    /// <summary>Registers a callback over sliding windows of steps that runs synchronously (see <see cref="RegisterAsync"/>).</summary>
    /// <param name="callback">What to run at each step.</param>
    /// <param name="windows">The windows, one per array read.</param>
    /// <param name="options">When it runs, what a failure does; the defaults when null.</param>
    /// <returns>The registration: wait for it before the analytics end, dispose it to stop.</returns>
    public WindowRegistration Register(Action<WindowStep> callback, IReadOnlyList<Window> windows, WindowCallbackOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return RegisterAsync(
            step =>
            {
                callback(step);
                return Task.CompletedTask;
            },
            windows,
            options).GetAwaiter().GetResult();
    }

    /// <summary>
    /// Deisa1 coupling: waits until the simulation announces a block (its per-step metadata), then returns a future
    /// to it. The block is held for the client from its announcement; the future takes over that hold.
    /// </summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="key">The block's key.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The future.</returns>
    /// <exception cref="DeisaTimeoutException">No announcement within <see cref="ClientOptions.RequestTimeout"/>.</exception>
    /// <exception cref="InvalidOperationException">The block was already taken.</exception>
    public async Task<Future<T>> WaitForBlockAsync<T>(TaskKey key, CancellationToken cancellationToken = default)
    {
        ThrowIfClosed();
        TaskCompletionSource<ClientKey> announced;
        lock (_lock)
        {
            if (!_announced.TryGetValue(key, out announced!))
            {
                announced = new TaskCompletionSource<ClientKey>(TaskCreationOptions.RunContinuationsAsynchronously);
                _announced.Add(key, announced);
            }
        }

        ClientKey state;
        try
        {
            state = await announced.Task.WaitAsync(_options.RequestTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new DeisaTimeoutException($"The simulation did not announce {key} within {_options.RequestTimeout.TotalSeconds:0.#} s.");
        }

        lock (_lock)
        {
            if (!_announced.Remove(key))
            {
                throw new InvalidOperationException($"The block {key} was already taken; take each announced block once.");
            }
        }

        return new Future<T>(this, state);
    }

    /// <summary>Gets the scheduler's recent transitions of a key, one per line.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The story.</returns>
    public async Task<string> GetStoryAsync(TaskKey key, CancellationToken cancellationToken = default)
    {
        QueryStory message = QueryStory.Rent();
        message.RequestId = NextRequestId();
        message.Key = key;
        return (string)(await RequestAsync(message.RequestId, _scheduler, message, _options.RequestTimeout, "QueryStory", cancellationToken).ConfigureAwait(false))!;
    }

    internal Task<object?> GetValueAsync(ClientKey state, CancellationToken cancellationToken)
    {
        Task<object?> fetch;
        lock (_lock)
        {
            if (state.Fetch is { } known)
            {
                // Fetched, or pushed by its worker, maybe before the scheduler said it finished.
                fetch = known;
            }
            else if (state.Status == FutureStatus.Pending || (state.Status == FutureStatus.Finished && state.PushExpected))
            {
                // Fetched as the key finishes (see ClientKey.Awaited).
                state.Awaited ??= new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
                fetch = state.Awaited.Task;
            }
            else
            {
                if (state.Status != FutureStatus.Finished)
                {
                    return Task.FromException<object?>(state.Error!);
                }

                StartFetches([state]);
                fetch = state.Fetch!;
            }
        }

        return fetch.WaitAsync(cancellationToken);
    }

    /// <summary>Gets the driver that builds persisted arrays a window of steps at a time, created at the first.</summary>
    /// <summary>
    /// Removes a window driver's claim, if the driver exists (also once the client closed), and waits for a round in
    /// progress that may still submit what it claimed: the claimer's interest must outlive that submission.
    /// </summary>
    internal Task ForgetClaimAsync(Arrays.Nodes.ISourceClaim claim)
    {
        Arrays.Nodes.WindowDriver? driver = Volatile.Read(ref _driver);
        if (driver is null)
        {
            return Task.CompletedTask;
        }

        driver.RemoveClaim(claim);
        return driver.FlushAsync(CancellationToken.None);
    }

    internal Arrays.Nodes.WindowDriver Windows
    {
        get
        {
            lock (_lock)
            {
                ThrowIfClosed();
                if (_driver is null)
                {
                    // A driver started once data arrived (the first persist inside a window callback) starts from there.
                    _driver = new Arrays.Nodes.WindowDriver(this, _options.Lookahead);
                    if (_latestArrived >= 0)
                    {
                        _driver.OnProgress(_latestArrived);
                    }
                }

                return _driver;
            }
        }
    }

    /// <summary>Gets how far an open-ended array's run has got: nothing known yet when the scheduler said nothing of it.</summary>
    /// <param name="array">The simulation array's name.</param>
    /// <returns>The steps known complete and the end (<see cref="int.MaxValue"/> while unknown).</returns>
    internal OpenRunProgress OpenRun(string array) => _openRuns.TryGetValue(array, out OpenRunProgress? progress) ? progress : OpenRunProgress.Unknown;

    /// <summary>Refuses a blocking wait on something that reads simulation blocks while the contract was never validated: it would never end.</summary>
    /// <param name="what">What is waited for.</param>
    /// <exception cref="InvalidOperationException">The wait would never end.</exception>
    internal void ThrowIfUnvalidated(string what)
    {
        lock (_lock)
        {
            if (_contractValidated || _declaredArrays is null)
            {
                return;
            }
        }

        throw new InvalidOperationException(
            $"Waiting for {what} would never end: it reads the simulation's blocks, and the contract was never validated, so the simulation ships none of them. " +
            "Persist every computation that reads simulation data, call client.ValidateContract(), then wait for the results.");
    }

    /// <summary>
    /// Refuses a blocking wait that cannot end: the key reads simulation blocks, and the simulation ships none
    /// before the contract is validated, which the waiting thread would have to do itself.
    /// </summary>
    /// <exception cref="InvalidOperationException">The wait would never end.</exception>
    internal void ThrowIfNeverComes(ClientKey state)
    {
        TaskKey block;
        lock (_lock)
        {
            if (_contractValidated || state.Status != FutureStatus.Pending || state.ReadsBlock is not { } read)
            {
                return;
            }

            block = read;
        }

        throw new InvalidOperationException(
            $"Waiting for {state.Describe()} would never end: it reads the simulation's block {block}, and the contract was never validated, so the simulation ships none of its blocks. " +
            "Persist every computation that reads simulation data, call client.ValidateContract(), then wait for the results.");
    }

    internal FutureStatus GetStatus(ClientKey state)
    {
        lock (_lock)
        {
            return state.Status;
        }
    }

    internal void Release(ClientKey state)
    {
        lock (_lock)
        {
            if (!Unref(state) || _closed is not null)
            {
                return;
            }
        }

        if (ReferenceEquals(s_batching, this))
        {
            (s_batch ??= ReleaseKeys.Rent()).Keys.Add(state.Key);
            return;
        }

        ReleaseKeys message = ReleaseKeys.Rent();
        message.Keys.Add(state.Key);
        _mailbox.Send(_scheduler, message);
    }

    /// <summary>Disposes futures of this client, their releases going to the scheduler in one message (a window's step is several blocks).</summary>
    internal void DisposeTogether(IReadOnlyList<Future> futures)
    {
        // Inside a batch already open on this thread, the releases join it if it is this client's, else go one by one.
        bool outermost = s_batching is null;
        if (outermost)
        {
            s_batching = this;
        }

        try
        {
            foreach (Future future in futures)
            {
                future.Dispose();
            }
        }
        finally
        {
            if (outermost)
            {
                s_batching = null;
                if (s_batch is { } batch)
                {
                    s_batch = null;
                    _mailbox.Send(_scheduler, batch);
                }
            }
        }
    }

    /// <summary>Drops one hold on a key; true when it was the last, and the key is forgotten. Called under the lock.</summary>
    private bool Unref(ClientKey state)
    {
        if (--state.Refs > 0)
        {
            return false;
        }

        _keys.Remove(state.Key);
        state.DropValue();
        if (state.Awaited is { } awaited)
        {
            state.Awaited = null;
            awaited.TrySetException(new ObjectDisposedException(nameof(Future), $"The last future to {state.Describe()} was disposed while its value was awaited."));
        }

        return true;
    }

    /// <summary>Called from a future's finalizer: the release is posted to the client's own mailbox, never done inline.</summary>
    internal void ReleaseFromFinalizer(TaskKey key)
    {
        try
        {
            ReleaseKeys message = ReleaseKeys.Rent();
            message.Keys.Add(key);
            _mailbox.Send(_mailbox.Id, message);
        }
        catch (Exception)
        {
            // The runtime is gone; there is nothing left to release.
        }
    }

    /// <summary>Fails everything still awaited; called by the runtime as it stops.</summary>
    /// <param name="describe">Says what the scheduler last knew of a key.</param>
    /// <param name="cause">The failure that stopped the runtime, or null on a requested shutdown.</param>
    internal void Close(Func<TaskKey, string> describe, Exception? cause)
    {
        List<ClientKey> pending;
        lock (_lock)
        {
            if (_closed is not null)
            {
                return;
            }

            pending = _keys.Values.Where(k => k.Status == FutureStatus.Pending).ToList();
            var keys = pending.Select(k => k.Key).ToList();
            var text = new StringBuilder(cause is null ? "The runtime shut down" : $"The runtime stopped after a failure ({cause.Message})");
            text.Append(keys.Count == 0 ? "." : $" while {keys.Count} key(s) were still awaited: ");
            text.Append(string.Join("; ", pending.Take(20).Select(k => $"{k.Describe()}: {describe(k.Key)}")));
            if (keys.Count > 20)
            {
                text.Append($"; and {keys.Count - 20} more");
            }

            _closed = new RuntimeShutdownException(text.ToString(), keys, cause);
            _ = _driver?.StopAsync(_closed);
            foreach (ClientKey state in pending)
            {
                state.Complete(FutureStatus.Cancelled, new RuntimeShutdownException(
                    $"{state.Describe()} will never be computed: {text}", [state.Key], cause));
            }

            // Computed, and its worker was to send the value: it will not now.
            foreach (ClientKey state in _keys.Values)
            {
                if (state.Awaited is { } awaited)
                {
                    state.Awaited = null;
                    awaited.TrySetException(new RuntimeShutdownException($"The value of {state.Describe()} never came: {text}", [state.Key], cause));
                }
            }
        }

        foreach (TaskCompletionSource<object?> request in _requests.Values)
        {
            request.TrySetException(_closed);
        }

        _requests.Clear();
    }

    /// <summary>Gets the bytes the client's message loop had allocated when it last emptied its mailbox.</summary>
    internal long PumpAllocatedBytes => _pump.AllocatedBytes;

    internal Task StopPumpAsync() => _mailbox.StopAfterPump(_pump.Completion);

    private static TaskGraph SingleTask(TaskKey key, TaskSpec spec)
    {
        var graph = new TaskGraph(1);
        graph.Add(key, spec);
        return graph;
    }

    private static List<TaskKey> Sinks(TaskGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var used = new HashSet<TaskKey>();
        foreach (KeyValuePair<TaskKey, TaskSpec> entry in graph)
        {
            foreach (TaskKey dependency in entry.Value.Dependencies)
            {
                used.Add(dependency);
            }
        }

        return graph.Keys.Where(k => !used.Contains(k)).ToList();
    }

    private static void ThrowIfError(object? reply)
    {
        if (reply is ErrorInfo error)
        {
            ExceptionDispatchInfo.Throw(Refusal(error));
        }
    }

    private static Exception Refusal(ErrorInfo error) => error.Exception ?? new DeisaException($"The scheduler refused the request: {error}");

    /// <summary>Submits a graph and keeps its outputs, saying what they are to the user (an array expression), for messages.</summary>
    /// <remarks>
    /// With <c>awaitAcceptance</c> false it hands out the futures without waiting for the scheduler to accept the
    /// graph, when every output is a key of its own: a refusal then fails them, and waiting for their values throws it
    /// (a call per step saves the round trip).
    /// </remarks>
    internal Task<IReadOnlyList<Future>> PersistAsync(TaskGraph graph, List<TaskKey> outputs, object description, CancellationToken cancellationToken, bool awaitAcceptance = true, bool pushValues = false) =>
        SubmitGraphAsync(graph, outputs, s_untyped, cancellationToken, description, awaitAcceptance: awaitAcceptance, pushValues: pushValues);

    private IReadOnlyList<Future> SubmitGraph(TaskGraph graph, List<TaskKey> outputs, FutureFactory factory) =>
        SubmitGraphAsync(graph, outputs, factory, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>
    /// Submits one window of tasks with the simulation blocks they read, created as external keys in the same update,
    /// and takes one future per key of <paramref name="wanted"/> (a key twice gets two).
    /// </summary>
    internal Task<IReadOnlyList<Future>> SubmitWindowAsync(TaskGraph tasks, IReadOnlyCollection<TaskKey> externals, List<TaskKey> wanted, Func<TaskKey, string?> describe) =>
        SubmitGraphAsync(tasks, wanted, s_untyped, CancellationToken.None, externals: externals, describe: describe);

    private async Task<IReadOnlyList<Future>> SubmitGraphAsync(
        TaskGraph graph,
        List<TaskKey> outputs,
        FutureFactory factory,
        CancellationToken cancellationToken,
        object? description = null,
        IReadOnlyCollection<TaskKey>? externals = null,
        Func<TaskKey, string?>? describe = null,
        bool awaitAcceptance = true,
        bool pushValues = false)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ThrowIfClosed();
        if (CrossesProcesses)
        {
            foreach (KeyValuePair<TaskKey, TaskSpec> entry in graph)
            {
                if (entry.Value.IsLocal)
                {
                    throw new ArgumentException(
                        $"Task {entry.Key} ({entry.Value}) runs a local delegate or takes a local argument, which cannot cross processes. " +
                        "Register the operation by name in an OperationRegistry on every rank and pass plain values or keys.",
                        nameof(graph));
                }
            }
        }

        // A window's tasks are exactly what it needs: only whole graphs are culled to their outputs.
        TaskGraph culled = graph.Count == 0 || externals is not null ? graph : graph.Cull(outputs);
        UpdateGraph message = UpdateGraph.Rent();
        message.RequestId = NextRequestId();
        if (externals is not null)
        {
            message.Externals.AddRange(externals);
        }
        foreach (KeyValuePair<TaskKey, TaskSpec> entry in culled)
        {
            message.Keys.Add(entry.Key);
            message.Specs.Add(entry.Value);
        }

        var states = new List<ClientKey>(outputs.Count);
        var wanted = new List<TaskKey>();
        lock (_lock)
        {
            Dictionary<TaskKey, TaskKey?>? reads = _unvalidatedBlocks is { Count: > 0 } ? UnvalidatedReads(culled, outputs) : null;
            foreach (TaskKey key in outputs)
            {
                if (!_keys.TryGetValue(key, out ClientKey? state))
                {
                    state = new ClientKey(key);
                    _keys.Add(key, state);
                }

                if (state.Refs++ == 0)
                {
                    wanted.Add(key);
                }

                state.What ??= description ?? (describe is null ? null : new KeyDescription(key, describe));
                state.ReadsBlock ??= reads?.GetValueOrDefault(key);
                states.Add(state);
            }
        }

        message.Wanted.AddRange(wanted);
        message.PushValues = pushValues;
        if (!awaitAcceptance && wanted.Count == states.Count)
        {
            // Keys of its own only, so a refusal concerns these futures alone: it fails them.
            _ = FailIfRefusedAsync(RequestAsync(message.RequestId, _scheduler, message, _options.RequestTimeout, "UpdateGraph", CancellationToken.None, continueInline: true), states);
            return Futures(states, factory);
        }

        object? reply;
        try
        {
            reply = await RequestAsync(message.RequestId, _scheduler, message, _options.RequestTimeout, "UpdateGraph", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (_closed is null)
        {
            // The scheduler may still apply the update later; the release that follows it keeps the counts right.
            Rollback(states, sendRelease: wanted);
            throw;
        }

        if (reply is ErrorInfo)
        {
            Rollback(states, sendRelease: []);
            ThrowIfError(reply);
        }

        return Futures(states, factory);
    }

    private Future[] Futures(List<ClientKey> states, FutureFactory factory)
    {
        var futures = new Future[states.Count];
        for (int i = 0; i < states.Count; i++)
        {
            futures[i] = factory(this, states[i]);
        }

        return futures;
    }

    /// <summary>Fails the keys of a graph whose acceptance nobody waits for, if the scheduler refused it or never answered.</summary>
    private async Task FailIfRefusedAsync(Task<object?> acceptance, List<ClientKey> states)
    {
        Exception? refusal;
        try
        {
            refusal = await acceptance.ConfigureAwait(false) is ErrorInfo error ? Refusal(error) : null;
        }
        catch (Exception error)
        {
            refusal = error;
        }

        if (refusal is not null)
        {
            lock (_lock)
            {
                foreach (ClientKey state in states)
                {
                    state.Complete(FutureStatus.Error, refusal);
                }
            }
        }
    }

    /// <summary>
    /// For each output, a block created before the contract that its computation reads, or null: one walk of the
    /// graph, iterative (chains over thousands of steps are that deep), each key visited once. Called under the lock.
    /// </summary>
    private Dictionary<TaskKey, TaskKey?> UnvalidatedReads(TaskGraph graph, List<TaskKey> outputs)
    {
        var reads = new Dictionary<TaskKey, TaskKey?>();
        var expanding = new HashSet<TaskKey>();
        var stack = new Stack<(TaskKey Key, bool Expanded)>();
        foreach (TaskKey output in outputs)
        {
            stack.Push((output, false));
            while (stack.Count > 0)
            {
                (TaskKey key, bool expanded) = stack.Pop();
                if (reads.ContainsKey(key))
                {
                    continue;
                }

                if (_unvalidatedBlocks!.Contains(key))
                {
                    reads[key] = key;
                }
                else if (!graph.TryGetSpec(key, out TaskSpec? spec))
                {
                    reads[key] = _keys.TryGetValue(key, out ClientKey? held) ? held.ReadsBlock : null;
                }
                else if (!expanded)
                {
                    if (!expanding.Add(key))
                    {
                        // On a cycle, which the scheduler refuses with its own message: nothing to find here.
                        continue;
                    }

                    stack.Push((key, true));
                    foreach (TaskKey dependency in spec.Dependencies)
                    {
                        if (!reads.ContainsKey(dependency) && !expanding.Contains(dependency))
                        {
                            stack.Push((dependency, false));
                        }
                    }
                }
                else
                {
                    expanding.Remove(key);
                    TaskKey? found = null;
                    foreach (TaskKey dependency in spec.Dependencies)
                    {
                        if (reads.GetValueOrDefault(dependency) is { } block)
                        {
                            found = block;
                            break;
                        }
                    }

                    reads[key] = found;
                }
            }
        }

        return reads;
    }

    private void Rollback(List<ClientKey> states, List<TaskKey> sendRelease)
    {
        lock (_lock)
        {
            foreach (ClientKey state in states)
            {
                if (--state.Refs == 0)
                {
                    _keys.Remove(state.Key);
                }
            }
        }

        if (sendRelease.Count > 0)
        {
            ReleaseKeys release = ReleaseKeys.Rent();
            release.Keys.AddRange(sendRelease);
            _mailbox.Send(_scheduler, release);
        }
    }

    /// <summary>Asks each worker for the values it holds among <paramref name="states"/>, one request per worker. Called under the lock.</summary>
    private void StartFetches(IEnumerable<ClientKey> states)
    {
        foreach (IGrouping<EndpointId, ClientKey> group in states.GroupBy(s => s.Holder))
        {
            ClientKey[] batch = group.ToArray();
            var completions = new TaskCompletionSource<object?>[batch.Length];
            for (int i = 0; i < batch.Length; i++)
            {
                completions[i] = batch[i].Awaited ?? new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
                batch[i].Awaited = null;
                batch[i].Fetch = completions[i].Task;
            }

            _ = FetchBatchAsync(group.Key, batch, completions);
        }
    }

    private async Task FetchBatchAsync(EndpointId holder, ClientKey[] batch, TaskCompletionSource<object?>[] completions)
    {
        try
        {
            GetData request = GetData.Rent();
            request.RequestId = NextRequestId();
            foreach (ClientKey state in batch)
            {
                request.Keys.Add(state.Key);
            }

            // Continued on the thread that takes the reply: this only hands the values out, to waiters woken elsewhere.
            var reply = (DataResult)(await RequestAsync(request.RequestId, holder, request, _options.DataTimeout, $"GetData of {batch.Length} key(s) such as {batch[0].Key}", CancellationToken.None, continueInline: true).ConfigureAwait(false))!;
            for (int i = 0; i < batch.Length; i++)
            {
                int at = Array.IndexOf(reply.Keys, batch[i].Key);
                if (at < 0)
                {
                    completions[i].TrySetException(new DeisaException(
                        $"The worker {holder} no longer holds {batch[i].Key}, although the scheduler said it did; this is a bug in Deisa."));
                    continue;
                }

                if (reply.Values[at] is UnencodableValue unencodable)
                {
                    completions[i].TrySetException(unencodable.ToException($"The value of {batch[i].Key}"));
                    continue;
                }

                completions[i].TrySetResult(reply.Values[at]);
            }
        }
        catch (Exception error)
        {
            foreach (TaskCompletionSource<object?> completion in completions)
            {
                completion.TrySetException(error);
            }
        }
    }

    private long NextRequestId() => Interlocked.Increment(ref _nextRequestId);

    private void ThrowIfClosed()
    {
        if (_closed is not null)
        {
            throw new RuntimeShutdownException(_closed.Message, [], _closed);
        }
    }

    // continueInline: the caller continues on the thread that takes the reply (the client's mailbox thread), which
    // saves a thread hop per request; only for callers that neither block nor run user code before they next wait.
    private async Task<object?> RequestAsync(long id, EndpointId to, Message message, TimeSpan timeout, string what, CancellationToken cancellationToken, bool continueInline = false)
    {
        var completion = new TaskCompletionSource<object?>(continueInline ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously);
        _requests[id] = completion;
        if (_closed is not null)
        {
            _requests.TryRemove(id, out _);
            message.Return();
            ThrowIfClosed();
        }

        _mailbox.Send(to, message);
        try
        {
            return await completion.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new DeisaTimeoutException(
                $"No answer from {to} to {what} within {timeout.TotalSeconds:0.#} s. Check that the runtime is alive (its log, the other ranks), or raise ClientOptions.{(to.Kind == EndpointKind.Scheduler ? nameof(ClientOptions.RequestTimeout) : nameof(ClientOptions.DataTimeout))}.");
        }
        finally
        {
            _requests.TryRemove(id, out _);
        }
    }

    private bool Dispatch(Message message)
    {
        switch (message)
        {
            case RequestReply m:
                CompleteRequest(m.RequestId, m.Error);
                break;
            case StoryReply m:
                CompleteRequest(m.RequestId, m.Text);
                break;
            case StepArrived m:
                Arrays.Nodes.WindowDriver? driver;
                lock (_lock)
                {
                    _latestArrived = Math.Max(_latestArrived, m.Step);
                    driver = _driver;
                }

                driver?.OnProgress(m.Step);
                break;
            case OpenArrayProgress m:
                _openRuns.AddOrUpdate(
                    m.Array,
                    static (_, m) => new OpenRunProgress(m.Complete, m.End),
                    static (_, known, m) => new OpenRunProgress(Math.Max(known.Complete, m.Complete), Math.Min(known.End, m.End)),
                    m);
                Volatile.Read(ref _driver)?.OnOpenRunProgress();
                break;
            case ArraysReply m:
                CompleteRequest(m.RequestId, new ArraysResult(m.Producers.Zip(m.Declarations).ToArray(), m.Error));
                break;
            case DataReply { RequestId: 0 } m:
                TakePushed(m);
                break;
            case DataReply m:
                object?[] values = m.Values.ToArray();
                m.Values.Clear();
                if (!CompleteRequest(m.RequestId, new DataResult(m.Keys.ToArray(), values)))
                {
                    foreach (object? value in values)
                    {
                        ValueOwnership.Release(value);
                    }
                }

                break;
            case KeyInMemory m:
                lock (_lock)
                {
                    if (_keys.TryGetValue(m.Key, out ClientKey? state))
                    {
                        state.Holder = m.Holder;
                        state.PushExpected = m.Pushed;
                        state.Complete(FutureStatus.Finished, null);
                        if (state.Awaited is not null && state.Fetch is null && !m.Pushed)
                        {
                            StartFetches([state]);
                        }
                    }
                }

                break;
            case KeyErred m:
                lock (_lock)
                {
                    if (_keys.TryGetValue(m.Key, out ClientKey? state))
                    {
                        ErrorInfo error = m.Error ?? new ErrorInfo("Unknown", "no details", null);
                        state.Complete(FutureStatus.Error, new TaskFailedException(m.Key, m.CauseKey, m.Story, error.ToException(), state.Description));
                    }
                }

                break;
            case BlockMetadata m:
                lock (_lock)
                {
                    if (!_keys.TryGetValue(m.Key, out ClientKey? state))
                    {
                        state = new ClientKey(m.Key);
                        _keys.Add(m.Key, state);
                    }

                    // The scheduler holds the block for the client; that hold becomes the future's.
                    state.Refs++;
                    if (!_announced.TryGetValue(m.Key, out TaskCompletionSource<ClientKey>? announced))
                    {
                        announced = new TaskCompletionSource<ClientKey>(TaskCreationOptions.RunContinuationsAsynchronously);
                        _announced.Add(m.Key, announced);
                    }

                    announced.TrySetResult(state);
                }

                break;
            case ReleaseKeys m when m.From == _mailbox.Id:
                foreach (TaskKey key in m.Keys)
                {
                    ClientKey? state;
                    lock (_lock)
                    {
                        _keys.TryGetValue(key, out state);
                    }

                    if (state is not null)
                    {
                        Release(state);
                    }
                }

                break;
        }

        return true;
    }

    /// <summary>Takes values their worker sent unasked (<see cref="UpdateGraph.PushValues"/>), for the keys still held.</summary>
    private void TakePushed(DataReply message)
    {
        for (int i = 0; i < message.Keys.Count; i++)
        {
            object? value = message.Values[i];
            bool taken = false;
            lock (_lock)
            {
                if (_keys.TryGetValue(message.Keys[i], out ClientKey? state) && state.Fetch is null)
                {
                    TaskCompletionSource<object?> completion = state.Awaited ?? new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
                    state.Awaited = null;
                    state.Fetch = completion.Task;
                    if (value is UnencodableValue unencodable)
                    {
                        completion.TrySetException(unencodable.ToException($"The value of {message.Keys[i]}"));
                    }
                    else
                    {
                        completion.TrySetResult(value);
                        taken = true;
                    }
                }
            }

            if (!taken)
            {
                ValueOwnership.Release(value);
            }
        }

        message.Values.Clear();
    }

    private bool CompleteRequest(long id, object? result) =>
        _requests.TryRemove(id, out TaskCompletionSource<object?>? completion) && completion.TrySetResult(result);

    private static readonly FutureFactory s_untyped = static (client, state) => new Future(client, state);

    private delegate Future FutureFactory(DeisaClient client, ClientKey state);

    private sealed record DataResult(TaskKey[] Keys, object?[] Values);

    /// <summary>A key's description, worked out when a message needs it.</summary>
    private sealed class KeyDescription(TaskKey key, Func<TaskKey, string?> describe)
    {
        public override string? ToString() => describe(key);
    }

    private sealed record ArraysResult((int Producer, ArrayDeclaration Declaration)[] Declarations, ErrorInfo? Error);

    private static class Typed<T>
    {
        public static readonly FutureFactory Factory = static (client, state) => new Future<T>(client, state);
    }
}
