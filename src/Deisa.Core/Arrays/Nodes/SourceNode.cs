using Deisa.Core.Graph;

namespace Deisa.Core.Arrays.Nodes;

/// <summary>A simulation array: chunk (…, t, …) is block (step t, block indices) of the layout, an external key.</summary>
internal sealed class SourceNode : ArrayNode
{
    public SourceNode(ArrayLayout layout)
    {
        Layout = layout;
    }

    public ArrayLayout Layout { get; }

    public override TaskKey KeyOf(ReadOnlySpan<int> chunk)
    {
        int time = Layout.TimeDimension;
        Span<int> block = stackalloc int[chunk.Length - 1];
        for (int spatial = 0; spatial < block.Length; spatial++)
        {
            block[spatial] = chunk[ArrayDeclaration.SpatialToDimension(spatial, time)];
        }

        return Layout.KeyOf(chunk[time], block);
    }

    public override void Emit(ReadOnlySpan<int> chunk, TaskKey key, GraphSink sink) => sink.AddExternal(key);

    public override (int First, int Last) InputTimes(int input, int time) => (-1, -1);

    /// <summary>Time chunk t is step t.</summary>
    public override long SourceEnd(int time) => time + 1L;

    public override void Require(Region region, RequirementSink sink) => sink.AddSource(Layout, region);
}
