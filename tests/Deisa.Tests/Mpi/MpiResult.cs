namespace Deisa.Tests.Mpi;

/// <summary>What an MPI job printed and how it ended.</summary>
/// <param name="ExitCode">mpiexec's exit code (non-zero if any rank's was).</param>
/// <param name="Stdout">Everything the ranks printed to standard output.</param>
/// <param name="Stderr">Everything they printed to standard error.</param>
internal sealed record MpiResult(int ExitCode, string Stdout, string Stderr)
{
    public IEnumerable<string> Lines(string prefix) =>
        Stdout.Split('\n', StringSplitOptions.TrimEntries).Where(l => l.StartsWith(prefix + " ", StringComparison.Ordinal));

    /// <summary>Gets the key=value fields of the STATS line (or another prefix's) of a simulation rank.</summary>
    public Dictionary<string, string> Stats(int rank, string prefix = "STATS") => Lines(prefix)
        .Select(l => l.Split(' ').Skip(1).Select(f => f.Split('=')).ToDictionary(f => f[0], f => f[1]))
        .Single(f => f["rank"] == rank.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public long Stat(int rank, string name, string prefix = "STATS") => long.Parse(Stats(rank, prefix)[name], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Asserts that every CHECK line passed and that at least <paramref name="expected"/> were printed.</summary>
    public void AssertChecksPass(int expected)
    {
        string[] checks = Lines("CHECK").ToArray();
        Assert.True(checks.All(c => c.StartsWith("CHECK PASS", StringComparison.Ordinal)), $"A check failed:\n{this}");
        Assert.True(checks.Length >= expected, $"Expected at least {expected} checks, got {checks.Length}:\n{this}");
    }

    public override string ToString() => $"exit code {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}
