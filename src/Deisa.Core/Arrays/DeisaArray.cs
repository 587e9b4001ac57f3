using System.Globalization;
using Deisa.Core.Arrays.Nodes;
using Deisa.Core.Graph;

namespace Deisa.Core.Arrays;

/// <summary>
/// A lazy n-dimensional array, cut into chunks, each the value of one key: a simulation array over space and time,
/// or anything computed from it. Operations build task graphs; nothing runs until <see cref="Persist"/> or
/// <see cref="Compute"/>.
/// </summary>
/// <remarks>
/// <para>Like a Dask array: slicing (<c>a[Slice.Every(10), 10..20, ..]</c>), element-wise arithmetic, reductions over any
/// axes including time, differences along a dimension, rechunking and concatenation. A slice references only the
/// chunks it needs, so a computation on a slice only ever asks the simulation for those blocks; partial blocks are
/// cut on the workers. Bad input (an unknown dimension, a slice out of range, mismatched shapes) raises when the
/// array is built, never later on a worker. Not thread-safe.</para>
/// <para>An array is a description, whatever the number of steps: its chunks and their tasks are computed from their
/// indices when they are asked for, never listed ahead.</para>
/// <para>Over an open-ended run (<see cref="ArrayDeclaration.OpenEnded"/>) the time dimension has no size until the
/// simulation finishes (<see cref="IsOpenEnded"/>): element-wise arithmetic, slices (a time slice with a start and a
/// step, or a stop, which bounds it), spatial reductions and differences keep it open; reductions over time complete
/// when the run ends. What needs the end up front is refused when the array is built: indices counted from the end,
/// concatenation or rechunking along it, <see cref="ChunkCount"/>, <see cref="BuildGraph"/>.</para>
/// </remarks>
public sealed partial class DeisaArray
{
    /// <summary>The longest expression kept: deeper ones are cut, so a description never grows with the computation.</summary>
    private const int MaxExpressionLength = 240;

    private DeisaArray(DeisaArrays context, string name, string? expression, long[] shape, string[] dimensions, ChunkAxis[] axes, int timeAxis, ArrayNode node, ArrayLayout? source)
    {
        Context = context;
        Name = name;
        Expression = expression is null ? name : expression.Length <= MaxExpressionLength ? expression : string.Concat(expression.AsSpan(0, MaxExpressionLength - 1), "…");
        ShapeArray = shape;
        DimensionArray = dimensions;
        Axes = axes;
        TimeAxis = timeAxis;
        Node = node;
        Source = source;
        ReadsOpenTime = node is SourceNode { Layout.IsOpenEnded: true } || node.Inputs.Any(i => i.ReadsOpenTime);
        node.Array = this;
    }

    /// <summary>Gets the array's name: the key name of its chunks (the simulation's name for a declared array).</summary>
    public string Name { get; }

    /// <summary>Gets how the array was built from the simulation's arrays, as code would write it, for example
    /// <c>field[5:5, :, :].Sum("t")</c>; the name for a simulation array.</summary>
    public string Expression { get; }

    /// <summary>Gets the size of each dimension; an open-ended time dimension (<see cref="IsOpenEnded"/>) reports
    /// <see cref="ArrayDeclaration.OpenEnded"/>, as the run's number of steps is not known before it ends.</summary>
    public IReadOnlyList<long> Shape => ShapeArray;

    /// <summary>
    /// Gets whether the array's time dimension runs to the end of an open-ended run: its steps come until the
    /// simulation finishes, and how many there are is known then (see <see cref="ArrayDeclaration.OpenEnded"/>).
    /// </summary>
    public bool IsOpenEnded => TimeAxis >= 0 && ReferenceEquals(Axes[TimeAxis], ChunkAxis.Open);

    /// <summary>Gets the name of each dimension.</summary>
    public IReadOnlyList<string> DimensionNames => DimensionArray;

    /// <summary>Gets the number of dimensions.</summary>
    public int Rank => ShapeArray.Length;

    /// <summary>Gets the chunk sizes along each dimension, held compactly (a time dimension of a million steps costs what one of ten does).</summary>
    public IReadOnlyList<IReadOnlyList<long>> Chunks => Axes;

