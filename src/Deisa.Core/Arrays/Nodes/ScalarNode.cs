using Deisa.Core.Graph;

namespace Deisa.Core.Arrays.Nodes;

/// <summary>An element-wise operator between an array and a number, chunk by chunk.</summary>
internal sealed class ScalarNode : ArrayNode
{
    private readonly string _name;
    private readonly char _op;
    private readonly double _scalar;
    private readonly bool _scalarFirst;

    public ScalarNode(string name, char op, DeisaArray input, double scalar, bool scalarFirst)
        : base(input)
    {
        _name = name;
        _op = op;
        _scalar = scalar;
        _scalarFirst = scalarFirst;
    }

    public override TaskKey KeyOf(ReadOnlySpan<int> chunk) => new(_name, chunk);

    public override void Emit(ReadOnlySpan<int> chunk, TaskKey key, GraphSink sink)
    {
        TaskKey input = sink.Require(Inputs[0], chunk);
        sink.AddTask(key, TaskSpec.Create(Op(ArrayOperations.Scalar), _op.ToString(), input, ShapeArg(Array.ChunkShape(chunk)), _scalar, _scalarFirst));
    }

    public override (int First, int Last) InputTimes(int input, int time) => Array.TimeAxis < 0 ? (-1, -1) : (time, time);

    public override void Require(Region region, RequirementSink sink) => sink.Require(Inputs[0], region);
}
