namespace Deisa.Tests.Mpi;

[Collection(MpiCollection.Name)]
public sealed class MinimalSampleTests
{
    [Fact]
    public void Sim2_Analytics1_MinimalSample_PrintsTotals_ShipsHalfTheBlocks()
    {
        string sample = Locate();

        MpiResult result = MpiJob.RunProgram(3, sample);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("rank 0: shipped 5 of 10 blocks", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("rank 1: shipped 5 of 10 blocks", result.Stdout, StringComparison.Ordinal);
        for (int step = 0; step < 10; step += 2)
        {
            // Rank r fills its 1000 cells with step + r / 2: the total is 2000 step + 500.
            Assert.Contains($"step {step}: total {(2000 * step) + 500}", result.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Guide_ContainsTheSampleVerbatim()
    {
        string root = RepositoryRoot();
        string guide = File.ReadAllText(Path.Combine(root, "docs", "using-deisa-from-mpi.md"));
        string program = File.ReadAllText(Path.Combine(root, "samples", "Deisa.Samples.Minimal", "Program.cs"));

        Assert.Contains(program, guide, StringComparison.Ordinal);
    }

    private static string Locate()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        string path = Path.Combine(RepositoryRoot(), "samples", "Deisa.Samples.Minimal", "bin", here.Parent!.Name, here.Name, "Deisa.Samples.Minimal.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("Build the solution first.", path);
    }

    private static string RepositoryRoot()
    {
        DirectoryInfo? root = new(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Deisa.sln")))
        {
            root = root.Parent;
        }

        return root?.FullName ?? throw new DirectoryNotFoundException("Deisa.sln not found above the test binaries.");
    }
}
