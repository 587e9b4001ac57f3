using System.Collections;
using Deisa.Core.Errors;

namespace Deisa.Core.Graph;

/// <summary>A set of tasks by key, built by the client before submission.</summary>
/// <remarks>
/// Adding a key twice with the same task is allowed; with another task it is an error. Dependencies may point
/// outside the graph, to keys the scheduler already knows (external keys, persisted results); the scheduler checks
/// them, and cycles, when the graph is submitted. Not thread-safe.
/// </remarks>
public sealed class TaskGraph : IReadOnlyCollection<KeyValuePair<TaskKey, TaskSpec>>
{
    private readonly Dictionary<TaskKey, TaskSpec> _tasks;
    private readonly List<TaskKey> _order;

    /// <summary>Creates an empty graph.</summary>
    /// <param name="capacity">The expected number of tasks.</param>
    public TaskGraph(int capacity = 0)
    {
        _tasks = new Dictionary<TaskKey, TaskSpec>(capacity);
        _order = new List<TaskKey>(capacity);
    }

    /// <summary>Gets the number of tasks.</summary>
    public int Count => _tasks.Count;

    /// <summary>Gets the keys in the order they were added.</summary>
    public IReadOnlyList<TaskKey> Keys => _order;

    /// <summary>Gets the task of a key.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The task.</returns>
    /// <exception cref="KeyNotFoundException">The key is not in the graph.</exception>
    public TaskSpec this[TaskKey key] => _tasks.TryGetValue(key, out TaskSpec? spec)
        ? spec
        : throw new KeyNotFoundException($"The key {key} is not in this graph.");

    /// <summary>Adds a task.</summary>
    /// <param name="key">Its key.</param>
    /// <param name="spec">What it computes.</param>
    /// <returns>The key, for chaining into other tasks' arguments.</returns>
    /// <exception cref="DuplicateKeyException">The key is already in the graph with another task.</exception>
    public TaskKey Add(TaskKey key, TaskSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (key.IsEmpty)
        {
            throw new ArgumentException("A task needs a key.", nameof(key));
        }

        if (_tasks.TryGetValue(key, out TaskSpec? existing))
        {
            if (!existing.Equals(spec))
            {
                throw new DuplicateKeyException(key, existing.ToString(), spec.ToString());
            }

            return key;
        }

        _tasks.Add(key, spec);
        _order.Add(key);
        return key;
    }

    /// <summary>Gets whether the graph has a task for <paramref name="key"/>.</summary>
    /// <param name="key">The key.</param>
    /// <returns>Whether it is in the graph.</returns>
    public bool ContainsKey(TaskKey key) => _tasks.ContainsKey(key);

    /// <summary>Tries to get the task of a key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="spec">The task, when found.</param>
    /// <returns>Whether it was found.</returns>
    public bool TryGetSpec(TaskKey key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TaskSpec? spec) =>
        _tasks.TryGetValue(key, out spec);

    /// <summary>Keeps only the tasks that <paramref name="outputs"/> need, directly or not.</summary>
    /// <param name="outputs">The keys wanted; those not in the graph are ignored.</param>
    /// <returns>A new graph, in this graph's order.</returns>
    public TaskGraph Cull(IEnumerable<TaskKey> outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        var needed = new HashSet<TaskKey>();
        var stack = new Stack<TaskKey>();
        foreach (TaskKey key in outputs)
        {
            if (_tasks.ContainsKey(key) && needed.Add(key))
            {
                stack.Push(key);
            }
        }

        while (stack.Count > 0)
        {
            foreach (TaskKey dependency in _tasks[stack.Pop()].Dependencies)
            {
                if (_tasks.ContainsKey(dependency) && needed.Add(dependency))
                {
                    stack.Push(dependency);
                }
            }
        }

        var culled = new TaskGraph(needed.Count);
        foreach (TaskKey key in _order)
        {
            if (needed.Contains(key))
            {
                culled.Add(key, _tasks[key]);
            }
        }

        return culled;
    }

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<TaskKey, TaskSpec>> GetEnumerator()
    {
        foreach (TaskKey key in _order)
        {
            yield return new KeyValuePair<TaskKey, TaskSpec>(key, _tasks[key]);
        }
    }

    /// <inheritdoc/>
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
