using Deisa.Core.Graph;

namespace Deisa.Core.Arrays.Nodes;

/// <summary>Differences along a dimension: chunk c reads the input's chunk c and the first slice of chunk c + 1.</summary>
internal sealed class DiffNode : ArrayNode
{
    private readonly string _name;
    private readonly int _axis;

    public DiffNode(string name, DeisaArray input, int axis)
        : base(input)
    {
        _name = name;
        _axis = axis;
    }

    public override TaskKey KeyOf(ReadOnlySpan<int> chunk) => new(_name, chunk);

    public override void Emit(ReadOnlySpan<int> chunk, TaskKey key, GraphSink sink)
    {
        DeisaArray input = Inputs[0];
        TaskKey current = sink.Require(input, chunk);
        TaskArg next = TaskArg.Null;
        TaskArg nextShape = TaskArg.Null;
        if (chunk[_axis] < input.Axes[_axis].Count - 1)
        {
            int[] following = chunk.ToArray();
            following[_axis]++;
            next = sink.Require(input, following);
            nextShape = ShapeArg(input.ChunkShape(following));
        }

        sink.AddTask(key, TaskSpec.Create(Op(ArrayOperations.Diff), _axis, current, ShapeArg(input.ChunkShape(chunk)), next, nextShape));
    }

    public override (int First, int Last) InputTimes(int input, int time)
    {
        if (Array.TimeAxis < 0)
        {
            return (-1, -1);
        }

        return Array.TimeAxis == _axis ? (time, Math.Min(time + 1, Inputs[0].Axes[_axis].Count - 1)) : (time, time);
    }

    public override void Require(Region region, RequirementSink sink)
    {
        int count = Inputs[0].Axes[_axis].Count;
        sink.Require(Inputs[0], region.With(_axis, region.Dims[_axis].ExpandTo(2).Within(0, count)));
    }
}
