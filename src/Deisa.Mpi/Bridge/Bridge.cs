using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using Deisa.Core.Arrays;
using Deisa.Core.Buffers;
using Deisa.Core.Client;
using Deisa.Core.Coupling;
using Deisa.Core.Errors;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Transport;
using Deisa.Mpi.Transport;

namespace Deisa.Mpi.Bridge;

/// <summary>
/// The simulation's side of Deisa, one per simulation rank: declare the arrays once, publish a block per step,
/// finish. Only the blocks the analytics need (the contract) are sent, straight from the simulation's memory.
/// </summary>
/// <remarks>
/// <para>Declarations go to the scheduler in one message, at the first publish or at <see cref="CommitDeclarations"/>.
/// Until this rank's contract arrives, published blocks are copied aside within
/// <see cref="DeisaMpiOptions.StagingBytesBeforeContract"/> and the simulation computes on; past that budget a
/// publish waits for the contract (up to <see cref="DeisaMpiOptions.ContractTimeout"/>). Once it arrives, blocks go
/// straight from the simulation's memory, or from copies within <see cref="DeisaMpiOptions.CopyBudgetBytes"/>.</para>
/// <para>Under MPI (<see cref="DeisaSession.CreateBridge"/>) a block's sends are posted by the publishing thread and
/// completed by the rank's communication thread; over an in-process runtime (<see cref="Create"/>) a block is copied to
/// its worker as it is published.</para>
/// </remarks>
public sealed class Bridge : IDisposable
{
    private readonly Mailbox _mailbox;
    private readonly EndpointId _scheduler;
    private readonly DeisaMpiOptions _options;
    private readonly long _copyBudget;
    private readonly Dictionary<string, Published> _arrays = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Preprocessing> _preprocessing = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _contractArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SendsInFlight _inFlight = new();
    private readonly Queue<StagedBlock> _staged = new();
    private readonly Lock _staging = new();
    private readonly MailboxThread _pump;
    private readonly StepWindow? _window;
    private readonly SteeringInbox _steering;
    private volatile bool _revoked;
    private string _revokedReason = string.Empty;
    private bool _committed;
    private bool _finished;
    private volatile bool _hasStaged;
    private long _stagedBytes;
    private volatile Exception? _drainError;
    private long _blocksStaged;
    private long _contractWaitTicks;
    private long _blocksShipped;
    private long _blocksSkipped;
    private long _bytesShipped;
    private long _messagesToScheduler;
    private long _blocksDropped;
    private long _blocksDerived;
    private long _blocksCopied;

    /// <summary>
    /// Creates the bridge of the next simulation rank of a runtime that runs in this process (simulation ranks as
    /// threads): the same road for a block as under MPI — declarations, contract, staging, backpressure, steering,
    /// preprocessing — except that a block the contract wants is copied to its worker rather than sent. Call it once per
    /// simulation rank, in rank order: the n-th bridge is simulation rank n (<see cref="RuntimeOptions.SimulationRanks"/>
    /// of them).
    /// </summary>
    /// <param name="runtime">The in-process runtime.</param>
    /// <param name="options">The coupling settings (<see cref="DeisaMpiOptions.Mode"/>, backpressure, contract timeout,
    /// staging); the ones that place ranks are not used. Defaults, in the runtime's mode, when null.</param>
    /// <returns>The bridge; dispose it (or call <see cref="Finish"/>) when the simulation rank ends.</returns>
    /// <exception cref="ArgumentException"><paramref name="options"/> names another coupling mode than the runtime's <see cref="RuntimeOptions.Mode"/>.</exception>
    public static Bridge Create(DeisaRuntime runtime, DeisaMpiOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        options ??= new DeisaMpiOptions { Mode = runtime.Mode };
        if (options.Mode != runtime.Mode)
        {
            // The scheduler would wait for per-step announcements that never come, or the bridge for a contract.
            throw new ArgumentException(
                $"The bridge's coupling mode is {options.Mode} but the runtime's is {runtime.Mode}: set RuntimeOptions.Mode and DeisaMpiOptions.Mode alike.", nameof(options));
        }

        (Mailbox mailbox, int rank) = runtime.OpenProducer(out EndpointId scheduler);
        // In one process a block is copied to its worker as it is published: a copy before that would be a second one.
        return new Bridge(mailbox, scheduler, rank, options, sendsFromMemory: false);
    }

