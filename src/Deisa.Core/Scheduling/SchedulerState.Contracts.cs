using System.Diagnostics.CodeAnalysis;
using Deisa.Core.Arrays;
using Deisa.Core.Errors;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Transport;

namespace Deisa.Core.Scheduling;

/// <content>
/// Array declarations from producers, and the contract: derived from the interests the client declared (what each
/// persisted computation reads, as step sets) and from external keys created one by one; placed on workers; kept
/// per (array, block) with what is known since of each block's steps.
/// </content>
public sealed partial class SchedulerState
{
    private readonly EndpointId[] _producers;

    /// <summary>The producers, to check a sender: a scan of the list per message cost N per declaration and, in Deisa1, per announcement.</summary>
    private readonly HashSet<EndpointId> _isProducer;
    private readonly CouplingMode _mode;
    private readonly Dictionary<EndpointId, List<ArrayDeclaration>> _declarations = [];
    private readonly List<long> _waitingForArrays = [];
    private readonly Dictionary<(string Array, long Block), ContractPart> _contract = [];
    private readonly HashSet<EndpointId> _finishedProducers = [];
    private readonly Dictionary<(int Producer, string Array), int> _finishedAt = [];
    private long[] _contractLoad = [];
    private Dictionary<string, ArrayLayout>? _layouts;

    // The same layouts by the code of their name, so that looking up a key's array neither builds its name nor
    // hashes a string.
    private Dictionary<long, ArrayLayout>? _layoutsByCode;
    private Exception? _layoutError;
    private bool _contractFrozen;
    private bool _contractRevoked;

    /// <summary>Gets whether the contract has been validated (and so frozen).</summary>
    public bool ContractFrozen => _contractFrozen;

    /// <summary>Gets the number of (step, block) pairs in the contract; <see cref="long.MaxValue"/> when a part runs to the end of the run.</summary>
    public long ContractSize
    {
        get
        {
            long total = 0;
            foreach (ContractPart part in _contract.Values)
            {
                long count = part.Steps.Count;
                if (count == long.MaxValue)
                {
                    return long.MaxValue;
                }

                total += count;
            }

            return total;
        }
    }

    /// <summary>Gets the number of (array, block) parts the contract is held in: its size, whatever the number of steps.</summary>
    public int ContractParts => _contract.Count;

    /// <summary>Gets the producers that said they finished.</summary>
    public IReadOnlyCollection<EndpointId> FinishedProducers => _finishedProducers;

    /// <summary>Gets the number of producers expected.</summary>
    public int ProducerCount => _producers.Length;

    private void HandleDeclareArrays(DeclareArrays message)
    {
        if (!_isProducer.Contains(message.From))
        {
            throw new ArgumentException($"Array declarations came from {message.From}, which is not one of the scheduler's producers.", nameof(message));
        }

        if (!_declarations.TryAdd(message.From, [.. message.Arrays]))
        {
            _layoutError ??= new DeisaException($"Simulation rank {message.From.Rank} declared its arrays twice; declare once, at start-up.");
        }

        if (_layouts is null && _declarations.Count == _producers.Length)
        {
            AssembleLayouts();
            if (_mode == CouplingMode.Deisa1 && _layoutError is null)
            {
                // Deisa1 ships everything: the contract is every block of every step, known as soon as declared.
                var everything = new Dictionary<(string Array, long Block), (ArrayLayout Layout, int[] Block, StepSet Steps)>();
                foreach (ArrayLayout layout in _layouts!.Values)
                {
                    foreach (int producer in layout.Producers)
                    {
                        int[] blockIndex = [.. layout.BlockOf(producer)!];
                        everything[(layout.Name, ArrayLayout.BlockId(blockIndex))] = (layout, blockIndex, StepSet.Range(0, layout.Steps));
                    }
                }

                FreezeContract(everything);
            }

            foreach (long requestId in _waitingForArrays)
            {
                ReplyArrays(requestId);
            }

            _waitingForArrays.Clear();
        }
    }

