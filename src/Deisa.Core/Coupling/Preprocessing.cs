using System.Numerics;
using Deisa.Core.Arrays;

namespace Deisa.Core.Coupling;

/// <summary>
/// An operation applied on the simulation rank to its block of a published array, before anything ships: the
/// result is a derived array that the analytics read like any other (a downsample, a per-block reduction).
/// </summary>
/// <remarks>
/// <para>Register it on every simulation rank under its <see cref="Name"/>, then declare the derived array from a
/// published one; each step's publish of the source then computes the derived block, only if the contract asks for
/// it, into a pooled buffer that ships as is. A derived array the analytics never read costs nothing once the
/// contract is known. Before it is known (blocks staged at the start of a run), the derived block is computed and
/// staged like any block.</para>
/// <para>An implementation places the derived block (<see cref="Derive"/>), the same way on every rank, so that the
/// ranks' derived blocks tile the derived array, and fills it (<see cref="Apply"/>) from the source block alone:
/// nothing crosses ranks.</para>
/// </remarks>
public abstract class Preprocessing
{
    /// <summary>Creates an operation named <paramref name="name"/>.</summary>
    /// <param name="name">The name it is registered and declared under.</param>
    protected Preprocessing(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <summary>Gets the operation's name.</summary>
    public string Name { get; }

    /// <summary>Keeps every <paramref name="factor"/>-th element along each spatial dimension, counted from the
    /// array's origin (the analytics' <c>array[.., Slice.Every(factor), Slice.Every(factor)]</c>), whatever the blocks.</summary>
    /// <param name="factor">The stride, 1 or more.</param>
    /// <returns>The operation, named <c>downsample</c>.</returns>
    public static Preprocessing Downsample(int factor) => new Downsample([factor]);

    /// <summary>Keeps every <c>factors[d]</c>-th element along spatial dimension d, counted from the array's origin.</summary>
    /// <param name="factors">One stride per spatial dimension, each 1 or more.</param>
    /// <returns>The operation, named <c>downsample</c>.</returns>
    public static Preprocessing Downsample(params int[] factors) => new Downsample(factors);

    /// <summary>
    /// Gives this rank's declaration of the derived array: its global shape, this rank's block of it, its element
    /// type. The time dimension and its steps are the source's.
    /// </summary>
    /// <param name="name">The derived array's name.</param>
    /// <param name="source">This rank's declaration of the published array.</param>
    /// <returns>The derived declaration.</returns>
    /// <exception cref="ArgumentException">The operation cannot apply to this block; the message says why.</exception>
    public abstract ArrayDeclaration Derive(string name, ArrayDeclaration source);

    /// <summary>Fills this rank's derived block from its source block, for one step.</summary>
    /// <typeparam name="T">The element type of both arrays.</typeparam>
    /// <param name="source">The published block, read only: it is the simulation's memory.</param>
    /// <param name="derived">This rank's declaration of the derived array, from <see cref="Derive"/>.</param>
    /// <param name="destination">The derived block, row-major, <c>derived.BlockElements</c> long.</param>
    public abstract void Apply<T>(BlockView<T> source, ArrayDeclaration derived, Span<T> destination)
        where T : unmanaged, INumber<T>;
}

/// <summary>A simulation rank's block of one step, read in place: row-major, its last dimension contiguous.</summary>
/// <typeparam name="T">The element type.</typeparam>
/// <remarks>A block published with ghost cells has rows further apart than their length: <see cref="RowStride"/>.</remarks>
public readonly ref struct BlockView<T>
    where T : unmanaged
{
    private readonly ReadOnlySpan<T> _data;

    /// <summary>Creates a view of a block.</summary>
    /// <param name="data">From the first element of the first row to the last of the last.</param>
    /// <param name="declaration">The block's declaration: its start and count.</param>
    /// <param name="rowStride">Elements from one row (last dimension) to the next.</param>
    /// <exception cref="ArgumentException">The data are too short for the block.</exception>
    public BlockView(ReadOnlySpan<T> data, ArrayDeclaration declaration, int rowStride)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        long columns = declaration.Count[^1];
        long rows = declaration.BlockElements / columns;
        if (rowStride < columns || (rows - 1) * rowStride + columns > data.Length)
        {
            throw new ArgumentException($"A view of a {string.Join("x", declaration.Count)} block with rows {rowStride} apart needs {(rows - 1) * rowStride + columns} elements; it has {data.Length}.", nameof(data));
        }

        _data = data;
        Declaration = declaration;
        RowStride = rowStride;
        Rows = rows;
    }

