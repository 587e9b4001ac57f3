using Deisa.Core.Errors;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;

namespace Deisa.Core.Scheduling;

/// <content>One handler per incoming message type.</content>
public sealed partial class SchedulerState
{
    /// <summary>The externals of the update being validated, as a set: a window's tasks each read one, and a list lookup per read made a window of N blocks cost N².</summary>
    private readonly HashSet<TaskKey> _updateExternals = [];

    private void HandleUpdateGraph(UpdateGraph message)
    {
        // The blocks the tasks read come with them: checked first, created only if the whole update is accepted.
        foreach (TaskKey key in message.Externals)
        {
            if (CheckExternal(key, shared: true) is { } refusal)
            {
                ReplyToClient(message.RequestId, refusal);
                return;
            }
        }

        List<int> order;
        try
        {
            order = ValidateGraph(message);
        }
        catch (GraphValidationException error)
        {
            ReplyToClient(message.RequestId, error);
            return;
        }

        foreach (TaskKey key in message.Externals)
        {
            Materialize(key);
        }

        // Create new tasks in dependency order so priorities follow the graph.
        foreach (int i in order)
        {
            TaskKey key = message.Keys[i];
            if (_tasks.TryGetValue(key, out SchedulerTask? existing))
            {
                if (existing.Status == TaskStatus.Released)
                {
                    Recommend(existing, TaskStatus.Waiting);
                }

                continue;
            }

            var task = new SchedulerTask(key, message.Specs[i]) { Priority = ++_priorityCounter };
            _tasks.Add(key, task);
            FailureInfo? failed = FirstFailedDependency(task);
            if (failed is not null)
            {
                RecommendErred(task, failed);
            }
            else
            {
                Recommend(task, TaskStatus.Waiting);
            }
        }

        foreach (TaskKey key in message.Wanted)
        {
            SchedulerTask task = _tasks[key];
            task.ClientRefs++;
            if (task.ClientRefs > 1)
            {
                continue;
            }

            // Only a task not dispatched yet can be told to push; the others the client fetches.
            task.PushToClient = message.PushValues && task.Status is TaskStatus.Released or TaskStatus.Waiting;

            // A key that is already finished will not transition again: tell the client now.
            if (task.Status == TaskStatus.Memory)
            {
                KeyInMemory notice = KeyInMemory.Rent();
                notice.Key = key;
                notice.Holder = _workers[task.Holder];
                notice.Nbytes = task.Nbytes;
                Send(_client, notice);
            }
            else if (task.Status == TaskStatus.Erred)
            {
                NotifyErred(task);
            }
        }

        ReplyToClient(message.RequestId, null);
    }

    private FailureInfo? FirstFailedDependency(SchedulerTask task)
    {
        foreach (TaskKey key in task.Spec!.Dependencies)
        {
            if (_tasks.TryGetValue(key, out SchedulerTask? dependency) && dependency.Status == TaskStatus.Erred)
            {
                return dependency.Failure;
            }
        }

        return null;
    }

    /// <summary>Checks a graph update without changing anything; returns the positions of its tasks in dependency order.</summary>
    private List<int> ValidateGraph(UpdateGraph message)
    {
        _updateExternals.UnionWith(message.Externals);
        try
        {
            return ValidateGraph(message, _updateExternals);
        }
        finally
        {
            // Emptied, capacity kept: the next window is the same size, and no key outlives its update here.
            _updateExternals.Clear();
        }
    }