    private void AssembleLayouts()
    {
        var layouts = new Dictionary<string, ArrayLayout>(StringComparer.Ordinal);
        try
        {
            foreach (IGrouping<string, (int Producer, ArrayDeclaration Declaration)> array in _declarations
                .SelectMany(e => e.Value.Select(d => (e.Key.Rank, d)))
                .GroupBy(e => e.d.Name, StringComparer.Ordinal))
            {
                layouts.Add(array.Key, ArrayLayout.Assemble(array.OrderBy(e => e.Producer).ToList()));
            }
        }
        catch (ArgumentException error)
        {
            _layoutError ??= new DeisaException($"The simulation's array declarations do not fit together: {error.Message}");
        }

        _layouts = layouts;
        _layoutsByCode = layouts.Values.ToDictionary(l => l.NameCode);
    }

    private bool TryGetLayout(TaskKey key, [NotNullWhen(true)] out ArrayLayout? layout)
    {
        layout = null;
        return _layoutsByCode is not null && _layoutsByCode.TryGetValue(key.NameCode, out layout);
    }

    private void HandleGetArrays(GetArrays message)
    {
        if (_layouts is null)
        {
            _waitingForArrays.Add(message.RequestId);
            return;
        }

        ReplyArrays(message.RequestId);
    }

    private void ReplyArrays(long requestId)
    {
        ArraysReply reply = ArraysReply.Rent();
        reply.RequestId = requestId;
        foreach ((EndpointId producer, List<ArrayDeclaration> declarations) in _declarations)
        {
            foreach (ArrayDeclaration declaration in declarations)
            {
                reply.Producers.Add(producer.Rank);
                reply.Declarations.Add(declaration);
            }
        }

        reply.Error = _layoutError is null ? null : ErrorInfo.From(_layoutError);
        Send(_client, reply);
    }

    private void HandleValidateContract(ValidateContract message)
    {
        Exception? refusal = _contractFrozen
            ? new DeisaException("The contract was already validated; it is frozen. Validate it once, after submitting the graphs that read the simulation's data.")
            : _layouts is null
                ? new DeisaException($"Not every simulation rank has declared its arrays yet (still waiting for {string.Join(", ", _producers.Where(p => !_declarations.ContainsKey(p)).Select(p => $"rank {p.Rank}"))}). Call GetArrays first: it waits for them.")
                : _layoutError;
        if (refusal is not null)
        {
            ReplyToClient(message.RequestId, refusal);
            return;
        }

        // Data that no simulation rank declared will never come: refused now rather than waited for forever.
        foreach (SchedulerTask task in _tasks.Values)
        {
            if (task.IsExternal && task.Status == TaskStatus.External && OwnerlessExternal(task.Key))
            {
                ReplyToClient(message.RequestId, new GraphValidationException(task.Key, DescribeOwnerless(task.Key)));
                return;
            }
        }

        // Which steps of which block the client needs: its declared interests, and every external key created one by one
        // that names a block of a declared array. The window's keys are mostly covered by an interest already: only the
        // others are noted one by one (at 16,384 ranks, a step set per block and its union cost a quarter of a second).
        Dictionary<(string Array, long Block), (ArrayLayout Layout, int[] Block, StepSet Steps)> needed = NeededByInterests(null);
        var explicitSteps = new Dictionary<(string Array, long Block), (ArrayLayout Layout, int[] Block, List<int> Steps)>();
        var unneeded = new List<TaskKey>();
        Span<int> block = stackalloc int[ArrayDeclaration.MaxSpatialDimensions];
        foreach (SchedulerTask task in _tasks.Values)
        {
            if (!task.IsExternal || !TryGetLayout(task.Key, out ArrayLayout? layout))
            {
                continue;
            }

            Span<int> indices = block[..layout.BlockGrid.Count];
            if (!layout.TryParseKey(task.Key, out int step, indices))
            {
                ReplyToClient(message.RequestId, new GraphValidationException(
                    task.Key,
                    $"The external key {task.Key} does not name a block of '{layout.Name}', which has steps 0 to {layout.Steps - 1} and a block grid of {string.Join(" x ", layout.BlockGrid)}; keys are (name, step, block indices…)."));
                return;
            }

            if (!task.Needed)
            {
                // Declared once, but every graph that read it was released: the simulation need not ship it.
                unneeded.Add(task.Key);
                continue;
            }

            var id = (layout.Name, ArrayLayout.BlockId(indices));
            if (needed.TryGetValue(id, out (ArrayLayout Layout, int[] Block, StepSet Steps) covered) && covered.Steps.Contains(step))
            {
                continue;
            }

            if (!explicitSteps.TryGetValue(id, out (ArrayLayout Layout, int[] Block, List<int> Steps) entry))
            {
                entry = (layout, indices.ToArray(), []);
                explicitSteps.Add(id, entry);
            }

            entry.Steps.Add(step);
        }

        _explicitSteps = explicitSteps.ToDictionary(e => e.Key, e => (e.Value.Layout, e.Value.Block, StepSet.FromSteps(e.Value.Steps)));
        foreach ((ArrayLayout layout, int[] blockOf, StepSet steps) in _explicitSteps.Values)
        {
            AddNeeded(needed, layout, blockOf, steps);
        }

        FreezeContract(needed);
        foreach (TaskKey key in unneeded)
        {
            FailMissingExternal(key, "no graph needed it any more when the contract was validated, so it is not in the contract");
        }

        ReplyToClient(message.RequestId, null);
    }

