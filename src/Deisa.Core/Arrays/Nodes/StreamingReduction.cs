using Deisa.Core.Errors;
using Deisa.Core.Graph;

namespace Deisa.Core.Arrays.Nodes;

/// <summary>
/// A reduction over time built a time chunk at a time: each output chunk's <see cref="CombineTree"/> takes the
/// partials of every input time chunk the window reaches, and is closed when the input ends.
/// </summary>
/// <remarks>
/// <para>Holds one tree per output chunk (the spatial chunks kept) and, in each, fewer than eight keys per level.</para>
/// <para>Over an open-ended run, the partials of a time chunk are built as the window reaches it, like the chunks of
/// any array, but enter the trees only once every step it reads is known to be there: a partial in a combine cannot
/// be taken back, and a step past the run's end never comes. Until then they wait, held (the window's steps, at
/// most). When the run ended, those past its end are let go and the trees close over the steps there were.</para>
/// </remarks>
internal sealed class StreamingReduction : ITimeWalker
{
    private readonly List<(int[] OutChunk, CombineTree Tree)> _trees = [];
    private readonly Dictionary<string, int> _treeOf = new(StringComparer.Ordinal);
    private readonly Queue<(int Time, List<TaskKey>[] Partials)> _staged = new();
    private int _combined;
    private bool _empty;

    public StreamingReduction(ReduceNode node)
    {
        Node = node;
        foreach (int[] outChunk in node.Array.ChunkIndices())
        {
            _treeOf.Add(string.Join(",", outChunk), _trees.Count);
            _trees.Add((outChunk, node.NewTree(outChunk)));
        }
    }

    public ReduceNode Node { get; }

    /// <inheritdoc/>
    public DeisaArray Input => Node.Inputs[0];

    /// <summary>Gets the next input time chunk to take.</summary>
    public int Cursor { get; private set; }

    /// <summary>Gets whether every input time chunk was taken and the trees closed.</summary>
    public bool IsComplete { get; private set; }

    /// <inheritdoc/>
    public Exception? Failure { get; private set; }

    /// <summary>Gets the final keys, once complete.</summary>
    public IEnumerable<TaskKey> Results => _empty
        ? (Failure is null ? _trees.Select(t => Node.KeyOf(t.OutChunk)) : [])
        : _trees.Where(t => t.Tree.Result is not null).Select(t => t.Tree.Result!.Value);

    /// <summary>Gets the partials and combines waiting for later ones, and partials waiting to enter the trees: they must stay alive.</summary>
    public IEnumerable<TaskKey> Pending => _trees.SelectMany(t => t.Tree.Pending).Concat(_staged.SelectMany(s => s.Partials.SelectMany(p => p)));

    /// <summary>Takes the input time chunks whose simulation steps end within the limit's horizon, and closes the trees after the last.</summary>
    /// <param name="limit">How far the input may be read, and whether its run ended.</param>
    /// <param name="sink">Where the tasks go.</param>
    public void Advance(TimeLimit limit, GraphSink sink)
    {
        DeisaArray input = Node.Inputs[0];
        int count = input.Axes[input.TimeAxis].Count;
        bool open = Node.OverOpenTime;
        while (Cursor < count && input.Node.SourceEnd(Cursor) <= limit.Horizon)
        {
            if (open)
            {
                _staged.Enqueue((Cursor, [.. _trees.Select(t => Node.EmitPartials(t.OutChunk, Cursor, sink))]));
            }
            else
            {
                foreach ((int[] outChunk, CombineTree tree) in _trees)
                {
                    Node.AddStep(tree, outChunk, Cursor, sink);
                }
            }

            Cursor++;
        }

        // In time order, the staged partials of the steps known to be there go into the trees.
        while (_staged.TryPeek(out (int Time, List<TaskKey>[] Partials) next) && limit.Exists(input, next.Time))
        {
            _staged.Dequeue();
            for (int i = 0; i < _trees.Count; i++)
            {
                foreach (TaskKey partial in next.Partials[i])
                {
                    _trees[i].Tree.Add(partial, sink);
                }
            }

            _combined++;
        }

        if (!open)
        {
            if (!IsComplete && count > 0 && Cursor == count)
            {
                Close(sink);
            }

            return;
        }

        if (IsComplete || !limit.Ended || !limit.IsDone(input, Cursor, count) || (_staged.TryPeek(out (int Time, List<TaskKey>[] Partials) left) && limit.Exists(input, left.Time)))
        {
            return;
        }

        // The run ended: what is still staged is past its end.
        _staged.Clear();
        Node.EndedInputCount = _combined;
        if (_combined == 0)
        {
            // An open run that ended before any step this reduction reads: the identity, or no value at all.
            _empty = true;
            foreach ((int[] outChunk, _) in _trees)
            {
                if (Node.EmitEmpty(outChunk, sink) is { } why)
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
    /// <exception cref="InvalidOperationException">The reduction is not complete.</exception>
    public TaskKey ResultOf(ReadOnlySpan<int> outChunk)
    {
        if (IsComplete && _treeOf.TryGetValue(string.Join(",", outChunk.ToArray()), out int at))
        {
            if (_empty && Failure is null)
            {
                return Node.KeyOf(_trees[at].OutChunk);
            }

            if (_trees[at].Tree.Result is { } key)
            {
                return key;
            }
        }

        throw new InvalidOperationException($"{Node.Array} was asked for before its input ended: a bug in Deisa's window driver.");
    }

    private void Close(GraphSink sink)
    {
        foreach ((_, CombineTree tree) in _trees)
        {
            tree.Close(sink);
        }

        IsComplete = true;
    }
}
