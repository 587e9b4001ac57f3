using System.Text;

namespace Deisa.Tests.Mpi;

/// <summary>The mini-app under mpiexec.mpich given malformed configurations: exit code 2, one clear message, no hang.</summary>
[Collection(MpiCollection.Name)]
public sealed class Heat2DBadConfigMpiTests : IDisposable
{
    private static readonly string s_default = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "heat2d.yml"));
    private readonly string _folder = Directory.CreateTempSubdirectory("deisa-heat-badconfig-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string, string> Configurations() => new()
    {
        // Each found by HeatConfigFuzzTests, or a family it covers; the expected text is in the one error line.
        { "binary", ", column " },
        { "truncated", "grid: missing" },
        { "empty analytic", "analytics[1]: empty" },
        { "huge size", "4000000000000000000 cells" },
        { "nul in output", "output: 'a\\0b' is not a valid folder path" },
        { "alias bomb", "unknown key 'a0'" },
        { "duplicate key", "key 'steps' appears a second time here" },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void MalformedConfig_OneRank_ExitCode2AndOneClearMessage(string what, string expected)
    {
        string path = Path.Combine(_folder, "heat.yml");
        switch (what)
        {
            case "binary":
                byte[] bytes = new byte[2048];
                new Random(7).NextBytes(bytes);
                File.WriteAllBytes(path, bytes);
                break;
            default:
                File.WriteAllText(path, Text(what));
                break;
        }

        MpiResult result = MpiJob.RunProgram(1, MpiJob.Heat2D, "--config", path, "--output", Path.Combine(_folder, "out"));

        Assert.True(result.ExitCode == 2, $"{what}: exit code {result.ExitCode}.\n{result}");
        string[] errors = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string line = Assert.Single(errors);
        Assert.StartsWith("error: heat.yml: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_folder, "out")), "The run started despite the bad configuration.");
    }

    private static string Text(string what) => what switch
    {
        "truncated" => s_default[..s_default.IndexOf("grid:", StringComparison.Ordinal)],
        "empty analytic" => s_default.Replace("  - kind: spatial_mean", "  - ~", StringComparison.Ordinal),
        "huge size" => s_default
            .Replace("size: {height: 256, width: 256}", "size: {height: 2000000000, width: 2000000000}", StringComparison.Ordinal)
            .Replace("grid: {rows: 2, cols: 1}", "grid: {rows: 1, cols: 1}", StringComparison.Ordinal)
            .Replace("mode: deisa3", "mode: none", StringComparison.Ordinal),
        "nul in output" => s_default.Replace("output: heat2d-output", "output: \"a\\0b\"", StringComparison.Ordinal),
        "alias bomb" => AliasBomb(),
        "duplicate key" => s_default.Replace("steps: 40", "steps: 40\nsteps: 4000", StringComparison.Ordinal),
        _ => throw new ArgumentException(what, nameof(what)),
    };

    private static string AliasBomb()
    {
        var text = new StringBuilder("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int level = 1; level < 9; level++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"a{level}: &a{level} [{string.Join(", ", Enumerable.Repeat($"*a{level - 1}", 9))}]\n");
        }

        return text.Append(s_default).ToString();
    }
}
