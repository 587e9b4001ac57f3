using Deisa.Core.Errors;
using Deisa.Core.Protocol;

namespace Deisa.Core.Scheduling;

/// <content>The transition table and its entries.</content>
public sealed partial class SchedulerState
{
    /// <summary>Gets the (from, to) pairs the transition table has, for tests and documentation.</summary>
    public static IReadOnlyList<(TaskStatus From, TaskStatus To)> TransitionPairs { get; } =
    [
        (TaskStatus.Released, TaskStatus.Waiting),
        (TaskStatus.Released, TaskStatus.External),
        (TaskStatus.Released, TaskStatus.Erred),
        (TaskStatus.Released, TaskStatus.Forgotten),
        (TaskStatus.Waiting, TaskStatus.Processing),
        (TaskStatus.Waiting, TaskStatus.Released),
        (TaskStatus.Waiting, TaskStatus.Erred),
        (TaskStatus.External, TaskStatus.Memory),
        (TaskStatus.External, TaskStatus.Erred),
        (TaskStatus.Processing, TaskStatus.Memory),
        (TaskStatus.Processing, TaskStatus.Erred),
        (TaskStatus.Processing, TaskStatus.Released),
        (TaskStatus.Memory, TaskStatus.Released),
        (TaskStatus.Erred, TaskStatus.Released),
    ];

    /// <summary>Moves a key directly, bypassing the handlers: lets tests show that a pair missing from the table raises.</summary>
    internal void TransitionForTest(Graph.TaskKey key, TaskStatus to)
    {
        Transition(_tasks[key], to);
        RunRecommendations();
        FlushFreeKeys();
    }

    private Action<SchedulerTask>?[,] BuildTransitionTable()
    {
        int n = Enum.GetValues<TaskStatus>().Length;
        var table = new Action<SchedulerTask>?[n, n];
        table[(int)TaskStatus.Released, (int)TaskStatus.Waiting] = FromReleasedToWaiting;
        table[(int)TaskStatus.Released, (int)TaskStatus.External] = FromReleasedToExternal;
        table[(int)TaskStatus.Released, (int)TaskStatus.Erred] = FromReleasedToErred;
        table[(int)TaskStatus.Released, (int)TaskStatus.Forgotten] = FromReleasedToForgotten;
        table[(int)TaskStatus.Waiting, (int)TaskStatus.Processing] = FromWaitingToProcessing;
        table[(int)TaskStatus.Waiting, (int)TaskStatus.Released] = FromWaitingToReleased;
        table[(int)TaskStatus.Waiting, (int)TaskStatus.Erred] = FromWaitingToErred;
        table[(int)TaskStatus.External, (int)TaskStatus.Memory] = FromExternalToMemory;
        table[(int)TaskStatus.External, (int)TaskStatus.Erred] = FromExternalToErred;
        table[(int)TaskStatus.Processing, (int)TaskStatus.Memory] = FromProcessingToMemory;
        table[(int)TaskStatus.Processing, (int)TaskStatus.Erred] = FromProcessingToErred;
        table[(int)TaskStatus.Processing, (int)TaskStatus.Released] = FromProcessingToReleased;
        table[(int)TaskStatus.Memory, (int)TaskStatus.Released] = FromMemoryToReleased;
        table[(int)TaskStatus.Erred, (int)TaskStatus.Released] = FromErredToReleased;
        return table;
    }

    private void Recommend(SchedulerTask task, TaskStatus to) =>
        _recommendations.Enqueue(new Recommendation(task, task.Status, to));

    private void RecommendErred(SchedulerTask task, FailureInfo failure)
    {
        task.Failure ??= failure;
        Recommend(task, TaskStatus.Erred);
    }

    private void RunRecommendations()
    {
        while (_recommendations.TryDequeue(out Recommendation recommendation))
        {
            SchedulerTask task = recommendation.Task;

            // A recommendation made when the task was in another state is stale: something else moved it since.
            if (task.Status != recommendation.ExpectedFrom || task.Status == recommendation.To)
            {
                continue;
            }

            Transition(task, recommendation.To);
        }
    }

    /// <summary>Moves a task through one table entry and logs it.</summary>
    private void Transition(SchedulerTask task, TaskStatus to)
    {
        TaskStatus from = task.Status;
        Action<SchedulerTask> entry = _table[(int)from, (int)to]
            ?? throw new InvalidTransitionException(task.Key, from, to, FormatStory(task.Key));

        // Logged before the entry runs, so that a story taken inside it (an error's) ends with this transition.
        _log.Add(task.Key, from, to, _stimulus, task.Holder >= 0 ? task.Holder : task.ProcessingOn);
        entry(task);
        task.Status = to;
    }