    private List<int> ValidateGraph(UpdateGraph message, HashSet<TaskKey> externals)
    {
        if (message.Keys.Count != message.Specs.Count)
        {
            throw new GraphValidationException(default, $"The update has {message.Keys.Count} keys but {message.Specs.Count} tasks.");
        }

        var positions = new Dictionary<TaskKey, int>(message.Keys.Count);
        for (int i = 0; i < message.Keys.Count; i++)
        {
            TaskKey key = message.Keys[i];
            TaskSpec spec = message.Specs[i];
            if (key.IsEmpty)
            {
                throw new GraphValidationException(key, $"Task {i} of the update has no key.");
            }

            if (!positions.TryAdd(key, i) && !message.Specs[positions[key]].Equals(spec))
            {
                throw new DuplicateKeyException(key, message.Specs[positions[key]].ToString(), spec.ToString());
            }

            if (_tasks.TryGetValue(key, out SchedulerTask? existing))
            {
                if (existing.IsExternal)
                {
                    throw new DuplicateKeyException(key, "an external key (its data comes from a producer)", spec.ToString());
                }

                if (!existing.Spec!.Equals(spec))
                {
                    throw new DuplicateKeyException(key, existing.Spec.ToString(), spec.ToString());
                }
            }
        }

        foreach (TaskKey key in message.Wanted)
        {
            if (!positions.ContainsKey(key) && !_tasks.ContainsKey(key) && !externals.Contains(key))
            {
                throw new GraphValidationException(
                    key,
                    $"The key {key} is wanted but is neither in the submitted graph nor known to the scheduler; it may have been released already.");
            }
        }

        // Kahn's algorithm over the tasks this update creates or reactivates; edges to other known keys are satisfied.
        int count = message.Keys.Count;
        int[] pending = new int[count];
        var dependents = new List<int>?[count];
        var ready = new Queue<int>();
        for (int i = 0; i < count; i++)
        {
            if (positions[message.Keys[i]] != i)
            {
                continue;
            }

            // A known task that is running or done keeps its dependencies as they are: nothing to check or order.
            if (_tasks.TryGetValue(message.Keys[i], out SchedulerTask? current) && current.Status != TaskStatus.Released)
            {
                ready.Enqueue(i);
                continue;
            }

            foreach (TaskKey dependency in message.Specs[i].Dependencies)
            {
                if (positions.TryGetValue(dependency, out int at))
                {
                    if (_tasks.TryGetValue(dependency, out SchedulerTask? known) && known.Status != TaskStatus.Released)
                    {
                        continue;
                    }

                    pending[i]++;
                    (dependents[at] ??= []).Add(i);
                }
                else if (!_tasks.ContainsKey(dependency) && !externals.Contains(dependency))
                {
                    throw new UnknownDependencyException(message.Keys[i], dependency);
                }
            }

            if (pending[i] == 0)
            {
                ready.Enqueue(i);
            }
        }

        var order = new List<int>(count);
        while (ready.TryDequeue(out int i))
        {
            order.Add(i);
            if (dependents[i] is { } next)
            {
                foreach (int d in next)
                {
                    if (--pending[d] == 0)
                    {
                        ready.Enqueue(d);
                    }
                }
            }
        }

        if (order.Count < positions.Count)
        {
            throw new GraphCycleException(FindCycle(message, positions, pending));
        }

        return order;
    }

    private static List<TaskKey> FindCycle(UpdateGraph message, Dictionary<TaskKey, int> positions, int[] pending)
    {
        // Every task left with pending > 0 is on or behind a cycle; walk unsorted dependencies until one repeats.
        int start = Array.FindIndex(pending, p => p > 0);
        var seenAt = new Dictionary<int, int>();
        var path = new List<int>();
        int current = start;
        while (!seenAt.ContainsKey(current))
        {
            seenAt[current] = path.Count;
            path.Add(current);
            foreach (TaskKey dependency in message.Specs[current].Dependencies)
            {
                if (positions.TryGetValue(dependency, out int at) && pending[at] > 0)
                {
                    current = at;
                    break;
                }
            }
        }

        return path.Skip(seenAt[current]).Select(i => message.Keys[i]).ToList();
    }

    private void HandleCreateExternal(CreateExternal message)
    {
        foreach (TaskKey key in message.Keys)
        {
            if (CheckExternal(key, shared: false) is { } refusal)
            {
                ReplyToClient(message.RequestId, refusal);
                return;
            }
        }

        foreach (TaskKey key in message.Keys)
        {
            Materialize(key);
        }

        ReplyToClient(message.RequestId, null);
    }

    private void HandleReleaseKeys(ReleaseKeys message)
    {
        foreach (TaskKey key in message.Keys)
        {
            if (_tasks.TryGetValue(key, out SchedulerTask? task) && task.ClientRefs > 0)
            {
                task.ClientRefs--;
                CheckRelease(task);
            }
        }
    }

