using Deisa.Core.Arrays;
using Deisa.Core.Errors;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;

namespace Deisa.Core.Scheduling;

/// <content>
/// Interests (what persisted computations read, as step sets) and how the contract follows them: derived from them at
/// validation, grown by a later interest, shrunk when one is withdrawn; data that comes before its tasks, held.
/// </content>
public sealed partial class SchedulerState
{
    private readonly Dictionary<long, Interest> _interests = [];
    private readonly List<SchedulerTask> _releaseHolds = [];
    private Dictionary<(string Array, long Block), (ArrayLayout Layout, int[] Block, StepSet Steps)> _explicitSteps = [];
    private int _latestArrivedStep = -1;

    /// <summary>Gets the number of interests declared and not withdrawn.</summary>
    public int InterestCount => _interests.Count;

    /// <summary>Gets the number of blocks whose data came before the tasks that read them, and that the contract holds for them.</summary>
    public int HeldCount { get; private set; }

    private void HandleDeclareInterest(DeclareInterest message)
    {
        if (_interests.ContainsKey(message.InterestId))
        {
            ReplyToClient(message.RequestId, new DeisaException($"Interest {message.InterestId} was declared twice; this is a bug in Deisa."));
            return;
        }

        var interest = new Interest(message.Description, [.. message.Requirements]);
        if (_layouts is not null && Check(interest) is { } refusal)
        {
            ReplyToClient(message.RequestId, refusal);
            return;
        }

        if (_contractFrozen && Grow(interest) is { } gone)
        {
            ReplyToClient(message.RequestId, gone);
            return;
        }

        _interests.Add(message.InterestId, interest);
        ReplyToClient(message.RequestId, null);
    }

    private void HandleWithdrawInterest(WithdrawInterest message)
    {
        if (!_interests.Remove(message.InterestId, out Interest? interest) || !_contractFrozen || _contractRevoked)
        {
            return;
        }

        Shrink([.. interest.Requirements.Select(r => r.Array).Distinct(StringComparer.Ordinal)]);
    }

    /// <summary>Refuses requirements that name no declared array or reach outside one.</summary>
    private GraphValidationException? Check(Interest interest)
    {
        foreach (SourceRequirement requirement in interest.Requirements)
        {
            if (!_layouts!.TryGetValue(requirement.Array, out ArrayLayout? layout))
            {
                return new GraphValidationException(new TaskKey(requirement.Array), DescribeOwnerless(new TaskKey(requirement.Array)));
            }

            if (requirement.Blocks.Count != layout.BlockGrid.Count || (requirement.Steps.IsBounded && requirement.Steps.Last >= layout.Steps))
            {
                return new GraphValidationException(
                    new TaskKey(requirement.Array),
                    $"{interest.Description} reads {requirement}, outside '{layout.Name}', which has steps 0 to {layout.Steps - 1} and a block grid of {string.Join(" x ", layout.BlockGrid)}.");
            }
        }

        return null;
    }

    /// <summary>What every interest and every external key created one by one need, per (array, block).</summary>
    private Dictionary<(string Array, long Block), (ArrayLayout Layout, int[] Block, StepSet Steps)> Needed(IReadOnlyCollection<string>? arrays = null)
    {
        Dictionary<(string Array, long Block), (ArrayLayout Layout, int[] Block, StepSet Steps)> needed = NeededByInterests(arrays);
        foreach ((ArrayLayout layout, int[] block, StepSet steps) in _explicitSteps.Values)
        {
            if (arrays is null || arrays.Contains(layout.Name))
            {
                AddNeeded(needed, layout, block, steps);
            }
        }

        return needed;
    }

    private static void AddNeeded(Dictionary<(string Array, long Block), (ArrayLayout Layout, int[] Block, StepSet Steps)> needed, ArrayLayout layout, int[] block, StepSet steps)
    {
        var id = (layout.Name, ArrayLayout.BlockId(block));
        needed[id] = needed.TryGetValue(id, out (ArrayLayout Layout, int[] Block, StepSet Steps) entry) ? (layout, block, entry.Steps.Union(steps)) : (layout, block, steps);
    }

    /// <summary>Which steps of which blocks the declared interests read, of every array or of <paramref name="arrays"/>.</summary>
    private Dictionary<(string Array, long Block), (ArrayLayout Layout, int[] Block, StepSet Steps)> NeededByInterests(IReadOnlyCollection<string>? arrays)
    {
        var needed = new Dictionary<(string Array, long Block), (ArrayLayout Layout, int[] Block, StepSet Steps)>();
        foreach (Interest interest in _interests.Values)
        {
            foreach (SourceRequirement requirement in interest.Requirements)
            {
                if ((arrays is null || arrays.Contains(requirement.Array)) && _layouts!.TryGetValue(requirement.Array, out ArrayLayout? layout))
                {
                    foreach (int[] block in requirement.BlocksIn(layout))
                    {
                        AddNeeded(needed, layout, block, requirement.Steps);
                    }
                }
            }
        }

        return needed;
    }

