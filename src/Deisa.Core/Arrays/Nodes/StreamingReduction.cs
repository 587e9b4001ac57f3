using Deisa.Core.Graph;

namespace Deisa.Core.Arrays.Nodes;

/// <summary>
/// A reduction over time built a time chunk at a time: the <see cref="CombineTree"/> of each output chunk a reader
/// reads takes the partials of every input time chunk the window reaches, and is closed when the input ends.
/// </summary>
/// <remarks>
/// <para>Only the output chunks read have a tree (<see cref="Want"/>): another's partials would read blocks that no
/// reader needs, which the contract, derived from what the readers read, does not ask for.</para>
/// <para>Holds one tree per output chunk read and, in each, fewer than eight keys per level.</para>
/// </remarks>
internal sealed class StreamingReduction : ITimeWalker
{
    private readonly Dictionary<string, Tree> _trees = new(StringComparer.Ordinal);

    // The input time chunks the window reached: every tree takes them, a tree wanted late from the first.
    private int _reached;

    public StreamingReduction(ReduceNode node)
    {
        Node = node;
    }

    public ReduceNode Node { get; }

    /// <inheritdoc/>
    public DeisaArray Input => Node.Inputs[0];

    /// <summary>Gets the next input time chunk a tree takes: what must stay readable of the input.</summary>
    public int Cursor
    {
        get
        {
            int cursor = _reached;
            foreach (Tree tree in _trees.Values)
            {
                cursor = Math.Min(cursor, tree.Taken);
            }

            return cursor;
        }
    }

    /// <summary>Gets whether every tree took every input time chunk and was closed.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>Gets the final keys, once complete.</summary>
    public IEnumerable<TaskKey> Results => _trees.Values.Where(t => t.Combine.Result is not null).Select(t => t.Combine.Result!.Value);

    /// <summary>Gets the partials and combines waiting for later ones: they must stay alive.</summary>
    public IEnumerable<TaskKey> Pending => _trees.Values.SelectMany(t => t.Combine.Pending);

    /// <summary>Adds the trees of the output chunks of <paramref name="region"/> not built yet: a reader reads them.</summary>
    /// <param name="region">Output chunks of the reduction.</param>
    public void Want(Region region)
    {
        int[][] along = [.. region.Dims.Select((chunks, d) => chunks.Enumerate(Node.Array.Axes[d].Count).ToArray())];
        foreach (int[] position in DeisaArray.ChunkIndices([.. along.Select(a => a.Length)]))
        {
            int[] chunk = [.. position.Select((i, d) => along[d][i])];
            string id = string.Join(",", chunk);
            if (!_trees.ContainsKey(id))
            {
                _trees.Add(id, new Tree(chunk, Node.NewTree(chunk)));
                IsComplete = false;
            }
        }
    }

    /// <summary>Takes the input time chunks whose simulation steps end by <paramref name="horizon"/>, and closes the trees after the last.</summary>
    /// <param name="horizon">The steps that may be materialised: [0, horizon).</param>
    /// <param name="sink">Where the tasks go.</param>
    public void Advance(long horizon, GraphSink sink)
    {
        DeisaArray input = Node.Inputs[0];
        int count = Node.InputTimeCount;
        while (_reached < count && input.Node.SourceEnd(_reached) <= horizon)
        {
            _reached++;
        }

        // Time chunk by time chunk, so that the earliest steps' tasks come first; a tree wanted late catches up.
        for (int time = Cursor; time < _reached; time++)
        {
            foreach (Tree tree in _trees.Values)
            {
                if (tree.Taken == time)
                {
                    Node.AddStep(tree.Combine, tree.OutChunk, time, sink);
                    tree.Taken++;
                }
            }
        }

        if (_reached == count && !IsComplete && count > 0)
        {
            foreach (Tree tree in _trees.Values)
            {
                tree.Combine.Close(sink);
            }

            IsComplete = true;
        }
    }

    /// <summary>Gets the final key of an output chunk.</summary>
    /// <exception cref="InvalidOperationException">The reduction is not complete, or no reader said it reads that chunk.</exception>
    public TaskKey ResultOf(ReadOnlySpan<int> outChunk) =>
        IsComplete && _trees.TryGetValue(string.Join(",", outChunk.ToArray()), out Tree? tree) && tree.Combine.Result is { } key
            ? key
            : throw new InvalidOperationException($"{Node.Array} was asked for chunk ({string.Join(", ", outChunk.ToArray())}) before its input ended, or without a reader wanting it: a bug in Deisa's window driver.");

    /// <summary>One output chunk's tree, and the input time chunks it took.</summary>
    private sealed class Tree(int[] outChunk, CombineTree combine)
    {
        public int[] OutChunk { get; } = outChunk;

        public CombineTree Combine { get; } = combine;

        public int Taken { get; set; }
    }
}