    /// <summary>Creates a simulation rank's bridge.</summary>
    /// <param name="mailbox">The rank's producer endpoint.</param>
    /// <param name="scheduler">The scheduler's endpoint.</param>
    /// <param name="simulationRank">The rank among the simulation ranks.</param>
    /// <param name="options">The coupling settings.</param>
    /// <param name="sendsFromMemory">Whether the transport sends a block from the producer's memory, so that a copy
    /// (<see cref="DeisaMpiOptions.CopyBudgetBytes"/>) gives that memory back sooner; false where it copies anyway.</param>
    internal Bridge(Mailbox mailbox, EndpointId scheduler, int simulationRank, DeisaMpiOptions options, bool sendsFromMemory)
    {
        _mailbox = mailbox;
        _scheduler = scheduler;
        _options = options;
        SimulationRank = simulationRank;
        options.Backpressure.Validate();
        if (options.StagingBytesBeforeContract < 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options), options.StagingBytesBeforeContract, "StagingBytesBeforeContract must be 0 (wait for the contract at the first publish) or a positive number of bytes.");
        }

        if (options.CopyBudgetBytes < 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options), options.CopyBudgetBytes, "CopyBudgetBytes must be 0 (send every block from the simulation's memory) or a positive number of bytes.");
        }

        _copyBudget = sendsFromMemory ? options.CopyBudgetBytes : 0;

        if (options.Backpressure.Enabled)
        {
            if (options.Mode == CouplingMode.Deisa1 && options.Backpressure.Policy == BackpressurePolicy.Drop)
            {
                throw new NotSupportedException(
                    "Backpressure policy Drop needs Deisa3 coupling (the contract tells the analytics which blocks to expect); with Deisa1 use policy Block.");
            }

            _window = new StepWindow(options.Backpressure.MaxStepsInFlight, $"Simulation rank {simulationRank}");
        }

        _steering = new SteeringInbox($"Simulation rank {simulationRank}", options.SteeringDecisionTimeout);
        _pump = new MailboxThread(mailbox.Reader, $"deisa-bridge-{simulationRank}", Handle, error =>
        {
            _contractArrived.TrySetException(error);
            _steering.Close();
        });
        _pump.Start();
    }

    /// <summary>Gets this rank's index among the simulation ranks.</summary>
    public int SimulationRank { get; }

    /// <summary>Gets whether the analytics revoked the contract: nothing more is shipped.</summary>
    public bool Revoked => _revoked;

    /// <summary>Gets this rank's contract: for each array, its block, the worker it ships to and the steps; empty until it arrives.</summary>
    public IReadOnlyList<ContractEntry> Contract { get; private set; } = [];

    /// <summary>Gets the steps shipped and still held by the workers now (0 without a bound on them).</summary>
    public int StepsInFlight => _window?.StepsInFlight ?? 0;

    /// <summary>Gets what this bridge has sent so far.</summary>
    public BridgeStatistics Statistics => new(
        Interlocked.Read(ref _blocksShipped),
        Interlocked.Read(ref _blocksSkipped),
        Interlocked.Read(ref _bytesShipped),
        Interlocked.Read(ref _messagesToScheduler),
        Interlocked.Read(ref _blocksDropped),
        _window?.Waited.TotalSeconds ?? 0,
        _window?.PeakStepsInFlight ?? 0,
        Interlocked.Read(ref _blocksStaged),
        TimeSpan.FromTicks(Interlocked.Read(ref _contractWaitTicks)).TotalSeconds,
        Interlocked.Read(ref _blocksDerived),
        Interlocked.Read(ref _blocksCopied));

    /// <summary>Declares an array this rank publishes.</summary>
    /// <typeparam name="T">The element type: double, float, int or long.</typeparam>
    /// <param name="name">The array's name.</param>
    /// <param name="shape">The global shape, time dimension included (its entry is the number of steps, or
    /// <see cref="ArrayDeclaration.OpenEnded"/> for a run that does not know it: <see cref="Finish"/> then ends it).</param>
    /// <param name="timeDimension">The position of the time dimension in <paramref name="shape"/>.</param>
    /// <param name="start">This rank's block start, spatial dimensions only.</param>
    /// <param name="count">This rank's block size, spatial dimensions only.</param>
    /// <param name="dimensionNames">The dimension names, time included.</param>
    /// <param name="droppable">Whether steps of this array may be dropped when the bound on steps in flight is reached (backpressure policy Drop).</param>
    /// <exception cref="ArgumentException">The declaration is inconsistent, or the name is taken.</exception>
    /// <exception cref="InvalidOperationException">The declarations were already sent.</exception>
    public void DeclareArray<T>(string name, long[] shape, int timeDimension, long[] start, long[] count, string[]? dimensionNames = null, bool droppable = false)
        where T : unmanaged =>
        DeclareArray(new ArrayDeclaration(name, ElementTypes.Of<T>(), shape, timeDimension, start, count, dimensionNames), droppable);

    /// <summary>Declares an array this rank publishes.</summary>
    /// <param name="declaration">The declaration.</param>
    /// <param name="droppable">Whether steps of this array may be dropped when the bound on steps in flight is reached (backpressure policy Drop).</param>
    /// <exception cref="ArgumentException">The name is taken.</exception>
    /// <exception cref="InvalidOperationException">The declarations were already sent.</exception>
    public void DeclareArray(ArrayDeclaration declaration, bool droppable = false)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        if (_committed)
        {
            throw new InvalidOperationException($"Cannot declare '{declaration.Name}': the declarations were already sent to the analytics. Declare every array before the first publish.");
        }

        if (declaration.Shape.Count - 1 != declaration.Count.Count)
        {
            throw new ArgumentException("Internal: inconsistent declaration.", nameof(declaration));
        }

        if (!_arrays.TryAdd(declaration.Name, new Published(declaration) { Droppable = droppable }))
        {
            throw new ArgumentException($"The array '{declaration.Name}' is already declared on this rank.", nameof(declaration));
        }
    }

    /// <summary>
    /// Registers a preprocessing operation on this rank, under its name, for <see cref="DeclareDerived"/>. Register
    /// the same operations on every simulation rank.
    /// </summary>
    /// <param name="operation">The operation.</param>
    /// <exception cref="ArgumentException">An operation of that name is already registered on this rank.</exception>
    public void RegisterPreprocessing(Preprocessing operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        if (!_preprocessing.TryAdd(operation.Name, operation))
        {
            throw new ArgumentException($"Simulation rank {SimulationRank} already has a preprocessing operation named '{operation.Name}'.", nameof(operation));
        }
    }

    /// <summary>
    /// Declares an array derived, on this rank, from one it publishes: each publish of <paramref name="source"/>
    /// applies <paramref name="operation"/> to the block and ships the result, only for the steps and to the worker
    /// the contract names for the derived array. The analytics see it as an ordinary array. Declare it on every
    /// simulation rank that declares the source.
    /// </summary>
    /// <param name="name">The derived array's name.</param>
    /// <param name="source">A published array declared on this rank.</param>
    /// <param name="operation">The name of an operation registered with <see cref="RegisterPreprocessing"/>.</param>
    /// <param name="droppable">Whether steps of the derived array may be dropped under backpressure policy Drop.</param>
    /// <exception cref="ArgumentException">The source is not declared, the operation is not registered on this rank
    /// (the message names the rank and the operation), it cannot apply to this rank's block, or the name is taken.</exception>
    /// <exception cref="InvalidOperationException">The declarations were already sent.</exception>
    public void DeclareDerived(string name, string source, string operation, bool droppable = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentException.ThrowIfNullOrEmpty(operation);
        if (!_arrays.TryGetValue(source, out Published? from) || from.Source is not null)
        {
            throw new ArgumentException(
                $"Cannot derive '{name}' from '{source}' on simulation rank {SimulationRank}: {(from is null ? "no such array is declared" : "it is itself derived")}. Derive from a published array declared with DeclareArray; declared: {Describe(_arrays.Keys)}.",
                nameof(source));
        }

        if (!_preprocessing.TryGetValue(operation, out Preprocessing? preprocessing))
        {
            throw new ArgumentException(
                $"Simulation rank {SimulationRank} has no preprocessing operation '{operation}' (registered: {Describe(_preprocessing.Keys)}), so it cannot derive '{name}' from '{source}'. Register it with RegisterPreprocessing on every simulation rank before declaring.",
                nameof(operation));
        }

        ArrayDeclaration derived;
        try
        {
            derived = preprocessing.Derive(name, from.Declaration);
        }
        catch (ArgumentException error)
        {
            throw new ArgumentException($"Simulation rank {SimulationRank} cannot derive '{name}' from '{source}' with '{operation}': {error.Message}", nameof(operation), error);
        }

        if (derived.Name != name || derived.ElementType != from.Declaration.ElementType || derived.TimeDimension != from.Declaration.TimeDimension ||
            derived.Shape[derived.TimeDimension] != from.Declaration.Shape[from.Declaration.TimeDimension])
        {
            throw new ArgumentException(
                $"The preprocessing operation '{operation}' declared '{derived.Name}' as {derived}; a derived array keeps the name it is given and its source's element type and steps ({from.Declaration}).",
                nameof(operation));
        }

        DeclareArray(derived, droppable);
        Published target = _arrays[name];
        target.Source = from;
        target.Operation = preprocessing;
        from.Derived.Add(target);
    }

    /// <summary>Sends the declarations to the analytics (one message), if not done yet.</summary>
    public void CommitDeclarations()
    {
        if (_committed)
        {
            return;
        }

        ThrowIfFinished();
        _committed = true;
        DeclareArrays message = DeclareArrays.Rent();
        foreach (Published array in _arrays.Values)
        {
            message.Arrays.Add(array.Declaration);
        }

        SendToScheduler(message);
    }

    /// <summary>
    /// Sends the declarations if not done yet and waits for this rank's contract, then ships what was staged before
    /// it: every later publish goes straight from the caller's memory. Optional: publishing does this when it must.
    /// </summary>
    /// <exception cref="DeisaTimeoutException">The contract did not arrive within <see cref="DeisaMpiOptions.ContractTimeout"/>.</exception>
    public void WaitForContract()
    {
        ThrowIfFinished();
        AwaitContract();
        DrainStaged();
    }

    /// <summary>
    /// Reads a steering value the analytics set (<c>DeisaClient.Steer</c>) at a step, without waiting for one: the
    /// latest set for this step or an earlier one. Every simulation rank reading the name at the same step gets the same
    /// answer. Costs a lock and a lookup when nothing is pending; waits only if this rank accepted a value for this step
    /// and the analytics have not yet confirmed that every rank did.
    /// </summary>
    /// <typeparam name="T">The value's type: the type set, or a number type it converts to.</typeparam>
    /// <param name="name">The value's name.</param>
    /// <param name="step">The step being read; each name is read in increasing step order.</param>
    /// <param name="value">The value, or the default.</param>
    /// <returns>Whether a value is set for this step.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The step is before one the name was read at.</exception>
    /// <exception cref="InvalidCastException">The value set is not a <typeparamref name="T"/>.</exception>
    /// <exception cref="DeisaTimeoutException">The analytics' decision did not come within <see cref="DeisaMpiOptions.SteeringDecisionTimeout"/>.</exception>
    public bool TryGet<T>(string name, int step, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out T value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (_steering.TryGet(name, step, out object? found))
        {
            value = Cast<T>(name, step, found);
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>Waits until the analytics set a steering value for this step or an earlier one, and reads it.</summary>
    /// <typeparam name="T">The value's type: the type set, or a number type it converts to.</typeparam>
    /// <param name="name">The value's name.</param>
    /// <param name="step">The step being read; each name is read in increasing step order.</param>
    /// <param name="timeout">How long to wait; <see cref="DeisaMpiOptions.SteeringDecisionTimeout"/> if null.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The step is before one the name was read at.</exception>
    /// <exception cref="InvalidCastException">The value set is not a <typeparamref name="T"/>.</exception>
    /// <exception cref="DeisaTimeoutException">No value came in time; the message names the value and the step.</exception>
    public T Get<T>(string name, int step, TimeSpan? timeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return Cast<T>(name, step, _steering.Get(name, step, timeout ?? _options.SteeringDecisionTimeout));
    }

    /// <summary>
    /// Whether the analytics asked the simulation to stop at this step or an earlier one (<c>DeisaClient.RequestStop</c>):
    /// every rank gets the same answer at the same step, so all stop together. Call it once per step, then finish.
    /// </summary>
    /// <param name="step">The step about to be computed or published.</param>
    /// <returns>Whether to stop.</returns>
    public bool StopRequested(int step) => TryGet(SteeringInbox.StopName, step, out bool stop) && stop;

    private static T Cast<T>(string name, int step, object? value)
    {
        if (value is T typed)
        {
            return typed;
        }

        if (value is IConvertible && (typeof(T).IsPrimitive || typeof(T) == typeof(decimal)))
        {
            return (T)Convert.ChangeType(value, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
        }

        throw new InvalidCastException(
            $"The steering value '{name}' at step {step} is {(value is null ? "null" : $"a {value.GetType().Name}")}, not a {typeof(T).Name}: read it as the type the analytics set.");
    }

    /// <summary>Publishes this rank's block of an array for one step, from contiguous memory.</summary>
    /// <typeparam name="T">The element type, as declared.</typeparam>
    /// <param name="name">The array.</param>
    /// <param name="step">The step, increasing from one publish to the next.</param>
    /// <param name="block">The block, row-major, exactly the declared count.</param>
    /// <returns>Whether it was shipped, and when <paramref name="block"/>'s memory may be reused.</returns>
    /// <exception cref="ArgumentException">Unknown array, wrong element type or wrong size.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The step is outside the array or not after the previous one.</exception>
    /// <exception cref="DeisaTimeoutException">The contract did not arrive in time.</exception>
    public PublishHandle Publish<T>(string name, int step, ReadOnlyMemory<T> block)
        where T : unmanaged
    {
        Published array = Check<T>(name, step);
        long expected = array.Declaration.BlockElements;
        if (block.Length != expected)
        {
            throw new ArgumentException(
                $"Publishing '{name}' step {step}: the block has {block.Length} elements but the declared count [{string.Join(", ", array.Declaration.Count)}] holds {expected}.", nameof(block));
        }

        PublishHandle handle = PublishBlock(array, step, block);
        PublishDerived(array, step, block.Span, (int)array.Declaration.Count[^1]);
        return handle;
    }

    private PublishHandle PublishBlock<T>(Published array, int step, ReadOnlyMemory<T> block)
        where T : unmanaged
    {
        if (TryStage(array, step, MemoryMarshal.AsBytes(block.Span), 1, checked((int)block.Length * Unsafe.SizeOf<T>()), 0))
        {
            return Staged();
        }

        if (!IsContracted(array, step, out EndpointId worker))
        {
            return Skip(array, step);
        }

        if (Admit(array, step) is { } refused)
        {
            return refused;
        }

        if (TryShipCopy(array, step, worker, MemoryMarshal.AsBytes(block.Span), 1, checked((int)block.Length * Unsafe.SizeOf<T>()), 0))
        {
            return Copied();
        }

        MemoryHandle pin = block.Pin();
        return Ship(array, step, worker, OutgoingBlock.Rent(array.Declaration.ElementType, block.Length, pin, _inFlight));
    }

    /// <summary>Publishes the interior of a 2D field with ghost cells, straight from the field: no copy, even of the interior.</summary>
    /// <typeparam name="T">The element type, as declared.</typeparam>
    /// <param name="name">The array; its block must be 2D (rows, columns).</param>
    /// <param name="step">The step.</param>
    /// <param name="field">The field, row-major, (rows + 2 ghost) x (columns + 2 ghost).</param>
    /// <param name="ghost">The ghost width on every side.</param>
    /// <returns>Whether it was shipped, and when <paramref name="field"/>'s memory may be reused.</returns>
    /// <exception cref="ArgumentException">Unknown array, not 2D, wrong element type or wrong size.</exception>
    public PublishHandle PublishInterior<T>(string name, int step, ReadOnlyMemory<T> field, int ghost)
        where T : unmanaged
    {
        Published array = Check<T>(name, step);
        ArgumentOutOfRangeException.ThrowIfNegative(ghost);
        if (array.Declaration.Count.Count != 2)
        {
            throw new ArgumentException($"Publishing '{name}' with ghost cells needs a 2D block; it is declared with {array.Declaration.Count.Count} spatial dimension(s).", nameof(name));
        }

        int rows = checked((int)array.Declaration.Count[0]);
        int columns = checked((int)array.Declaration.Count[1]);
        int stride = columns + (2 * ghost);
        long expected = (long)(rows + (2 * ghost)) * stride;
        if (field.Length != expected)
        {
            throw new ArgumentException(
                $"Publishing '{name}' step {step}: the field has {field.Length} elements but a {rows}x{columns} block with {ghost} ghost cell(s) on each side needs {rows + (2 * ghost)}x{stride} = {expected}.",
                nameof(field));
        }

        PublishHandle handle = PublishInteriorBlock(array, step, field, ghost, rows, columns, stride);
        PublishDerived(array, step, field.Span[((ghost * stride) + ghost)..], stride);
        return handle;
    }

    private PublishHandle PublishInteriorBlock<T>(Published array, int step, ReadOnlyMemory<T> field, int ghost, int rows, int columns, int stride)
        where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        if (TryStage(array, step, MemoryMarshal.AsBytes(field.Span[((ghost * stride) + ghost)..]), rows, columns * size, stride * size))
        {
            return Staged();
        }

        if (!IsContracted(array, step, out EndpointId worker))
        {
            return Skip(array, step);
        }

        if (Admit(array, step) is { } refused)
        {
            return refused;
        }

        if (TryShipCopy(array, step, worker, MemoryMarshal.AsBytes(field.Span[((ghost * stride) + ghost)..]), rows, columns * size, stride * size))
        {
            return Copied();
        }

        MemoryHandle pin = field[((ghost * stride) + ghost)..].Pin();
        return Ship(array, step, worker, OutgoingBlock.Rent(array.Declaration.ElementType, pin, rows, columns, stride, _inFlight));
    }

    /// <summary>
    /// Tells the analytics this rank publishes nothing more: waits for its sends, then names the contracted blocks
    /// it never shipped, so that whoever waits on them fails instead of hanging.
    /// </summary>
    /// <exception cref="DeisaTimeoutException">Sends did not complete within <see cref="DeisaMpiOptions.SendTimeout"/>, or
    /// blocks were staged and the contract did not come within <see cref="DeisaMpiOptions.ContractTimeout"/> (the
    /// analytics are told this rank finished with nothing shipped).</exception>
    public void Finish()
    {
        if (_finished)
        {
            return;
        }

        CommitDeclarations();
        _finished = true;
        if (_hasStaged)
        {
            // What was copied aside goes (or is let go) as the contract says, before the sends are waited for.
            try
            {
                AwaitContract();
            }
            catch (DeisaTimeoutException)
            {
                // Nothing was shipped and nothing will be: say this rank is done with nothing published, so that
                // whatever the contract asks of it fails at once, named, rather than waiting for the analytics' own
                // timeouts (minutes) while this rank waits for them at shutdown.
                ProducerFinished gaveUp = ProducerFinished.Rent();
                foreach (Published array in _arrays.Values)
                {
                    gaveUp.LastSteps.Add((array.Declaration.Name, -1));
                }

                SendToScheduler(gaveUp);
                throw;
            }

            try
            {
                DrainStaged();
            }
            catch (Exception) when (_drainError is not null)
            {
                // Raised below, once the scheduler knows this rank is done.
            }
        }

        WaitForSends();
        ProducerFinished message = ProducerFinished.Rent();
        message.BlocksShipped = Interlocked.Read(ref _blocksShipped);

        // Steps passed over were named as they were; every contracted step after the last one published never comes.
        foreach (Published array in _arrays.Values)
        {
            message.LastSteps.Add((array.Declaration.Name, array.LastPublished));
        }

        SendToScheduler(message);
        ThrowIfDrainFailed();
    }

    /// <summary>Finishes, if not done yet, and stops listening for contract updates.</summary>
    public void Dispose()
    {
        try
        {
            Finish();
        }
        finally
        {
            _window?.Close();
            _steering.Close();
            ReturnStaged();
            _mailbox.Dispose();
            _pump.Completion.Wait(TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>Checks a publish before anything changes: a call that raises leaves the bridge as it was.</summary>
    private Published Check<T>(string name, int step)
        where T : unmanaged
    {
        ThrowIfFinished();
        ArgumentNullException.ThrowIfNull(name);
        if (!_arrays.TryGetValue(name, out Published? array))
        {
            throw new ArgumentException(
                $"No array '{name}' was declared on this rank; declared: {(_arrays.Count == 0 ? "(none)" : string.Join(", ", _arrays.Keys))}.", nameof(name));
        }

        if (array.Source is { } source)
        {
            throw new ArgumentException(
                $"'{name}' is derived from '{source.Declaration.Name}' by '{array.Operation!.Name}' on this rank: publish '{source.Declaration.Name}' and the bridge computes '{name}'.", nameof(name));
        }

        if (ElementTypes.Of<T>() != array.Declaration.ElementType)
        {
            throw new ArgumentException($"'{name}' is declared as {array.Declaration.ElementType}, not {typeof(T).Name}.", nameof(name));
        }

        if ((uint)step >= (uint)array.Declaration.Steps)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, $"'{name}' has steps 0 to {array.Declaration.Steps - 1}.");
        }

        if (step == array.LastPublished)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, $"'{name}' step {step} was already published on simulation rank {SimulationRank}: publish each step once.");
        }

        if (step < array.LastPublished)
        {
            throw new ArgumentOutOfRangeException(
                nameof(step), step, $"'{name}' step {step} comes after step {array.LastPublished}, already published on simulation rank {SimulationRank}: publish steps in increasing order.");
        }

        return array;
    }

    /// <summary>Computes and ships, as the contract asks, the arrays derived from a block just published.</summary>
    /// <param name="source">The published array.</param>
    /// <param name="step">The step.</param>
    /// <param name="data">The block in place, from its first element.</param>
    /// <param name="rowStride">Elements from one row to the next.</param>
    private void PublishDerived<T>(Published source, int step, ReadOnlySpan<T> data, int rowStride)
        where T : unmanaged
    {
        if (source.Derived.Count == 0)
        {
            return;
        }

        // Element types are checked at publish: the casts only let the operation see numbers.
        switch (source.Declaration.ElementType)
        {
            case ElementType.Float64:
                Derive(source, step, MemoryMarshal.Cast<T, double>(data), rowStride);
                break;
            case ElementType.Float32:
                Derive(source, step, MemoryMarshal.Cast<T, float>(data), rowStride);
                break;
            case ElementType.Int32:
                Derive(source, step, MemoryMarshal.Cast<T, int>(data), rowStride);
                break;
            default:
                Derive(source, step, MemoryMarshal.Cast<T, long>(data), rowStride);
                break;
        }
    }

    private void Derive<T>(Published source, int step, ReadOnlySpan<T> data, int rowStride)
        where T : unmanaged, System.Numerics.INumber<T>
    {
        var view = new BlockView<T>(data, source.Declaration, rowStride);
        foreach (Published derived in source.Derived)
        {
            if (_contractArrived.Task.IsCompleted)
            {
                // Nothing is computed for a step nobody reads; earlier staged steps are resolved first, in order.
                DrainStaged();
                if (!IsContractedNow(derived, step, out _))
                {
                    Skip(derived, step);
                    continue;
                }
            }

            int bytes = checked((int)derived.Declaration.BlockElements * Unsafe.SizeOf<T>());
            byte[] buffer = BufferPool.Shared.Rent(bytes);
            bool shipping = false;
            try
            {
                derived.Operation!.Apply(view, derived.Declaration, MemoryMarshal.Cast<byte, T>(buffer.AsSpan(0, bytes)));
                Interlocked.Increment(ref _blocksDerived);
                shipping = ShipOwned(derived, step, buffer, bytes);
            }
            catch (Exception error) when (error is not DeisaException)
            {
                Skip(derived, step);
                throw new DeisaException(
                    $"Simulation rank {SimulationRank}: the preprocessing operation '{derived.Operation!.Name}' failed on step {step} of '{source.Declaration.Name}' (deriving '{derived.Declaration.Name}'): {error.Message}", error);
            }
            finally
            {
                if (!shipping)
                {
                    BufferPool.Shared.Return(buffer);
                }
            }
        }
    }

    /// <summary>Ships a block the bridge computed into a pooled buffer, which goes back to the pool once sent.</summary>
    /// <returns>Whether the buffer was handed to a send (it is returned by the send's completion, not by the caller).</returns>
    private bool ShipOwned(Published array, int step, byte[] buffer, int bytes)
    {
        if (TryStage(array, step, buffer.AsSpan(0, bytes), 1, bytes, 0))
        {
            return false;
        }

        if (!IsContracted(array, step, out EndpointId worker))
        {
            Skip(array, step);
            return false;
        }

        if (Admit(array, step) is not null)
        {
            return false;
        }

        ElementType type = array.Declaration.ElementType;
        MemoryHandle pin = buffer.AsMemory(0, bytes).Pin();
        Ship(array, step, worker, OutgoingBlock.Rent(type, bytes / ElementTypes.SizeOf(type), pin, _inFlight, owned: buffer));
        return true;
    }

    private static string Describe(IEnumerable<string> names) =>
        names.Any() ? string.Join(", ", names.Order(StringComparer.Ordinal).Select(n => $"'{n}'")) : "none";

    private void ThrowIfFinished()
    {
        if (_finished)
        {
            throw new ObjectDisposedException(
                nameof(Bridge),
                $"Simulation rank {SimulationRank}'s bridge was finished (Finish or Dispose): it publishes nothing more. Publish every step before finishing.");
        }
    }

    private bool IsContracted(Published array, int step, out EndpointId worker)
    {
        worker = default;
        CommitDeclarations();
        AwaitContract();
        DrainStaged();
        return IsContractedNow(array, step, out worker);
    }

    /// <summary>Whether the contract (which has arrived) asks for the step, and to which worker.</summary>
    private bool IsContractedNow(Published array, int step, out EndpointId worker)
    {
        worker = default;
        if (_revoked || array.Worker is not { } target || !array.Contracted.Contains(step))
        {
            return false;
        }

        worker = target;
        return true;
    }

    private void AwaitContract()
    {
        if (_contractArrived.Task.IsCompleted)
        {
            return;
        }

        CommitDeclarations();
        long started = Stopwatch.GetTimestamp();
        bool arrived = _contractArrived.Task.Wait(_options.ContractTimeout);
        Interlocked.Add(ref _contractWaitTicks, Stopwatch.GetElapsedTime(started).Ticks);
        if (!arrived)
        {
            throw new DeisaTimeoutException(
                $"Simulation rank {SimulationRank} waited {_options.ContractTimeout.TotalSeconds:0.#} s for its contract from the analytics (world rank {_scheduler.Rank}). " +
                "The analytics must get the arrays and call ValidateContract; check the analytics rank's output for an error.");
        }
    }

    /// <summary>
    /// Applies the bound on steps in flight: returns null when the block may ship (after waiting for room under the
    /// Block policy), or what to return instead (a drop, or a skip once the contract was revoked meanwhile).
    /// </summary>
    private PublishHandle? Admit(Published array, int step)
    {
        while (_window is not null && !_window.TryShip(step))
        {
            if (_revoked || _window.IsClosed)
            {
                return Skip(array, step);
            }

            if (_options.Backpressure.Policy == BackpressurePolicy.Drop && array.Droppable)
            {
                return Drop(array, step);
            }

            if (!_window.WaitForRoom(step, _options.Backpressure.Timeout) || _revoked)
            {
                return Skip(array, step);
            }
        }

        return null;
    }

    /// <summary>
    /// Copies a block aside when the contract has not arrived and the staging budget allows: the simulation computes
    /// on, and the block is shipped from the copy (or let go) once the contract says where it goes.
    /// </summary>
    /// <param name="array">The array.</param>
    /// <param name="step">The step.</param>
    /// <param name="source">The block's first row, up to its last byte.</param>
    /// <param name="rows">Rows to copy.</param>
    /// <param name="rowBytes">Bytes per row.</param>
    /// <param name="strideBytes">Bytes from one row to the next in <paramref name="source"/> (unused for one row).</param>
    /// <returns>Whether the block was staged; false once the contract arrived (every earlier staged block is then
    /// resolved) or when the budget is used up (the caller then waits for the contract).</returns>
    private bool TryStage(Published array, int step, ReadOnlySpan<byte> source, int rows, int rowBytes, int strideBytes)
    {
        CommitDeclarations();
        ThrowIfDrainFailed();
        if (_contractArrived.Task.IsCompleted)
        {
            DrainStaged();
            return false;
        }

        long bytes = (long)rows * rowBytes;
        lock (_staging)
        {
            if (_contractArrived.Task.IsCompleted || bytes > Array.MaxLength || _stagedBytes + bytes > _options.StagingBytesBeforeContract)
            {
                return false;
            }

            byte[] copy = BufferPool.Shared.Rent((int)bytes);
            CopyRows(source, rows, rowBytes, strideBytes, copy);

            _staged.Enqueue(new StagedBlock(array, step, copy, (int)bytes));
            _stagedBytes += bytes;
            array.LastPublished = step;
            _hasStaged = true;
        }

        Interlocked.Increment(ref _blocksStaged);

        // The contract may have arrived while the block was copied, after its thread looked for staged blocks to
        // drain: drain now rather than leave this one until the next publish. The barrier orders the write of
        // _hasStaged before this read, as completing the contract orders its own before that thread's read.
        Interlocked.MemoryBarrier();
        if (_contractArrived.Task.IsCompleted)
        {
            DrainStaged();
        }

        return true;
    }

    private static PublishHandle Staged() => new(staged: true);

    private static PublishHandle Copied() => new(copied: true);

    /// <summary>Copies a block's rows, <paramref name="strideBytes"/> apart in <paramref name="source"/>, one after the other into <paramref name="target"/>.</summary>
    private static void CopyRows(ReadOnlySpan<byte> source, int rows, int rowBytes, int strideBytes, Span<byte> target)
    {
        for (int row = 0; row < rows; row++)
        {
            source.Slice(row * strideBytes, rowBytes).CopyTo(target.Slice(row * rowBytes, rowBytes));
        }
    }

    /// <summary>
    /// Sends a contracted block from a pooled copy when <see cref="DeisaMpiOptions.CopyBudgetBytes"/> allows it, so that
    /// the simulation may write its memory again at once instead of when the analytics rank has received it.
    /// </summary>
    /// <param name="array">The array.</param>
    /// <param name="step">The step, admitted.</param>
    /// <param name="worker">Where the contract sends it.</param>
    /// <param name="source">The block's first row, up to its last byte.</param>
    /// <param name="rows">Rows to copy.</param>
    /// <param name="rowBytes">Bytes per row.</param>
    /// <param name="strideBytes">Bytes from one row to the next in <paramref name="source"/> (unused for one row).</param>
    /// <returns>Whether the block was copied and shipped; false when the copies in flight would pass the budget.</returns>
    private bool TryShipCopy(Published array, int step, EndpointId worker, ReadOnlySpan<byte> source, int rows, int rowBytes, int strideBytes)
    {
        long bytes = (long)rows * rowBytes;
        if (_copyBudget == 0 || bytes > Array.MaxLength || _inFlight.OwnedBytes + bytes > _copyBudget)
        {
            return false;
        }

        byte[] copy = BufferPool.Shared.Rent((int)bytes);
        CopyRows(source, rows, rowBytes, strideBytes, copy);

        ElementType type = array.Declaration.ElementType;
        MemoryHandle pin = copy.AsMemory(0, (int)bytes).Pin();
        Ship(array, step, worker, OutgoingBlock.Rent(type, (int)(bytes / ElementTypes.SizeOf(type)), pin, _inFlight, owned: copy));
        Interlocked.Increment(ref _blocksCopied);
        return true;
    }

    /// <summary>
    /// Ships or lets go, in step order, every block staged before the contract arrived; a caller that finds a drain
    /// under way waits for it, so no later step overtakes a staged one.
    /// </summary>
    private void DrainStaged()
    {
        if (!_hasStaged)
        {
            return;
        }

        lock (_staging)
        {
            // A drain that failed (a wait for room that timed out) is not tried again block by block: each would wait
            // as long again.
            ThrowIfDrainFailed();
            while (_staged.TryDequeue(out StagedBlock staged))
            {
                try
                {
                    Resolve(staged);
                }
                catch (Exception error)
                {
                    // Recorded before the lock is let go, so that whoever waits for it sees the failure. What is left
                    // is given up and named to the scheduler, so that the analytics waiting on it fail, not hang.
                    _drainError = error;
                    Skip(staged.Array, staged.Step);
                    while (_staged.TryDequeue(out StagedBlock rest))
                    {
                        Skip(rest.Array, rest.Step);
                        BufferPool.Shared.Return(rest.Copy);
                    }

                    _stagedBytes = 0;
                    _hasStaged = false;
                    throw;
                }
            }

            _stagedBytes = 0;
            _hasStaged = false;
        }
    }

    private void ThrowIfDrainFailed()
    {
        if (_drainError is { } failed)
        {
            throw new DeisaException($"Simulation rank {SimulationRank}: shipping the blocks published before the contract arrived failed: {failed.Message}", failed);
        }
    }

    private void DrainInBackground()
    {
        try
        {
            DrainStaged();
        }
        catch (Exception) when (_drainError is not null)
        {
            // Recorded by the drain (this failure or an earlier one): raised to the simulation at its next publish or
            // at Finish.
        }
    }

    private void Resolve(StagedBlock staged)
    {
        Published array = staged.Array;
        bool ship = false;
        try
        {
            if (!IsContractedNow(array, staged.Step, out EndpointId worker))
            {
                Skip(array, staged.Step);
                return;
            }

            if (Admit(array, staged.Step) is not null)
            {
                return;
            }

            ElementType type = array.Declaration.ElementType;
            MemoryHandle pin = staged.Copy.AsMemory(0, staged.Bytes).Pin();
            ship = true;
            Ship(array, staged.Step, worker, OutgoingBlock.Rent(type, staged.Bytes / ElementTypes.SizeOf(type), pin, _inFlight, owned: staged.Copy));
        }
        finally
        {
            if (!ship)
            {
                BufferPool.Shared.Return(staged.Copy);
            }
        }
    }

    /// <summary>Gives back what is still staged when the bridge is disposed without the contract having come.</summary>
    private void ReturnStaged()
    {
        lock (_staging)
        {
            while (_staged.TryDequeue(out StagedBlock staged))
            {
                BufferPool.Shared.Return(staged.Copy);
            }

            _stagedBytes = 0;
            _hasStaged = false;
        }
    }

    private PublishHandle Drop(Published array, int step)
    {
        Interlocked.Increment(ref _blocksDropped);

        // Accounted for: the scheduler is told below, so it is not named missing as well.
        Account(array, step, shipped: true);
        SendToScheduler(_window!.DropNotice(array.KeyOf(step)));
        return new PublishHandle();
    }

    private PublishHandle Skip(Published array, int step)
    {
        Account(array, step, shipped: false);
        Interlocked.Increment(ref _blocksSkipped);
        return new PublishHandle();
    }

    /// <summary>
    /// Records what became of the contracted steps up to <paramref name="step"/> and tells the scheduler at once of
    /// those that will never come: steps are published in increasing order, so a contracted step passed over is
    /// known missing now, not at the end of the run.
    /// </summary>
    /// <remarks>Every publish that returns goes through here, and only those: the step is used up then, not before.</remarks>
    private void Account(Published array, int step, bool shipped)
    {
        int previous;
        StepSet contracted;
        lock (array)
        {
            // One version of the contract for the whole publish; a change after this reports its own passed steps.
            previous = array.LastStep;
            array.LastStep = step;
            array.LastPublished = Math.Max(array.LastPublished, step);
            contracted = array.Contracted;
        }

        if (_revoked)
        {
            // The scheduler failed every contracted step when it revoked: nothing is missing any more, only passed.
            return;
        }

        string name = array.Declaration.Name;
        int passed = contracted.NextAtOrAfter(previous + 1);
        if (passed >= 0 && passed < step)
        {
            DropExternal notice = DropExternal.Rent();
            for (; passed >= 0 && passed < step; passed = contracted.NextAtOrAfter(passed + 1))
            {
                notice.Keys.Add(array.KeyOf(passed));
            }

            SendMissing(notice, $"published step {step} of '{name}' without it");
        }

        if (!shipped && contracted.Contains(step))
        {
            DropExternal notice = DropExternal.Rent();
            notice.Keys.Add(array.KeyOf(step));
            SendMissing(notice, $"could not ship step {step} of '{name}'");
        }
    }

    private void SendMissing(DropExternal notice, string reason)
    {
        notice.Skipped = true;
        notice.Reason = reason;
        SendToScheduler(notice);
    }

    private PublishHandle Ship(Published array, int step, EndpointId worker, OutgoingBlock block)
    {
        TaskKey key = array.KeyOf(step);
        if (_options.Mode == CouplingMode.Deisa1)
        {
            // Deisa1's per-step metadata, which Deisa3's contract makes unnecessary.
            BlockMetadata metadata = BlockMetadata.Rent();
            metadata.Key = key;
            metadata.Worker = worker;
            metadata.Start.AddRange(array.Declaration.Start);
            metadata.Count.AddRange(array.Declaration.Count);
            SendToScheduler(metadata);
        }

        PutExternal put = PutExternal.Rent();
        put.Key = key;
        put.Value = block;
        // Counted by Admit (TryShip) before sending: the worker's release may come back before Send returns.
        put.NotifyRelease = _window is not null;

        // Read before sending: the send may complete, and the block go back to its pool, before Send returns.
        long version = block.Version;
        long bytes = block.Bytes;
        _inFlight.Add(block.OwnedBytes);
        _mailbox.Send(worker, put);
        Account(array, step, shipped: true);
        Interlocked.Increment(ref _blocksShipped);
        Interlocked.Add(ref _bytesShipped, bytes);
        return new PublishHandle(block, version, key, worker);
    }

    private void WaitForSends()
    {
        int pending = _inFlight.WaitForAll(_options.SendTimeout, out Exception? failure);
        if (pending > 0)
        {
            throw new DeisaTimeoutException($"Simulation rank {SimulationRank}: {pending} block send(s) did not complete within {_options.SendTimeout.TotalSeconds:0.#} s.");
        }

        if (failure is not null)
        {
            throw new DeisaException($"Simulation rank {SimulationRank}: a block send failed: {failure.Message}", failure);
        }
    }

    /// <summary>The blocks this rank shipped whose sends have not completed, counted without keeping the blocks.</summary>
    private sealed class SendsInFlight : IBlockOwner
    {
        private readonly object _gate = new();
        private int _count;
        private long _ownedBytes;
        private Exception? _failure;

        /// <summary>Gets the bytes of the sends in flight from the bridge's own buffers (copies), not the simulation's memory.</summary>
        public long OwnedBytes => Volatile.Read(ref _ownedBytes);

        public void Add(long ownedBytes)
        {
            lock (_gate)
            {
                _count++;
                _ownedBytes += ownedBytes;
            }
        }

        public void Completed(long ownedBytes, Exception? error)
        {
            lock (_gate)
            {
                _count--;
                _ownedBytes -= ownedBytes;
                _failure ??= error;
                if (_count == 0)
                {
                    Monitor.PulseAll(_gate);
                }
            }
        }

        /// <summary>Waits until every send completed, at most <paramref name="timeout"/>; returns how many still had not.</summary>
        public int WaitForAll(TimeSpan timeout, out Exception? failure)
        {
            long deadline = Environment.TickCount64 + (long)Math.Ceiling(timeout.TotalMilliseconds);
            lock (_gate)
            {
                while (_count > 0)
                {
                    long left = deadline - Environment.TickCount64;
                    if (left <= 0)
                    {
                        break;
                    }

                    Monitor.Wait(_gate, (int)Math.Min(left, int.MaxValue));
                }

                failure = _failure;
                return _count;
            }
        }
    }

    private void SendToScheduler(Message message)
    {
        Interlocked.Increment(ref _messagesToScheduler);
        _mailbox.Send(_scheduler, message);
    }

    private bool Handle(Message message)
    {
        switch (message)
        {
            case ContractUpdate update:
                Apply(update);
                break;
            case SteerProposal proposal:
                (bool accepted, int readUpTo) = _steering.Vote(proposal);
                SteerVote vote = SteerVote.Rent();
                vote.ProposalId = proposal.ProposalId;
                vote.Accepted = accepted;
                vote.ReadUpTo = readUpTo;
                SendToScheduler(vote);
                break;
            case SteerDecision decision:
                _steering.Decide(decision.ProposalId, decision.Commit);
                break;
            case KeysReleased released when _window is not null:
                foreach (TaskKey key in released.Keys)
                {
                    // Block keys are (array, step, block indices...).
                    _window.Released(key[0]);
                }

                break;
        }

        return true;
    }

    private void Apply(ContractUpdate update)
    {
        if (update.Revoked)
        {
            _revokedReason = update.Reason;
            _revoked = true;
            _window?.Close();
        }
        else
        {
            Contract = [.. update.Entries];
            foreach (ContractEntry entry in update.Entries)
            {
                if (_arrays.TryGetValue(entry.Array, out Published? array))
                {
                    Replace(array, entry);
                }
            }
        }

        _contractArrived.TrySetResult();
        if (_hasStaged)
        {
            // Shipped now, not at the next publish (which may be a long step away), and not on this thread: under a
            // bound on steps in flight the drain waits for room, which the releases this thread hears make. The next
            // publish waits for the drain to end, so no step overtakes a staged one.
            _ = Task.Run(DrainInBackground);
        }
    }

    /// <summary>
    /// Takes an entry of the contract for an array, replacing the previous one: the contract grows and shrinks during
    /// the run. Steps added that this rank already passed cannot be shipped: the scheduler is told at once.
    /// </summary>
    private void Replace(Published array, ContractEntry entry)
    {
        StepSet passed;
        lock (array)
        {
            StepSet added = entry.Steps.Except(array.Contracted);
            array.Worker = entry.Worker;
            array.Block = entry.Block;
            array.Contracted = entry.Steps;
            passed = added.Within(0, array.LastStep + 1);
        }

        if (!passed.IsEmpty && !_revoked)
        {
            DropExternal notice = DropExternal.Rent();
            foreach (int step in passed.Enumerate())
            {
                notice.Keys.Add(array.KeyOf(step));
            }

            SendMissing(notice, $"had already published past step {passed.Last} of '{array.Declaration.Name}' when the contract asked for it");
        }
    }

    /// <summary>A block published before the contract arrived, copied into a pooled buffer.</summary>
    private readonly record struct StagedBlock(Published Array, int Step, byte[] Copy, int Bytes);

    private sealed class Published
    {
        public Published(ArrayDeclaration declaration)
        {
            Declaration = declaration;
        }

        public ArrayDeclaration Declaration { get; }

        /// <summary>Gets or sets the last step accounted for: shipped, skipped or dropped (a staged step is not, yet).</summary>
        public int LastStep { get; set; } = -1;

        /// <summary>Gets or sets the last step published, staged or not: the next publish must come after it.</summary>
        public int LastPublished { get; set; } = -1;

        public EndpointId? Worker { get; set; }

        /// <summary>Gets or sets the steps the contract asks for, held compactly: looked up in O(log) per publish, flat in memory however long the run.</summary>
        /// <remarks>Replaced whole when the contract changes (on the bridge's message thread); a publish reads one version.</remarks>
        public StepSet Contracted { get; set; } = StepSet.Empty;

        public bool Droppable { get; init; }

        /// <summary>Gets or sets the published array this one is computed from on this rank, or null for a published one.</summary>
        public Published? Source { get; set; }

        /// <summary>Gets or sets the operation that computes this array from <see cref="Source"/>.</summary>
        public Preprocessing? Operation { get; set; }

        /// <summary>Gets the arrays derived from this one, computed at each of its publishes.</summary>
        public List<Published> Derived { get; } = [];

        /// <summary>Gets or sets this rank's block indices in the array's grid, from the contract.</summary>
        public int[] Block { get; set; } = [];

        public TaskKey KeyOf(int step)
        {
            Span<int> indices = stackalloc int[TaskKey.MaxIndices];
            indices[0] = step;
            for (int d = 0; d < Block.Length; d++)
            {
                indices[d + 1] = Block[d];
            }

            return new TaskKey(Declaration.Name, indices[..(Block.Length + 1)]);
        }
    }
}
