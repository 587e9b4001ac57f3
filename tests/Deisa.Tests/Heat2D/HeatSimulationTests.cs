using Deisa.Heat2D.Output;
using Deisa.Heat2D.Simulation;

namespace Deisa.Tests.Heat2D;

public sealed class HeatSimulationTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(1, 2)]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    public async Task Blocks_AnyDecomposition_BitIdenticalToSerial(int rows, int cols)
    {
        // 13 columns per block: the vectorised loop and its scalar tail both run.
        const int Height = 18;
        const int Width = 26;
        const int Iterations = 40;
        HeatBlock[] blocks = [.. Enumerable.Range(0, rows * cols).Select(r => new HeatBlock(new Decomposition(r, rows, cols, Height, Width)))];
        using var failed = new CancellationTokenSource();
        using var halo = new SharedHaloExchange(blocks, failed.Token);
        await Task.WhenAll([.. blocks.Select(block => Task.Factory.StartNew(
            () =>
            {
                for (int i = 0; i < Iterations; i++)
                {
                    halo.Exchange(block);
                    block.Iterate();
                }
            },
            TaskCreationOptions.LongRunning))]);

        var serial = new SerialHeatField(Height, Width);
        serial.Advance(Iterations);
        foreach (HeatBlock block in blocks)
        {
            for (int y = 0; y < block.Rows; y++)
            {
                for (int x = 0; x < block.Cols; x++)
                {
                    double expected = serial[block.Place.Y0 + y, block.Place.X0 + x];
                    Assert.True(
                        BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(block[y, x]),
                        $"{rows}x{cols}, cell ({block.Place.Y0 + y}, {block.Place.X0 + x}): {block[y, x]:R}, serial {expected:R}.");
                }
            }
        }

        Assert.True(serial[0, 0] > 0, "The left border's heat never reached the interior.");
    }

    [Fact]
    public void Lend_WholeStepOfIterations_LentBufferUntouchedAndFieldStillExact()
    {
        const int Height = 10;
        const int Width = 12;
        var block = new HeatBlock(new Decomposition(0, 1, 1, Height, Width));
        var serial = new SerialHeatField(Height, Width);
        for (int step = 0; step < 4; step++)
        {
            double[] lent = block.Lend();
            double[] snapshot = [.. lent];
            for (int i = 0; i < 5; i++)
            {
                block.Iterate();
                Assert.False(ReferenceEquals(lent, block.Current), $"Step {step}, iteration {i}: the lent buffer became current again.");
            }

            Assert.Equal(snapshot, lent);
            block.GiveBack();
            serial.Advance(5);
            for (int y = 0; y < Height; y++)
            {
                for (int x = 0; x < Width; x++)
                {
                    Assert.Equal(BitConverter.DoubleToInt64Bits(serial[y, x]), BitConverter.DoubleToInt64Bits(block[y, x]));
                }
            }
        }

        block.Lend();
        InvalidOperationException twice = Assert.Throws<InvalidOperationException>(() => block.Lend());
        Assert.Contains("already lent", twice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decomposition_Neighbours_FollowTheGrid()
    {
        var place = new Decomposition(4, 3, 3, 30, 30);
        Assert.Equal((1, 1, 10, 10), (place.Py, place.Px, place.Y0, place.X0));
        Assert.Equal((1, 7, 3, 5), (place.North, place.South, place.West, place.East));
        var corner = new Decomposition(0, 3, 3, 30, 30);
        Assert.Equal((Decomposition.None, 3, Decomposition.None, 1), (corner.North, corner.South, corner.West, corner.East));
    }

    [Fact]
    public void Npy_RoundTrip_AndNumpyHeader()
    {
        string path = Path.Combine(Path.GetTempPath(), $"deisa-{Guid.NewGuid():N}.npy");
        try
        {
            double[] data = [.. Enumerable.Range(0, 12).Select(i => i * 0.5)];
            NpyFile.Write(path, data, 3, 4);
            byte[] bytes = File.ReadAllBytes(path);
            Assert.Equal(0, (10 + BitConverter.ToUInt16(bytes, 8)) % 64);
            Assert.Contains("'shape': (3, 4)", System.Text.Encoding.ASCII.GetString(bytes, 10, 60), StringComparison.Ordinal);
            Assert.Equal(data, NpyFile.Read(path, out int[] shape));
            Assert.Equal([3, 4], shape);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
