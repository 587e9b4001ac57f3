using Deisa.Core.Graph;

namespace Deisa.Core.Arrays.Nodes;

/// <summary>
/// The combines of a reduction's partials, at most eight inputs each, built as the partials arrive: the same tree
/// whether every partial comes at once or a time step at a time, holding only the partials and combines not yet
/// combined (fewer than eight per level), so a reduction over a million steps keeps a few dozen keys.
/// </summary>
/// <remarks>
/// Partials must come in their order (time first, then the other reduced dimensions, row-major): a combine merges its
/// inputs in order, and the same order gives the same bits.
/// </remarks>
internal sealed class CombineTree
{
    /// <summary>The most inputs of one combine.</summary>
    public const int FanIn = 8;

    private readonly string _name;
    private readonly int[] _outChunk;
    private readonly Reduction _reduction;
    private readonly Operation _combine;
    private readonly TaskArg _outShape;
    private readonly List<List<TaskKey>> _pending = [];
    private readonly List<int> _groups = [];

    /// <summary>Creates the tree of one output chunk.</summary>
    /// <param name="name">The reduction's key name; combines are named <c>name-combine{level}</c>.</param>
    /// <param name="outChunk">The output chunk's indices.</param>
    /// <param name="reduction">What to compute.</param>
    /// <param name="combine">The combine operation.</param>
    /// <param name="outShape">The output chunk's shape, for the final combine.</param>
    public CombineTree(string name, int[] outChunk, Reduction reduction, Operation combine, TaskArg outShape)
    {
        _name = name;
        _outChunk = outChunk;
        _reduction = reduction;
        _combine = combine;
        _outShape = outShape;
    }

    /// <summary>Gets the final key, once <see cref="Close"/> emitted it.</summary>
    public TaskKey? Result { get; private set; }

    /// <summary>Gets the keys waiting to be combined: they must stay alive until a later combine reads them.</summary>
    public IEnumerable<TaskKey> Pending => _pending.SelectMany(level => level);

    /// <summary>Takes the next partial, emitting every combine it completes.</summary>
    /// <param name="partial">The partial's key.</param>
    /// <param name="sink">Where combines go.</param>
    public void Add(TaskKey partial, GraphSink sink) => Push(0, partial, sink);

    /// <summary>Emits the combines of the partial groups left and the final combine; the tree is then done.</summary>
    /// <param name="sink">Where they go.</param>
    /// <returns>The final key.</returns>
    /// <exception cref="InvalidOperationException">No partial came.</exception>
    public TaskKey Close(GraphSink sink)
    {
        if (Result is { } done)
        {
            return done;
        }

        for (int level = 0; ; level++)
        {
            if (level == _pending.Count)
            {
                throw new InvalidOperationException("A reduction over no partials has no tree: it reduces to the identity instead.");
            }

            List<TaskKey> items = _pending[level];
            long seen = (FanIn * (long)_groups[level]) + items.Count;
            if (seen == 0)
            {
                throw new InvalidOperationException("A reduction over no partials has no tree: it reduces to the identity instead.");
            }

            if (seen > FanIn)
            {
                // Not the top: the last, incomplete group is combined like the others and goes up.
                if (items.Count > 0)
                {
                    Group(level, sink);
                }

                continue;
            }

            // The top level: what it holds, or the one combine of a single full group just above.
            List<TaskKey> last = items.Count > 0 ? items : _pending[level + 1];
            TaskKey result = new(_name, _outChunk);
            sink.AddTask(result, TaskSpec.Create(_combine, (long)_reduction, TaskArg.FromKeys(last), true, _outShape));
            Result = result;
            _pending.Clear();
            return result;
        }
    }

    private void Push(int level, TaskKey key, GraphSink sink)
    {
        while (_pending.Count <= level)
        {
            _pending.Add([]);
            _groups.Add(0);
        }

        _pending[level].Add(key);
        if (_pending[level].Count == FanIn)
        {
            Group(level, sink);
        }
    }

    private void Group(int level, GraphSink sink)
    {
        List<TaskKey> items = _pending[level];
        var combined = new TaskKey($"{_name}-combine{level}", [.. _outChunk, _groups[level]]);
        sink.AddTask(combined, TaskSpec.Create(_combine, (long)_reduction, TaskArg.FromKeys(items), false, TaskArg.Null));
        _groups[level]++;
        _pending[level] = [];
        Push(level + 1, combined, sink);
    }
}
