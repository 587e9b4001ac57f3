using System.Globalization;
using Deisa.Heat2D;

namespace Deisa.Tests.Heat2D;

public sealed class InProcessDemoTests
{
    [Fact]
    public void Run_PrintsEachStepsMean_EqualToDenseComputation()
    {
        var settings = new DemoSettings(Height: 13, Width: 10, BlocksY: 2, BlocksX: 3, Steps: 6, Inner: 3, Workers: 3);
        using var output = new StringWriter();

        int code = InProcessDemo.Run(settings, output);

        Assert.Equal(0, code);
        var field = new HeatField(settings.Height, settings.Width);
        string[] lines = output.ToString().Split('\n', StringSplitOptions.TrimEntries);
        double previous = 0;
        for (int t = 0; t < settings.Steps; t++)
        {
            field.Advance(settings.Inner);
            double sum = 0;
            for (int y = 0; y < settings.Height; y++)
            {
                for (int x = 0; x < settings.Width; x++)
                {
                    sum += field[y, x];
                }
            }

            double mean = sum / (settings.Height * settings.Width);
            string line = Assert.Single(lines, l => l.StartsWith($"{t} ", StringComparison.Ordinal));
            string[] columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(mean, double.Parse(columns[1], CultureInfo.InvariantCulture), 1e-3);
            if (t > 0)
            {
                Assert.Equal(mean - previous, double.Parse(columns[2], CultureInfo.InvariantCulture), 1e-3);
            }

            previous = mean;
        }
    }

    [Fact]
    public void HeatField_Blocks_TileTheFieldExactly()
    {
        var field = new HeatField(7, 5);
        field.Advance(4);

        double total = 0;
        int cells = 0;
        for (int by = 0; by < 3; by++)
        {
            for (int bx = 0; bx < 2; bx++)
            {
                double[] block = field.CopyBlock(by, bx, 3, 2);
                cells += block.Length;
                total += block.Sum();
            }
        }

        double expected = 0;
        for (int y = 0; y < 7; y++)
        {
            for (int x = 0; x < 5; x++)
            {
                expected += field[y, x];
            }
        }

        Assert.Equal(35, cells);
        Assert.Equal(expected, total, 1e-6);
    }
}
