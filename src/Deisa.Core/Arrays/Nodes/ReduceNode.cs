using Deisa.Core.Graph;

namespace Deisa.Core.Arrays.Nodes;

/// <summary>
/// A reduction over some dimensions: one partial per input chunk, then a tree of combines per output chunk
/// (<see cref="CombineTree"/>). Partials come time first, then the other reduced dimensions row-major, so that a
/// reduction over time can be built a step at a time and still be the same tree.
/// </summary>
/// <remarks>
/// A reduction over a selection with no element along a reduced dimension gives the reduction's identity (see
/// <see cref="DeisaArray.Reduce"/>), through one fill task per output chunk.
/// </remarks>
internal sealed class ReduceNode : ArrayNode
{
    private readonly string _name;
    private readonly bool[] _reduced;
    private readonly int[] _kept;
    private readonly int[] _order;
    private readonly double? _identity;

    public ReduceNode(string name, DeisaArray input, Reduction reduction, bool[] reduced, double? identity)
        : base(input)
    {
        _name = name;
        Reduction = reduction;
        _reduced = reduced;
        _kept = [.. Enumerable.Range(0, reduced.Length).Where(d => !reduced[d])];
        _identity = identity;

        // The reduced dimensions, time first.
        int time = input.TimeAxis;
        _order = [.. Enumerable.Range(0, reduced.Length).Where(d => reduced[d]).OrderBy(d => d == time ? -1 : d)];
        ReducesTime = time >= 0 && reduced[time];
    }

    public Reduction Reduction { get; }

    /// <summary>Gets whether time is among the reduced dimensions: the output has no time axis, and a window driver builds it step by step.</summary>
    public bool ReducesTime { get; }

    /// <summary>Gets whether the reduction is over a selection with no element: its result is the identity, read from nothing.</summary>
    public bool IsIdentity => _identity is not null;

    /// <summary>Gets the number of time chunks of the input the reduction reads; for an open-ended input, as many as
    /// there can be until the run ended and the reduction closed (<see cref="EndedInputCount"/>).</summary>
    public int InputTimeCount => ReducesTime ? EndedInputCount ?? Inputs[0].Axes[Inputs[0].TimeAxis].Count : 0;

    /// <summary>Gets whether the reduction is over an open-ended time dimension: it completes when the run ends.</summary>
    public bool OverOpenTime => ReducesTime && Inputs[0].IsOpenEnded;

    /// <summary>
    /// Gets or sets, for a reduction over an open-ended time dimension, how many of its input's time chunks the run
    /// had: set once by the window driver's streaming reduction when it closed the trees, null before.
    /// </summary>
    public int? EndedInputCount { get; set; }

    public override TaskKey KeyOf(ReadOnlySpan<int> chunk) => new(_name, chunk);

    public override void Emit(ReadOnlySpan<int> chunk, TaskKey key, GraphSink sink)
    {
        if (_identity is { } identity)
        {
            sink.AddTask(key, TaskSpec.Create(Op(ArrayOperations.Fill), ShapeArg(Array.ChunkShape(chunk)), identity));
            return;
        }

        if (ReducesTime && sink.Streaming is { } streaming)
        {
            // Built step by step by the driver; the final combine is already in.
            TaskKey built = streaming.ResultOf(this, chunk);
            if (built != key)
            {
                throw new InvalidOperationException($"The reduction's result {built} is not the key asked for, {key}: a bug in Deisa.");
            }

            return;
        }

        CombineTree tree = NewTree(chunk);
        int times = ReducesTime ? InputTimeCount : 1;
        for (int t = 0; t < times; t++)
        {
            AddStep(tree, chunk, t, sink);
        }

        tree.Close(sink);
    }

    /// <summary>Over an open-ended time, the steps read are known only once the run ended; until then, more than any horizon.</summary>
    public override long SourceEnd(int time)
    {
        if (!OverOpenTime)
        {
            return base.SourceEnd(time);
        }

        return EndedInputCount is not { } count ? long.MaxValue : count == 0 ? 0 : Inputs[0].Node.SourceEnd(count - 1);
    }

