using Deisa.Core.Arrays;
using Deisa.Core.Graph;

namespace Deisa.Tests.Graph;

public sealed class ArrayLayoutTests
{
    private static ArrayDeclaration Block(long[] start, long[] count, int timeDimension = 0, long[]? shape = null) =>
        new("field", ElementType.Float64, shape ?? [5, 7, 9], timeDimension, start, count);

    [Fact]
    public void Assemble_UnequalBlocks_GridAndKeys()
    {
        ArrayLayout layout = ArrayLayout.Assemble([
            (0, Block([0, 0], [4, 5])), (1, Block([0, 5], [4, 4])),
            (2, Block([4, 0], [3, 5])), (3, Block([4, 5], [3, 4]))]);

        Assert.Equal([2, 2], layout.BlockGrid);
        Assert.Equal(5, layout.Steps);
        Assert.Equal([1, 1], layout.BlockOf(3));
        Assert.Equal(2, layout.ProducerOf([1, 0]));
        Assert.Equal(12, layout.BlockElements([1, 1]));
        Assert.Equal(new TaskKey("field", 4, 1, 0), layout.KeyOf(4, [1, 0]));
        Span<int> block = stackalloc int[2];
        Assert.True(layout.TryParseKey(("field", 2, 0, 1), out int step, block));
        Assert.Equal(2, step);
        Assert.Equal([0, 1], block.ToArray());
        Assert.False(layout.TryParseKey(("field", 5, 0, 1), out _, block));
    }

    [Fact]
    public void Assemble_TimeDimensionLast_Works()
    {
        ArrayLayout layout = ArrayLayout.Assemble([(0, Block([0, 0], [7, 9], timeDimension: 2, shape: [7, 9, 3]))]);

        Assert.Equal(3, layout.Steps);
        Assert.Equal([1, 1], layout.BlockGrid);
    }

    [Theory]
    [InlineData(new long[] { 0, 0, 5, 0 }, new long[] { 4, 9, 2, 9 }, "leave a gap at 4")]
    [InlineData(new long[] { 0, 0, 3, 0 }, new long[] { 4, 9, 4, 9 }, "overlap at 3")]
    [InlineData(new long[] { 0, 0, 4, 0 }, new long[] { 4, 9, 2, 9 }, "cover [0, 6) but the global size is 7")]
    public void Assemble_BadTiling_NamesTheProblem(long[] starts, long[] counts, string expected)
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => ArrayLayout.Assemble([
            (0, Block([starts[0], starts[1]], [counts[0], counts[1]])),
            (1, Block([starts[2], starts[3]], [counts[2], counts[3]]))]));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Assemble_DifferentShapes_NamesBothRanks()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => ArrayLayout.Assemble([
            (0, Block([0, 0], [7, 9])), (5, Block([0, 0], [7, 9], shape: [6, 7, 9]))]));

        Assert.Contains("Ranks 0 and 5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Declaration_BlockOutsideShape_NamesDimension()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => new ArrayDeclaration(
            "f", ElementType.Float64, [5, 7, 9], 0, [0, 8], [7, 2], ["t", "X", "Y"]));

        Assert.Contains("dimension 'Y'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Declaration_StartWithTimeEntry_ExplainsSpatialOnly()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => new ArrayDeclaration(
            "f", ElementType.Float64, [5, 7, 9], 0, [0, 0, 0], [1, 7, 9]));

        Assert.Contains("spatial", error.Message, StringComparison.Ordinal);
    }
}
