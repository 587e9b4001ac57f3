using System.Text;
using System.Text.RegularExpressions;
using Deisa.Heat2D.Configuration;
using Xunit.Abstractions;

namespace Deisa.Tests.Heat2D;

/// <summary>
/// Bad configurations: mutations of the default heat2d.yml parse to a configuration that passes its own checks, or
/// fail with a <see cref="ConfigException"/> naming the file; never another exception, a hang or a memory blow-up.
/// <c>DEISA_FUZZ_ITERATIONS</c> runs more cases, <c>DEISA_FUZZ_SEED</c> other ones.
/// </summary>
public sealed partial class HeatConfigFuzzTests(ITestOutputHelper output)
{
    private const string FileName = "fuzz.yml";
    private const int FixedSeed = 20_260_612;
    private const int DefaultCases = 3000;

    private static readonly string s_default = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "heat2d.yml"));
    private static readonly string[] s_lines = s_default.Split('\n');

    // Values of every YAML type and every range that matters: zero, negative, int limits, beyond them, other
    // scalars YAML 1.1 resolves (octal, hex, sexagesimal, dates, infinity), collections, anchors and escapes.
    private static readonly string[] s_values =
    [
        "0", "1", "2", "3", "-1", "-256", "256", "255", "257", "4096", "65536", "46341", "1073741824", "2147483647", "-2147483648",
        "2147483648", "99999999999999999999", "1e9", "1.5", "-0", "+5", "0x10", "0o17", "017", "0b101", "1_000", "1:30",
        ".inf", "-.inf", ".nan", "true", "false", "yes", "no", "on", "null", "~", "''", "\"\"", "[]", "{}", "[1, 2]", "[0, 128]",
        "[128, 0]", "[1, 2, 3]", "{a: 1}", "{height: 1, width: 1}", "{rows: 1, cols: 1}", "deisa3", "deisa1", "none", "posthoc",
        "ipca", "spatial_mean", "time_derivative_mean", "full", "randomized", "global_t", "[global_t, global_t]", "\"a\\0b\"",
        "\"\\x00\"", "\"\\uD800\"", "'it''s'", "2001-12-14", "!!binary aGVsbG8=", "|\n  block", ">-\n  folded", "&v 7", "*v",
        "*nowhere", "? complex", "- item", "%TAG", "@reserved", "`reserved", "\"unterminated", "[unclosed", "{unclosed: 1",
        new string('9', 400), new string('x', 5000), "é", "\u00A0", "\t", "#comment",
    ];

    private static readonly string[] s_tags =
    [
        "!!str ", "!!int ", "!!float ", "!!bool ", "!!null ", "!!map ", "!!seq ", "!!binary ", "!!timestamp ", "!custom ",
        "!<tag:yaml.org,2002:int> ", "!System.IO.FileInfo ", "!!python/object:os.system ", "! ",
    ];

    private static readonly string[] s_wholeFiles =
    [
        string.Empty, " ", "\n\n", "---", "...", "--- ~", "~", "null", "[]", "{}", "- a\n- b", "42", "'text'", "%YAML 1.2\n---\n",
        "%YAML 9.9\n---\nsteps: 3", "\uFEFF" + s_default, s_default.Replace("\n", "\r\n", StringComparison.Ordinal),
        s_default.Replace("\n", "\r", StringComparison.Ordinal), s_default + "\n---\n" + s_default, "size: *a", "&a size: 1",
        "size: &a {height: 8, width: 8}\ngrid: *a", "<<: {steps: 3}", "? [a, b]\n: 1", "\0\0\0", "\t\tsteps: 3",
    ];

    [Fact]
    public void Default_PassesItsOwnInvariants()
    {
        AssertInvariants(ConfigLoader.Parse(s_default, FileName));
    }

    [Fact]
    public void Parse_MutatedDefaultFile_ValidConfigOrConfigException()
    {
        int seed = FuzzRun.Seed(FixedSeed);
        int valid = 0;
        int refused = 0;
        FuzzRun.Run("mutated heat2d.yml", seed, FuzzRun.Iterations(DefaultCases), (i, random) =>
        {
            string yaml = i % 50 == 0 ? s_wholeFiles[(i / 50) % s_wholeFiles.Length] : Mutate(random);
            if (Check(yaml))
            {
                valid++;
            }
            else
            {
                refused++;
            }
        });

        output.WriteLine($"{valid} configurations valid, {refused} refused.");
        Assert.True(refused > 0, "No mutation was refused.");
        Assert.True(valid > 0, "No mutation kept the file valid: the invariants of valid configurations were never checked.");
    }

    [Fact]
    public void Parse_BinaryGarbage_ConfigException()
    {
        int seed = FuzzRun.Seed(FixedSeed);
        FuzzRun.Run("binary configuration", seed, FuzzRun.Iterations(DefaultCases) / 3, (_, random) =>
        {
            byte[] bytes = new byte[random.Next(0, 600)];
            random.NextBytes(bytes);

            // As File.ReadAllText reads them: invalid UTF-8 becomes U+FFFD.
            Check(Encoding.UTF8.GetString(bytes));
        });
    }

    [Fact]
    public void Load_FileOfBinaryGarbage_ConfigExceptionNamingTheFile()
    {
        string folder = Directory.CreateTempSubdirectory("deisa-config-fuzz-").FullName;
        try
        {
            string path = Path.Combine(folder, "garbage.yml");
            var random = new Random(FixedSeed);
            byte[] bytes = new byte[4096];
            random.NextBytes(bytes);
            File.WriteAllBytes(path, bytes);

            ConfigException error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path));

            Assert.StartsWith("garbage.yml: ", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public static TheoryData<string, string> Pathological() => new()
    {
        { "alias bomb", AliasBomb("arrays") },
        { "alias bomb under an unknown key", AliasBomb("lol") },
        { "alias bomb of analytics", AnalyticsAliasBomb() },
        { "deep flow sequence", "steps: " + new string('[', 100_000) + new string(']', 100_000) },
        { "deep flow sequence in a list", "arrays: " + new string('[', 100_000) + new string(']', 100_000) },
        { "deep flow mapping", "size: " + string.Concat(Enumerable.Repeat("{a: ", 50_000)) + "1" + new string('}', 50_000) },
        { "deep block mapping", string.Concat(Enumerable.Range(0, 5_000).Select(d => new string(' ', d) + "a:\n")) },
        { "deep block sequence", "analytics:\n" + string.Concat(Enumerable.Range(0, 5_000).Select(d => new string(' ', d) + "-\n")) },
        { "unclosed deep nesting", "steps: " + new string('[', 200_000) },
        { "long line", "output: " + new string('x', 4_000_000) },
        { "many keys", string.Concat(Enumerable.Range(0, 200_000).Select(i => $"k{i}: {i}\n")) },
        { "long list", "arrays: [" + string.Join(", ", Enumerable.Repeat("global_t", 50_000)) + "]" },
        { "many analytics", s_default.Replace("analytics:\n", "analytics:\n" + string.Concat(Enumerable.Repeat("  - kind: spatial_mean\n", 10_000)), StringComparison.Ordinal) },
        { "many anchors", string.Concat(Enumerable.Range(0, 100_000).Select(i => $"- &a{i} {i}\n")) },
    };

    [Theory]
    [MemberData(nameof(Pathological))]
    public void Parse_PathologicalYaml_QuickClearErrorInBoundedMemory(string what, string yaml)
    {
        long allocated = 0;
        bool valid = false;
        FuzzRun.WithinTime(what, TimeSpan.FromSeconds(20), () =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            valid = Check(yaml);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });

        // Parsing is linear: what the text holds, times a constant; an alias expanded at every use is exponential.
        long bound = (400L * Encoding.UTF8.GetByteCount(yaml)) + (16 << 20);
        Assert.True(allocated <= bound, $"{what}: parsing {yaml.Length:N0} characters allocated {allocated:N0} bytes (bound {bound:N0}).");
        Assert.False(valid, $"{what} was accepted.");
    }

    [Theory]
    [InlineData("size: {height: 256, width: 256}", "size: {height: 2000000000, width: 2000000000}", "cells")]
    [InlineData("size: {height: 256, width: 256}", "size: {height: 65536, width: 65536}", "cells")]
    [InlineData("steps: 40", "steps: 2147483647", "steps: 2147483647")]
    [InlineData("analytics_ranks: 2", "analytics_ranks: 2147483647", "analytics_ranks: 2147483647")]
    [InlineData("  - kind: spatial_mean", "  - ~", "analytics[1]: empty")]
    [InlineData("  - kind: spatial_mean", "  -", "analytics[1]: empty")]
    [InlineData("output: heat2d-output", "output: \"a\\0b\"", "output")]
    [InlineData("steps: 40", "steps: 40\nsteps: 41", "line 7, column 1: key 'steps' appears a second time here; keep one.")]
    [InlineData("size: {height: 256, width: 256}", "size: 256", "line 4, column 7: a value has the wrong shape; expected a mapping of the keys height, width.")]
    [InlineData("arrays: [global_t]", "arrays: global_t", "a value has the wrong shape; expected a list")]
    [InlineData("steps: 40", "steps: [40]", "a value has the wrong shape; expected an integer.")]
    [InlineData("steps: 40", "steps: *x", "alias *x is used before (or without) its anchor &x.")]
    [InlineData("steps: 40", "steps: !!map 40", "remove the tag")]
    [InlineData("size: {height: 256, width: 256}", "size: {height: 256, width: \"\"}", "empty where a number is expected")]
    [InlineData("mode: deisa3", "mode: {a: 1}", "a value has the wrong shape; expected a single value (text).")]
    [InlineData("inner: 25", "inner: {unclosed: 1", "check its brackets, braces and quotes")]
    [InlineData("analytics:\n  - kind: ipca", "analytics:\n  kind: ipca", "expected a list here, found a mapping (key: value); check the indentation.")]
    public void Parse_EdgeCaseFromFuzzing_ClearError(string from, string to, string expected)
    {
        Assert.Contains(from, s_default, StringComparison.Ordinal);
        string message = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(s_default.Replace(from, to, StringComparison.Ordinal), FileName)).Message;

        Assert.StartsWith(FileName + ": ", message, StringComparison.Ordinal);
        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    /// <summary>Parses; true for a valid configuration, whose invariants are checked, false for a clear error.</summary>
    private static bool Check(string yaml)
    {
        HeatConfig config;
        try
        {
            config = ConfigLoader.Parse(yaml, FileName);
        }
        catch (ConfigException error)
        {
            if (!error.Message.StartsWith(FileName + ": ", StringComparison.Ordinal) || error.Message.Length <= FileName.Length + 2)
            {
                throw new InvalidOperationException($"The error does not name the file, or says nothing: '{error.Message}'.\n--- yaml:\n{Shorten(yaml)}");
            }

            return false;
        }
        catch (Exception error)
        {
            throw new InvalidOperationException($"{error.GetType().Name} instead of {nameof(ConfigException)}.\n--- yaml:\n{Shorten(yaml)}", error);
        }

        try
        {
            AssertInvariants(config);
        }
        catch (Exception error)
        {
            throw new InvalidOperationException($"An accepted configuration breaks an invariant: {error.Message}\n--- yaml:\n{Shorten(yaml)}", error);
        }

        return true;
    }

    /// <summary>What the mini-app relies on once a configuration is accepted.</summary>
    private static void AssertInvariants(HeatConfig config)
    {
        Assert.NotNull(config.Size);
        Assert.NotNull(config.Grid);
        Assert.InRange(config.Size.Height, 1, int.MaxValue);
        Assert.InRange(config.Size.Width, 1, int.MaxValue);
        Assert.InRange(config.Grid.Rows, 1, config.Size.Height);
        Assert.InRange(config.Grid.Cols, 1, config.Size.Width);
        Assert.Equal(0, config.Size.Height % config.Grid.Rows);
        Assert.Equal(0, config.Size.Width % config.Grid.Cols);

        // The gathered field and every block with its halo are .NET arrays.
        Assert.InRange((long)config.Size.Height * config.Size.Width, 1, Array.MaxLength);
        Assert.InRange((long)(config.BlockHeight + 2) * (config.BlockWidth + 2), 9, Array.MaxLength);
        Assert.InRange(config.Steps, 1, Array.MaxLength);
        Assert.InRange(config.Inner, 1, int.MaxValue);
        Assert.InRange(config.SimulationRanks, 1, int.MaxValue);
        Assert.InRange(config.TotalRanks, config.SimulationRanks, int.MaxValue);
        Assert.Contains(config.Mode, (string[])["deisa3", "deisa1", "none", "posthoc"]);
        Assert.Equal(config.Mode, config.RunMode switch
        {
            RunMode.Deisa3 => "deisa3",
            RunMode.Deisa1 => "deisa1",
            RunMode.None => "none",
            _ => "posthoc",
        });
        if (config.RunMode != RunMode.None)
        {
            Assert.True(config.AnalyticsRanks >= 1, $"analytics_ranks {config.AnalyticsRanks} in mode {config.Mode}.");
        }

        Assert.NotNull(config.Arrays);
        Assert.NotEmpty(config.Arrays);
        Assert.All(config.Arrays, a => Assert.Equal("global_t", a));
        Assert.False(string.IsNullOrWhiteSpace(config.Output));
        _ = Path.GetFullPath(config.Output);
        int rows = config.Size.Height;
        int cols = config.Size.Width;
        if (config.Selection is { } selection)
        {
            Assert.InRange(selection.Every, 1, config.Steps);
            if (selection.Rows is { } r)
            {
                Assert.Equal(2, r.Count);
                Assert.InRange(r[0], 0, r[1] - 1);
                Assert.InRange(r[1], 1, config.Size.Height);
                rows = r[1] - r[0];
            }

            if (selection.Cols is { } c)
            {
                Assert.Equal(2, c.Count);
                Assert.InRange(c[0], 0, c[1] - 1);
                Assert.InRange(c[1], 1, config.Size.Width);
                cols = c[1] - c[0];
            }
        }

        var kinds = new HashSet<string>(StringComparer.Ordinal);
        foreach (AnalyticConfig? analytic in config.Analytics ?? [])
        {
            Assert.NotNull(analytic);
            Assert.Contains(analytic.Kind, (string[])[AnalyticConfig.Ipca, AnalyticConfig.SpatialMean, AnalyticConfig.TimeDerivativeMean, AnalyticConfig.RollingMean]);
            Assert.True(kinds.Add(analytic.Kind!), $"{analytic.Kind} twice.");
            if (analytic.Kind == AnalyticConfig.Ipca)
            {
                Assert.InRange(analytic.NComponents, 1, Math.Min(rows, cols));
                Assert.Contains(analytic.SvdSolver, (string[])["leading_k", "full", "randomized"]);
            }
        }
    }

    /// <summary>One to three random changes to the default file.</summary>
    private static string Mutate(Random random)
    {
        List<string> lines = [.. s_lines];
        int mutations = random.Next(1, 4);
        int? cut = null;
        for (int m = 0; m < mutations; m++)
        {
            int at = random.Next(lines.Count);
            switch (random.Next(13))
            {
                case 0:
                    lines.RemoveAt(at);
                    break;
                case 1:
                    lines.Insert(random.Next(lines.Count + 1), lines[at]);
                    break;
                case 2:
                {
                    int other = random.Next(lines.Count);
                    (lines[at], lines[other]) = (lines[other], lines[at]);
                    break;
                }

                case 3:
                {
                    // Indentation: more, less, or a tab, which YAML forbids for indentation.
                    string line = lines[at];
                    string trimmed = line.TrimStart(' ');
                    lines[at] = random.Next(3) switch
                    {
                        0 => new string(' ', random.Next(1, 9)) + line,
                        1 => trimmed.Length == line.Length ? line : new string(' ', random.Next(line.Length - trimmed.Length)) + trimmed,
                        _ => "\t" + line,
                    };
                    break;
                }

                case 4:
                case 5:
                    lines[at] = ReplaceValue(random, lines[at], s_values[random.Next(s_values.Length)]);
                    break;
                case 6:
                {
                    // Random characters, YAML's special ones most of all.
                    const string special = ":{}[],&*!|>'\"%@`#-?~\\ \t";
                    string line = lines[at];
                    int position = random.Next(line.Length + 1);
                    char c = random.Next(3) switch
                    {
                        0 => special[random.Next(special.Length)],
                        1 => (char)random.Next(0x20, 0x7F),
                        _ => (char)random.Next(0, 0xFFFF),
                    };
                    lines[at] = line.Insert(position, c.ToString());
                    break;
                }

                case 7:
                    cut = random.Next(s_default.Length);
                    break;
                case 8:
                    lines.Insert(at, random.Next(3) switch
                    {
                        0 => "colour: blue",
                        1 => "  depth: 3",
                        _ => "size: {height: 8, width: 8, depth: 8}",
                    });
                    break;
                case 9:
                {
                    // An anchor on one value and an alias in place of another, or an alias to nothing.
                    int other = random.Next(lines.Count);
                    lines[at] = ReplaceValue(random, lines[at], null, "&x ");
                    lines[other] = ReplaceValue(random, lines[other], random.Next(4) == 0 ? "*missing" : "*x");
                    break;
                }

                case 10:
                    lines[at] = ReplaceValue(random, lines[at], null, s_tags[random.Next(s_tags.Length)]);
                    break;
                case 11:
                {
                    string huge = random.Next(5) switch
                    {
                        0 => "0",
                        1 => "-" + random.Next(1, 1000),
                        2 => ((long)random.Next() * random.Next(1, 8)).ToString(System.Globalization.CultureInfo.InvariantCulture),
                        3 => random.Next(1, 1 << 16).ToString(System.Globalization.CultureInfo.InvariantCulture),
                        _ => random.Next(1, 64).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    };
                    lines[at] = ReplaceValue(random, lines[at], huge);
                    break;
                }

                default:
                    // Separators: "key:value", "key :value", "key=value".
                    lines[at] = lines[at].Replace(": ", random.Next(3) switch { 0 => ":", 1 => " :", _ => "=" }, StringComparison.Ordinal);
                    break;
            }
        }

        string yaml = string.Join('\n', lines);
        return cut is int length ? yaml[..Math.Min(length, yaml.Length)] : yaml;
    }

    /// <summary>Replaces one <c>key: value</c> value of a line (block or flow), or prefixes it.</summary>
    private static string ReplaceValue(Random random, string line, string? value, string prefix = "")
    {
        MatchCollection matches = KeyValue().Matches(line);
        if (matches.Count == 0)
        {
            return line;
        }

        Group old = matches[random.Next(matches.Count)].Groups["value"];
        return line[..old.Index] + prefix + (value ?? old.Value) + line[(old.Index + old.Length)..];
    }

    private static string Shorten(string yaml) => yaml.Length <= 3000 ? yaml : yaml[..3000] + $"… ({yaml.Length - 3000} more characters)";

    private static string AliasBomb(string key)
    {
        // Nine levels of nine aliases: 9^9 strings if every alias were expanded.
        var text = new StringBuilder("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int level = 1; level < 9; level++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"a{level}: &a{level} [{string.Join(", ", Enumerable.Repeat($"*a{level - 1}", 9))}]\n");
        }

        text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{key}: [{string.Join(", ", Enumerable.Repeat("*a8", 9))}]\n");
        return text.ToString();
    }

    private static string AnalyticsAliasBomb()
    {
        // Anchored inside known keys only, so no unknown key stops the parse before the aliases.
        var text = new StringBuilder(s_default.Replace("  - kind: spatial_mean", "  - &m {kind: spatial_mean}", StringComparison.Ordinal));
        text.Append("\nselection: {every: 1, rows: &r [0, 1], cols: *r}\n");
        text.Append("arrays: &g [global_t]\n");
        for (int i = 0; i < 9; i++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"analytics: [{string.Join(", ", Enumerable.Repeat("*m", 9))}]\n");
        }

        return text.ToString();
    }

    [GeneratedRegex(@"(?<key>[A-Za-z_]+):[ \t]*(?<value>[^,{}\[\]#\n]*[^,{}\[\]#\n ])")]
    private static partial Regex KeyValue();
}
