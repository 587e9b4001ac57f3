using Deisa.Core.Graph;

namespace Deisa.Core.Arrays.Nodes;

/// <summary>The same elements in other chunks: each output chunk assembled from the input chunks it overlaps.</summary>
internal sealed class RechunkNode : ArrayNode
{
    private readonly string _name;

    public RechunkNode(string name, DeisaArray input)
        : base(input)
    {
        _name = name;
    }

    public override TaskKey KeyOf(ReadOnlySpan<int> chunk) => new(_name, chunk);

    public override void Emit(ReadOnlySpan<int> chunk, TaskKey key, GraphSink sink)
    {
        DeisaArray input = Inputs[0];
        int rank = Array.Rank;
        int[] outShape = Array.ChunkShape(chunk);
        var perDimension = new List<(int Chunk, int InStart, int Count, int OutStart)>[rank];
        for (int d = 0; d < rank; d++)
        {
            ChunkAxis outAxis = Array.Axes[d];
            ChunkAxis inAxis = input.Axes[d];
            long start = outAxis.StartOf(chunk[d]);
            long end = start + outAxis[chunk[d]];
            perDimension[d] = [];
            for (int c = inAxis.ChunkAt(start); c <= inAxis.ChunkAt(end - 1); c++)
            {
                long from = Math.Max(start, inAxis.StartOf(c));
                long to = Math.Min(end, inAxis.StartOf(c) + inAxis[c]);
                perDimension[d].Add((c, checked((int)(from - inAxis.StartOf(c))), checked((int)(to - from)), checked((int)(from - start))));
            }
        }

        var pieces = new List<TaskArg>();
        int[] ones = new int[rank];
        System.Array.Fill(ones, 1);
        foreach (int[] combination in DeisaArray.ChunkIndices([.. perDimension.Select(p => p.Count)]))
        {
            int[] inChunk = new int[rank];
            int[] inStart = new int[rank];
            int[] count = new int[rank];
            int[] outStart = new int[rank];
            for (int d = 0; d < rank; d++)
            {
                (inChunk[d], inStart[d], count[d], outStart[d]) = perDimension[d][combination[d]];
            }

            TaskKey source = sink.Require(input, inChunk);
            pieces.Add(TaskArg.FromList(source, ShapeArg(input.ChunkShape(inChunk)), ShapeArg(inStart), ShapeArg(ones), ShapeArg(count), ShapeArg(outStart)));
        }

        sink.AddTask(key, TaskSpec.Create(Op(ArrayOperations.Assemble), ShapeArg(outShape), ShapeArg(outShape), TaskArg.FromList([.. pieces])));
    }

    public override (int First, int Last) InputTimes(int input, int time)
    {
        int axis = Array.TimeAxis;
        if (axis < 0)
        {
            return (-1, -1);
        }

        ChunkAxis outAxis = Array.Axes[axis];
        ChunkAxis inAxis = Inputs[0].Axes[axis];
        long start = outAxis.StartOf(time);
        return (inAxis.ChunkAt(start), inAxis.ChunkAt(start + outAxis[time] - 1));
    }

    public override void Require(Region region, RequirementSink sink)
    {
        DeisaArray input = Inputs[0];
        var dims = new StepSet[Array.Rank];
        for (int d = 0; d < dims.Length; d++)
        {
            dims[d] = input.Axes[d].ElementsToChunks(Array.Axes[d].ChunksToElements(region.Dims[d]));
        }

        sink.Require(input, new Region(dims));
    }
}