    /// <summary>
    /// Grows the validated contract by what a new interest reads; refuses it, changing nothing, when it reads steps that
    /// already went by (a later step of that block arrived without them being asked for).
    /// </summary>
    private GraphValidationException? Grow(Interest interest)
    {
        var growth = new List<(ArrayLayout Layout, int[] Block, StepSet Steps)>();
        foreach (SourceRequirement requirement in interest.Requirements)
        {
            ArrayLayout layout = _layouts![requirement.Array];
            foreach (int[] block in requirement.BlocksIn(layout))
            {
                StepSet current = _contract.TryGetValue((layout.Name, ArrayLayout.BlockId(block)), out ContractPart? part) ? part.Steps : StepSet.Empty;
                StepSet added = requirement.Steps.Except(current);
                StepSet gone = part is null ? StepSet.Empty : Gone(layout, block, requirement.Steps.Within(0, part.LatestArrived + 1));
                if (!gone.IsEmpty || (_contractRevoked && !added.IsEmpty))
                {
                    string why = gone.IsEmpty
                        ? "the contract was revoked"
                        : $"{(gone.Count == 1 ? "step" : "steps")} {gone} of '{layout.Name}' block ({string.Join(", ", block)}) {(gone.Count == 1 ? "is" : "are")} gone: step {part!.LatestArrived} of that block already arrived";
                    return new GraphValidationException(
                        layout.KeyOf(gone.IsEmpty ? added.First : gone.First, block),
                        $"{interest.Description} cannot be computed: it reads steps the simulation will not ship any more ({why}). Persist it before the run passes them, or slice it from a later step.");
                }

                if (!added.IsEmpty)
                {
                    growth.Add((layout, block, added));
                }
            }
        }

        var changed = new Dictionary<int, HashSet<string>>();
        foreach ((ArrayLayout layout, int[] block, StepSet added) in growth)
        {
            if (_contract.TryGetValue((layout.Name, ArrayLayout.BlockId(block)), out ContractPart? part))
            {
                part.Steps = part.Steps.Union(added);
            }
            else
            {
                part = AddPart(layout, block, added);
            }

            (changed.TryGetValue(part.Producer, out HashSet<string>? arrays) ? arrays : changed[part.Producer] = []).Add(layout.Name);
        }

        foreach ((int producer, HashSet<string> arrays) in changed)
        {
            SendContract(producer, arrays);
        }

        UpdateOpenProgress(changed.Values.SelectMany(a => a).Distinct(StringComparer.Ordinal));
        return null;
    }

    /// <summary>
    /// The steps of a block, among some that already went by, whose data is no longer here. What a window still holds is
    /// the latest steps (pins reach back from the newest round, held data is ahead of it), so the walk goes down from the
    /// latest and stops at the first step missing: the cost is what is held, not the length of the run.
    /// </summary>
    private StepSet Gone(ArrayLayout layout, int[] block, StepSet passed)
    {
        while (!passed.IsEmpty)
        {
            int step = passed.Last;
            if (!_tasks.TryGetValue(layout.KeyOf(step, block), out SchedulerTask? task) || !(task.Status == TaskStatus.Memory || task.Held))
            {
                return passed;
            }

            passed = passed.Within(0, step);
        }

        return passed;
    }

    /// <summary>Shrinks the contract of some arrays to what the remaining interests and keys need; lets go of data held for steps no longer needed.</summary>
    private void Shrink(IReadOnlyCollection<string> arrays)
    {
        Dictionary<(string Array, long Block), (ArrayLayout Layout, int[] Block, StepSet Steps)> needed = Needed(arrays);
        var changed = new Dictionary<int, HashSet<string>>();
        foreach (((string array, long block), ContractPart part) in _contract)
        {
            if (!arrays.Contains(array))
            {
                continue;
            }

            StepSet kept = needed.TryGetValue((array, block), out (ArrayLayout Layout, int[] Block, StepSet Steps) entry) ? part.Steps.Intersect(entry.Steps) : StepSet.Empty;
            if (kept.Equals(part.Steps))
            {
                continue;
            }

            part.Steps = kept;
            (changed.TryGetValue(part.Producer, out HashSet<string>? names) ? names : changed[part.Producer] = []).Add(array);
        }

        foreach ((int producer, HashSet<string> names) in changed)
        {
            SendContract(producer, names);
        }

        // A part that needs nothing more no longer holds an open run's progress back.
        UpdateOpenProgress(arrays);

        foreach (SchedulerTask task in _tasks.Values)
        {
            if (task.Held && ContractedProducer(task.Key) < 0)
            {
                _releaseHolds.Add(task);
            }
        }
    }

