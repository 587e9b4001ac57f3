using System.Threading.Tasks;
using Deisa.Core.Client;

namespace Deisa.Core.Arrays.Nodes;

/// <summary>
/// A persisted array whose chunks a <see cref="WindowDriver"/> materialises a window at a time: each chunk's value is
/// copied into the dense result as it completes, and its key released, so only the window's chunks are ever held.
/// </summary>
/// <remarks>
/// An open-ended array's steps are kept one slab per step, as they complete (its result's size is not known before
/// the run ends); when the driver says how many steps the run has (<see cref="End"/>), the slabs become the dense
/// result. A chunk past that end (one the window reached before the run ended) is let go, whether it failed, as its
/// data never came, or not.
/// </remarks>
internal sealed class WindowRoot
{
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource<NdArray> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<Future> _collecting = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<int, TaskCompletionSource> _waiters = [];
    private readonly int _perTime;
    private readonly Func<int, bool> _pastEnd;

    // Bounded: the dense result, a bit per time chunk complete and the chunks still to come of those begun and not
    // complete (the window's; a count per step would cost half the result of a spatial mean). Open-ended: a slab per
    // step begun, the chunks still to come of the steps begun and not complete, and the dense result once the run ended.
    private readonly System.Collections.BitArray? _completeAt;
    private readonly List<double[]?>? _slabs;
    private readonly Dictionary<int, int> _pendingAt = [];
    private double[] _values;
    private int[] _shape;
    private long _remaining;
    private int _timeCount;

    /// <summary>Creates the root of a persisted array.</summary>
    /// <param name="array">The array.</param>
    /// <param name="description">What it is, for messages.</param>
    /// <param name="pastEnd">For an open-ended array, whether a time chunk is known to be past the run's end (its failure is the run's end, not an error).</param>
    public WindowRoot(DeisaArray array, string description, Func<int, bool>? pastEnd = null)
    {
        Array = array;
        Description = description;
        _pastEnd = pastEnd ?? (static _ => false);
        _perTime = checked((int)array.ChunksPerTime);
        _shape = [.. array.ShapeArray.Select(s => checked((int)s))];
        if (array.IsOpenEnded)
        {
            _shape[array.TimeAxis] = 0;
            _values = [];
            _timeCount = int.MaxValue;
            _slabs = [];
            return;
        }

        _values = new double[NdArray.ElementCount(_shape)];
        _remaining = array.ChunkCount;
        _timeCount = array.TimeAxis >= 0 ? array.Axes[array.TimeAxis].Count : 1;

        // Which time chunks are complete: what lets a reader take the steps as they complete.
        _completeAt = new System.Collections.BitArray(_timeCount);
        if (_remaining == 0)
        {
            _done.TrySetResult(new NdArray(_shape, _values));
        }
    }

    public DeisaArray Array { get; }

    /// <summary>Gets what the array is, for messages.</summary>
    public string Description { get; }

    /// <summary>Gets the number of time chunks to emit (1 for an array without a time axis, whose chunks come at once);
    /// for an open-ended array, <see cref="int.MaxValue"/> until the run's end is known.</summary>
    public int TimeCount => Volatile.Read(ref _timeCount);

    /// <summary>Gets whether the array is open-ended: its number of steps comes with the run's end.</summary>
    public bool IsOpen => _slabs is not null;

    /// <summary>Gets or sets the next time chunk to emit.</summary>
    public int Cursor { get; set; }

    /// <summary>Gets whether every chunk was emitted.</summary>
    public bool Emitted => Cursor >= TimeCount;

    /// <summary>Gets or sets whether the array was released: nothing more is emitted or collected.</summary>
    public bool Removed { get; set; }

    /// <summary>Gets how many chunks are being collected now: the window's share of the result.</summary>
    public int Collecting
    {
        get
        {
            lock (_collecting)
            {
                return _collecting.Count;
            }
        }
    }

    /// <summary>Gets the result, once every chunk was collected.</summary>
    public Task<NdArray> Result => _done.Task;

    /// <summary>Gets the number of chunks not collected yet; for an open-ended array, of the chunks emitted so far.</summary>
    public long Remaining => IsOpen ? Collecting : Interlocked.Read(ref _remaining);

