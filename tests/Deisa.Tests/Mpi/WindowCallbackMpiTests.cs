namespace Deisa.Tests.Mpi;

/// <summary>Window callbacks over MPI: 4 simulation ranks, 2 workers, three arrays of which two are windowed.</summary>
[Collection(MpiCollection.Name)]
public sealed class WindowCallbackMpiTests
{
    [Theory]
    [InlineData("all", 6)]
    [InlineData("any", 12)]
    public void Sim4_Analytics2_WindowsMatchDense_OnlyRegisteredArraysStepsAndRegionsShipped(string when, int calls)
    {
        MpiResult result = MpiJob.Run(6, "windows", "--grid", "2x2", "--steps", "12", "--when", when, "--analytics", "2", "--worker-on-root");

        Assert.True(result.ExitCode == 0, result.ToString());
        result.AssertChecksPass(2);
        Assert.Equal(calls, result.Lines("CALLS").Single().Split(' ')[1].Split(',').Length);

        // The top row of blocks ships the 12 steps of temperature and 6 of pressure; the bottom row pressure only;
        // nobody ships "unread".
        for (int rank = 0; rank < 4; rank++)
        {
            Assert.Equal(rank < 2 ? 18 : 6, result.Stat(rank, "shipped"));
        }
    }
}