    /// <summary>Recommends the next state of a task nobody needs any more.</summary>
    private void CheckRelease(SchedulerTask task)
    {
        if (task.Needed)
        {
            return;
        }

        switch (task.Status)
        {
            case TaskStatus.Waiting:
            case TaskStatus.Processing:
            case TaskStatus.Memory:
            case TaskStatus.Erred:
                Recommend(task, TaskStatus.Released);
                break;
            case TaskStatus.Released:
                Recommend(task, TaskStatus.Forgotten);
                break;
        }
    }

    /// <summary>Registers a task entering Waiting with its dependencies.</summary>
    private void FromReleasedToWaiting(SchedulerTask task)
    {
        task.Generation++;
        task.Failure = null;
        ReadOnlySpan<Graph.TaskKey> keys = task.Spec!.Dependencies;
        if (task.Dependencies.Length != keys.Length)
        {
            var dependencies = new SchedulerTask[keys.Length];
            for (int i = 0; i < keys.Length; i++)
            {
                // Submission checked that every dependency exists; a miss here is a bug, not bad input.
                dependencies[i] = _tasks[keys[i]];
            }

            task.Dependencies = dependencies;
        }

        task.WaitingOn = 0;
        FailureInfo? failed = null;
        foreach (SchedulerTask dependency in task.Dependencies)
        {
            dependency.Waiters++;
            switch (dependency.Status)
            {
                case TaskStatus.Memory:
                    continue;
                case TaskStatus.Erred:
                    failed ??= dependency.Failure;
                    break;
                case TaskStatus.Released:
                    Recommend(dependency, TaskStatus.Waiting);
                    break;
            }

            task.WaitingOn++;
            (dependency.WaitingDependents ??= []).Add(new WaitingDependent(task, task.Generation));
        }

        if (failed is not null)
        {
            task.Failure = failed;
            _recommendations.Enqueue(new Recommendation(task, TaskStatus.Waiting, TaskStatus.Erred));
        }
        else if (task.WaitingOn == 0)
        {
            _recommendations.Enqueue(new Recommendation(task, TaskStatus.Waiting, TaskStatus.Processing));
        }
    }

    private void FromReleasedToExternal(SchedulerTask task)
    {
        task.Generation++;
    }

    private void FromReleasedToErred(SchedulerTask task)
    {
        TakeStoryIfOrigin(task);
        NotifyErred(task);
        CheckReleaseAfter(task, TaskStatus.Erred);
    }

    private void FromReleasedToForgotten(SchedulerTask task)
    {
        _tasks.Remove(task.Key);
        task.Dependencies = [];
        task.WaitingDependents = null;
        task.Failure = null;
    }

    private void FromWaitingToProcessing(SchedulerTask task)
    {
        int worker = DecideWorker(task);
        task.ProcessingOn = worker;
        _processingCount[worker]++;
        ComputeTask compute = ComputeTask.Rent();
        compute.Key = task.Key;
        compute.Spec = task.Spec;
        compute.Priority = task.Priority;
        foreach (SchedulerTask dependency in task.Dependencies)
        {
            compute.Holders.Add(_workers[dependency.Holder]);
        }

        // Decided at each dispatch: a task computed again (released, then wanted anew) pushes only if asked again.
        task.PushDispatched = task.PushToClient && task.ClientRefs > 0;
        if (task.PushDispatched)
        {
            compute.PushTo = _client;
        }

        Send(_workers[worker], compute);
    }

    private void FromWaitingToReleased(SchedulerTask task)
    {
        LeaveActive(task);
        task.WaitingOn = 0;
        CheckReleaseAfter(task, TaskStatus.Released);
    }

    private void FromWaitingToErred(SchedulerTask task)
    {
        LeaveActive(task);
        task.WaitingOn = 0;
        EnterErred(task);
    }

    private void FromExternalToMemory(SchedulerTask task)
    {
        // The handler set Holder and Nbytes from the arrival.
        EnterMemory(task);
    }

    private void FromExternalToErred(SchedulerTask task) => EnterErred(task);

    private void FromProcessingToMemory(SchedulerTask task)
    {
        // The handler checked the sender and set Nbytes.
        int worker = task.ProcessingOn;
        _processingCount[worker]--;
        task.ProcessingOn = -1;
        task.Holder = worker;
        LeaveActive(task);
        EnterMemory(task);
    }

    private void FromProcessingToErred(SchedulerTask task)
    {
        _processingCount[task.ProcessingOn]--;
        task.ProcessingOn = -1;
        LeaveActive(task);
        EnterErred(task);
    }

    private void FromProcessingToReleased(SchedulerTask task)
    {
        // The worker cancels the task, or drops its value if it already finished.
        QueueFree(task.ProcessingOn, task.Key);
        _processingCount[task.ProcessingOn]--;
        task.ProcessingOn = -1;
        LeaveActive(task);
        CheckReleaseAfter(task, TaskStatus.Released);
    }