    private void HandleFailExternal(FailExternal message)
    {
        if (!_tasks.TryGetValue(message.Key, out SchedulerTask? task) && _contractFrozen && ContractedProducer(message.Key) >= 0)
        {
            // A contracted block of a step the window has not reached yet: its key fails as the window creates it.
            FailMissingExternal(message.Key, message.Reason);
            ReplyToClient(message.RequestId, null);
            return;
        }

        if (task is null || task.Status != TaskStatus.External)
        {
            string state = task is null ? "is not known to the scheduler" : $"is in state {task.Status}";
            ReplyToClient(
                message.RequestId,
                new GraphValidationException(message.Key, $"Cannot fail {message.Key}: it {state}, and only an external key still waiting for its data can be failed."));
            return;
        }

        var error = new ExternalDataException(message.Key, $"The data of external key {message.Key} will never arrive: {message.Reason}");
        Transition(task, TaskStatus.Erred, new FailureInfo(message.Key, ErrorInfo.From(error)));
        ReplyToClient(message.RequestId, null);
    }

    private void HandleQueryStory(QueryStory message)
    {
        StoryReply reply = StoryReply.Rent();
        reply.RequestId = message.RequestId;
        reply.Text = FormatStory(message.Key);
        Send(_client, reply);
    }

    private void HandleTaskFinished(TaskFinished message)
    {
        int worker = WorkerIndexOf(message.From);
        if (_tasks.TryGetValue(message.Key, out SchedulerTask? task) && task.Status == TaskStatus.Processing && task.ProcessingOn == worker)
        {
            task.Nbytes = message.Nbytes;
            Transition(task, TaskStatus.Memory);
            return;
        }

        // A result nobody waits for any more (the task was cancelled or moved): the worker must not keep it,
        // unless the scheduler counts on that very worker holding this key.
        if (task is null || task.Holder != worker)
        {
            QueueFree(worker, message.Key);
        }
    }

    private void HandleTaskErred(TaskErred message)
    {
        int worker = WorkerIndexOf(message.From);
        if (_tasks.TryGetValue(message.Key, out SchedulerTask? task) && task.Status == TaskStatus.Processing && task.ProcessingOn == worker)
        {
            ErrorInfo error = message.Error ?? new ErrorInfo("Unknown", "The worker reported a failure without details.", null);
            Transition(task, TaskStatus.Erred, new FailureInfo(task.Key, error));
        }
    }

    private void HandleExternalArrived(ExternalArrived message)
    {
        int worker = WorkerIndexOf(message.From);
        _tasks.TryGetValue(message.Key, out SchedulerTask? task);
        if (task is null && _mode == Arrays.CouplingMode.Deisa1 && message.Stored && IsDeclaredBlock(message.Key))
        {
            // Deisa1: the data arrived before its metadata announced it.
            task = CreateAnnounced(message.Key);
        }

        // Deisa3: the data of a contracted block came before the window that reads it.
        task ??= HoldEarlyArrival(message);
        if (task is not null && task.Status == TaskStatus.External)
        {
            task.Holder = worker;
            task.Nbytes = message.Nbytes;
            Transition(task, TaskStatus.Memory);
            NoteArrival(message.Key);
            Acknowledge(message, null);
            return;
        }

        // Refused: the worker drops what it stored, unless it is the very copy the scheduler counts on.
        if (message.Stored && (task is null || task.Holder != worker))
        {
            QueueFree(worker, message.Key);
        }

        string reason = task switch
        {
            null => $"{message.Key} is not an external key waiting for data: it was never created with CreateExternal, or its data already arrived and was released.",
            { IsExternal: false } => $"{message.Key} is a computed task, not an external key; a producer cannot put data under it.",
            { Status: TaskStatus.Erred } => $"The external key {message.Key} was already failed ({task.Failure?.Error.Message}); the data was dropped.",
            _ => $"Data for the external key {message.Key} arrived twice (the first copy is on worker {task.Holder}, the second came to worker {worker} from {message.Producer}); the second copy was dropped. A key names one value: put each key once.",
        };
        Acknowledge(message, new ExternalDataException(message.Key, reason));
    }

    private void Acknowledge(ExternalArrived message, Exception? error)
    {
        if (message.PutId == 0)
        {
            if (error is not null)
            {
                UnacknowledgedRejections++;
            }

            return;
        }

        PutAck ack = PutAck.Rent();
        ack.PutId = message.PutId;
        ack.Key = message.Key;
        ack.Error = error is null ? null : ErrorInfo.From(error);
        Send(message.Producer, ack);
    }

    /// <summary>Moves a task to Erred with a failure, as a direct transition of the current stimulus.</summary>
    private void Transition(SchedulerTask task, TaskStatus to, FailureInfo failure)
    {
        task.Failure = failure;
        Transition(task, to);
    }
}
