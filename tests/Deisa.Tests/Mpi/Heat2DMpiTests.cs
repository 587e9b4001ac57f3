using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Deisa.Tests.Heat2D;

namespace Deisa.Tests.Mpi;

/// <summary>The mini-app under mpiexec.mpich: fields, analytics, bad input and signals.</summary>
[Collection(MpiCollection.Name)]
public sealed class Heat2DMpiTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("deisa-heat-mpi-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(1, 2)]
    [InlineData(2, 2)]
    public void ModeNone_AnyProcessGrid_FieldBitIdenticalToSerial(int rows, int cols)
    {
        // 14 columns per block over 2 ranks: vector loop and scalar tail; halos through MPI derived datatypes.
        var run = new HeatCase(Height: 24, Width: 28, Rows: rows, Cols: cols, Steps: 3, Inner: 7, AnalyticsRanks: 1, Mode: "none");

        MpiResult result = MpiJob.RunProgram(run.Ranks, MpiJob.Heat2D, "--config", run.Write(_folder));

        Assert.True(result.ExitCode == 0, result.ToString());
        run.AssertField(Path.Combine(_folder, "out"));
    }

    [Theory]
    [InlineData("deisa3", 2, 1, 2)]
    [InlineData("deisa1", 2, 2, 1)]
    [InlineData("posthoc", 1, 2, 1)]
    public void Modes_AnalyticsEqualDenseComputation(string mode, int rows, int cols, int analytics)
    {
        var run = new HeatCase(Height: 24, Width: 20, Rows: rows, Cols: cols, Steps: 6, Inner: 4, AnalyticsRanks: analytics, Mode: mode)
        {
            RollingWindow = mode == "deisa1" ? null : 3,
        };

        MpiResult result = MpiJob.RunProgram(run.Ranks, MpiJob.Heat2D, "--config", run.Write(_folder));

        Assert.True(result.ExitCode == 0, result.ToString());
        string output = Path.Combine(_folder, "out");
        run.AssertResults(output);
        run.AssertField(output);
        Assert.Contains($"mode {mode}, {run.Ranks} MPI ranks", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("leaked", result.Stderr, StringComparison.Ordinal);
        if (mode != "posthoc")
        {
            // Each analytics rank, and simulation rank 0 for all, says at start what it runs besides its work.
            int root = rows * cols;
            string[] said = [.. result.Stdout.Split('\n').Where(l => l.StartsWith("deisa: world rank ", StringComparison.Ordinal))];
            Assert.True(said.Length == analytics + 1, result.Stdout);
            Assert.Contains(said, l => l.StartsWith("deisa: world rank 0, simulation rank: communication thread polling ", StringComparison.Ordinal));
            string rootWorker = analytics == 1 ? "1 executor thread, " : string.Empty;
            Assert.Contains(said, l => l.StartsWith($"deisa: world rank {root}, analytics root: scheduler thread, {rootWorker}communication thread polling ", StringComparison.Ordinal));
            Assert.All(Enumerable.Range(root + 1, analytics - 1), w => Assert.Contains(said, l => l.StartsWith($"deisa: world rank {w}, analytics worker: 1 executor thread, ", StringComparison.Ordinal)));
            Assert.All(said, l => Assert.Contains(" ranks on the node's ", l, StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("deisa3")]
    [InlineData("posthoc")]
    public void Backpressure_TwoStepsInFlight_AnalyticsExactAndTheBoundHeld(string mode)
    {
        // 30 steps, every analytic (the PCA chains the steps, the time derivative reads pairs): credits from the
        // workers must keep the window moving without losing or reordering anything.
        var run = new HeatCase(Height: 24, Width: 20, Rows: 2, Cols: 1, Steps: 30, Inner: 2, AnalyticsRanks: 2, Mode: mode) { MaxStepsInFlight = 2 };

        MpiResult result = MpiJob.RunProgram(run.Ranks, MpiJob.Heat2D, "--config", run.Write(_folder));

        Assert.True(result.ExitCode == 0, result.ToString());
        string output = Path.Combine(_folder, "out");
        run.AssertResults(output);
        if (mode == "deisa3")
        {
            System.Text.RegularExpressions.Match bound = System.Text.RegularExpressions.Regex.Match(result.Stdout, @"backpressure at most (\d+) of 2 steps in flight");
            Assert.True(bound.Success, result.Stdout);
            Assert.InRange(int.Parse(bound.Groups[1].Value, CultureInfo.InvariantCulture), 1, 2);
        }
    }

    [Theory]
    [InlineData("deisa3")]
    [InlineData("deisa1")]
    public void CopyBudget_BlocksSentFromCopies_AnalyticsExact(string mode)
    {
        // Blocks of 12 x 20 doubles against a budget of 1 MiB: every contracted block goes from a copy, and the stencil
        // writes the field again while it travels; a copy that read the field late would change the results.
        var run = new HeatCase(Height: 24, Width: 20, Rows: 2, Cols: 1, Steps: 12, Inner: 2, AnalyticsRanks: 1, Mode: mode) { CopyBudgetMib = 1, StagingMib = 0 };

        MpiResult result = MpiJob.RunProgram(run.Ranks, MpiJob.Heat2D, "--config", run.Write(_folder));

        Assert.True(result.ExitCode == 0, result.ToString());
        run.AssertResults(Path.Combine(_folder, "out"));
        Assert.Contains("24 of 24 blocks published (the contract)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("; 24 sent from copies (budget 1 MiB per rank)", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("deisa3", 4)]
    [InlineData("deisa1", 40)]
    public void Selection_EveryThirdStepOfAQuarter_Deisa3ShipsOnlyItsBlocks(string mode, int blocks)
    {
        // 10 steps, 2x2 blocks of 12x10: every 3rd step (0, 3, 6, 9) of rows 0..12, columns 0..10 is one block a step.
        var run = new HeatCase(Height: 24, Width: 20, Rows: 2, Cols: 2, Steps: 10, Inner: 3, AnalyticsRanks: 1, Mode: mode)
        {
            Selection = (3, 0, 12, 0, 10),
            RollingWindow = mode == "deisa1" ? null : 2,
        };

        MpiResult result = MpiJob.RunProgram(run.Ranks, MpiJob.Heat2D, "--config", run.Write(_folder));

        Assert.True(result.ExitCode == 0, result.ToString());
        run.AssertResults(Path.Combine(_folder, "out"));
        Assert.Contains($"shipping     {blocks} of 40 blocks published", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Downsample_OnTheSimulationRanks_AnalyticsEqualDenseOnTheCoarseField_OnlyItTravels()
    {
        var run = new HeatCase(Height: 24, Width: 20, Rows: 2, Cols: 2, Steps: 6, Inner: 4, AnalyticsRanks: 2, Mode: "deisa3") { Downsample = 2, RollingWindow = 3 };

        MpiResult result = MpiJob.RunProgram(run.Ranks, MpiJob.Heat2D, "--config", run.Write(_folder));

        Assert.True(result.ExitCode == 0, result.ToString());
        string output = Path.Combine(_folder, "out");
        run.AssertResults(output);
        run.AssertField(output);
        Assert.Contains("the analytics read global_t_coarse, 12x10", result.Stdout, StringComparison.Ordinal);

        // Every step, each of the 4 ranks ships its 6x5 coarse block and nothing of the 12x10 field.
        using JsonDocument summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "simulation.json")));
        Assert.Equal(6L * 12 * 10 * sizeof(double), summary.RootElement.GetProperty("BytesShipped").GetInt64());
        Assert.Equal(6L * 4, summary.RootElement.GetProperty("BlocksShipped").GetInt64());
    }

    [Fact]
    public void Steering_StopOnceTheMeanSettles_EveryRankStopsAtTheRequestedStep()
    {
        HeatCase run = HeatCase.Steered(out int decided);

        MpiResult result = MpiJob.RunProgram(run.Ranks, MpiJob.Heat2D, "--config", run.Write(_folder));

        Assert.True(result.ExitCode == 0, result.ToString());
        run.AssertSteered(result.Stdout, Path.Combine(_folder, "out"), decided);
    }

    [Fact]
    public void WrongRankCount_OneMessageFromRankZero_EveryRankFails()
    {
        var run = new HeatCase(24, 20, 2, 1, 3, 2, 2, "deisa3");

        MpiResult result = MpiJob.RunProgram(3, MpiJob.Heat2D, "--config", run.Write(_folder));

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("need 4 ranks", StringComparison.Ordinal));
        Assert.Contains("Run mpiexec.mpich -n 4", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Transport_ChosenByName_MismatchWithTheLaunchSaysWhatToDo()
    {
        string config = new HeatCase(24, 20, 2, 1, 3, 2, 1, "deisa3").Write(_folder);

        // An in-process transport under a launch of several ranks: rank 0 alone says so.
        MpiResult inProcess = MpiJob.RunProgram(3, MpiJob.Heat2D, "--config", config, "--transport", "inproc");
        Assert.Equal(2, inProcess.ExitCode);
        Assert.Single(inProcess.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("--transport inproc runs every rank in one process, but mpiexec.mpich launched 3", StringComparison.Ordinal));

        // The MPI transport without mpiexec.
        MpiResult mpi = MpiJob.RunProcess("dotnet", MpiJob.Heat2D, "--config", config, "--transport", "mpi");
        Assert.Equal(2, mpi.ExitCode);
        Assert.Contains("launch with mpiexec.mpich -n 3", mpi.Stderr, StringComparison.Ordinal);

        MpiResult unknown = MpiJob.RunProcess("dotnet", MpiJob.Heat2D, "--config", config, "--transport", "tcp");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("tcp", unknown.Stderr, StringComparison.Ordinal);
        Assert.Contains("inproc-serialized", unknown.Stderr, StringComparison.Ordinal);

        // One process launched by mpiexec may run in process: the serialized transport, results as in the other tests.
        MpiResult serialized = MpiJob.RunProgram(1, MpiJob.Heat2D, "--config", config, "--transport", "inproc-serialized", "--output", Path.Combine(_folder, "one"));
        Assert.True(serialized.ExitCode == 0, serialized.ToString());
        Assert.Contains("transport inproc-serialized", File.ReadAllText(Path.Combine(_folder, "one", Deisa.Heat2D.Output.SummaryPrinter.FileName)), StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownAnalytic_OneClearMessage_NoHang()
    {
        string config = HeatCase.WriteText(_folder, """
            size: {height: 24, width: 20}
            grid: {rows: 2, cols: 1}
            steps: 3
            inner: 2
            analytics_ranks: 1
            mode: deisa3
            arrays: [global_t]
            analytics:
              - kind: fourier
            output: out
            """);

        MpiResult result = MpiJob.RunProgram(3, MpiJob.Heat2D, "--config", config);

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("'fourier' is not an analytic", StringComparison.Ordinal));
    }

    [Fact]
    public void MissingConfig_And_UnknownOption_ClearMessages()
    {
        MpiResult missing = MpiJob.RunProgram(2, MpiJob.Heat2D, "--config", Path.Combine(_folder, "nope.yml"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Single(missing.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("nope.yml' not found", StringComparison.Ordinal));

        MpiResult option = MpiJob.RunProgram(2, MpiJob.Heat2D, "--stpes", "3");
        Assert.Equal(2, option.ExitCode);
        Assert.Contains("--stpes", option.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigint_EndsTheWholeJob()
    {
        var run = new HeatCase(Height: 256, Width: 256, Rows: 2, Cols: 1, Steps: 1_000_000, Inner: 20, AnalyticsRanks: 1, Mode: "deisa3");
        var start = new ProcessStartInfo("mpiexec.mpich") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in (string[])["-n", "3", "dotnet", MpiJob.Heat2D, "--config", run.Write(_folder)])
        {
            start.ArgumentList.Add(argument);
        }

        using var job = Process.Start(start)!;
        Task<string> errors = job.StandardError.ReadToEndAsync();
        await Task.Delay(TimeSpan.FromSeconds(5));
        using (var signal = Process.Start("kill", ["-INT", job.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            signal.WaitForExit();
        }

        bool ended = job.WaitForExit(TimeSpan.FromSeconds(30));
        if (!ended)
        {
            job.Kill(entireProcessTree: true);
        }

        Assert.True(ended, "The job was still running 30 s after SIGINT.");
        Assert.NotEqual(0, job.ExitCode);
        Assert.Contains("SIGINT", await errors.WaitAsync(TimeSpan.FromSeconds(10)), StringComparison.Ordinal);
    }
}
