using Deisa.Core.Graph;

namespace Deisa.Core.Scheduling;

/// <content>Invariant checks across the scheduler's structures.</content>
public sealed partial class SchedulerState
{
    /// <summary>Checks every invariant across tasks, dependencies, reference counts and workers.</summary>
    /// <remarks>O(tasks + edges): meant for tests, which call it after every message.</remarks>
    /// <exception cref="InvalidOperationException">An invariant does not hold; the message names the key and the story.</exception>
    public void Validate()
    {
        var activeWaiters = new Dictionary<SchedulerTask, int>();
        int[] processing = new int[_workers.Length];
        foreach ((TaskKey key, SchedulerTask task) in _tasks)
        {
            Check(task, task.Key == key, "is filed under another key");
            Check(task, task.Status != TaskStatus.Forgotten, "is forgotten but still known");
            Check(task, task.IsExternal == (task.Spec is null), "has an inconsistent external flag");
            Check(task, task.ClientRefs >= 0 && task.Waiters >= 0, "has a negative reference count");
            Check(task, (task.Status == TaskStatus.Memory) == (task.Holder >= 0), $"has holder {task.Holder} in state {task.Status}");
            Check(task, (task.Status == TaskStatus.Processing) == (task.ProcessingOn >= 0), $"runs on {task.ProcessingOn} in state {task.Status}");
            Check(task, (task.Status == TaskStatus.Erred) == (task.Failure is not null) || task.Status == TaskStatus.Waiting, $"has failure {task.Failure} in state {task.Status}");
            Check(task, !task.IsExternal || task.Status is TaskStatus.External or TaskStatus.Memory or TaskStatus.Erred or TaskStatus.Released, $"is external but in state {task.Status}");
            Check(task, task.Status != TaskStatus.Released || task.Needed, "is released, unwanted, and not forgotten");
            Check(task, task.Status != TaskStatus.Memory || task.Needed, "is in memory but nobody wants it");
            Check(task, !task.Held || (task.IsExternal && task.Status == TaskStatus.Memory), "is held by the contract but is not an external key in memory");

            bool active = task.Status is TaskStatus.Waiting or TaskStatus.Processing;
            Check(task, active || task.Dependencies.Length == 0, $"keeps dependency links in state {task.Status}");
            if (task.Status == TaskStatus.Processing)
            {
                processing[task.ProcessingOn]++;
            }

            if (!active)
            {
                continue;
            }

            int notInMemory = 0;
            foreach (SchedulerTask dependency in task.Dependencies)
            {
                Check(task, _tasks.TryGetValue(dependency.Key, out SchedulerTask? known) && ReferenceEquals(known, dependency), $"depends on {dependency.Key}, which is not known");
                activeWaiters[dependency] = activeWaiters.GetValueOrDefault(dependency) + 1;
                if (dependency.Status != TaskStatus.Memory)
                {
                    notInMemory++;
                    Check(task, task.Status == TaskStatus.Waiting, $"is processing while {dependency.Key} is {dependency.Status}");
                    bool registered = false;
                    foreach (WaitingDependent entry in dependency.WaitingDependents ?? [])
                    {
                        registered |= ReferenceEquals(entry.Task, task) && entry.Generation == task.Generation;
                    }

                    Check(task, registered, $"is not registered to be woken by {dependency.Key}");
                }
            }

            if (task.Status == TaskStatus.Waiting)
            {
                Check(task, task.WaitingOn == notInMemory, $"waits on {task.WaitingOn} dependencies but {notInMemory} are not in memory");
                Check(task, notInMemory > 0 || task.Failure is not null, "waits although all its dependencies are in memory");
            }
        }

        foreach (SchedulerTask task in _tasks.Values)
        {
            Check(task, task.Waiters == activeWaiters.GetValueOrDefault(task), $"counts {task.Waiters} waiters but {activeWaiters.GetValueOrDefault(task)} active dependents need it");
        }

        for (int i = 0; i < _workers.Length; i++)
        {
            if (processing[i] != _processingCount[i])
            {
                throw new InvalidOperationException($"Worker {i} counts {_processingCount[i]} processing tasks but {processing[i]} are assigned to it.");
            }
        }
    }

    private void Check(SchedulerTask task, bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"Invariant broken: {task.Key} ({task.Status}) {what}.{Environment.NewLine}{FormatStory(task.Key)}");
        }
    }
}
