using System.Globalization;
using Deisa.Tests.Mpi;

namespace Deisa.Tests.Ml;

/// <summary>
/// The native BLAS's thread count, seen from fresh processes (the probe scenario of Deisa.MpiTestApp): one thread and
/// no pool unless configured, and the same bits from every process and at every buffer alignment.
/// </summary>
[Collection(MpiCollection.Name)]
public sealed class BlasThreadTests
{
    private static readonly string[] s_threadVariables = ["OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"];

    [Fact]
    public void Default_OneThreadNoPool_SameBitsInEveryProcessAndAlignment()
    {
        Dictionary<string, string> first = Probe(Unset());
        Dictionary<string, string> second = Probe(Unset());
        Assert.Equal("1", first["threads"]);
        Assert.Equal("0", first["extra"]);
        Assert.Equal("1", first["distinct"]);
        Assert.True(int.Parse(first["alignments"], CultureInfo.InvariantCulture) > 1, "The fits did not run at several alignments: the check proved nothing.");
        Assert.Equal(first["digest"], second["digest"]);
    }

    [Theory]
    [InlineData("OPENBLAS_NUM_THREADS", "2", "")]
    [InlineData("OMP_NUM_THREADS", "2", "")]
    [InlineData(null, null, "2")]
    public void Configured_TwoThreads_ReportedAndTheirPoolSeen(string? variable, string? value, string option)
    {
        Dictionary<string, string?> environment = Unset();
        if (variable is not null)
        {
            environment[variable] = value;
        }

        Dictionary<string, string> result = Probe(environment, option.Length > 0 ? ["--threads", option] : []);
        Assert.Equal("2", result["threads"]);

        // The library's second thread, the one the default must not start: the probe can see it.
        Assert.NotEqual("0", result["extra"]);
        Assert.Equal("1", result["distinct"]);
    }

    [Fact]
    public void BadThreadCount_ClearError()
    {
        Dictionary<string, string?> environment = Unset();
        environment["OPENBLAS_NUM_THREADS"] = "many";
        MpiResult result = MpiJob.RunProcess("dotnet", environment, MpiJob.TestApp, "blas", "--repeats", "1");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("OPENBLAS_NUM_THREADS='many' is not a thread count", result.Stderr, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Unset() => s_threadVariables.ToDictionary(v => v, _ => (string?)null);

    private static Dictionary<string, string> Probe(Dictionary<string, string?> environment, params string[] arguments)
    {
        MpiResult result = MpiJob.RunProcess("dotnet", environment, [MpiJob.TestApp, "blas", .. arguments]);
        Assert.True(result.ExitCode == 0, result.ToString());
        string line = result.Lines("BLAS").Single();
        return line.Split(' ').Skip(1).TakeWhile(f => !f.StartsWith("main=", StringComparison.Ordinal))
            .Select(f => f.Split('=', 2)).ToDictionary(f => f[0], f => f[1]);
    }
}
