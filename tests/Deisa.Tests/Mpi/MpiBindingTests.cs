using System.Diagnostics;

namespace Deisa.Tests.Mpi;

/// <summary>The MPI binding refuses, with a message saying what to do, the situations it cannot work in.</summary>
[Collection(MpiCollection.Name)]
public sealed class MpiBindingTests
{
    [Fact]
    public void Initialize_LibraryPathUnloadable_SaysWhatToDo()
    {
        (int code, string stderr) = RunWithoutMpiexec(("DEISA_MPI_LIBRARY", "/nonexistent/libmpi.so"));

        Assert.Equal(2, code);
        Assert.Contains("DEISA_MPI_LIBRARY names '/nonexistent/libmpi.so'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Initialize_StartedByOpenMpiLauncher_SaysToUseMpiexecMpich()
    {
        (int code, string stderr) = RunWithoutMpiexec(("OMPI_COMM_WORLD_SIZE", "4"));

        Assert.Equal(2, code);
        Assert.Contains("Launch with mpiexec.mpich", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Initialize_TooFewRanksForTheAnalytics_SaysHowManyToLaunch()
    {
        MpiResult result = MpiJob.Run(2, "transport", "--analytics", "2");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("mpiexec.mpich -n 3 or more", result.Stderr, StringComparison.Ordinal);
    }

    private static (int Code, string Stderr) RunWithoutMpiexec(params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(MpiJob.TestApp);
        start.ArgumentList.Add("transport");
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start)!;
        string stderr = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "The program hung.");
        return (process.ExitCode, stderr);
    }
}
