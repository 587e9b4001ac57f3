using System.Text.Json;

namespace Deisa.Tests.Mpi;

/// <summary>
/// The whole-workflow benchmark on a tiny layout: it must keep running (it launches every mode under mpiexec.mpich),
/// and what it reports must be what the modes do. Its speed figures are measured by hand into BENCHMARKS.md.
/// </summary>
[Collection(MpiCollection.Name)]
public sealed class WorkflowBenchmarkTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("deisa-workflow-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Compare_TinyLayout_ReportsEveryModeAndTheSelectiveCaseShipsItsBlocksOnly()
    {
        // 1x2 grid of 64x32 blocks, 11 steps: the selective case reads steps 0 and 10 of the top-left quarter, which
        // lies in one block: 2 blocks shipped, against 22 for everything.
        MpiResult result = MpiJob.RunProcess(
            "dotnet", MpiJob.WorkflowBenchmark, "compare", "--size", "64", "--steps", "11", "--inner", "2", "--grid", "1x2", "--repeat", "1", "--out", _folder);

        Assert.True(result.ExitCode == 0, result.ToString());
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder, "compare.json")));
        var rows = report.RootElement.EnumerateArray().ToDictionary(
            r => r.GetProperty("Mode").GetString() + (r.GetProperty("Selective").GetBoolean() ? ", selective" : string.Empty) + (r.GetProperty("LightAnalytics").GetBoolean() ? ", light" : string.Empty) + (r.GetProperty("Neighbour").GetBoolean() ? ", beside" : string.Empty) + (r.GetProperty("CopyBudgetMib").GetInt32() is > 0 and int mib ? $", copies {mib}" : string.Empty),
            r => (Blocks: r.GetProperty("BlocksShipped").GetInt64(), FromSimulation: r.GetProperty("SchedulerMessagesFromSimulation").GetInt64(), Total: r.GetProperty("TotalSeconds").GetDouble()));

        // Two 64 x 32 blocks of budget: 32 KiB, rounded up to 1 MiB.
        Assert.Equal(["none", "deisa3", "deisa1", "posthoc", "deisa3, selective", "deisa1, selective", "deisa3, light", "none, beside", "deisa3, copies 1"], rows.Keys);
        Assert.Equal(0, rows["none"].Blocks);
        Assert.Equal(22, rows["deisa3"].Blocks);
        Assert.Equal(22, rows["deisa1"].Blocks);
        Assert.Equal(22, rows["posthoc"].Blocks);
        Assert.Equal(2, rows["deisa3, selective"].Blocks);
        Assert.Equal(22, rows["deisa1, selective"].Blocks);
        Assert.Equal(22, rows["deisa3, light"].Blocks);
        Assert.Equal(0, rows["none, beside"].Blocks);
        Assert.Equal(22, rows["deisa3, copies 1"].Blocks);

        // Deisa3: the simulation tells the scheduler once per rank (declarations, finish), Deisa1 once per block too.
        Assert.True(rows["deisa3"].FromSimulation + 22 <= rows["deisa1"].FromSimulation, $"{rows["deisa3"]} against {rows["deisa1"]}");
        Assert.All(rows.Values, r => Assert.True(r.Total > 0));

        byte[] png = File.ReadAllBytes(Path.Combine(_folder, "workflow.png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        string table = File.ReadAllText(Path.Combine(_folder, "compare.md"));
        Assert.Contains("| deisa3, selective |", table, StringComparison.Ordinal);
        Assert.Contains("| deisa3, sent from copies (1 MiB) |", table, StringComparison.Ordinal);
        Assert.Contains("copy_budget_mib: 1", File.ReadAllText(Directory.GetFiles(_folder, "heat.yml", SearchOption.AllDirectories).Single(f => f.Contains("-copies-", StringComparison.Ordinal))), StringComparison.Ordinal);
    }

    [Fact]
    public void ScaleModel_TinyRun_SchedulerForgetsEverythingAndTheContractIsOneIntervalPerBlock()
    {
        // 16 ranks (a 4x4 grid of blocks) x 50 steps, both modes, each in its own child process.
        MpiResult result = MpiJob.RunProcess(
            "dotnet", MpiJob.WorkflowBenchmark, "scale-model", "--ranks", "16", "--steps", "50", "--deisa1-steps", "50", "--out", _folder);

        Assert.True(result.ExitCode == 0, result.ToString());
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder, "scale-model.json")));
        var rows = report.RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("Mode").GetString()!);
        Assert.Equal(["deisa3", "deisa1"], rows.Keys);
        foreach ((string mode, JsonElement row) in rows)
        {
            long Get(string name) => row.GetProperty(name).GetInt64();
            Assert.True(Get("Ranks") == 16 && Get("Steps") == 50, mode);

            // Nothing left anywhere once the analytics let go, and every step's result reached the client.
            Assert.Equal(0, Get("TasksLeft"));
            Assert.Equal(0, Get("HeldLeft"));
            Assert.Equal(0, Get("ClientKeysLeft"));
            Assert.Equal(0, Get("PinsLeft"));
            Assert.Equal(50, Get("ResultsCollected"));

            // One entry per block, its 50 steps a single interval, whatever the run's length.
            Assert.Equal(16, Get("ContractRanks"));
            Assert.Equal(16, Get("ContractEntries"));
            Assert.Equal(16, Get("ContractBlocks"));
            Assert.Equal(1, Get("ContractMaxIntervals"));
            Assert.Equal(16 * 50, Get("ContractSteps"));
            Assert.InRange(Get("ContractBytes"), 16, 16 * 200);
            Assert.True(row.GetProperty("SchedulerCpuMsPerStep").GetDouble() > 0, mode);
        }

        // Deisa3: no message from the simulation per step; the interest is one requirement over every step and block;
        // the client sends one window per step it newly reaches (the first 8 came at set-up) and one release per result.
        Assert.Equal(0, rows["deisa3"].GetProperty("FromSimulation").GetInt64());
        Assert.Equal(["global_t steps 0..49 blocks (0..3 x 0..3)"], rows["deisa3"].GetProperty("Requirements").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(50 + (50 - 8), rows["deisa3"].GetProperty("FromClient").GetInt64());

        // Deisa1: one announcement per block per step.
        Assert.Equal(16 * 50, rows["deisa1"].GetProperty("FromSimulation").GetInt64());
        Assert.Contains("| 16 | 50 | deisa3 |", File.ReadAllText(Path.Combine(_folder, "scale-model.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void ScaleModel_RanksNotASquare_NamesTheOptionAndTheExpectedForm()
    {
        MpiResult result = MpiJob.RunProcess("dotnet", MpiJob.WorkflowBenchmark, "scale-model", "--ranks", "1000", "--out", _folder);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--ranks '1000': expected comma-separated positive numbers that are perfect squares", result.Stderr + result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_BadGrid_NamesTheOptionAndTheExpectedForm()
    {
        MpiResult result = MpiJob.RunProcess("dotnet", MpiJob.WorkflowBenchmark, "compare", "--grid", "2by2", "--out", _folder);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--grid '2by2': expected ROWSxCOLS", result.Stderr + result.Stdout, StringComparison.Ordinal);
    }
}