    private void FromMemoryToReleased(SchedulerTask task)
    {
        if (task.Held)
        {
            Unhold(task);
        }

        QueueFree(task.Holder, task.Key);
        task.Holder = -1;
        task.Nbytes = 0;
        CheckReleaseAfter(task, TaskStatus.Released);
    }

    private void FromErredToReleased(SchedulerTask task)
    {
        task.Failure = null;
        CheckReleaseAfter(task, TaskStatus.Released);
    }

    /// <summary>Deregisters a task leaving Waiting or Processing from its dependencies.</summary>
    private void LeaveActive(SchedulerTask task)
    {
        task.Generation++;
        foreach (SchedulerTask dependency in task.Dependencies)
        {
            dependency.Waiters--;
            CheckRelease(dependency);
        }

        // Dependencies are only needed while active; dropping them lets finished chains be collected.
        task.Dependencies = [];
    }

    private void EnterMemory(SchedulerTask task)
    {
        WakeDependents(task);
        if (task.ClientRefs > 0)
        {
            KeyInMemory notice = KeyInMemory.Rent();
            notice.Key = task.Key;
            notice.Holder = _workers[task.Holder];
            notice.Nbytes = task.Nbytes;
            notice.Pushed = task.PushDispatched;
            Send(_client, notice);
        }

        CheckReleaseAfter(task, TaskStatus.Memory);
    }

    private void WakeDependents(SchedulerTask task)
    {
        if (task.WaitingDependents is not { } dependents)
        {
            return;
        }

        foreach (WaitingDependent entry in dependents)
        {
            SchedulerTask dependent = entry.Task;
            if (dependent.Generation != entry.Generation || dependent.Status != TaskStatus.Waiting)
            {
                continue;
            }

            if (--dependent.WaitingOn == 0 && dependent.Failure is null)
            {
                Recommend(dependent, TaskStatus.Processing);
            }
        }

        dependents.Clear();
    }

    private void EnterErred(SchedulerTask task)
    {
        TakeStoryIfOrigin(task);
        FailureInfo failure = task.Failure!;
        if (task.WaitingDependents is { } dependents)
        {
            foreach (WaitingDependent entry in dependents)
            {
                SchedulerTask dependent = entry.Task;
                if (dependent.Generation == entry.Generation && dependent.Status == TaskStatus.Waiting)
                {
                    RecommendErred(dependent, failure);
                }
            }

            dependents.Clear();
        }

        NotifyErred(task);
        CheckReleaseAfter(task, TaskStatus.Erred);
    }

    private void TakeStoryIfOrigin(SchedulerTask task)
    {
        if (task.Failure is { } failure && failure.Key == task.Key && failure.Story.Length == 0)
        {
            failure.Story = FormatStory(task.Key);
        }
    }

    private void NotifyErred(SchedulerTask task)
    {
        if (task.ClientRefs == 0)
        {
            return;
        }

        FailureInfo failure = task.Failure!;
        KeyErred notice = KeyErred.Rent();
        notice.Key = task.Key;
        notice.CauseKey = failure.Key;
        notice.Error = failure.Error;
        notice.Story = failure.Story;
        Send(_client, notice);
    }

    /// <summary>Like <see cref="CheckRelease"/>, for the state a transition is about to enter.</summary>
    private void CheckReleaseAfter(SchedulerTask task, TaskStatus entering)
    {
        if (task.Needed)
        {
            return;
        }

        TaskStatus next = entering == TaskStatus.Released ? TaskStatus.Forgotten : TaskStatus.Released;
        _recommendations.Enqueue(new Recommendation(task, entering, next));
    }

    private int DecideWorker(SchedulerTask task)
    {
        int workers = _workers.Length;
        if (workers == 1)
        {
            return 0;
        }

        if (task.Dependencies.Length == 0)
        {
            // No data to follow: the least busy worker, scanning from a rotating start so ties spread out.
            int best = _nextRootWorker;
            for (int i = 1; i < workers; i++)
            {
                int candidate = (_nextRootWorker + i) % workers;
                if (_processingCount[candidate] < _processingCount[best])
                {
                    best = candidate;
                }
            }

            _nextRootWorker = (best + 1) % workers;
            return best;
        }

        // Follow the data: the worker already holding the most bytes of the dependencies, then the least busy.
        foreach (SchedulerTask dependency in task.Dependencies)
        {
            _dependencyBytes[dependency.Holder] += Math.Max(1, dependency.Nbytes);
        }

        int chosen = -1;
        foreach (SchedulerTask dependency in task.Dependencies)
        {
            int candidate = dependency.Holder;
            if (chosen < 0 || _dependencyBytes[candidate] > _dependencyBytes[chosen] ||
                (_dependencyBytes[candidate] == _dependencyBytes[chosen] && _processingCount[candidate] < _processingCount[chosen]))
            {
                chosen = candidate;
            }
        }

        foreach (SchedulerTask dependency in task.Dependencies)
        {
            _dependencyBytes[dependency.Holder] = 0;
        }

        return chosen;
    }
}
