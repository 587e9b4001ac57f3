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
    [InlineData("deisa3", 2, 2, 1)]
    [InlineData("deisa3", 2, 2, 2)] // each rank's Bridge downsamples, as under MPI
    [InlineData("posthoc", 2, 1, 1)]
    public void Run_InProcess_AnalyticsEqualDense_FieldEqualsSerial(string mode, int rows, int cols, int downsample)
    {
        var run = new HeatCase(Height: 24, Width: 20, Rows: rows, Cols: cols, Steps: 6, Inner: 5, AnalyticsRanks: 3, Mode: mode) { RollingWindow = 3, Downsample = downsample };
        HeatConfig config = ConfigLoader.Load(run.Write(_folder));
        string output = Path.Combine(_folder, "out");
        Directory.CreateDirectory(output);
        using var stdout = new StringWriter();

        int code = InProcessRunner.Run(config, output, new Progress(config.Steps, false, TextWriter.Null), stdout);

        Assert.Equal(0, code);
        run.AssertResults(output);
        run.AssertField(output);
        string summary = File.ReadAllText(Path.Combine(output, SummaryPrinter.FileName));
        Assert.Contains($"mode {mode}", summary, StringComparison.Ordinal);
        Assert.Contains("ipca         explained variance ratio", summary, StringComparison.Ordinal);
        foreach (string picture in (string[])["temperature.png", "components.png", "explained_variance.png", "spatial_mean.png", "time_derivative_mean.png", "rolling_mean.png"])
        {
            byte[] png = File.ReadAllBytes(Path.Combine(output, picture));
            Assert.True(png.Length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', $"{picture} is not a PNG picture.");
        }
    }

    [Fact]
    public void Run_InProcessDeisa1_RefusedWithTheCommandToRun()
    {
        var run = new HeatCase(24, 20, 2, 1, 4, 2, 2, "deisa1");
        HeatConfig config = ConfigLoader.Load(run.Write(_folder));
        var error = Assert.Throws<ConfigException>(() => InProcessRunner.Run(config, _folder, new Progress(4, false, TextWriter.Null), TextWriter.Null));
        Assert.Contains("mpiexec.mpich -n 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_InProcessSteering_RefusedWithTheCommandToRun()
    {
        const string expected = "stop_when_mean_change_below needs MPI (steering is not served by the in-process runtime yet): run it with mpiexec.mpich -n 4";
        var run = new HeatCase(24, 20, 2, 1, 4, 2, 2, "deisa3") { StopBelow = 0.5 };
        HeatConfig config = ConfigLoader.Load(run.Write(_folder));
        var error = Assert.Throws<ConfigException>(() => InProcessRunner.Run(config, _folder, new Progress(4, false, TextWriter.Null), TextWriter.Null));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