    /// <summary>Gets the block's declaration: <see cref="ArrayDeclaration.Start"/> and <see cref="ArrayDeclaration.Count"/> place it in the array.</summary>
    public ArrayDeclaration Declaration { get; }

    /// <summary>Gets the number of rows: the product of every spatial count but the last.</summary>
    public long Rows { get; }

    /// <summary>Gets the number of elements from one row to the next.</summary>
    public int RowStride { get; }

    /// <summary>Gets a row: the elements along the last spatial dimension at one position of the others, flattened row-major.</summary>
    /// <param name="row">0 to <see cref="Rows"/> - 1.</param>
    /// <returns>The row, <c>Count[^1]</c> long.</returns>
    public ReadOnlySpan<T> Row(long row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Rows);
        return _data.Slice(checked((int)(row * RowStride)), (int)Declaration.Count[^1]);
    }
}

/// <summary>Every n-th element along each spatial dimension, counted from the array's origin.</summary>
internal sealed class Downsample : Preprocessing
{
    private readonly int[] _factors;

    public Downsample(int[] factors)
        : base("downsample")
    {
        ArgumentNullException.ThrowIfNull(factors);
        if (factors.Length == 0 || factors.Any(f => f < 1))
        {
            throw new ArgumentException($"A downsample takes one stride of 1 or more, or one per spatial dimension; got [{string.Join(", ", factors)}].", nameof(factors));
        }

        _factors = factors;
    }

    public override ArrayDeclaration Derive(string name, ArrayDeclaration source)
    {
        ArgumentNullException.ThrowIfNull(source);
        int spatial = source.Count.Count;
        if (_factors.Length != 1 && _factors.Length != spatial)
        {
            throw new ArgumentException($"'{source.Name}' has {spatial} spatial dimension(s); the downsample gives {_factors.Length} strides.");
        }

        long[] shape = [.. source.Shape];
        long[] start = new long[spatial];
        long[] count = new long[spatial];
        for (int d = 0; d < spatial; d++)
        {
            long f = Factor(d);
            int dimension = ArrayDeclaration.SpatialToDimension(d, source.TimeDimension);
            shape[dimension] = CeilDiv(source.Shape[dimension], f);
            start[d] = CeilDiv(source.Start[d], f);
            count[d] = CeilDiv(source.Start[d] + source.Count[d], f) - start[d];
            if (count[d] == 0)
            {
                throw new ArgumentException(
                    $"the block [{source.Start[d]}, {source.Start[d] + source.Count[d]}) of '{source.Name}' along '{source.DimensionNames[dimension]}' holds no multiple of the stride {f}, so it has no element of the downsampled array; use a stride no larger than the smallest block.");
            }
        }

        return new ArrayDeclaration(name, source.ElementType, shape, source.TimeDimension, start, count, [.. source.DimensionNames]);
    }

    public override void Apply<T>(BlockView<T> source, ArrayDeclaration derived, Span<T> destination)
    {
        ArgumentNullException.ThrowIfNull(derived);
        IReadOnlyList<long> sourceCount = source.Declaration.Count;
        int spatial = sourceCount.Count;
        int last = spatial - 1;

        // The first kept element of the block along each dimension, as a local index.
        Span<long> offset = stackalloc long[spatial];
        for (int d = 0; d < spatial; d++)
        {
            offset[d] = (derived.Start[d] * Factor(d)) - source.Declaration.Start[d];
        }

        long columns = derived.Count[last];
        long columnStride = Factor(last);
        Span<long> index = stackalloc long[Math.Max(1, last)];
        index.Clear();
        int written = 0;
        long rows = derived.BlockElements / columns;
        for (long r = 0; r < rows; r++)
        {
            // The source row of the derived row at index (flattened over every dimension but the last).
            long row = 0;
            for (int d = 0; d < last; d++)
            {
                row = (row * sourceCount[d]) + offset[d] + (index[d] * Factor(d));
            }

            ReadOnlySpan<T> from = source.Row(row)[(int)offset[last]..];
            Span<T> to = destination.Slice(written, (int)columns);
            int stride = (int)columnStride;
            for (int c = 0, i = 0; c < to.Length; c++, i += stride)
            {
                to[c] = from[i];
            }

            written += to.Length;

            for (int d = last - 1; d >= 0; d--)
            {
                if (++index[d] < derived.Count[d])
                {
                    break;
                }

                index[d] = 0;
            }
        }
    }

    private long Factor(int d) => _factors.Length == 1 ? _factors[0] : _factors[d];

    private static long CeilDiv(long a, long b) => (a + b - 1) / b;
}
