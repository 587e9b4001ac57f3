using Deisa.Core.Errors;
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
/// <para>Over an open-ended run, the partials of a time chunk are built as the window reaches it, like the chunks of
/// any array, but enter the trees only once every step it reads is known to be there: a partial in a combine cannot
/// be taken back, and a step past the run's end never comes. Until then they wait, held (the window's steps, at
/// most). When the run ended, those past its end are let go and the trees close over the steps there were.</para>
/// </remarks>
internal sealed class StreamingReduction : ITimeWalker
{
    private readonly List<Tree> _trees = [];
    private readonly Dictionary<string, Tree> _treeOf = new(StringComparer.Ordinal);

    // The input time chunks the window reached: every tree takes them, a tree wanted late from the first.
    private int _reached;
    private bool _empty;

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
            foreach (Tree tree in _trees)
            {
                cursor = Math.Min(cursor, tree.Taken);
            }

            return cursor;
        }
    }

    /// <summary>Gets whether every tree took every input time chunk and was closed.</summary>
    public bool IsComplete { get; private set; }

    /// <inheritdoc/>
    public Exception? Failure { get; private set; }

    /// <summary>Gets the final keys, once complete.</summary>
    public IEnumerable<TaskKey> Results => _empty
        ? (Failure is null ? _trees.Select(t => Node.KeyOf(t.OutChunk)) : [])
        : _trees.Where(t => t.Combine.Result is not null).Select(t => t.Combine.Result!.Value);

    /// <summary>Gets the partials and combines waiting for later ones, and partials waiting to enter the trees: they must stay alive.</summary>
    public IEnumerable<TaskKey> Pending => _trees.SelectMany(t => t.Combine.Pending.Concat(t.Staged.SelectMany(s => s.Partials)));

    /// <summary>Adds the trees of the output chunks of <paramref name="region"/> not built yet: a reader reads them.</summary>
    /// <param name="region">Output chunks of the reduction.</param>
    public void Want(Region region)
    {
        int[][] along = [.. region.Dims.Select((chunks, d) => chunks.Enumerate(Node.Array.Axes[d].Count).ToArray())];
        foreach (int[] position in DeisaArray.ChunkIndices([.. along.Select(a => a.Length)]))
        {
            int[] chunk = [.. position.Select((i, d) => along[d][i])];
            string id = string.Join(",", chunk);
            if (!_treeOf.ContainsKey(id))
            {
                var tree = new Tree(chunk, Node.NewTree(chunk));
                _trees.Add(tree);
                _treeOf.Add(id, tree);
                IsComplete = false;
            }
        }
    }

    /// <summary>Takes the input time chunks whose simulation steps end within the limit's horizon, and closes the trees after the last.</summary>
    /// <param name="limit">How far the input may be read, and whether its run ended.</param>
    /// <param name="sink">Where the tasks go.</param>
    public void Advance(TimeLimit limit, GraphSink sink)
    {
        DeisaArray input = Node.Inputs[0];
        int count = input.Axes[input.TimeAxis].Count;
        bool open = Node.OverOpenTime;
        while (_reached < count && input.Node.SourceEnd(_reached) <= limit.Horizon)
        {
            _reached++;
        }

        // Time chunk by time chunk, so that the earliest steps' tasks come first; a tree wanted late catches up.
        for (int time = Cursor; time < _reached; time++)
        {
            foreach (Tree tree in _trees)
            {
                if (tree.Taken != time)
                {
                    continue;
                }

                if (open)
                {
                    tree.Staged.Enqueue((time, Node.EmitPartials(tree.OutChunk, time, sink)));
                }
                else
                {
                    Node.AddStep(tree.Combine, tree.OutChunk, time, sink);
                }

                tree.Taken++;
            }
        }

        if (!open)
        {
            if (!IsComplete && count > 0 && _reached == count && Cursor == count)
            {
                Close(sink);
            }

            return;
        }

        // In time order, the staged partials of the steps known to be there go into the trees.
        foreach (Tree tree in _trees)
        {
            while (tree.Staged.TryPeek(out (int Time, List<TaskKey> Partials) next) && limit.Exists(input, next.Time))
            {
                tree.Staged.Dequeue();
                foreach (TaskKey partial in next.Partials)
                {
                    tree.Combine.Add(partial, sink);
                }

                tree.Combined++;
            }
        }

        int cursor = Cursor;
        if (IsComplete || _trees.Count == 0 || !limit.Ended || !limit.IsDone(input, cursor, count)
            || _trees.Any(t => t.Staged.TryPeek(out (int Time, List<TaskKey> Partials) left) && limit.Exists(input, left.Time)))
        {
            return;
        }

        // The run ended: what is still staged is past its end. Every tree took the same steps by now.
        int combined = _trees.Max(t => t.Combined);
        foreach (Tree tree in _trees)
        {
            tree.Staged.Clear();
        }

        Node.EndedInputCount = combined;
        if (combined == 0)
        {
            // An open run that ended before any step this reduction reads: the identity, or no value at all.
            _empty = true;
            foreach (Tree tree in _trees)
            {
                if (Node.EmitEmpty(tree.OutChunk, sink) is { } why)
                {
                    Failure = new DeisaException($"{Node.Array} has no value: {why}.");
                    break;
                }
            }

            IsComplete = true;
            return;
        }

        Close(sink);
    }

    /// <summary>Gets the final key of an output chunk.</summary>
    /// <exception cref="InvalidOperationException">The reduction is not complete, or no reader said it reads that chunk.</exception>
    public TaskKey ResultOf(ReadOnlySpan<int> outChunk)
    {
        if (IsComplete && _treeOf.TryGetValue(string.Join(",", outChunk.ToArray()), out Tree? tree))
        {
            if (_empty && Failure is null)
            {
                return Node.KeyOf(tree.OutChunk);
            }

            if (tree.Combine.Result is { } key)
            {
                return key;
            }
        }

        throw new InvalidOperationException($"{Node.Array} was asked for chunk ({string.Join(", ", outChunk.ToArray())}) before its input ended, or without a reader wanting it: a bug in Deisa's window driver.");
    }

    private void Close(GraphSink sink)
    {
        foreach (Tree tree in _trees)
        {
            tree.Combine.Close(sink);
        }

        IsComplete = true;
    }

    /// <summary>One output chunk's tree, the input time chunks it took, and (over an open run) the partials waiting to enter it.</summary>
    private sealed class Tree(int[] outChunk, CombineTree combine)
    {
        public int[] OutChunk { get; } = outChunk;

        public CombineTree Combine { get; } = combine;

        public int Taken { get; set; }

        public int Combined { get; set; }

        public Queue<(int Time, List<TaskKey> Partials)> Staged { get; } = new();
    }
}
