using Deisa.Core.Graph;

namespace Deisa.Core.Arrays.Nodes;

/// <summary>A <see cref="TimeFold"/> walked a time chunk at a time: the chain's last state, or the tree's frontier of merges.</summary>
internal sealed class StreamingFold : ITimeWalker
{
    private readonly TimeFold _fold;

    // Chain: the state so far. Tree: per level, at most one result waiting for its pair, and how many pairs were merged.
    private TaskKey? _state;
    private readonly List<TaskKey?> _waiting = [];
    private readonly List<int> _pairs = [];
    private TaskKey? _result;

    public StreamingFold(TimeFold fold)
    {
        _fold = fold;
    }

    public DeisaArray Input => _fold.Array;

    public int Cursor { get; private set; }

    public bool IsComplete => _result is not null;

    public IEnumerable<TaskKey> Pending => _fold.IsChain
        ? (_state is { } state && _result is null ? [state] : [])
        : _waiting.Where(k => k is not null).Select(k => k!.Value);

    public IEnumerable<TaskKey> Results => _result is { } result ? [result] : [];

    /// <summary>Gets the final key, once complete.</summary>
    public TaskKey? Result => _result;

    public void Advance(long horizon, GraphSink sink)
    {
        DeisaArray array = _fold.Array;
        int count = array.TimeAxis >= 0 ? array.Axes[array.TimeAxis].Count : 0;
        while (Cursor < count && array.Node.SourceEnd(Cursor) <= horizon)
        {
            var chunks = new List<int[]>();
            var keys = new List<TaskKey>();
            foreach (int[] chunk in array.ChunksAt(Cursor))
            {
                chunks.Add(chunk);
                keys.Add(sink.Require(array, chunk));
            }

            var step = new FoldStep(Cursor, keys, chunks);
            if (_fold.IsChain)
            {
                TaskKey next = new($"{_fold.Name}-state", Cursor);
                sink.AddTask(next, _fold.Step!(step, _state is { } previous ? previous : TaskArg.Null));
                _state = next;
            }
            else
            {
                TaskKey leaf = new($"{_fold.Name}-leaf", Cursor);
                sink.AddTask(leaf, _fold.Leaf!(step));
                Push(0, leaf, sink);
            }

            Cursor++;
        }

        if (Cursor == count && _result is null && count > 0)
        {
            _result = _fold.IsChain ? _state : Close(sink);
        }
    }

    /// <summary>Merges two results of a level into one of the next, as a balanced tree over the steps in order would.</summary>
    private void Push(int level, TaskKey key, GraphSink sink)
    {
        while (_waiting.Count <= level)
        {
            _waiting.Add(null);
            _pairs.Add(0);
        }

        if (_waiting[level] is not { } left)
        {
            _waiting[level] = key;
            return;
        }

        _waiting[level] = null;
        Push(level + 1, Merge(level, left, key, sink), sink);
    }

    private TaskKey Merge(int level, TaskKey left, TaskKey right, GraphSink sink)
    {
        TaskKey node = new($"{_fold.Name}-merge", level, _pairs[level]++);
        sink.AddTask(node, _fold.Merge!(left, right));
        return node;
    }

    /// <summary>The end: a level's odd last result goes up as it is, and pairs with what waits above it.</summary>
    private TaskKey Close(GraphSink sink)
    {
        TaskKey? carry = null;
        for (int level = 0; level < _waiting.Count; level++)
        {
            TaskKey? waiting = _waiting[level];
            _waiting[level] = null;
            carry = (waiting, carry) switch
            {
                ({ } left, { } right) => Merge(level, left, right, sink),
                ({ } only, null) => only,
                (null, var up) => up,
            };
        }

        return carry ?? throw new InvalidOperationException($"The fold {_fold.Name} closed over no step.");
    }
}