    /// <summary>
    /// Emits, for a reduction over an open-ended run that ended with none of its steps, the reduction's identity as an
    /// output chunk's result (0 for a sum, NaN for a mean, a variance or a deviation).
    /// </summary>
    /// <returns>Why there is none, for a minimum or a maximum (of no elements, no value), or null.</returns>
    public string? EmitEmpty(ReadOnlySpan<int> outChunk, GraphSink sink)
    {
        double identity;
        switch (Reduction)
        {
            case Reduction.Sum:
                identity = 0;
                break;
            case Reduction.Mean or Reduction.Var or Reduction.Std:
                identity = double.NaN;
                break;
            default:
                return $"the run of {Inputs[0]} ended with none of its steps, and a {(Reduction == Reduction.Min ? "minimum" : "maximum")} of no elements has no value";
        }

        sink.AddTask(KeyOf(outChunk), TaskSpec.Create(Op(ArrayOperations.Fill), ShapeArg(Array.ChunkShape(outChunk)), identity));
        return null;
    }

    public override (int First, int Last) InputTimes(int input, int time)
    {
        int inputTime = Inputs[0].TimeAxis;
        if (inputTime < 0)
        {
            return (-1, -1);
        }

        return ReducesTime ? (0, InputTimeCount - 1) : (time, time);
    }

    /// <summary>Creates the tree of one output chunk.</summary>
    public CombineTree NewTree(ReadOnlySpan<int> outChunk) =>
        new(_name, outChunk.ToArray(), Reduction, Op(ArrayOperations.Combine), ShapeArg(Array.ChunkShape(outChunk)));

    /// <summary>Adds to <paramref name="tree"/> the partials of one time chunk of the input (all of them when time is not reduced).</summary>
    /// <param name="tree">The output chunk's tree.</param>
    /// <param name="outChunk">The output chunk.</param>
    /// <param name="time">The input's time chunk (ignored when time is not reduced).</param>
    /// <param name="sink">Where the partials and combines go.</param>
    public void AddStep(CombineTree tree, ReadOnlySpan<int> outChunk, int time, GraphSink sink)
    {
        foreach (TaskKey partial in EmitPartials(outChunk, time, sink))
        {
            tree.Add(partial, sink);
        }
    }

    /// <summary>Emits the partials of one time chunk of the input for an output chunk, in their order in its tree.</summary>
    /// <param name="outChunk">The output chunk.</param>
    /// <param name="time">The input's time chunk (ignored when time is not reduced).</param>
    /// <param name="sink">Where the partials go.</param>
    /// <returns>Their keys.</returns>
    public List<TaskKey> EmitPartials(ReadOnlySpan<int> outChunk, int time, GraphSink sink)
    {
        var partials = new List<TaskKey>();
        DeisaArray input = Inputs[0];
        int rank = _reduced.Length;
        int[] inChunk = new int[rank];
        for (int k = 0; k < _kept.Length; k++)
        {
            inChunk[_kept[k]] = outChunk[k];
        }

        // The reduced dimensions other than time, row-major, for this time chunk.
        int[] others = ReducesTime ? _order[1..] : _order;
        if (ReducesTime)
        {
            inChunk[input.TimeAxis] = time;
        }

        int[] counts = [.. others.Select(d => input.Axes[d].Count)];
        long[] flags = [.. _reduced.Select(r => r ? 1L : 0L)];
        foreach (int[] position in DeisaArray.ChunkIndices(counts))
        {
            for (int i = 0; i < others.Length; i++)
            {
                inChunk[others[i]] = position[i];
            }

            TaskKey source = sink.Require(input, inChunk);
            var partial = new TaskKey(_name + "-partial", inChunk);
            sink.AddTask(partial, TaskSpec.Create(Op(ArrayOperations.Partial), (long)Reduction, TaskArg.FromInt64Array(flags), source, ShapeArg(input.ChunkShape(inChunk))));
            partials.Add(partial);
        }

        return partials;
    }

    public override void Require(Region region, RequirementSink sink)
    {
        if (_identity is not null)
        {
            // Nothing to read: the result is the identity.
            return;
        }

        DeisaArray input = Inputs[0];
        var dims = new StepSet[_reduced.Length];
        for (int d = 0; d < dims.Length; d++)
        {
            dims[d] = _reduced[d] ? StepSet.Range(0, input.Axes[d].Count) : region.Dims[System.Array.IndexOf(_kept, d)];
        }

        sink.Require(input, new Region(dims));
    }
}
