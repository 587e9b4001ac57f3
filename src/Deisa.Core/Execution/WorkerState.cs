using System.Runtime.InteropServices;
using Deisa.Core.Buffers;
using Deisa.Core.Errors;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Scheduling;
using Deisa.Core.Transport;

namespace Deisa.Core.Execution;

/// <summary>
/// A worker as a pure state machine: it stores values, tracks assigned tasks and their dependencies, asks peers
/// for missing dependencies, and decides what runs next on a bounded number of threads.
/// </summary>
/// <remarks>
/// Inputs are messages (<see cref="Handle"/>) and the outcomes of executions (<see cref="ExecutionSucceeded"/>,
/// <see cref="ExecutionFailed"/>). Outputs are <see cref="Outbox"/> and <see cref="ToExecute"/>; the host sends
/// the first and runs the second, then clears both. No I/O, no threads, no clock; not thread-safe.
/// </remarks>
public sealed class WorkerState
{
    private readonly EndpointId _scheduler;
    private readonly int _threads;
    private readonly Dictionary<TaskKey, StoredValue> _data = [];
    private readonly Stack<StoredValue> _freeRecords = new();
    private readonly Dictionary<TaskKey, WorkerTask> _tasks = [];
    private readonly Dictionary<TaskKey, Fetch> _fetches = [];
    private readonly HashSet<long> _requests = [];
    private readonly Dictionary<EndpointId, GetData> _pendingRequests = [];
    private readonly Dictionary<EndpointId, KeysReleased> _pendingReleases = [];
    private long _storedBytes;
    private readonly PriorityQueue<WorkerTask, (long Priority, long Sequence)> _ready = new();
    private readonly List<OutgoingMessage> _outbox = [];
    private readonly List<ExecuteInstruction> _toExecute = [];
    private long _readySequence;
    private long _nextRequestId;
    private int _executing;

    /// <summary>How many let-go records the worker keeps for reuse: more than a window of steps' blocks, few kilobytes.</summary>
    private const int MaxFreeRecords = 4096;

    /// <summary>Creates a worker.</summary>
    /// <param name="self">This worker's endpoint.</param>
    /// <param name="scheduler">The scheduler's endpoint.</param>
    /// <param name="threads">How many tasks may run at once.</param>
    public WorkerState(EndpointId self, EndpointId scheduler, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        Id = self;
        _scheduler = scheduler;
        _threads = threads;
    }

    /// <summary>Gets this worker's endpoint.</summary>
    public EndpointId Id { get; }

    /// <summary>Gets the messages to send; the host sends them and calls <see cref="ClearOutputs"/>.</summary>
    public ReadOnlySpan<OutgoingMessage> Outbox => CollectionsMarshal.AsSpan(_outbox);

    /// <summary>Gets the tasks to start now; the host runs them and calls <see cref="ClearOutputs"/>.</summary>
    public ReadOnlySpan<ExecuteInstruction> ToExecute => CollectionsMarshal.AsSpan(_toExecute);

    /// <summary>Gets the number of values stored (own and fetched).</summary>
    public int StoredCount => _data.Count;

    /// <summary>Gets the number of assigned tasks not yet finished.</summary>
    public int TaskCount => _tasks.Count;

    /// <summary>Gets the number of tasks running.</summary>
    public int ExecutingCount => _executing;

    /// <summary>Gets the estimated bytes of all stored values; safe to read from any thread (a running count).</summary>
    public long StoredBytes => Interlocked.Read(ref _storedBytes);

    /// <summary>Gets whether a value is stored under <paramref name="key"/>.</summary>
    /// <param name="key">The key.</param>
    /// <returns>Whether it is stored.</returns>
    public bool Holds(TaskKey key) => _data.ContainsKey(key);

    /// <summary>Forgets the outputs after the host has acted on them.</summary>
    public void ClearOutputs()
    {
        _outbox.Clear();
        _toExecute.Clear();
    }