    /// <summary>
    /// Data of a block no key was created for yet: kept, held by the contract, when the contract asks for it (the
    /// client creates the key with the tasks that read it, a window later); null otherwise.
    /// </summary>
    private SchedulerTask? HoldEarlyArrival(ExternalArrived message)
    {
        if (!_contractFrozen || _contractRevoked || !message.Stored || ContractedProducer(message.Key) < 0)
        {
            return null;
        }

        var task = new SchedulerTask(message.Key, spec: null) { Priority = ++_priorityCounter, Held = true };
        _tasks.Add(message.Key, task);
        Transition(task, TaskStatus.External);
        HeldCount++;
        return task;
    }

    /// <summary>Notes an arrival: the latest step of its block, and the client told of a later step than any before.</summary>
    private void NoteArrival(TaskKey key)
    {
        if (PartOf(key, out int step) is not { } part)
        {
            return;
        }

        int previous = part.LatestArrived;
        part.LatestArrived = Math.Max(part.LatestArrived, step);
        if (step > _latestArrivedStep)
        {
            _latestArrivedStep = step;
            StepArrived notice = StepArrived.Rent();
            notice.Step = step;
            Send(_client, notice);
        }

        NoteOpenArrival(part, previous);
    }

    /// <summary>Checks, changing nothing, that an external key may be created (or taken over) now.</summary>
    /// <param name="key">The key.</param>
    /// <param name="shared">True for the blocks of a window: one already there, whatever its state, is read as it is (several persisted arrays read the same blocks).</param>
    /// <returns>A refusal, or null.</returns>
    private GraphValidationException? CheckExternal(TaskKey key, bool shared)
    {
        if (key.IsEmpty)
        {
            return new GraphValidationException(key, "An external key must have a name.");
        }

        if (_tasks.TryGetValue(key, out SchedulerTask? existing))
        {
            return existing.IsExternal && (shared || existing.Status == TaskStatus.External || existing.Held)
                ? null
                : new DuplicateKeyException(key, existing.IsExternal ? $"an external key already in state {existing.Status}" : $"the task {existing.Spec}", "an external key");
        }

        if (OwnerlessExternal(key))
        {
            return new GraphValidationException(key, DescribeOwnerless(key));
        }

        if (_contractFrozen && !_contractRevoked && IsDeclaredBlock(key) && ContractedProducer(key) < 0)
        {
            return new GraphValidationException(
                key,
                $"Cannot create {key}: the contract was validated, and it does not ask for this block of '{key.Name}', so it will never be shipped. " +
                "Create every external key before ValidateContract, or persist a DeisaArray that reads it: the contract then grows to the steps not yet produced.");
        }

        return null;
    }

    /// <summary>
    /// Creates an external key checked by <see cref="CheckExternal"/>, or takes over the one its early data made; fails
    /// it at once when its data is known never to come.
    /// </summary>
    private void Materialize(TaskKey key)
    {
        if (_tasks.TryGetValue(key, out SchedulerTask? existing))
        {
            if (existing.Held)
            {
                _releaseHolds.Add(existing);
            }

            return;
        }

        var task = new SchedulerTask(key, spec: null) { Priority = ++_priorityCounter };
        _tasks.Add(key, task);
        Transition(task, TaskStatus.External);
        if (WhyNeverComes(key) is { } why)
        {
            FailMissingExternal(key, why);
        }
    }

    /// <summary>Why the data of a contracted block will never come, when that is already known; null while it may.</summary>
    private string? WhyNeverComes(TaskKey key)
    {
        if (!_contractFrozen || PartOf(key, out int step) is not { } part)
        {
            return null;
        }

        if (_contractRevoked)
        {
            return "the contract was revoked";
        }

        if (_finishedAt.TryGetValue((part.Producer, part.Layout.Name), out int last) && step > last)
        {
            return $"simulation rank {part.Producer} finished without producing it";
        }

        if (part.WhyGone(step) is { } gone)
        {
            return gone;
        }

        // Each block's steps arrive in order, each once: a key made now for a step at or before the latest that arrived
        // (its data came and, nothing holding it, was let go) would wait for ever.
        return step <= part.LatestArrived
            ? $"its data went by: step {part.LatestArrived} of this block already arrived, and nothing held step {step} when it came (persist or register what reads it before the run passes it)"
            : null;
    }

    /// <summary>Lets go of the contract's hold on data the tasks of this message now read; after their references are counted.</summary>
    private void ReleaseHolds()
    {
        if (_releaseHolds.Count == 0)
        {
            return;
        }

        foreach (SchedulerTask task in _releaseHolds)
        {
            if (task.Held)
            {
                Unhold(task);
                CheckRelease(task);
            }
        }

        _releaseHolds.Clear();
        RunRecommendations();
    }

    private void Unhold(SchedulerTask task)
    {
        task.Held = false;
        HeldCount--;
    }

    /// <summary>One persisted computation's requirements.</summary>
    private sealed record Interest(string Description, List<SourceRequirement> Requirements);
}
