using Deisa.Core.Graph;

namespace Deisa.Core.Arrays.Nodes;

/// <summary>
/// A slice: per input dimension a range with a step, or a single index that drops the dimension. One output chunk
/// per input chunk the slice touches; a chunk taken whole is the input's own key, no task, no copy.
/// </summary>
internal sealed class SelectNode : ArrayNode
{
    private readonly string _name;
    private readonly (long Start, long Count, long Step, bool Drop)[] _selections;
    private readonly int[] _kept;

    public SelectNode(string name, DeisaArray input, (long Start, long Count, long Step, bool Drop)[] selections)
        : base(input)
    {
        _name = name;
        _selections = selections;
        _kept = [.. Enumerable.Range(0, selections.Length).Where(d => !selections[d].Drop)];
    }

    public override TaskKey KeyOf(ReadOnlySpan<int> chunk) => new(_name, chunk);

    public override bool TryForward(ReadOnlySpan<int> chunk, out DeisaArray input, out int[] inputChunk)
    {
        input = Inputs[0];
        inputChunk = [];
        if (_kept.Length != _selections.Length)
        {
            return false;
        }

        int[] mapped = new int[_selections.Length];
        for (int d = 0; d < _selections.Length; d++)
        {
            (int c, long local, long count) = Piece(d, chunk);
            if (local != 0 || count != input.Axes[d][c] || (_selections[d].Step != 1 && count != 1))
            {
                return false;
            }

            mapped[d] = c;
        }

        inputChunk = mapped;
        return true;
    }

    public override void Emit(ReadOnlySpan<int> chunk, TaskKey key, GraphSink sink)
    {
        DeisaArray input = Inputs[0];
        int rank = _selections.Length;
        int[] inChunk = new int[rank];
        int[] inStart = new int[rank];
        int[] step = new int[rank];
        int[] count = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            (int c, long local, long n) = Piece(d, chunk);
            inChunk[d] = c;
            inStart[d] = checked((int)local);
            step[d] = checked((int)_selections[d].Step);
            count[d] = checked((int)n);
        }

        TaskKey source = sink.Require(input, inChunk);
        TaskArg piece = TaskArg.FromList(source, ShapeArg(input.ChunkShape(inChunk)), ShapeArg(inStart), ShapeArg(step), ShapeArg(count), ShapeArg(new int[rank]));
        sink.AddTask(key, TaskSpec.Create(Op(ArrayOperations.Assemble), ShapeArg(Array.ChunkShape(chunk)), ShapeArg(count), TaskArg.FromList(piece)));
    }

    public override (int First, int Last) InputTimes(int input, int time)
    {
        int axis = Inputs[0].TimeAxis;
        if (axis < 0)
        {
            return (-1, -1);
        }

        (long start, _, long step, bool drop) = _selections[axis];
        ChunkAxis inAxis = Inputs[0].Axes[axis];
        long element = drop ? start : start + (step * Array.Axes[Array.TimeAxis].StartOf(time));
        int c = inAxis.ChunkAt(element);
        return (c, c);
    }

    /// <summary>The input chunk along input dimension <paramref name="d"/> that output chunk <paramref name="chunk"/> reads, where in it, and how many elements.</summary>
    private (int Chunk, long Local, long Count) Piece(int d, ReadOnlySpan<int> chunk)
    {
        (long start, _, long step, bool drop) = _selections[d];
        ChunkAxis inAxis = Inputs[0].Axes[d];
        long first;
        long count;
        if (drop)
        {
            first = start;
            count = 1;
        }
        else
        {
            int o = System.Array.IndexOf(_kept, d);
            ChunkAxis outAxis = Array.Axes[o];
            first = start + (step * outAxis.StartOf(chunk[o]));
            count = outAxis[chunk[o]];
        }

        int c = inAxis.ChunkAt(first);
        return (c, first - inAxis.StartOf(c), count);
    }

    public override void Require(Region region, RequirementSink sink)
    {
        DeisaArray input = Inputs[0];
        var dims = new StepSet[_selections.Length];
        for (int d = 0; d < dims.Length; d++)
        {
            (long start, _, long step, bool drop) = _selections[d];
            ChunkAxis inAxis = input.Axes[d];
            if (drop)
            {
                dims[d] = StepSet.Range(inAxis.ChunkAt(start), inAxis.ChunkAt(start) + 1);
                continue;
            }

            int o = System.Array.IndexOf(_kept, d);
            StepSet elements = Array.Axes[o].ChunksToElements(region.Dims[o]).Affine(step, start);
            dims[d] = inAxis.ElementsToChunks(elements);
        }

        sink.Require(input, new Region(dims));
    }
}
