using System.Threading.Tasks;
using Deisa.Core.Errors;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;

namespace Deisa.Core.Coupling;

/// <summary>
/// A producer's count of shipped blocks per step that the workers still hold: the steps in flight, bounded by
/// <see cref="Limit"/>. Thread-safe: the producer's thread ships and waits, its message loop releases.
/// </summary>
public sealed class StepWindow
{
    private readonly object _gate = new();
    // The steps in flight and their blocks, in step order: a few entries (at most the limit), kept in a list so that
    // shipping and releasing allocate nothing once it has grown to the limit (a sorted dictionary's node per step did).
    private readonly List<(int Step, int Blocks)> _outstanding = [];

    // Made only when an asynchronous wait needs it, so that a release nobody awaits allocates nothing.
    private TaskCompletionSource? _changed;
    private bool _closed;

    /// <summary>Creates a window.</summary>
    /// <param name="limit">The most steps in flight; positive.</param>
    /// <param name="owner">Who ships, for error messages (for example "simulation rank 3").</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is not positive.</exception>
    public StepWindow(int limit, string owner)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        Limit = limit;
        Owner = owner;
    }

    /// <summary>Gets the most steps in flight.</summary>
    public int Limit { get; }

    /// <summary>Gets who ships through this window.</summary>
    public string Owner { get; }

    /// <summary>Gets the steps in flight now.</summary>
    public int StepsInFlight
    {
        get
        {
            lock (_gate)
            {
                return _outstanding.Count;
            }
        }
    }

    /// <summary>Gets whether the window was closed: it bounds nothing any more.</summary>
    public bool IsClosed
    {
        get
        {
            lock (_gate)
            {
                return _closed;
            }
        }
    }

    /// <summary>Gets the most steps that were in flight at once.</summary>
    public int PeakStepsInFlight { get; private set; }

    /// <summary>Gets the time spent waiting for room.</summary>
    public TimeSpan Waited { get; private set; }

    /// <summary>Whether a block of <paramref name="step"/> may ship now: the step is already in flight, or there is room for one more.</summary>
    /// <param name="step">The step.</param>
    /// <returns>True when it may ship; also true once closed (the caller decides what a closed window means).</returns>
    public bool HasRoom(int step)
    {
        lock (_gate)
        {
            return _closed || Holds(step) || _outstanding.Count < Limit;
        }
    }

    /// <summary>Counts a block of <paramref name="step"/> as shipped if it may ship now, in one step (several threads may ship).</summary>
    /// <param name="step">The step.</param>
    /// <returns>Whether it was counted: false when the bound is reached or the window is closed.</returns>
    public bool TryShip(int step)
    {
        lock (_gate)
        {
            if (_closed || (!Holds(step) && _outstanding.Count >= Limit))
            {
                return false;
            }

            int at = Find(step);
            if (at >= 0)
            {
                _outstanding[at] = (step, _outstanding[at].Blocks + 1);
            }
            else
            {
                _outstanding.Insert(~at, (step, 1));
            }

            PeakStepsInFlight = Math.Max(PeakStepsInFlight, _outstanding.Count);
            return true;
        }
    }

    /// <summary>Counts a block of <paramref name="step"/> the workers let go of; unknown steps are ignored.</summary>
    /// <param name="step">The step.</param>
    public void Released(int step)
    {
        TaskCompletionSource? changed;
        lock (_gate)
        {
            int at = Find(step);
            if (at < 0)
            {
                return;
            }

            int count = _outstanding[at].Blocks;
            if (count == 1)
            {
                _outstanding.RemoveAt(at);
            }
            else
            {
                _outstanding[at] = (step, count - 1);
            }

            Monitor.PulseAll(_gate);
            changed = Swap();
        }

        changed?.TrySetResult();
    }

    /// <summary>The notice telling the scheduler that a block of this window was dropped (policy Drop), and why.</summary>
    /// <param name="key">The dropped block's key.</param>
    /// <returns>The message, to send to the scheduler.</returns>
    public DropExternal DropNotice(TaskKey key)
    {
        DropExternal drop = DropExternal.Rent();
        drop.Keys.Add(key);
        drop.Reason = $"{StepsInFlight} step(s) in flight, the limit, with backpressure policy Drop";
        return drop;
    }

    /// <summary>Stops every wait (the contract was revoked, or the producer is closing): waits return false from now on.</summary>
    public void Close()
    {
        TaskCompletionSource? changed;
        lock (_gate)
        {
            _closed = true;
            Monitor.PulseAll(_gate);
            changed = Swap();
        }

        changed?.TrySetResult();
    }

    /// <summary>Waits until a block of <paramref name="step"/> may ship.</summary>
    /// <param name="step">The step.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellation">Cancels the wait.</param>
    /// <returns>True when it may ship; false when the window was closed meanwhile.</returns>
    /// <exception cref="DeisaTimeoutException">No room within <paramref name="timeout"/>: names the steps still held.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled.</exception>
    public async Task<bool> WaitForRoomAsync(int step, TimeSpan timeout, CancellationToken cancellation = default)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            while (true)
            {
                Task changed;
                lock (_gate)
                {
                    if (_closed)
                    {
                        return false;
                    }

                    if (Holds(step) || _outstanding.Count < Limit)
                    {
                        return true;
                    }

                    changed = (_changed ??= NewSignal()).Task;
                }

                TimeSpan left = timeout - System.Diagnostics.Stopwatch.GetElapsedTime(start);
                if (left <= TimeSpan.Zero)
                {
                    throw Timeout(step, timeout);
                }

                try
                {
                    await changed.WaitAsync(left, cancellation).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    throw Timeout(step, timeout);
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                Waited += System.Diagnostics.Stopwatch.GetElapsedTime(start);
            }
        }
    }

    /// <summary>Waits, blocking the calling thread, until a block of <paramref name="step"/> may ship.</summary>
    /// <param name="step">The step.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>True when it may ship; false when the window was closed meanwhile.</returns>
    /// <exception cref="DeisaTimeoutException">No room within <paramref name="timeout"/>.</exception>
    /// <remarks>
    /// Waits on the window's own monitor, which a release pulses: the release's thread wakes this one directly. An
    /// asynchronous wait made blocking would add a thread-pool hop and a timer per wait, two more wake-ups per step of
    /// a bounded run, each costly when ranks share cores.
    /// </remarks>
    public bool WaitForRoom(int step, TimeSpan timeout)
    {
        lock (_gate)
        {
            if (_closed || Holds(step) || _outstanding.Count < Limit)
            {
                return !_closed;
            }

            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                while (true)
                {
                    TimeSpan left = timeout - System.Diagnostics.Stopwatch.GetElapsedTime(start);
                    if (left <= TimeSpan.Zero || !Monitor.Wait(_gate, left))
                    {
                        if (!_closed && !Holds(step) && _outstanding.Count >= Limit)
                        {
                            throw Timeout(step, timeout);
                        }
                    }

                    if (_closed)
                    {
                        return false;
                    }

                    if (Holds(step) || _outstanding.Count < Limit)
                    {
                        return true;
                    }
                }
            }
            finally
            {
                Waited += System.Diagnostics.Stopwatch.GetElapsedTime(start);
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Takes the signal the asynchronous waits wait on, if any, for the caller to set outside the lock.</summary>
    private TaskCompletionSource? Swap()
    {
        TaskCompletionSource? changed = _changed;
        _changed = null;
        return changed;
    }

    private bool Holds(int step) => Find(step) >= 0;

    /// <summary>The index of <paramref name="step"/> in the steps in flight, or the complement of where it would go.</summary>
    private int Find(int step)
    {
        int low = 0;
        int high = _outstanding.Count - 1;
        while (low <= high)
        {
            int middle = (low + high) >>> 1;
            int at = _outstanding[middle].Step;
            if (at == step)
            {
                return middle;
            }

            if (at < step)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return ~low;
    }

    private DeisaTimeoutException Timeout(int step, TimeSpan timeout)
    {
        string held;
        lock (_gate)
        {
            held = string.Join(", ", _outstanding.Select(s => $"step {s.Step} ({s.Blocks} block(s))"));
        }

        return new DeisaTimeoutException(
            $"{Owner} waited {timeout.TotalSeconds:0.#} s to ship step {step}: {Limit} step(s) in flight is the limit, and the workers still hold {held}. " +
            "The analytics are slower than the simulation and did not catch up, or they hold on to steps (a window over time wider than the limit, a future on raw blocks): " +
            "raise the limit, or use the Drop policy for arrays that may lose steps.");
    }
}
