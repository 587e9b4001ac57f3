using Deisa.Core.Arrays;
using Deisa.Core.Coupling;

namespace Deisa.Tests.Coupling;

/// <summary>
/// The downsample on the producer against the analytics' own selection: for blocks of every size and start (odd ones
/// included), with ghost cells or without, the ranks' derived blocks tile the derived array and hold exactly
/// <c>field[.., ::f, ::f]</c>.
/// </summary>
public sealed class PreprocessingTests
{
    public static TheoryData<int, int, int, int, int> Cases => new()
    {
        // height, width, blocks along Y, blocks along X, factor
        { 9, 7, 2, 2, 2 },
        { 10, 10, 3, 2, 2 },
        { 12, 9, 2, 3, 3 },
        { 5, 6, 1, 1, 1 },
        { 16, 16, 2, 2, 4 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Downsample2D_BlocksTileTheStridedArray_WithOrWithoutGhosts(int height, int width, int blocksY, int blocksX, int factor)
    {
        Preprocessing downsample = Preprocessing.Downsample(factor);
        long derivedHeight = (height + factor - 1) / factor;
        long derivedWidth = (width + factor - 1) / factor;
        int[,] covered = new int[derivedHeight, derivedWidth];
        for (int by = 0; by < blocksY; by++)
        {
            for (int bx = 0; bx < blocksX; bx++)
            {
                (long y0, long rows) = Split(height, blocksY, by);
                (long x0, long cols) = Split(width, blocksX, bx);
                var source = new ArrayDeclaration("field", ElementType.Float64, [3, height, width], 0, [y0, x0], [rows, cols], ["t", "Y", "X"]);
                ArrayDeclaration derived = downsample.Derive("coarse", source);
                Assert.Equal([3, derivedHeight, derivedWidth], derived.Shape);
                foreach (int ghost in new[] { 0, 2 })
                {
                    long stride = cols + (2 * ghost);
                    double[] field = new double[(rows + (2 * ghost)) * stride];
                    Array.Fill(field, double.NaN);
                    for (long y = 0; y < rows; y++)
                    {
                        for (long x = 0; x < cols; x++)
                        {
                            field[((y + ghost) * stride) + x + ghost] = Value(y0 + y, x0 + x);
                        }
                    }

                    double[] result = new double[derived.BlockElements];
                    downsample.Apply(new BlockView<double>(field.AsSpan((int)((ghost * stride) + ghost)), source, (int)stride), derived, result);
                    for (long y = 0; y < derived.Count[0]; y++)
                    {
                        for (long x = 0; x < derived.Count[1]; x++)
                        {
                            long gy = derived.Start[0] + y;
                            long gx = derived.Start[1] + x;
                            Assert.Equal(Value(gy * factor, gx * factor), result[(y * derived.Count[1]) + x]);
                            if (ghost == 0)
                            {
                                covered[gy, gx]++;
                            }
                        }
                    }
                }
            }
        }

        Assert.All(covered.Cast<int>(), c => Assert.Equal(1, c));
    }

    [Fact]
    public void Downsample3D_PerDimensionStrides_TimeAnywhere()
    {
        Preprocessing downsample = Preprocessing.Downsample(2, 1, 3);
        var source = new ArrayDeclaration("v", ElementType.Int64, [5, 4, 7, 9], 1, [1, 2, 3], [3, 4, 5], ["z", "t", "y", "x"]);
        ArrayDeclaration derived = downsample.Derive("v_coarse", source);

        Assert.Equal([3, 4, 7, 3], derived.Shape);
        Assert.Equal([1, 2, 1], derived.Start);
        Assert.Equal([1, 4, 2], derived.Count);
        long[] block = new long[source.BlockElements];
        for (int i = 0; i < block.Length; i++)
        {
            // z, y, x of the element, in the global array.
            long z = 1 + (i / 20);
            long y = 2 + (i / 5 % 4);
            long x = 3 + (i % 5);
            block[i] = (z * 10000) + (y * 100) + x;
        }

        long[] result = new long[derived.BlockElements];
        downsample.Apply(new BlockView<long>(block, source, 5), derived, result);

        long[] expected = [.. from y in Enumerable.Range(2, 4) from x in new[] { 3, 6 } select (2 * 10000) + (y * 100) + x];
        Assert.Equal(expected, result);
    }

    [Fact]
    public void BadInput_NamesWhatWasWrong()
    {
        ArgumentException zero = Assert.Throws<ArgumentException>(() => Preprocessing.Downsample(0));
        Assert.Contains("one stride of 1 or more", zero.Message, StringComparison.Ordinal);

        var source = new ArrayDeclaration("field", ElementType.Float64, [3, 8, 8], 0, [0, 0], [8, 8], ["t", "Y", "X"]);
        ArgumentException strides = Assert.Throws<ArgumentException>(() => Preprocessing.Downsample(2, 2, 2).Derive("c", source));
        Assert.Contains("'field' has 2 spatial dimension(s); the downsample gives 3 strides", strides.Message, StringComparison.Ordinal);

        var view = new double[10];
        ArgumentException shortView = Assert.Throws<ArgumentException>(() => new BlockView<double>(view, source, 8));
        Assert.Contains("needs 64 elements; it has 10", shortView.Message, StringComparison.Ordinal);
    }

    private static double Value(long y, long x) => (100.0 * y) + x + 0.5;

    private static (long Start, long Count) Split(long size, int parts, int index)
    {
        long baseCount = size / parts;
        long extra = size % parts;
        return ((index * baseCount) + Math.Min(index, extra), baseCount + (index < extra ? 1 : 0));
    }
}
