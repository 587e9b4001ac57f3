using Deisa.Core.Graph;

namespace Deisa.Core.Arrays.Nodes;

/// <summary>Arrays joined along a dimension: every chunk is a chunk of one of them, no task, no copy.</summary>
/// <remarks>The parts are given the first part's chunks along the other dimensions before they are joined.</remarks>
internal sealed class ConcatenateNode : ArrayNode
{
    private readonly string _name;
    private readonly int _axis;
    private readonly int[] _offsets;

    public ConcatenateNode(string name, int axis, DeisaArray[] parts)
        : base(parts)
    {
        _name = name;
        _axis = axis;
        _offsets = new int[parts.Length + 1];
        for (int i = 0; i < parts.Length; i++)
        {
            _offsets[i + 1] = checked(_offsets[i] + parts[i].Axes[axis].Count);
        }
    }

    public override TaskKey KeyOf(ReadOnlySpan<int> chunk) => new(_name, chunk);

    public override bool TryForward(ReadOnlySpan<int> chunk, out DeisaArray input, out int[] inputChunk)
    {
        int part = PartOf(chunk[_axis]);
        input = Inputs[part];
        inputChunk = chunk.ToArray();
        inputChunk[_axis] -= _offsets[part];
        return true;
    }

    public override void Emit(ReadOnlySpan<int> chunk, TaskKey key, GraphSink sink) =>
        throw new InvalidOperationException($"{key} is a chunk of a part of the concatenation and is never computed itself.");

    public override (int First, int Last) InputTimes(int input, int time)
    {
        if (Array.TimeAxis < 0)
        {
            return (-1, -1);
        }

        if (Array.TimeAxis != _axis)
        {
            return (time, time);
        }

        int local = time - _offsets[input];
        return local >= 0 && local < _offsets[input + 1] - _offsets[input] ? (local, local) : (-1, -1);
    }

    public override int FirstReadFrom(int input, int time)
    {
        if (Array.TimeAxis != _axis)
        {
            return base.FirstReadFrom(input, time);
        }

        // Later chunks belong to later parts: a part after this time is read from its start.
        int local = time - _offsets[input];
        int count = _offsets[input + 1] - _offsets[input];
        return local < 0 ? (count > 0 ? 0 : -1) : local < count ? local : -1;
    }

    private int PartOf(int index)
    {
        // Parts without chunks along the axis hold no index: the part is the one whose range holds it.
        for (int part = 0; part < Inputs.Length; part++)
        {
            if (index < _offsets[part + 1])
            {
                return part;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(index), index, $"The concatenation has {_offsets[^1]} chunks along its axis.");
    }

    public override void Require(Region region, RequirementSink sink)
    {
        for (int part = 0; part < Inputs.Length; part++)
        {
            StepSet along = region.Dims[_axis].Within(_offsets[part], _offsets[part + 1]).Shift(-_offsets[part]);
            if (!along.IsEmpty)
            {
                sink.Require(Inputs[part], region.With(_axis, along));
            }
        }
    }
}