    /// <summary>Applies one incoming message.</summary>
    /// <param name="message">The message; the caller still owns it and returns it afterwards.</param>
    /// <exception cref="ArgumentException">The message is not for a worker.</exception>
    public void Handle(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        switch (message)
        {
            case ComputeTask m:
                HandleComputeTask(m);
                break;
            case FreeKeys m:
                HandleFreeKeys(m);
                break;
            case GetData m:
                HandleGetData(m);
                break;
            case DataReply m:
                HandleDataReply(m);
                break;
            case PutExternal m:
                HandlePutExternal(m);
                break;
            default:
                throw new ArgumentException($"A worker does not handle {message.Kind} messages (from {message.From}).", nameof(message));
        }

        FlushRequests();
        FlushReleases();
        Dispatch();
    }

    /// <summary>Records that a task ran and returned <paramref name="value"/>.</summary>
    /// <param name="task">The task, from <see cref="ToExecute"/>.</param>
    /// <param name="value">Its value; the worker takes ownership.</param>
    public void ExecutionSucceeded(WorkerTask task, object? value)
    {
        ArgumentNullException.ThrowIfNull(task);
        Finish(task);
        if (task.Status == WorkerTaskStatus.Cancelled && !task.Reassigned)
        {
            ValueOwnership.Release(value);
        }
        else
        {
            if (_data.TryGetValue(task.Key, out StoredValue? stored))
            {
                // A copy arrived while the task ran; local tasks may hold it, so keep it and drop the new value.
                ValueOwnership.Release(value);
                stored.Primary = true;
            }
            else
            {
                stored = NewRecord(value, ValueSizes.Estimate(value), primary: true);
                _data.Add(task.Key, stored);
                Interlocked.Add(ref _storedBytes, stored.Nbytes);
            }

            Push(task.PushTo, task.Key, stored);
            TaskFinished finished = TaskFinished.Rent();
            finished.Key = task.Key;
            finished.Nbytes = stored.Nbytes;
            Send(_scheduler, finished);
        }

        FlushReleases();
        Dispatch();
    }

    /// <summary>Records that a task threw.</summary>
    /// <param name="task">The task, from <see cref="ToExecute"/>.</param>
    /// <param name="error">The exception.</param>
    public void ExecutionFailed(WorkerTask task, Exception error)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(error);
        Finish(task);
        if (task.Status != WorkerTaskStatus.Cancelled || task.Reassigned)
        {
            ReportErred(task.Key, ErrorInfo.From(error));
        }

