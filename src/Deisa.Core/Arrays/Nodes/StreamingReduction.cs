using Deisa.Core.Graph;

namespace Deisa.Core.Arrays.Nodes;

/// <summary>
/// A reduction over time built a time chunk at a time: each output chunk's <see cref="CombineTree"/> takes the
/// partials of every input time chunk the window reaches, and is closed when the input ends.
/// </summary>
/// <remarks>Holds one tree per output chunk (the spatial chunks kept) and, in each, fewer than eight keys per level.</remarks>
internal sealed class StreamingReduction : ITimeWalker
{
    private readonly Dictionary<string, (int[] OutChunk, CombineTree Tree)> _trees = new(StringComparer.Ordinal);

    public StreamingReduction(ReduceNode node)
    {
        Node = node;
        foreach (int[] outChunk in node.Array.ChunkIndices())
        {
            _trees.Add(string.Join(",", outChunk), (outChunk, node.NewTree(outChunk)));
        }
    }

    public ReduceNode Node { get; }

    /// <inheritdoc/>
    public DeisaArray Input => Node.Inputs[0];

    /// <summary>Gets the next input time chunk to take.</summary>
    public int Cursor { get; private set; }

    /// <summary>Gets whether every input time chunk was taken and the trees closed.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>Gets the final keys, once complete.</summary>
    public IEnumerable<TaskKey> Results => _trees.Values.Where(t => t.Tree.Result is not null).Select(t => t.Tree.Result!.Value);

    /// <summary>Gets the partials and combines waiting for later ones: they must stay alive.</summary>
    public IEnumerable<TaskKey> Pending => _trees.Values.SelectMany(t => t.Tree.Pending);

    /// <summary>Takes the input time chunks whose simulation steps end by <paramref name="horizon"/>, and closes the trees after the last.</summary>
    /// <param name="horizon">The steps that may be materialised: [0, horizon).</param>
    /// <param name="sink">Where the tasks go.</param>
    public void Advance(long horizon, GraphSink sink)
    {
        DeisaArray input = Node.Inputs[0];
        int count = Node.InputTimeCount;
        while (Cursor < count && input.Node.SourceEnd(Cursor) <= horizon)
        {
            foreach ((int[] outChunk, CombineTree tree) in _trees.Values)
            {
                Node.AddStep(tree, outChunk, Cursor, sink);
            }

            Cursor++;
        }

        if (Cursor == count && !IsComplete && count > 0)
        {
            foreach ((_, CombineTree tree) in _trees.Values)
            {
                tree.Close(sink);
            }

            IsComplete = true;
        }
    }

    /// <summary>Gets the final key of an output chunk.</summary>
    /// <exception cref="InvalidOperationException">The reduction is not complete.</exception>
    public TaskKey ResultOf(ReadOnlySpan<int> outChunk) =>
        IsComplete && _trees.TryGetValue(string.Join(",", outChunk.ToArray()), out (int[] OutChunk, CombineTree Tree) entry) && entry.Tree.Result is { } key
            ? key
            : throw new InvalidOperationException($"{Node.Array} was asked for before its input ended: a bug in Deisa's window driver.");
}