    /// <summary>Places the needed blocks on workers, freezes the contract and sends each producer its part.</summary>
    private void FreezeContract(Dictionary<(string Array, long Block), (ArrayLayout Layout, int[] Block, StepSet Steps)> needed)
    {
        _contractLoad = new long[_workers.Length];
        foreach ((ArrayLayout Layout, int[] Block, StepSet Steps) entry in needed.Values
            .OrderByDescending(e => Weight(e.Layout, e.Block, e.Steps))
            .ThenBy(e => e.Layout.Name, StringComparer.Ordinal)
            .ThenBy(e => string.Join(",", e.Block), StringComparer.Ordinal))
        {
            AddPart(entry.Layout, entry.Block, entry.Steps);
        }

        _contractFrozen = true;
        foreach (EndpointId producer in _producers)
        {
            SendContract(producer.Rank, _layouts!.Keys);
        }

        // Where open-ended runs stand (a producer may have finished already), told before the failures that follows from it.
        UpdateOpenProgress(_openParts.Keys);

        // A producer that already finished will never ship its part.
        foreach (EndpointId producer in _finishedProducers)
        {
            FailContracted(producer.Rank, $"simulation rank {producer.Rank} finished before the contract was validated");
        }
    }

    /// <summary>Adds a block position to the contract, on the least loaded worker: a position always goes to the same worker.</summary>
    private ContractPart AddPart(ArrayLayout layout, int[] block, StepSet steps)
    {
        int worker = Array.IndexOf(_contractLoad, _contractLoad.Min());
        _contractLoad[worker] += Weight(layout, block, steps);
        var part = new ContractPart(layout, block, layout.ProducerOf(block), worker, steps);
        _contract[(layout.Name, ArrayLayout.BlockId(block))] = part;
        TrackOpenPart(part);
        return part;
    }

    /// <summary>The bytes a part brings to its worker; an unbounded one weighs as a million steps.</summary>
    private static long Weight(ArrayLayout layout, int[] block, StepSet steps) =>
        Math.Min(steps.Count, 1_000_000) * layout.BlockElements(block) * ElementTypes.SizeOf(layout.ElementType);

    /// <summary>Sends a producer its part of the contract for some arrays: each entry replaces what it had for that array.</summary>
    private void SendContract(int producer, IEnumerable<string> arrays)
    {
        ContractUpdate update = ContractUpdate.Rent();
        foreach (string array in arrays)
        {
            ArrayLayout layout = _layouts![array];
            if (layout.BlockOf(producer) is not { } position)
            {
                continue;
            }

            // Every producer learns its block of every array it declared, even those the analytics do not read.
            int[] block = [.. position];
            update.Entries.Add(_contract.TryGetValue((array, ArrayLayout.BlockId(block)), out ContractPart? part)
                ? new ContractEntry(array, block, _workers[part.Worker], part.Steps)
                : new ContractEntry(array, block, _workers[0], StepSet.Empty));
        }

        Send(new EndpointId(producer, EndpointKind.Producer), update);
    }

