using Deisa.Core.Transport;
using Deisa.Heat2D.Configuration;
using Deisa.Heat2D.Output;
using Deisa.Heat2D.Runs;

namespace Deisa.Tests.Heat2D;

/// <summary>Whole runs in one process (no mpiexec): the same analytics as a dense computation from the serial field.</summary>
public sealed class HeatRunTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("deisa-heat-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("deisa3", 2, 2, 1, TransportNames.InProcess)]
    [InlineData("deisa3", 2, 2, 1, TransportNames.InProcessSerialized)] // every message through the wire format
    [InlineData("deisa3", 2, 2, 2, TransportNames.InProcess)] // each rank's Bridge downsamples, as under MPI
    [InlineData("deisa1", 2, 1, 1, TransportNames.InProcess)] // per-step announcements, every block shipped
    [InlineData("deisa1", 2, 1, 1, TransportNames.InProcessSerialized)]
    [InlineData("posthoc", 2, 1, 1, TransportNames.InProcess)]
    public void Run_InProcess_AnalyticsEqualDense_FieldEqualsSerial(string mode, int rows, int cols, int downsample, string transport)
    {
        var run = new HeatCase(Height: 24, Width: 20, Rows: rows, Cols: cols, Steps: 6, Inner: 5, AnalyticsRanks: 3, Mode: mode) { RollingWindow = mode == "deisa1" ? null : 3, Downsample = downsample };
        (string output, _) = RunInProcess(run, transport);

        run.AssertResults(output);
        run.AssertField(output);
        string summary = File.ReadAllText(Path.Combine(output, SummaryPrinter.FileName));
        Assert.Contains($"mode {mode}", summary, StringComparison.Ordinal);
        Assert.Contains("ipca         explained variance ratio", summary, StringComparison.Ordinal);
        foreach (string picture in (string[])["temperature.png", "components.png", "explained_variance.png", "spatial_mean.png", "time_derivative_mean.png", .. (mode == "deisa1" ? (string[])[] : ["rolling_mean.png"])])
        {
            byte[] png = File.ReadAllBytes(Path.Combine(output, picture));
            Assert.True(png.Length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', $"{picture} is not a PNG picture.");
        }
    }

    [Fact]
    public void Run_InProcessWithACopyBudget_ResultsExact_TheSummarySaysItIsUnused()
    {
        var run = new HeatCase(Height: 24, Width: 20, Rows: 2, Cols: 1, Steps: 6, Inner: 5, AnalyticsRanks: 1, Mode: "deisa3") { CopyBudgetMib = 4 };
        (string output, string stdout) = RunInProcess(run);

        run.AssertResults(output);
        Assert.Contains("; copy_budget_mib unused in one process, where every block is copied to its worker", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_InProcessSteering_EveryRankStopsAtTheRequestedStep()
    {
        // The same run as under MPI: the simulation threads' bridges hear the analytics' decision.
        HeatCase run = HeatCase.Steered(out int decided);
        (string output, string stdout) = RunInProcess(run);

        run.AssertSteered(stdout, output, decided);
    }

    /// <summary>Runs the case in this process into a fresh output folder, checks it exited with 0, and says where its output and its standard output are.</summary>
    private (string Output, string Stdout) RunInProcess(HeatCase run, string transport = TransportNames.InProcess)
    {
        HeatConfig config = ConfigLoader.Load(run.Write(_folder));
        string output = Path.Combine(_folder, "out");
        Directory.CreateDirectory(output);
        using var stdout = new StringWriter();

        int code = InProcessRunner.Run(config, output, new Progress(config.Steps, false, TextWriter.Null), stdout, transport);

        Assert.Equal(0, code);
        return (output, stdout.ToString());
    }
}
