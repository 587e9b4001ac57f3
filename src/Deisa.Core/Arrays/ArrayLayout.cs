using Deisa.Core.Graph;

namespace Deisa.Core.Arrays;

/// <summary>
/// An array as the analytics see it: its global shape over time and the grid of blocks the simulation ranks
/// publish, assembled from every rank's <see cref="ArrayDeclaration"/>.
/// </summary>
/// <remarks>
/// Block (i, j…) of step t is the external key <c>(name, t, i, j…)</c>. Blocks may differ in size (a global size
/// that does not divide evenly), but together they must tile the domain: along each spatial dimension the ranks'
/// intervals are contiguous and disjoint, and every cell of the block grid belongs to exactly one rank.
/// </remarks>
public sealed class ArrayLayout
{
    private readonly long[][] _blockStarts;
    private readonly long[][] _blockCounts;
    private readonly Dictionary<int, int[]> _blockOfProducer;
    private readonly Dictionary<long, int> _producerOfBlock;

    private ArrayLayout(ArrayDeclaration first, long[][] blockStarts, long[][] blockCounts, Dictionary<int, int[]> blockOfProducer)
    {
        Name = first.Name;
        ElementType = first.ElementType;
        Shape = first.Shape;
        TimeDimension = first.TimeDimension;
        DimensionNames = first.DimensionNames;
        _blockStarts = blockStarts;
        _blockCounts = blockCounts;
        _blockOfProducer = blockOfProducer;
        _producerOfBlock = blockOfProducer.ToDictionary(e => BlockId(e.Value), e => e.Key);
        BlockGrid = blockStarts.Select(s => s.Length).ToArray();
        NameCode = KeyNames.Intern(Name);
    }

    /// <summary>Gets the array's name.</summary>
    public string Name { get; }

    /// <summary>Gets the code of <see cref="Name"/>, which the keys of its blocks carry.</summary>
    internal long NameCode { get; }

    /// <summary>Gets the element type.</summary>
    public ElementType ElementType { get; }

    /// <summary>Gets the global shape, time included.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>Gets the position of the time dimension.</summary>
    public int TimeDimension { get; }

    /// <summary>Gets the number of steps; <see cref="int.MaxValue"/> for an open-ended run.</summary>
    public int Steps => (int)Shape[TimeDimension];

    /// <summary>Gets whether the time dimension was declared without an end (<see cref="ArrayDeclaration.OpenEnded"/>).</summary>
    public bool IsOpenEnded => Shape[TimeDimension] == ArrayDeclaration.OpenEnded;

    /// <summary>Gets the dimension names, time included.</summary>
    public IReadOnlyList<string> DimensionNames { get; }

    /// <summary>Gets the number of blocks along each spatial dimension.</summary>
    public IReadOnlyList<int> BlockGrid { get; }

    /// <summary>Gets the number of blocks per step.</summary>
    public int BlocksPerStep => BlockGrid.Aggregate(1, (a, b) => a * b);

    /// <summary>Gets the producer (simulation rank) of every block.</summary>
    public IReadOnlyCollection<int> Producers => _blockOfProducer.Keys;

    /// <summary>Assembles the layout of one array from its declarations, checking that the blocks tile the domain.</summary>
    /// <param name="declarations">Each producer's declaration of the array.</param>
    /// <returns>The layout.</returns>
    /// <exception cref="ArgumentException">The declarations disagree or do not tile the domain; the message names the ranks and values.</exception>
    public static ArrayLayout Assemble(IReadOnlyList<(int Producer, ArrayDeclaration Declaration)> declarations)
    {
        ArgumentNullException.ThrowIfNull(declarations);
        if (declarations.Count == 0)
        {
            throw new ArgumentException("An array needs at least one declaration.", nameof(declarations));
        }

        (int firstRank, ArrayDeclaration first) = declarations[0];
        foreach ((int rank, ArrayDeclaration other) in declarations)
        {
            if (other.Name != first.Name || other.ElementType != first.ElementType || !other.Shape.SequenceEqual(first.Shape) ||
                other.TimeDimension != first.TimeDimension || !other.DimensionNames.SequenceEqual(first.DimensionNames))
            {
                throw new ArgumentException(
                    $"Ranks {firstRank} and {rank} declare '{first.Name}' differently: {first} versus {other}. Every rank must declare the same global array.",
                    nameof(declarations));
            }
        }

        int spatial = first.Shape.Count - 1;
        long[][] starts = new long[spatial][];
        long[][] counts = new long[spatial][];
        for (int d = 0; d < spatial; d++)
        {
            string dimension = first.DimensionNames[ArrayDeclaration.SpatialToDimension(d, first.TimeDimension)];
            long size = first.Shape[ArrayDeclaration.SpatialToDimension(d, first.TimeDimension)];
            var intervals = new SortedDictionary<long, long>();
            foreach ((int rank, ArrayDeclaration declaration) in declarations)
            {
                long start = declaration.Start[d];
                long count = declaration.Count[d];
                if (intervals.TryGetValue(start, out long existing) && existing != count)
                {
                    throw new ArgumentException(
                        $"Array '{first.Name}', dimension '{dimension}': blocks starting at {start} have sizes {existing} and {count} (rank {rank}); blocks must form a grid.",
                        nameof(declarations));
                }

                intervals[start] = count;
            }

            long expected = 0;
            foreach ((long start, long count) in intervals)
            {
                if (start != expected)
                {
                    throw new ArgumentException(
                        $"Array '{first.Name}', dimension '{dimension}': the blocks {(start > expected ? "leave a gap" : "overlap")} at {Math.Min(start, expected)} (a block starts at {start}, the previous ends at {expected}).",
                        nameof(declarations));
                }

                expected = start + count;
            }

            if (expected != size)
            {
                throw new ArgumentException(
                    $"Array '{first.Name}', dimension '{dimension}': the blocks cover [0, {expected}) but the global size is {size}.", nameof(declarations));
            }

            starts[d] = [.. intervals.Keys];
            counts[d] = [.. intervals.Values];
        }

        var blockOf = new Dictionary<int, int[]>();
        var owner = new Dictionary<string, int>();
        foreach ((int rank, ArrayDeclaration declaration) in declarations)
        {
            int[] block = new int[spatial];
            for (int d = 0; d < spatial; d++)
            {
                block[d] = Array.BinarySearch(starts[d], declaration.Start[d]);
            }

            string id = string.Join(",", block);
            if (owner.TryGetValue(id, out int other))
            {
                throw new ArgumentException($"Array '{first.Name}': ranks {other} and {rank} both declare block ({id}).", nameof(declarations));
            }

            if (!blockOf.TryAdd(rank, block))
            {
                throw new ArgumentException($"Array '{first.Name}': rank {rank} declares it twice.", nameof(declarations));
            }

            owner[id] = rank;
        }

        int cells = starts.Aggregate(1, (a, s) => a * s.Length);
        if (owner.Count != cells)
        {
            throw new ArgumentException(
                $"Array '{first.Name}': the blocks form a {string.Join("x", starts.Select(s => s.Length))} grid of {cells} cells, but only {owner.Count} rank(s) declare a block; every cell needs one.",
                nameof(declarations));
        }

        return new ArrayLayout(first, starts, counts, blockOf);
    }