    /// <summary>Gets the producer the contract asks for an external key, or -1 when the key is not in the contract.</summary>
    private int ContractedProducer(TaskKey key) => PartOf(key, out int step) is { } part && part.Steps.Contains(step) ? part.Producer : -1;

    /// <summary>Gets the contract's part for the block a key names (whether or not its step is contracted), or null.</summary>
    private ContractPart? PartOf(TaskKey key, out int step)
    {
        step = -1;
        if (!TryGetLayout(key, out ArrayLayout? layout))
        {
            return null;
        }

        Span<int> block = stackalloc int[ArrayDeclaration.MaxSpatialDimensions];
        Span<int> indices = block[..layout.BlockGrid.Count];
        return layout.TryParseKey(key, out step, indices) && _contract.TryGetValue((layout.Name, ArrayLayout.BlockId(indices)), out ContractPart? part)
            ? part
            : null;
    }

    /// <summary>Fails every external key still awaited that the contract asks of <paramref name="producer"/> (every producer when negative).</summary>
    private void FailContracted(int producer, string why)
    {
        var failing = new List<TaskKey>();
        foreach (SchedulerTask task in _tasks.Values)
        {
            if (task.IsExternal && task.Status == TaskStatus.External && ContractedProducer(task.Key) is int owner and >= 0 && (producer < 0 || owner == producer))
            {
                failing.Add(task.Key);
            }
        }

        foreach (TaskKey key in failing)
        {
            FailMissingExternal(key, why);
        }
    }

    private void HandleBlockMetadata(BlockMetadata message)
    {
        if (_mode != CouplingMode.Deisa1 || !_isProducer.Contains(message.From))
        {
            throw new ArgumentException($"Per-step block metadata came from {message.From}, but the scheduler is not in Deisa1 coupling with that producer.", nameof(message));
        }

        SchedulerTask task = _tasks.TryGetValue(message.Key, out SchedulerTask? known) ? known : CreateAnnounced(message.Key);
        BlockMetadata notice = BlockMetadata.Rent();
        notice.Key = message.Key;
        notice.Worker = message.Worker;
        notice.Start.AddRange(message.Start);
        notice.Count.AddRange(message.Count);
        Send(_client, notice);
        if (task.Status == TaskStatus.Memory)
        {
            // The data overtook its metadata: the client learns now that the key it just heard of is ready.
            KeyInMemory ready = KeyInMemory.Rent();
            ready.Key = task.Key;
            ready.Holder = _workers[task.Holder];
            ready.Nbytes = task.Nbytes;
            Send(_client, ready);
        }
    }

    /// <summary>Deisa1: a block the client has not asked for yet, held on its behalf until it takes it.</summary>
    private SchedulerTask CreateAnnounced(TaskKey key)
    {
        var task = new SchedulerTask(key, spec: null) { Priority = ++_priorityCounter, ClientRefs = 1 };
        _tasks.Add(key, task);
        Transition(task, TaskStatus.External);
        return task;
    }

    private bool IsDeclaredBlock(TaskKey key)
    {
        if (!TryGetLayout(key, out ArrayLayout? layout))
        {
            return false;
        }

        Span<int> block = stackalloc int[layout.BlockGrid.Count];
        return layout.TryParseKey(key, out _, block);
    }

    /// <summary>
    /// Whether an external key names no declared array although the simulation declared its arrays: with producers,
    /// external data come only from them, so such a key would wait forever.
    /// </summary>
    private bool OwnerlessExternal(TaskKey key) =>
        _producers.Length > 0 && _layouts is not null && _layoutError is null && !TryGetLayout(key, out _);

    private string DescribeOwnerless(TaskKey key) =>
        $"Cannot wait for {key} as external data: no simulation rank declared an array '{key.Name}' " +
        $"(declared: {(_layouts!.Count == 0 ? "none" : string.Join(", ", _layouts.Keys.Order(StringComparer.Ordinal).Select(n => $"'{n}'")))}), so nothing would ever produce it. " +
        "External keys are blocks of the declared arrays, (name, step, block indices…); a key computed by a task must be submitted with its task.";

