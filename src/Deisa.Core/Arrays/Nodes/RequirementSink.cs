namespace Deisa.Core.Arrays.Nodes;

/// <summary>Collects, from the outputs down to the simulation's arrays, which chunks a computation reads.</summary>
/// <remarks>Each node is reached with the product regions asked of it; the same region twice is followed once.</remarks>
internal sealed class RequirementSink
{
    private readonly Dictionary<ArrayNode, List<Region>> _seen = new(ReferenceEqualityComparer.Instance);

    /// <summary>Gets the regions asked of each node reached: what of each array the computation reads.</summary>
    public IEnumerable<KeyValuePair<ArrayNode, List<Region>>> Reached => _seen;

    /// <summary>Gets what the simulation's arrays must provide.</summary>
    public List<SourceRequirement> Requirements { get; } = [];

    /// <summary>Asks <paramref name="array"/> for the chunks of <paramref name="region"/>.</summary>
    public void Require(DeisaArray array, Region region)
    {
        if (region.IsEmpty)
        {
            return;
        }

        if (!_seen.TryGetValue(array.Node, out List<Region>? regions))
        {
            regions = [];
            _seen.Add(array.Node, regions);
        }

        if (regions.Contains(region))
        {
            return;
        }

        regions.Add(region);
        array.Node.Require(region, this);
    }

    /// <summary>Records what a simulation array must provide.</summary>
    public void AddSource(ArrayLayout layout, Region region)
    {
        int time = layout.TimeDimension;
        StepSet[] blocks = [.. Enumerable.Range(0, region.Dims.Length).Where(d => d != time).Select(d => region.Dims[d])];
        Requirements.Add(new SourceRequirement(layout.Name, region.Dims[time], blocks));
    }
}