    /// <summary>Waits for a chunk's value, copies it into the result and lets the chunk go.</summary>
    public async Task CollectAsync(Future future, int[] chunk)
    {
        lock (_collecting)
        {
            if (Removed)
            {
                future.Dispose();
                return;
            }

            _collecting.Add(future);
        }

        int time = Array.TimeAxis >= 0 ? chunk[Array.TimeAxis] : 0;
        using (future)
        {
            object? value;
            try
            {
                value = await future.GetResultAsync().ConfigureAwait(false);
            }
            catch (Exception) when (IsOpen && (time >= TimeCount || _pastEnd(time)))
            {
                // The window reached past the run's end before it was known: that chunk's data never came.
                Forget(future);
                return;
            }
            catch (Exception error)
            {
                Forget(future);
                Fail(error);
                return;
            }

            try
            {
                if (IsOpen)
                {
                    CollectOpen(value, chunk, time);
                }
                else
                {
                    CollectBounded(value, chunk);
                }
            }
            catch (Exception error)
            {
                Forget(future);
                Fail(error);
                return;
            }
        }

        TaskCompletionSource? waiter = null;
        lock (_collecting)
        {
            _collecting.Remove(future);
            bool complete = IsOpen ? time < TimeCount && !_pendingAt.ContainsKey(time) : CountBounded(time);
            if (complete && _waiters.Remove(time, out waiter))
            {
                // Completed below, outside the lock.
            }
        }

        waiter?.TrySetResult();
        if (IsOpen)
        {
            TryCompleteOpen();
        }
        else if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _done.TrySetResult(new NdArray(_shape, _values));
        }
    }

    /// <summary>Says how many steps the run has, once it ended: later steps are let go, readers of them told so, and the result completes with the steps there are.</summary>
    /// <param name="count">The number of time chunks.</param>
    public void End(int count)
    {
        TaskCompletionSource[] past;
        lock (_collecting)
        {
            if (_timeCount != int.MaxValue)
            {
                return;
            }

            Volatile.Write(ref _timeCount, count);
            if (_slabs!.Count > count)
            {
                _slabs.RemoveRange(count, _slabs.Count - count);
            }

            foreach (int time in _pendingAt.Keys.Where(t => t >= count).ToList())
            {
                _pendingAt.Remove(time);
            }

            past = [.. _waiters.Where(w => w.Key >= count).Select(w => w.Value)];
            foreach (int time in _waiters.Keys.Where(t => t >= count).ToList())
            {
                _waiters.Remove(time);
            }
        }

        var error = new ArgumentOutOfRangeException($"The run of {Description} ended after {count} time chunk(s): no later one will come.", innerException: null);
        foreach (TaskCompletionSource waiter in past)
        {
            waiter.TrySetException(error);
        }

        TryCompleteOpen();
    }

    /// <summary>Lets go of the chunks still awaited: the array was released.</summary>
    public void Cancel()
    {
        Future[] pending;
        lock (_collecting)
        {
            Removed = true;
            pending = [.. _collecting];
            _collecting.Clear();
        }

        foreach (Future future in pending)
        {
            future.Dispose();
        }
    }

    /// <summary>Waits until every chunk of time chunk <paramref name="time"/> was collected.</summary>
    public Task WhenTimeChunkAsync(int time)
    {
        lock (_collecting)
        {
            if (_done.Task.IsFaulted)
            {
                return _done.Task;
            }

            if (_done.Task.IsCompletedSuccessfully && time < _timeCount)
            {
                return Task.CompletedTask;
            }

            if (time >= _timeCount)
            {
                return Task.FromException(new ArgumentOutOfRangeException(nameof(time), time, $"The run of {Description} ended after {_timeCount} time chunk(s)."));
            }

            bool complete = IsOpen ? IsOpenStepComplete(time) : _completeAt![time];
            if (complete)
            {
                return Task.CompletedTask;
            }

            if (!_waiters.TryGetValue(time, out TaskCompletionSource? waiter))
            {
                waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add(time, waiter);
            }

            return waiter.Task;
        }
    }

    /// <summary>Copies the values of one time chunk out of the result (the time dimension kept, the chunk's size).</summary>
    public NdArray TimeChunk(int time)
    {
        int axis = Array.TimeAxis;
        lock (_lock)
        {
            if (axis < 0)
            {
                return new NdArray(_shape, (double[])_values.Clone());
            }

            int[] shape = [.. _shape];
            shape[axis] = checked((int)Array.Axes[axis][time]);
            if (IsOpen && _slabs!.Count > time && _slabs[time] is { } slab)
            {
                return new NdArray(shape, (double[])slab.Clone());
            }

            int[] start = new int[Array.Rank];
            start[axis] = checked((int)Array.Axes[axis].StartOf(time));
            int[] ones = new int[Array.Rank];
            System.Array.Fill(ones, 1);
            var whole = new NdArray(_shape, _values);
            return ArrayKernels.Assemble(shape, shape, [new ArrayKernels.Piece(whole, _shape, start, ones, shape, new int[Array.Rank])]);
        }
    }

    /// <summary>Fails the result, when the driver stops or a submission is refused.</summary>
    public void Fail(Exception error)
    {
        _done.TrySetException(error);
        TaskCompletionSource[] waiting;
        lock (_collecting)
        {
            waiting = [.. _waiters.Values];
            _waiters.Clear();
        }

        foreach (TaskCompletionSource waiter in waiting)
        {
            waiter.TrySetException(error);
        }
    }

    private void Forget(Future future)
    {
        lock (_collecting)
        {
            _collecting.Remove(future);
        }
    }

    private void CollectBounded(object? value, int[] chunk)
    {
        int[] chunkShape = Array.ChunkShape(chunk);
        int[] outStart = [.. Enumerable.Range(0, Array.Rank).Select(d => checked((int)Array.Axes[d].StartOf(chunk[d])))];
        int[] ones = new int[Array.Rank];
        System.Array.Fill(ones, 1);
        lock (_lock)
        {
            ArrayKernels.AssembleInto(_values, _shape, [new ArrayKernels.Piece(value, chunkShape, new int[Array.Rank], ones, chunkShape, outStart)]);
        }
    }

    /// <summary>Copies a chunk of an open-ended array into its step's slab (every open time chunk is one step).</summary>
    private void CollectOpen(object? value, int[] chunk, int time)
    {
        int axis = Array.TimeAxis;
        int[] chunkShape = Array.ChunkShape(chunk);
        int[] slabShape = [.. _shape];
        slabShape[axis] = 1;
        int[] outStart = [.. Enumerable.Range(0, Array.Rank).Select(d => d == axis ? 0 : checked((int)Array.Axes[d].StartOf(chunk[d])))];
        int[] ones = new int[Array.Rank];
        System.Array.Fill(ones, 1);
        lock (_collecting)
        {
            if (time >= _timeCount)
            {
                return;
            }

            while (_slabs!.Count <= time)
            {
                _slabs.Add(null);
            }

            if (_slabs[time] is null)
            {
                _slabs[time] = new double[NdArray.ElementCount(slabShape)];
                _pendingAt.Add(time, _perTime);
            }

            lock (_lock)
            {
                ArrayKernels.AssembleInto(_slabs[time]!, slabShape, [new ArrayKernels.Piece(value, chunkShape, new int[Array.Rank], ones, chunkShape, outStart)]);
            }

            if (--_pendingAt[time] == 0)
            {
                _pendingAt.Remove(time);
            }
        }
    }

    /// <summary>Counts one more chunk of a bounded array's time chunk collected; returns whether that completed it. Hold the collecting lock.</summary>
    private bool CountBounded(int time)
    {
        int left = (_pendingAt.TryGetValue(time, out int pending) ? pending : _perTime) - 1;
        if (left > 0)
        {
            _pendingAt[time] = left;
            return false;
        }

        _pendingAt.Remove(time);
        _completeAt![time] = true;
        return true;
    }

    private bool IsOpenStepComplete(int time) => _slabs!.Count > time && _slabs[time] is not null && !_pendingAt.ContainsKey(time);

    /// <summary>Completes an open-ended array's result once the run ended and each of its steps is in: the slabs become the dense result.</summary>
    private void TryCompleteOpen()
    {
        lock (_collecting)
        {
            int count = _timeCount;
            if (count == int.MaxValue || _done.Task.IsCompleted || _slabs!.Count < count || _pendingAt.Count > 0 || _slabs.Take(count).Any(s => s is null))
            {
                return;
            }

            int axis = Array.TimeAxis;
            int[] shape = [.. _shape];
            shape[axis] = count;
            int[] slabShape = [.. _shape];
            slabShape[axis] = 1;
            double[] values = new double[NdArray.ElementCount(shape)];
            int[] ones = new int[Array.Rank];
            System.Array.Fill(ones, 1);
            for (int t = 0; t < count; t++)
            {
                int[] outStart = new int[Array.Rank];
                outStart[axis] = t;
                ArrayKernels.AssembleInto(values, shape, [new ArrayKernels.Piece(_slabs[t], slabShape, new int[Array.Rank], ones, slabShape, outStart)]);
            }

            lock (_lock)
            {
                _values = values;
                _shape = shape;
                _slabs.Clear();
            }

            _done.TrySetResult(new NdArray(shape, values));
        }
    }
}
