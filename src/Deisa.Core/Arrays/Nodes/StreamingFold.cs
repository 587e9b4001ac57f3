using Deisa.Core.Graph;

namespace Deisa.Core.Arrays.Nodes;

/// <summary>A <see cref="TimeFold"/> walked a time chunk at a time: the chain's last state, or the tree's frontier of merges.</summary>
/// <remarks>
/// Over an open-ended run, steps are built as the window reaches them but count only once every step they read is
/// known to be there: a chain keeps the states from the last such step on (one of them is the result when the run
/// ends), a tree merges only such leaves (a merge cannot be taken back); what is past the run's end is let go.
/// </remarks>
internal sealed class StreamingFold : ITimeWalker
{
    private readonly TimeFold _fold;

    // Chain: the states not known to be before the last step, oldest first. Tree: per level, at most one result
    // waiting for its pair, how many pairs were merged, and the leaves not known to be there yet.
    private readonly Queue<(int Time, TaskKey Key)> _states = new();
    private readonly List<TaskKey?> _waiting = [];
    private readonly List<int> _pairs = [];
    private readonly Queue<(int Time, TaskKey Key)> _leaves = new();
    private int _known;
    private TaskKey? _result;

    public StreamingFold(TimeFold fold)
    {
        _fold = fold;
    }

    public DeisaArray Input => _fold.Array;

    public int Cursor { get; private set; }

    public bool IsComplete => _result is not null || Failure is not null;

    public Exception? Failure { get; private set; }

    public IEnumerable<TaskKey> Pending => _result is not null
        ? []
        : _fold.IsChain
            ? _states.Select(s => s.Key)
            : _waiting.Where(k => k is not null).Select(k => k!.Value).Concat(_leaves.Select(l => l.Key));

    public IEnumerable<TaskKey> Results => _result is { } result ? [result] : [];

    /// <summary>Gets the final key, once complete.</summary>
    public TaskKey? Result => _result;

    public void Advance(TimeLimit limit, GraphSink sink)
    {
        DeisaArray array = _fold.Array;
        int count = array.TimeAxis >= 0 ? array.Axes[array.TimeAxis].Count : 0;
        while (Cursor < count && array.Node.SourceEnd(Cursor) <= limit.Horizon)
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
                sink.AddTask(next, _fold.Step!(step, _states.Count > 0 ? _states.Last().Key : TaskArg.Null));
                _states.Enqueue((Cursor, next));
            }
            else
            {
                TaskKey leaf = new($"{_fold.Name}-leaf", Cursor);
                sink.AddTask(leaf, _fold.Leaf!(step));
                _leaves.Enqueue((Cursor, leaf));
            }

            Cursor++;
        }

        // In time order, the steps known to be there count: a leaf is merged, a chain forgets the states before the last.
        Queue<(int Time, TaskKey Key)> unknown = _fold.IsChain ? _states : _leaves;
        foreach ((int time, TaskKey key) in unknown.Where(u => u.Time >= _known).ToList())
        {
            if (!limit.Exists(array, time))
            {
                break;
            }

            _known = time + 1;
            if (!_fold.IsChain)
            {
                _leaves.Dequeue();
                Push(0, key, sink);
            }
        }

        while (_fold.IsChain && _states.Count > 1 && _states.Peek().Time < _known - 1)
        {
            _states.Dequeue();
        }

        if (_result is not null || Failure is not null || count == 0 || !limit.IsDone(array, Cursor, count) ||
            (unknown.Any(u => u.Time >= _known) && limit.Exists(array, unknown.First(u => u.Time >= _known).Time)))
        {
            return;
        }

        if (_known == 0)
        {
            // An open run that ended before any step the fold reads: there is nothing to fold.
            Failure = new Errors.DeisaException($"The fold '{_fold.Name}' over {array} has no result: the run ended with none of its steps.");
            return;
        }

        // What was built past the run's end is let go with the walk.
        _result = _fold.IsChain ? _states.First(s => s.Time == _known - 1).Key : Close(sink);
        _leaves.Clear();
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
