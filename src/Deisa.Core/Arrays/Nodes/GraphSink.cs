using Deisa.Core.Graph;

namespace Deisa.Core.Arrays.Nodes;

/// <summary>
/// Collects the tasks of the chunks asked for, once each, with the external keys they read: one submission's graph.
/// </summary>
/// <remarks>
/// Records what each node asked of its inputs, by time chunk, so that a window driver can keep alive what the next
/// window will read again. Not thread-safe.
/// </remarks>
internal sealed class GraphSink
{
    private readonly HashSet<TaskKey> _done = [];
    private readonly Func<ArrayNode, int, TaskKey, bool>? _alive;
    private readonly Func<TaskKey, bool>? _readable;

    /// <summary>Creates a sink.</summary>
    /// <param name="alive">Says whether a key (of a node, at a time chunk, -1 without time) was emitted by an earlier submission and is still alive, so it is not emitted again; null for a first, whole submission.</param>
    /// <param name="streaming">The window driver's state of the reductions over time, or null when everything is emitted at once.</param>
    /// <param name="readable">Says whether the graph may read an external key; the first it may not stops the emission with <see cref="UnreadableExternalException"/>. Null for any.</param>
    public GraphSink(Func<ArrayNode, int, TaskKey, bool>? alive = null, IStreamingReductions? streaming = null, Func<TaskKey, bool>? readable = null)
    {
        _alive = alive;
        _readable = readable;
        Streaming = streaming;
    }

    /// <summary>Gets the tasks.</summary>
    public TaskGraph Tasks { get; } = new();

    /// <summary>Gets the external keys read: the simulation's blocks.</summary>
    public HashSet<TaskKey> Externals { get; } = [];

    /// <summary>Gets the chunks emitted, with their node, time chunk (-1 for a node without a time axis) and indices.</summary>
    public List<(ArrayNode Node, int Time, int[] Chunk, TaskKey Key)> Emitted { get; } = [];

    /// <summary>Gets the state of the reductions over time when a window driver emits, or null when everything is emitted at once.</summary>
    public IStreamingReductions? Streaming { get; }

    /// <summary>Gets the key of a chunk of <paramref name="array"/>, emitting its tasks first if they are not there yet.</summary>
    /// <param name="array">The array.</param>
    /// <param name="chunk">The chunk.</param>
    /// <returns>The chunk's key.</returns>
    public TaskKey Require(DeisaArray array, ReadOnlySpan<int> chunk)
    {
        while (array.Node.TryForward(chunk, out DeisaArray input, out int[] inputChunk))
        {
            array = input;
            chunk = inputChunk;
        }

        ArrayNode node = array.Node;
        TaskKey key = node.KeyOf(chunk);
        int time = array.TimeAxis >= 0 ? chunk[array.TimeAxis] : -1;
        if (_done.Add(key) && _alive?.Invoke(node, time, key) != true)
        {
            node.Emit(chunk, key, this);
            Emitted.Add((node, time, chunk.ToArray(), key));
        }

        return key;
    }

    /// <summary>Adds a task.</summary>
    public void AddTask(TaskKey key, TaskSpec spec) => Tasks.Add(key, spec);

    /// <summary>Adds an external key.</summary>
    public void AddExternal(TaskKey key)
    {
        if (_readable?.Invoke(key) == false)
        {
            // Out of the emission at the first block outside the set, however deep: the caller takes another road.
            throw new UnreadableExternalException();
        }

        Externals.Add(key);
    }
}

/// <summary>A graph read an external key its sink was told it may not read (<see cref="GraphSink"/>).</summary>
internal sealed class UnreadableExternalException : Exception
{
}
