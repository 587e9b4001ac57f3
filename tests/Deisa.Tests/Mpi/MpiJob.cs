using System.Diagnostics;
using System.Text;

namespace Deisa.Tests.Mpi;

/// <summary>Launches a program under mpiexec.mpich and collects what it printed; kills it if it hangs.</summary>
internal static class MpiJob
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(180);

    /// <summary>Gets the path of the scenario program, built next to the tests in the same configuration.</summary>
    public static string TestApp { get; } = Locate("Deisa.MpiTestApp", Path.Combine("tests", "Deisa.MpiTestApp"));

    /// <summary>Runs the scenario program on <paramref name="ranks"/> ranks.</summary>
    public static MpiResult Run(int ranks, params string[] arguments) => RunProgram(ranks, TestApp, arguments);

    /// <summary>Runs the scenario program on <paramref name="ranks"/> ranks with launcher options first (binding, hosts).</summary>
    public static MpiResult RunLaunched(string[] launcher, int ranks, params string[] arguments) =>
        RunProcess("mpiexec.mpich", [.. launcher, "-n", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet", TestApp, .. arguments]);

    /// <summary>Runs any .NET program on <paramref name="ranks"/> ranks.</summary>
    public static MpiResult RunProgram(int ranks, string dll, params string[] arguments) =>
        RunProcess("mpiexec.mpich", ["-n", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet", dll, .. arguments]);

    /// <summary>Runs the scenario program on <paramref name="ranks"/> ranks, killing it after <paramref name="timeout"/> (long, opt-in runs).</summary>
    public static MpiResult Run(int ranks, TimeSpan timeout, params string[] arguments) =>
        RunProcess("mpiexec.mpich", timeout, ["-n", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet", TestApp, .. arguments]);

    /// <summary>Runs a program outside MPI (one that launches its own jobs), with the same timeout as an MPI job.</summary>
    public static MpiResult RunProcess(string program, params string[] arguments) => RunProcess(program, s_timeout, arguments);

    /// <summary>Runs a program outside MPI with some environment variables set, or removed where the value is null.</summary>
    public static MpiResult RunProcess(string program, IReadOnlyDictionary<string, string?> environment, params string[] arguments) =>
        RunProcess(program, s_timeout, arguments, environment);

    private static MpiResult RunProcess(string program, TimeSpan timeout, string[] arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach ((string name, string? value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stdout)
                {
                    stdout.AppendLine(e.Data);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} hung for {timeout.TotalSeconds} s and was killed.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        }

        process.WaitForExit();
        var result = new MpiResult(process.ExitCode, stdout.ToString(), stderr.ToString());
        AssertNothingLeftUnmatched(result);
        return result;
    }

    /// <summary>
    /// Fails when MPI reported a message that was sent and never received before a rank finalized (UCX prints
    /// "unexpected tag-receive descriptor ... was not matched"): every job this suite runs must shut down clean.
    /// </summary>
    private static void AssertNothingLeftUnmatched(MpiResult result)
    {
        string[] unmatched = [.. result.Stderr.Split('\n').Where(l => l.Contains("was not matched", StringComparison.Ordinal))];
        Assert.True(unmatched.Length == 0, $"A message was left unmatched at shutdown:\n{string.Join('\n', unmatched)}\n{result}");
    }

    /// <summary>Gets the path of the Heat2D mini-app, built next to the tests in the same configuration.</summary>
    public static string Heat2D { get; } = Locate("Deisa.Heat2D", Path.Combine("src", "Deisa.Heat2D"));

    /// <summary>Gets the path of the MPI benchmarks, built next to the tests in the same configuration.</summary>
    public static string MpiBenchmark { get; } = Locate("Deisa.Bench.Mpi", Path.Combine("bench", "Deisa.Bench.Mpi"));

    /// <summary>Gets the path of the whole-workflow benchmark, built next to the tests in the same configuration.</summary>
    public static string WorkflowBenchmark { get; } = Locate("Deisa.Bench.Workflow", Path.Combine("bench", "Deisa.Bench.Workflow"));

    private static string Locate(string project, string folder)
    {
        // bin/<Configuration>/net10.0 of this test project → the same folders of the other project.
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        string framework = here.Name;
        string configuration = here.Parent!.Name;
        DirectoryInfo root = here;
        while (root.Parent is not null && !File.Exists(Path.Combine(root.FullName, "Deisa.sln")))
        {
            root = root.Parent;
        }

        string path = Path.Combine(root.FullName, folder, "bin", configuration, framework, project + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build {project} first (dotnet build Deisa.sln -c {configuration}).", path);
    }
}
