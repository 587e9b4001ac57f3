namespace Deisa.Core.Arrays.Nodes;

/// <summary>A set of an array's chunks that is a product: per dimension, a set of chunk indices.</summary>
/// <param name="Dims">The chunk indices along each dimension.</param>
internal sealed record Region(StepSet[] Dims)
{
    /// <summary>Gets every chunk of an array.</summary>
    public static Region All(DeisaArray array) => new([.. array.Axes.Select(a => StepSet.Range(0, a.Count))]);

    /// <summary>Gets whether the region holds no chunk.</summary>
    public bool IsEmpty => Dims.Any(d => d.IsEmpty);

    /// <summary>Gets this region with dimension <paramref name="d"/> replaced.</summary>
    public Region With(int d, StepSet chunks)
    {
        StepSet[] dims = [.. Dims];
        dims[d] = chunks;
        return new Region(dims);
    }

    /// <summary>Compares regions dimension by dimension.</summary>
    public bool Equals(Region? other) =>
        other is not null && other.Dims.Length == Dims.Length && Dims.Zip(other.Dims).All(p => p.First.Equals(p.Second));

    /// <inheritdoc/>
    public override int GetHashCode() => Dims.Aggregate(Dims.Length, (h, d) => HashCode.Combine(h, d.GetHashCode()));
}