    /// <summary>Gets the number of chunks.</summary>
    /// <exception cref="InvalidOperationException">The time dimension is open-ended: its number of chunks is known only when the run ends.</exception>
    public long ChunkCount => IsOpenEnded
        ? throw new InvalidOperationException(
            $"{this} has an open-ended time dimension '{DimensionArray[TimeAxis]}': its number of chunks is known only when the simulation finishes. " +
            "Count the chunks of one step (the other dimensions), or slice a bounded range of steps first.")
        : Axes.Aggregate(1L, (n, a) => n * a.Count);

    /// <summary>Gets the position of the simulation's time dimension in this array, or -1 when a reduction or an index took it away.</summary>
    public int TimeDimension => TimeAxis;

    /// <summary>Gets the layout of the simulation array this is, or null for a computed array.</summary>
    public ArrayLayout? Source { get; }

    /// <summary>Gets the client that submits this array's tasks.</summary>
    public Client.DeisaClient Client => Context.Client;

    internal DeisaArrays Context { get; }

    internal long[] ShapeArray { get; }

    internal string[] DimensionArray { get; }

    /// <summary>Gets the chunks along each dimension.</summary>
    internal ChunkAxis[] Axes { get; }

    /// <summary>Gets the position of the simulation's time dimension in this array, or -1 when it was reduced or indexed away.</summary>
    internal int TimeAxis { get; }

    /// <summary>Gets how the chunks are computed.</summary>
    internal ArrayNode Node { get; }

    /// <summary>Gets whether the array reads, here or through its inputs, a simulation array of an open-ended run.</summary>
    internal bool ReadsOpenTime { get; }

    /// <summary>Gets the key of a chunk.</summary>
    /// <param name="chunk">One chunk index per dimension.</param>
    /// <returns>The key.</returns>
    /// <exception cref="ArgumentOutOfRangeException">No such chunk.</exception>
    public TaskKey KeyOf(params int[] chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (chunk.Length != Rank)
        {
            throw new ArgumentOutOfRangeException(nameof(chunk), $"{this} has {Rank} dimensions; {chunk.Length} chunk indices were given.");
        }

        for (int d = 0; d < Rank; d++)
        {
            if ((uint)chunk[d] >= (uint)Axes[d].Count)
            {
                throw new ArgumentOutOfRangeException(nameof(chunk), $"{this} has {Axes[d].Count} chunks along '{DimensionArray[d]}'; index {chunk[d]} was given.");
            }
        }

        DeisaArray array = this;
        int[] at = chunk;
        while (array.Node.TryForward(at, out DeisaArray input, out int[] inputChunk))
        {
            array = input;
            at = inputChunk;
        }

        return array.Node.KeyOf(at);
    }

    /// <summary>Gets the chunks along one dimension: their sizes and where each starts, in O(log) per lookup.</summary>
    /// <param name="dimension">The dimension's position.</param>
    /// <returns>The axis.</returns>
    /// <exception cref="ArgumentOutOfRangeException">No such dimension.</exception>
    public ChunkAxis ChunksOf(int dimension) => (uint)dimension < (uint)Rank
        ? Axes[dimension]
        : throw new ArgumentOutOfRangeException(nameof(dimension), dimension, $"{this} has {Rank} dimensions.");

    /// <summary>Gets the index of a dimension by name.</summary>
    /// <param name="dimension">The name.</param>
    /// <returns>Its position.</returns>
    /// <exception cref="ArgumentException">No dimension has that name; the message lists them.</exception>
    public int Axis(string dimension)
    {
        int axis = Array.IndexOf(DimensionArray, dimension);
        return axis >= 0
            ? axis
            : throw new ArgumentException($"{this} has no dimension '{dimension}'; its dimensions are {string.Join(", ", DimensionArray.Select(d => $"'{d}'"))}.", nameof(dimension));
    }

    /// <summary>Describes the array: name, how it was built, dimensions and shape.</summary>
    /// <returns>The text, for example <c>'sum-1' = field[5:5, :, :].Sum("t") (Y: 12, X: 9)</c>.</returns>
    public override string ToString() =>
        $"'{Name}'{(Expression == Name ? string.Empty : $" = {Expression}")} ({string.Join(", ", DimensionArray.Select((d, i) => i == TimeAxis && IsOpenEnded ? $"{d}: open" : string.Create(CultureInfo.InvariantCulture, $"{d}: {ShapeArray[i]}")))})";