    /// <summary>Gets the block that a producer publishes.</summary>
    /// <param name="producer">The producer's rank.</param>
    /// <returns>The block indices, or null if that rank does not publish this array.</returns>
    public IReadOnlyList<int>? BlockOf(int producer) => _blockOfProducer.TryGetValue(producer, out int[]? block) ? block : null;

    /// <summary>Gets the producer of a block.</summary>
    /// <param name="block">The block indices.</param>
    /// <returns>The producer's rank.</returns>
    public int ProducerOf(ReadOnlySpan<int> block) => _producerOfBlock[BlockId(block)];

    /// <summary>Gets the start of a block in each spatial dimension.</summary>
    /// <param name="block">The block indices.</param>
    /// <returns>The start.</returns>
    public long[] BlockStart(ReadOnlySpan<int> block)
    {
        long[] start = new long[block.Length];
        for (int d = 0; d < block.Length; d++)
        {
            start[d] = _blockStarts[d][block[d]];
        }

        return start;
    }

    /// <summary>Gets the size of a block in each spatial dimension.</summary>
    /// <param name="block">The block indices.</param>
    /// <returns>The size.</returns>
    public long[] BlockCount(ReadOnlySpan<int> block)
    {
        long[] count = new long[block.Length];
        for (int d = 0; d < block.Length; d++)
        {
            count[d] = _blockCounts[d][block[d]];
        }

        return count;
    }

    /// <summary>Gets the number of elements of a block.</summary>
    /// <param name="block">The block indices.</param>
    /// <returns>The element count.</returns>
    public long BlockElements(ReadOnlySpan<int> block)
    {
        long n = 1;
        for (int d = 0; d < block.Length; d++)
        {
            n *= _blockCounts[d][block[d]];
        }

        return n;
    }

    /// <summary>Gets the external key of block <paramref name="block"/> at step <paramref name="step"/>.</summary>
    /// <param name="step">The step.</param>
    /// <param name="block">The block indices.</param>
    /// <returns>The key <c>(name, step, block…)</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The step or block is outside the array.</exception>
    public TaskKey KeyOf(int step, ReadOnlySpan<int> block)
    {
        if ((uint)step >= (uint)Steps)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, $"Array '{Name}' has steps 0 to {Steps - 1}.");
        }

        if (block.Length != BlockGrid.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(block), $"Array '{Name}' has {BlockGrid.Count} block indices; {block.Length} were given.");
        }

        Span<int> indices = stackalloc int[TaskKey.MaxIndices];
        indices[0] = step;
        for (int d = 0; d < block.Length; d++)
        {
            if ((uint)block[d] >= (uint)BlockGrid[d])
            {
                throw new ArgumentOutOfRangeException(nameof(block), $"Array '{Name}' has {BlockGrid[d]} blocks along spatial dimension {d}; index {block[d]} was given.");
            }

            indices[d + 1] = block[d];
        }

        return new TaskKey(Name, indices[..(block.Length + 1)]);
    }

    /// <summary>Reads the step and block of one of this array's keys.</summary>
    /// <param name="key">A key.</param>
    /// <param name="step">The step.</param>
    /// <param name="block">Receives the block indices; as long as <see cref="BlockGrid"/>.</param>
    /// <returns>Whether the key names a block of this array inside its bounds.</returns>
    public bool TryParseKey(TaskKey key, out int step, Span<int> block)
    {
        step = -1;
        if (key.NameCode != NameCode || key.IndexCount != BlockGrid.Count + 1)
        {
            return false;
        }

        step = key[0];
        if ((uint)step >= (uint)Steps)
        {
            return false;
        }

        for (int d = 0; d < BlockGrid.Count; d++)
        {
            block[d] = key[d + 1];
            if ((uint)block[d] >= (uint)BlockGrid[d])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Gets a number that names a block position, for dictionaries keyed by block.</summary>
    /// <param name="block">The block indices.</param>
    /// <returns>The number; distinct for distinct positions of one array.</returns>
    internal static long BlockId(ReadOnlySpan<int> block)
    {
        long id = 0;
        foreach (int b in block)
        {
            id = (id * 1_000_003) + b;
        }

        return id;
    }
}
