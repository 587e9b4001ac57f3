using Deisa.Core.Graph;

namespace Deisa.Core.Arrays.Nodes;

/// <summary>An element-wise operator between two arrays of the same shape and chunks, chunk by chunk.</summary>
internal sealed class BinaryNode : ArrayNode
{
    private readonly char _op;
    private readonly string _name;

    public BinaryNode(string name, char op, DeisaArray left, DeisaArray right)
        : base(left, right)
    {
        _name = name;
        _op = op;
    }

    public override TaskKey KeyOf(ReadOnlySpan<int> chunk) => new(_name, chunk);

    public override void Emit(ReadOnlySpan<int> chunk, TaskKey key, GraphSink sink)
    {
        TaskArg shape = ShapeArg(Array.ChunkShape(chunk));
        TaskKey left = sink.Require(Inputs[0], chunk);
        TaskKey right = sink.Require(Inputs[1], chunk);
        sink.AddTask(key, TaskSpec.Create(Op(ArrayOperations.Binary), _op.ToString(), left, shape, right, shape));
    }

    public override (int First, int Last) InputTimes(int input, int time) => Array.TimeAxis < 0 ? (-1, -1) : (time, time);

    public override void Require(Region region, RequirementSink sink)
    {
        sink.Require(Inputs[0], region);
        sink.Require(Inputs[1], region);
    }
}
