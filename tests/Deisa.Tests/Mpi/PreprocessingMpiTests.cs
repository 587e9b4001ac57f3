using System.Globalization;

namespace Deisa.Tests.Mpi;

/// <summary>
/// Preprocessing on the producer over MPI: 4 simulation ranks of unequal blocks (half of them publishing with ghost
/// cells), 2 workers. Reading the array each rank derives gives the same bits as the analytics' own selection of the
/// published array, and ships only the derived blocks.
/// </summary>
[Collection(MpiCollection.Name)]
public sealed class PreprocessingMpiTests
{
    private const int Steps = 6;

    [Fact]
    public void Sim4_Analytics2_DerivedArrayEqualsTheAnalyticsSelection_ShipsOnlyItsBytes()
    {
        MpiResult coarse = Run("coarse");
        MpiResult sliced = Run("sliced");

        Assert.Equal("6x5x4", coarse.Lines("SHAPE").Single().Split(' ')[1]);
        Assert.Equal(sliced.Lines("SUMS").Single(), coarse.Lines("SUMS").Single());

        // A 9x7 field on a 2x2 grid: blocks of 5 or 4 rows and 4 or 3 columns. Downsampled by 2, they keep 3 or 2
        // rows and 2 columns each (the starts 5 and 4 are odd and even).
        long[] derivedElements = [3 * 2, 3 * 2, 2 * 2, 2 * 2];
        long[] fullElements = [5 * 4, 5 * 3, 4 * 4, 4 * 3];
        for (int rank = 0; rank < 4; rank++)
        {
            Assert.Equal(Steps * derivedElements[rank] * sizeof(double), coarse.Stat(rank, "bytes"));
            Assert.Equal(Steps, coarse.Stat(rank, "derived"));
            Assert.Equal(Steps * fullElements[rank] * sizeof(double), sliced.Stat(rank, "bytes"));

            // Nobody reads the derived array: it is never computed.
            Assert.Equal(0, sliced.Stat(rank, "derived"));
        }
    }

    [Fact]
    public void Sim4_OneRankWithoutTheOperation_JobEndsNamingTheRankAndTheOperation()
    {
        MpiResult result = MpiJob.Run(6, "preprocessing", "--grid", "2x2", "--analytics", "2", "--unregistered-on", "1");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Simulation rank 1 has no preprocessing operation 'downsample'", result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    private static MpiResult Run(string read)
    {
        MpiResult result = MpiJob.Run(6, "preprocessing", "--grid", "2x2", "--steps", Steps.ToString(CultureInfo.InvariantCulture), "--read", read, "--analytics", "2");
        Assert.True(result.ExitCode == 0, result.ToString());
        result.AssertChecksPass(1);
        return result;
    }
}
