using System.Threading.Tasks;
using Deisa.Core.Client;

namespace Deisa.Core.Arrays.Nodes;

/// <summary>
/// A persisted array whose chunks a <see cref="WindowDriver"/> materialises a window at a time: each chunk's value is
/// copied into the dense result as it completes, and its key released, so only the window's chunks are ever held.
/// </summary>
internal sealed class WindowRoot
{
    private readonly Lock _lock = new();
    private readonly double[] _values;
    private readonly int[] _shape;
    private readonly TaskCompletionSource<NdArray> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<Future> _collecting = new(ReferenceEqualityComparer.Instance);
    private readonly int[] _remainingAt;
    private readonly Dictionary<int, TaskCompletionSource> _waiters = [];
    private long _remaining;

    public WindowRoot(DeisaArray array, string description)
    {
        Array = array;
        Description = description;
        _shape = [.. array.ShapeArray.Select(s => checked((int)s))];
        _values = new double[NdArray.ElementCount(_shape)];
        _remaining = array.ChunkCount;
        TimeCount = array.TimeAxis >= 0 ? array.Axes[array.TimeAxis].Count : 1;

        // Per time chunk, how many chunks are still to come: what lets a reader take the steps as they complete.
        _remainingAt = new int[TimeCount];
        long perTime = TimeCount == 0 ? 0 : array.ChunkCount / TimeCount;
        System.Array.Fill(_remainingAt, checked((int)perTime));
        if (_remaining == 0)
        {
            _done.TrySetResult(new NdArray(_shape, _values));
        }
    }

    public DeisaArray Array { get; }

    /// <summary>Gets what the array is, for messages.</summary>
    public string Description { get; }

    /// <summary>Gets the number of time chunks to emit (1 for an array without a time axis, whose chunks come at once).</summary>
    public int TimeCount { get; }

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

    /// <summary>Gets the number of chunks not collected yet.</summary>
    public long Remaining => Interlocked.Read(ref _remaining);

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

        using (future)
        {
            object? value;
            try
            {
                value = await future.GetResultAsync().ConfigureAwait(false);
            }
            catch (Exception error)
            {
                Fail(error);
                return;
            }

            int[] chunkShape = Array.ChunkShape(chunk);
            int[] outStart = [.. Enumerable.Range(0, Array.Rank).Select(d => checked((int)Array.Axes[d].StartOf(chunk[d])))];
            int[] ones = new int[Array.Rank];
            System.Array.Fill(ones, 1);
            try
            {
                lock (_lock)
                {
                    ArrayKernels.AssembleInto(_values, _shape, [new ArrayKernels.Piece(value, chunkShape, new int[Array.Rank], ones, chunkShape, outStart)]);
                }
            }
            catch (Exception error)
            {
                Fail(error);
                return;
            }
        }

        TaskCompletionSource? waiter = null;
        lock (_collecting)
        {
            _collecting.Remove(future);
            int time = Array.TimeAxis >= 0 ? chunk[Array.TimeAxis] : 0;
            if (--_remainingAt[time] == 0 && _waiters.Remove(time, out waiter))
            {
                // Completed below, outside the lock.
            }
        }

        waiter?.TrySetResult();
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _done.TrySetResult(new NdArray(_shape, _values));
        }
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

            if (_remainingAt[time] == 0)
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
        if (axis < 0)
        {
            return new NdArray(_shape, (double[])_values.Clone());
        }

        int[] shape = [.. _shape];
        shape[axis] = checked((int)Array.Axes[axis][time]);
        int[] start = new int[Array.Rank];
        start[axis] = checked((int)Array.Axes[axis].StartOf(time));
        int[] ones = new int[Array.Rank];
        System.Array.Fill(ones, 1);
        lock (_lock)
        {
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
}
