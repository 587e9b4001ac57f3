using Deisa.Core.Errors;
using Deisa.Core.Protocol;

namespace Deisa.Core.Coupling;

/// <summary>
/// A simulation rank's side of steering: the values the analytics set, each from a step on, read by the simulation
/// step by step. Thread-safe: the rank's message loop votes on proposals and applies decisions, the simulation reads.
/// </summary>
/// <remarks>
/// <para>Every rank must see a value at the same step, or none may: a proposal is accepted only for a step this rank has
/// not read that name at yet, and once accepted the rank does not read the name at that step until the decision comes
/// (commit when every rank accepted, else abandon). A read with nothing pending takes a lock and a lookup.</para>
/// <para>A value holds from its step on until a later one of the same name replaces it. Each name is read in
/// increasing step order; values older than the one in force at the last step read are forgotten, so the inbox does
/// not grow with the run.</para>
/// </remarks>
public sealed class SteeringInbox
{
    /// <summary>The name a stop request is set under.</summary>
    public const string StopName = "deisa.stop";

    private readonly object _gate = new();
    private readonly Dictionary<string, Named> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<long, string> _pendingNames = [];

    /// <summary>Creates an inbox.</summary>
    /// <param name="owner">Who reads, for messages (for example "Simulation rank 3").</param>
    /// <param name="decisionTimeout">How long a read waits for the decision on a proposal it accepted.</param>
    public SteeringInbox(string owner, TimeSpan decisionTimeout)
    {
        Owner = owner;
        DecisionTimeout = decisionTimeout;
    }

    /// <summary>Gets who reads, for messages.</summary>
    public string Owner { get; }

    /// <summary>Gets how long a read waits for the decision on a proposal this rank accepted.</summary>
    public TimeSpan DecisionTimeout { get; }