    private void HandleRevokeContract(RevokeContract message)
    {
        if (!_contractRevoked)
        {
            _contractRevoked = true;
            foreach (EndpointId producer in _producers.Where(p => !_finishedProducers.Contains(p)))
            {
                ContractUpdate update = ContractUpdate.Rent();
                update.Revoked = true;
                update.Reason = message.Reason;
                Send(producer, update);
            }

            FailContracted(-1, $"the contract was revoked ({message.Reason})");
            foreach (SchedulerTask task in _tasks.Values)
            {
                if (task.Held)
                {
                    _releaseHolds.Add(task);
                }
            }
        }

        if (message.RequestId != 0)
        {
            ReplyToClient(message.RequestId, null);
        }
    }

    private void HandleProducerFinished(ProducerFinished message)
    {
        if (!_isProducer.Contains(message.From))
        {
            throw new ArgumentException($"A finish notice came from {message.From}, which is not one of the scheduler's producers.", nameof(message));
        }

        _finishedProducers.Add(message.From);
        SteeringProducerFinished(message.From);
        var last = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach ((string array, int lastStep) in message.LastSteps)
        {
            last[array] = lastStep;
            _finishedAt[(message.From.Rank, array)] = lastStep;
        }

        // An open-ended run may end here: the client learns it before the failures of the steps past its end, so that
        // it takes them for the end of the run rather than for errors.
        UpdateOpenProgress(_openParts.Keys);
        string why = $"simulation rank {message.From.Rank} finished without producing it";
        foreach (TaskKey key in message.Missing)
        {
            FailMissingExternal(key, why);
        }

        if (message.LastSteps.Count == 0)
        {
            return;
        }

        // Every contracted step after the last one published will never come. Keys up to it may still be on their way
        // from a worker, and are not touched.

        var failing = new List<TaskKey>();
        foreach (SchedulerTask task in _tasks.Values)
        {
            if (task.IsExternal && task.Status == TaskStatus.External && last.TryGetValue(task.Key.Name, out int lastStep) &&
                task.Key.IndexCount > 0 && task.Key[0] > lastStep && ContractedProducer(task.Key) == message.From.Rank)
            {
                failing.Add(task.Key);
            }
        }

        foreach (TaskKey key in failing)
        {
            FailMissingExternal(key, why);
        }
    }

    private void HandleDropExternal(DropExternal message)
    {
        if (!_isProducer.Contains(message.From))
        {
            throw new ArgumentException($"A drop notice came from {message.From}, which is not one of the scheduler's producers.", nameof(message));
        }

        if (!message.Skipped)
        {
            DroppedBlocks += message.Keys.Count;
        }

        foreach (TaskKey key in message.Keys)
        {
            FailMissingExternal(key, message.Skipped
                ? $"simulation rank {message.From.Rank} {message.Reason}"
                : $"simulation rank {message.From.Rank} dropped it ({message.Reason})");
        }
    }

    private void FailMissingExternal(TaskKey key, string why)
    {
        if (!_tasks.TryGetValue(key, out SchedulerTask? task))
        {
            // Not asked for yet (a later window): remembered, so that it fails when it is.
            if (PartOf(key, out int step) is { } part && part.Steps.Contains(step))
            {
                part.AddGone(StepSet.Range(step, step + 1), why);
            }

            return;
        }

        if (task.Status != TaskStatus.External)
        {
            return;
        }

        var error = new ExternalDataException(key, $"The data of {DescribeBlock(key)} will never arrive: {why}.");
        Transition(task, TaskStatus.Erred, new FailureInfo(key, ErrorInfo.From(error)));
    }

    private string DescribeBlock(TaskKey key)
    {
        if (TryGetLayout(key, out ArrayLayout? layout))
        {
            Span<int> block = stackalloc int[layout.BlockGrid.Count];
            if (layout.TryParseKey(key, out int step, block))
            {
                return $"{key} (array '{layout.Name}', step {step}, block ({string.Join(", ", block.ToArray())}))";
            }
        }

        return key.ToString();
    }
}