    internal static DeisaArray FromLayout(DeisaArrays context, ArrayLayout layout)
    {
        int rank = layout.Shape.Count;
        int time = layout.TimeDimension;
        var axes = new ChunkAxis[rank];
        axes[time] = layout.IsOpenEnded ? ChunkAxis.Open : ChunkAxis.Uniform(layout.Steps, 1);
        for (int spatial = 0; spatial < rank - 1; spatial++)
        {
            int d = ArrayDeclaration.SpatialToDimension(spatial, time);
            long[] sizes = new long[layout.BlockGrid[spatial]];
            for (int b = 0; b < sizes.Length; b++)
            {
                int[] block = new int[rank - 1];
                block[spatial] = b;
                sizes[b] = layout.BlockCount(block)[spatial];
            }

            axes[d] = ChunkAxis.FromSizes(sizes);
        }

        return new DeisaArray(context, layout.Name, null, [.. layout.Shape], [.. layout.DimensionNames], axes, time, new SourceNode(layout), layout);
    }

    /// <summary>Gets the size of a chunk along each dimension.</summary>
    internal int[] ChunkShape(ReadOnlySpan<int> chunk)
    {
        int[] shape = new int[Rank];
        for (int d = 0; d < Rank; d++)
        {
            shape[d] = checked((int)Axes[d][chunk[d]]);
        }

        return shape;
    }

    /// <summary>Enumerates every chunk index, row-major; never for an open-ended array, whose chunks go on to the run's end.</summary>
    internal IEnumerable<int[]> ChunkIndices()
    {
        if (IsOpenEnded)
        {
            throw new InvalidOperationException($"{this} is open-ended: its chunks cannot be listed, only walked a step at a time (a bug in Deisa).");
        }

        return ChunkIndices([.. Axes.Select(a => a.Count)]);
    }

    /// <summary>Gets the number of chunks of one time chunk (every chunk for an array without a time axis).</summary>
    internal long ChunksPerTime => Enumerable.Range(0, Rank).Where(d => d != TimeAxis).Aggregate(1L, (n, d) => n * Axes[d].Count);

    /// <summary>Refuses an operation that needs the length of an open-ended time dimension.</summary>
    /// <param name="what">The operation, as the message names it.</param>
    /// <param name="instead">What to do instead.</param>
    internal void ThrowIfOpenEnded(string what, string instead)
    {
        if (IsOpenEnded)
        {
            throw new NotSupportedException(
                $"Cannot {what} of {this}: its time dimension '{DimensionArray[TimeAxis]}' is open-ended, so its number of steps is known only when the simulation finishes. {instead}");
        }
    }

    /// <summary>Enumerates the chunks of one time chunk, row-major over the other dimensions.</summary>
    internal IEnumerable<int[]> ChunksAt(int time)
    {
        int[] counts = [.. Axes.Select(a => a.Count)];
        counts[TimeAxis] = 1;
        foreach (int[] chunk in ChunkIndices(counts))
        {
            chunk[TimeAxis] = time;
            yield return chunk;
        }
    }

    internal static IEnumerable<int[]> ChunkIndices(int[] counts)
    {
        if (counts.Any(c => c == 0))
        {
            yield break;
        }

        int[] index = new int[counts.Length];
        while (true)
        {
            yield return (int[])index.Clone();
            int d = counts.Length - 1;
            while (d >= 0 && ++index[d] == counts[d])
            {
                index[d] = 0;
                d--;
            }

            if (d < 0)
            {
                yield break;
            }
        }
    }

    /// <summary>Creates an array computed by <paramref name="node"/>.</summary>
    private DeisaArray Derived(string name, string expression, long[] shape, string[] dimensions, ChunkAxis[] axes, int timeAxis, ArrayNode node)
    {
        if (shape.Length > TaskKey.MaxIndices)
        {
            throw new NotSupportedException($"Arrays of more than {TaskKey.MaxIndices} dimensions are not supported ({shape.Length} asked).");
        }

        return new DeisaArray(Context, name, expression, shape, dimensions, axes, timeAxis, node, null);
    }

    private static string Quoted(IEnumerable<string> dimensions) => string.Join(", ", dimensions.Select(d => $"\"{d}\""));
}