        FlushReleases();
        Dispatch();
    }

    /// <summary>
    /// Releases every stored value and forgets every task, as the worker stops, so that pooled values go back to their
    /// pool even when no one freed them (results never released, blocks of an interrupted run).
    /// </summary>
    /// <remarks>Call only once no task runs and no message will be handled: the state is empty afterwards.</remarks>
    internal void ReleaseAll()
    {
        foreach (StoredValue stored in _data.Values)
        {
            ValueOwnership.Release(stored.Value);
        }

        _data.Clear();
        _freeRecords.Clear();
        _tasks.Clear();
        _ready.Clear();
        _fetches.Clear();
        _requests.Clear();
        foreach (GetData request in _pendingRequests.Values)
        {
            request.Return();
        }

        _pendingRequests.Clear();
    }

    private void HandleComputeTask(ComputeTask message)
    {
        TaskKey key = message.Key;
        if (_tasks.TryGetValue(key, out WorkerTask? existing))
        {
            // Cancelled while running and now wanted again: let the running execution count.
            if (existing.Status == WorkerTaskStatus.Cancelled)
            {
                existing.Reassigned = true;
            }

            existing.PushTo ??= message.PushTo;
            return;
        }

        if (_data.TryGetValue(key, out StoredValue? stored))
        {
            // The value is already here (a result whose cancellation crossed its completion, or a copy fetched for a
            // local task): a key names one value, so report it rather than compute it again.
            stored.Primary = true;
            Push(message.PushTo, key, stored);
            TaskFinished finished = TaskFinished.Rent();
            finished.Key = key;
            finished.Nbytes = stored.Nbytes;
            Send(_scheduler, finished);
            return;
        }

        TaskSpec spec = message.Spec ?? throw new ArgumentException($"ComputeTask for {key} carries no task.", nameof(message));
        var task = new WorkerTask(key, spec, message.Priority) { PushTo = message.PushTo };
        _tasks.Add(key, task);
        ReadOnlySpan<TaskKey> dependencies = spec.Dependencies;
        for (int i = 0; i < dependencies.Length; i++)
        {
            if (_data.TryGetValue(dependencies[i], out StoredValue? value))
            {
                value.Uses++;
                task.Held[i] = value;
                continue;
            }

            task.Missing++;
            if (!_fetches.TryGetValue(dependencies[i], out Fetch? fetch))
            {
                fetch = new Fetch();
                _fetches.Add(dependencies[i], fetch);
                GetData request = PendingRequestTo(message.Holders[i]);
                request.Keys.Add(dependencies[i]);
            }

            fetch.Waiters.Add((task, i));
        }

        if (task.Missing == 0)
        {
            MakeReady(task);
        }
        else
        {
            task.Status = WorkerTaskStatus.Fetching;
        }
    }

    private void HandleFreeKeys(FreeKeys message)
    {
        foreach (TaskKey key in message.Keys)
        {
            if (_tasks.TryGetValue(key, out WorkerTask? task))
            {
                Cancel(task);
            }

            if (_data.TryGetValue(key, out StoredValue? stored))
            {
                stored.Primary = false;
                DropIfUnused(key, stored);
            }
        }
    }

    /// <summary>Sends a value to the client that takes it once computed, unasked; the message holds its own reference, as a GetData reply does.</summary>
    private void Push(EndpointId? client, TaskKey key, StoredValue stored)
    {
        if (client is not { } to)
        {
            return;
        }

        DataReply pushed = DataReply.Rent();
        pushed.RequestId = 0;
        ValueOwnership.Retain(stored.Value);
        pushed.Keys.Add(key);
        pushed.Values.Add(stored.Value);
        Send(to, pushed);
    }

    private void HandleGetData(GetData message)
    {
        DataReply reply = DataReply.Rent();
        reply.RequestId = message.RequestId;
        foreach (TaskKey key in message.Keys)
        {
            if (_data.TryGetValue(key, out StoredValue? stored))
            {
                // The reply holds its own reference, released when the receiver is done with it.
                ValueOwnership.Retain(stored.Value);
                reply.Keys.Add(key);
                reply.Values.Add(stored.Value);
            }
            else
            {
                reply.Missing.Add(key);
            }
        }

        Send(message.From, reply);
    }

    private void HandleDataReply(DataReply message)
    {
        if (!_requests.Remove(message.RequestId))
        {
            return;
        }

        for (int i = 0; i < message.Keys.Count; i++)
        {
            TaskKey key = message.Keys[i];
            if (!_fetches.Remove(key, out Fetch? fetch))
            {
                continue;
            }

            if (!_data.TryGetValue(key, out StoredValue? stored))
            {
                object? value = message.Values[i];
                message.Values[i] = null;
                stored = NewRecord(value, ValueSizes.Estimate(value), primary: false);
                _data.Add(key, stored);
                Interlocked.Add(ref _storedBytes, stored.Nbytes);
            }

            foreach ((WorkerTask task, int index) in fetch.Waiters)
            {
                if (task.Status != WorkerTaskStatus.Fetching)
                {
                    continue;
                }

                stored.Uses++;
                task.Held[index] = stored;
                if (--task.Missing == 0)
                {
                    MakeReady(task);
                }
            }

            DropIfUnused(key, stored);
        }

        foreach (TaskKey key in message.Missing)
        {
            if (!_fetches.Remove(key, out Fetch? fetch))
            {
                continue;
            }

            var error = new ErrorInfo(
                typeof(KeyNotFoundException).FullName!,
                $"The dependency {key} was not on worker {message.From} when {Id} asked for it; the scheduler's record of where it lives was out of date.",
                null);
            foreach ((WorkerTask task, _) in fetch.Waiters)
            {
                if (task.Status == WorkerTaskStatus.Fetching)
                {
                    Release(task);
                    _tasks.Remove(task.Key);
                    ReportErred(task.Key, error);
                }
            }
        }
    }

    private void HandlePutExternal(PutExternal message)
    {
        ExternalArrived arrived = ExternalArrived.Rent();
        arrived.Key = message.Key;
        arrived.Producer = message.From;
        arrived.PutId = message.PutId;
        if (_data.ContainsKey(message.Key))
        {
            // Never overwrite: keep the first value, let the scheduler refuse the second (the message releases it).
            arrived.Stored = false;
            if (message.NotifyRelease)
            {
                AddRelease(message.From, message.Key);
            }
        }
        else
        {
            object? value = message.Value;
            message.Value = null;
            long nbytes = ValueSizes.Estimate(value);
            _data.Add(message.Key, NewRecord(value, nbytes, primary: true, message.NotifyRelease ? message.From : null));
            Interlocked.Add(ref _storedBytes, nbytes);
            arrived.Stored = true;
            arrived.Nbytes = nbytes;
        }

        Send(_scheduler, arrived);
    }

    private void MakeReady(WorkerTask task)
    {
        task.Status = WorkerTaskStatus.Ready;
        _ready.Enqueue(task, (task.Priority, ++_readySequence));
    }

    private void Dispatch()
    {
        while (_executing < _threads && _ready.TryDequeue(out WorkerTask? task, out _))
        {
            if (task.Status != WorkerTaskStatus.Ready)
            {
                continue;
            }

            task.Status = WorkerTaskStatus.Executing;
            _executing++;
            object?[] resolved;
            try
            {
                resolved = Resolve(task);
            }
            catch (DeisaException error)
            {
                Finish(task);
                ReportErred(task.Key, ErrorInfo.From(error));
                continue;
            }

            _toExecute.Add(new ExecuteInstruction(task, resolved));
        }
    }

    private object?[] Resolve(WorkerTask task)
    {
        ReadOnlySpan<TaskArg> args = task.Spec.Args;
        if (args.Length == 0)
        {
            return [];
        }

        object?[] resolved = new object?[args.Length];
        for (int i = 0; i < args.Length; i++)
        {
            resolved[i] = ResolveArg(args[i]);
        }

        return resolved;
    }

    private object? ResolveArg(TaskArg arg)
    {
        switch (arg.Kind)
        {
            case ArgKind.Key:
                object? value = _data[arg.Key].Value;
                return value is UnencodableValue unencodable ? throw unencodable.ToException($"The value of {arg.Key}") : value;
            case ArgKind.Local:
                return arg.LocalValue;
            case ArgKind.List:
                ReadOnlySpan<TaskArg> items = arg.Items;
                object?[] values = new object?[items.Length];
                for (int i = 0; i < items.Length; i++)
                {
                    values[i] = items[i].Kind switch
                    {
                        ArgKind.Key or ArgKind.Local or ArgKind.List => ResolveArg(items[i]),
                        ArgKind.Null => null,
                        ArgKind.Bool => items[i].Bool,
                        ArgKind.Int64 => items[i].Int64,
                        ArgKind.Double => items[i].Double,
                        ArgKind.String => items[i].String,
                        ArgKind.Int64Array => items[i].Int64Array.ToArray(),
                        _ => items[i].Slice,
                    };
                }

                return values;
            default:
                return null;
        }
    }

    private void Finish(WorkerTask task)
    {
        _executing--;
        Release(task);
        if (_tasks.TryGetValue(task.Key, out WorkerTask? current) && ReferenceEquals(current, task))
        {
            _tasks.Remove(task.Key);
        }
    }

    private void Cancel(WorkerTask task)
    {
        switch (task.Status)
        {
            case WorkerTaskStatus.Executing:
                // Running code cannot be stopped; its outcome is dropped when it ends.
                task.Status = WorkerTaskStatus.Cancelled;
                task.Reassigned = false;
                break;
            case WorkerTaskStatus.Cancelled:
                task.Reassigned = false;
                break;
            default:
                task.Status = WorkerTaskStatus.Cancelled;
                Release(task);
                _tasks.Remove(task.Key);
                break;
        }
    }

    /// <summary>Gives back the task's uses of its dependencies.</summary>
    private void Release(WorkerTask task)
    {
        ReadOnlySpan<TaskKey> dependencies = task.Spec.Dependencies;
        for (int i = 0; i < task.Held.Length; i++)
        {
            if (task.Held[i] is { } stored)
            {
                task.Held[i] = null;
                stored.Uses--;
                DropIfUnused(dependencies[i], stored);
            }
        }
    }

    private void DropIfUnused(TaskKey key, StoredValue stored)
    {
        if (stored.Uses == 0 && !stored.Primary && _data.TryGetValue(key, out StoredValue? current) && ReferenceEquals(current, stored))
        {
            _data.Remove(key);
            Interlocked.Add(ref _storedBytes, -stored.Nbytes);
            ValueOwnership.Release(stored.Value);
            if (stored.ReleaseNotice is { } producer)
            {
                AddRelease(producer, key);
            }

            stored.Clear();
            if (_freeRecords.Count < MaxFreeRecords)
            {
                _freeRecords.Push(stored);
            }
        }
    }

    private StoredValue NewRecord(object? value, long nbytes, bool primary, EndpointId? releaseNotice = null) =>
        (_freeRecords.TryPop(out StoredValue? record) ? record : new StoredValue()).Init(value, nbytes, primary, releaseNotice);

    private void AddRelease(EndpointId producer, TaskKey key)
    {
        if (!_pendingReleases.TryGetValue(producer, out KeysReleased? released))
        {
            released = KeysReleased.Rent();
            _pendingReleases.Add(producer, released);
        }

        released.Keys.Add(key);
    }

    /// <summary>Tells each producer, in one message, which of its values this worker let go of since the last time.</summary>
    private void FlushReleases()
    {
        if (_pendingReleases.Count == 0)
        {
            return;
        }

        foreach ((EndpointId producer, KeysReleased released) in _pendingReleases)
        {
            Send(producer, released);
        }

        _pendingReleases.Clear();
    }

    private void ReportErred(TaskKey key, ErrorInfo error)
    {
        TaskErred erred = TaskErred.Rent();
        erred.Key = key;
        erred.Error = error;
        Send(_scheduler, erred);
    }

    private GetData PendingRequestTo(EndpointId holder)
    {
        if (!_pendingRequests.TryGetValue(holder, out GetData? request))
        {
            request = GetData.Rent();
            request.RequestId = ++_nextRequestId;
            _pendingRequests.Add(holder, request);
        }

        return request;
    }

    private void FlushRequests()
    {
        if (_pendingRequests.Count == 0)
        {
            return;
        }

        foreach ((EndpointId holder, GetData request) in _pendingRequests)
        {
            _requests.Add(request.RequestId);
            Send(holder, request);
        }

        _pendingRequests.Clear();
    }

    private void Send(EndpointId to, Message message) => _outbox.Add(new OutgoingMessage(to, message));

    private sealed class Fetch
    {
        public List<(WorkerTask Task, int Index)> Waiters { get; } = [];
    }
}