    /// <summary>Gets the proposals accepted and not decided yet.</summary>
    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _pendingNames.Count;
            }
        }
    }

    /// <summary>Gets the values kept, every name together: those in force and those set for later steps.</summary>
    internal int ValuesHeld
    {
        get
        {
            lock (_gate)
            {
                return _names.Values.Sum(n => n.Values.Count);
            }
        }
    }

    /// <summary>Votes on a proposal: accepted when this rank has not read the name at its step yet (a rank waiting in
    /// <see cref="Get"/> at that step has not).</summary>
    /// <param name="proposal">The proposal; not kept.</param>
    /// <returns>Whether it was accepted, and the last step the name was read at (-1: never).</returns>
    public (bool Accepted, int ReadUpTo) Vote(SteerProposal proposal)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        lock (_gate)
        {
            Named named = Of(proposal.Name);
            if (proposal.Step <= named.ReadUpTo)
            {
                return (false, named.ReadUpTo);
            }

            named.Pending[proposal.ProposalId] = (proposal.Step, proposal.Value);
            named.LowestPending = Math.Min(named.LowestPending, proposal.Step);
            _pendingNames[proposal.ProposalId] = proposal.Name;
            return (true, named.ReadUpTo);
        }
    }

    /// <summary>Applies a decision on a proposal this rank accepted (others are ignored).</summary>
    /// <param name="proposalId">The proposal.</param>
    /// <param name="commit">Whether the value holds from its step on.</param>
    public void Decide(long proposalId, bool commit)
    {
        lock (_gate)
        {
            if (!_pendingNames.Remove(proposalId, out string? name))
            {
                return;
            }

            Named named = _names[name];
            named.Pending.Remove(proposalId, out (int Step, object? Value) proposal);
            named.LowestPending = named.Pending.Count == 0 ? int.MaxValue : named.Pending.Values.Min(p => p.Step);
            if (commit)
            {
                // Kept in step order; a later proposal for an earlier step (both after what was read) goes before.
                List<(int Step, object? Value)> values = named.Values;
                int at = values.FindLastIndex(v => v.Step <= proposal.Step) + 1;
                if (at > 0 && values[at - 1].Step == proposal.Step)
                {
                    values[at - 1] = proposal;
                }
                else
                {
                    values.Insert(at, proposal);
                }
            }

            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Abandons every proposal still undecided: the analytics are gone, no decision will come.</summary>
    public void Close()
    {
        lock (_gate)
        {
            foreach (Named named in _names.Values)
            {
                named.Pending.Clear();
                named.LowestPending = int.MaxValue;
            }

            _pendingNames.Clear();
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Reads a name at a step without waiting for a value to be set: the latest set for this step or an
    /// earlier one. Waits only for the decision on a proposal of that name for this step or an earlier one, if this
    /// rank accepted one and it is undecided.</summary>
    /// <param name="name">The value's name.</param>
    /// <param name="step">The step being read; not before a step the name was read at.</param>
    /// <param name="value">The value, or null.</param>
    /// <returns>Whether a value is set for this step.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The step is before one the name was read at.</exception>
    /// <exception cref="DeisaTimeoutException">An accepted proposal's decision did not come within <see cref="DecisionTimeout"/>.</exception>
    public bool TryGet(string name, int step, out object? value)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_gate)
        {
            Named named = Of(name);
            CheckOrder(name, named, step);
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            while (named.LowestPending <= step)
            {
                TimeSpan left = DecisionTimeout - System.Diagnostics.Stopwatch.GetElapsedTime(started);
                if ((left <= TimeSpan.Zero || !Monitor.Wait(_gate, left)) && named.LowestPending <= step)
                {
                    throw new DeisaTimeoutException(
                        $"{Owner} reading '{name}' at step {step} waited {DecisionTimeout.TotalSeconds:0.#} s for the analytics to decide on its value for step {named.LowestPending}, " +
                        "which this rank accepted: every rank must see it at that step or none. Check the analytics rank's output for an error.");
                }
            }

            named.ReadUpTo = step;
            return Lookup(named, step, out value);
        }
    }

    /// <summary>Waits until a value of a name is set for this step or an earlier one, and reads it.</summary>
    /// <param name="name">The value's name.</param>
    /// <param name="step">The step being read; not before a step the name was read at.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The step is before one the name was read at.</exception>
    /// <exception cref="DeisaTimeoutException">No value came within <paramref name="timeout"/>.</exception>
    public object? Get(string name, int step, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_gate)
        {
            Named named = Of(name);
            CheckOrder(name, named, step);
            long started = System.Diagnostics.Stopwatch.GetTimestamp();

            // The step is not read while waiting: a proposal for it can still be accepted, and is what ends the wait.
            while (named.LowestPending <= step || !Lookup(named, step, out _))
            {
                TimeSpan left = timeout - System.Diagnostics.Stopwatch.GetElapsedTime(started);
                if ((left <= TimeSpan.Zero || !Monitor.Wait(_gate, left)) && (named.LowestPending <= step || !Lookup(named, step, out _)))
                {
                    throw new DeisaTimeoutException(
                        $"{Owner} waited {timeout.TotalSeconds:0.#} s for the steering value '{name}' at step {step}: the analytics did not set it. " +
                        "Check that they set it for this step or an earlier one, or read it with TryGet, which does not wait.");
                }
            }

            named.ReadUpTo = step;
            Lookup(named, step, out object? value);
            return value;
        }
    }

    private Named Of(string name)
    {
        if (!_names.TryGetValue(name, out Named? named))
        {
            named = new Named();
            _names.Add(name, named);
        }

        return named;
    }

    private void CheckOrder(string name, Named named, int step)
    {
        if (step < named.ReadUpTo)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, $"{Owner} already read the steering value '{name}' at step {named.ReadUpTo}: read each name in increasing step order.");
        }
    }

    /// <summary>The latest committed value for the step or an earlier one; forgets older ones once read. Hold the gate.</summary>
    private static bool Lookup(Named named, int step, out object? value)
    {
        value = null;
        List<(int Step, object? Value)> values = named.Values;

        // A loop rather than FindLastIndex with a lambda: the lambda captures the step, an allocation at every read of
        // a simulation loop.
        int at = values.Count - 1;
        while (at >= 0 && values[at].Step > step)
        {
            at--;
        }

        if (at < 0)
        {
            return false;
        }

        value = values[at].Value;
        if (at > 0 && step <= named.ReadUpTo)
        {
            // What came before the value in force at a step already read is never read again.
            values.RemoveRange(0, at);
        }

        return true;
    }

    /// <summary>One name's state: the last step read, the values committed in step order, the proposals accepted.</summary>
    private sealed class Named
    {
        public int ReadUpTo { get; set; } = -1;

        public int LowestPending { get; set; } = int.MaxValue;

        public List<(int Step, object? Value)> Values { get; } = [];

        public Dictionary<long, (int Step, object? Value)> Pending { get; } = [];
    }
}
