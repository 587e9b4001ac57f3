using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Deisa.Heat2D.Configuration;

/// <summary>Reads and checks a configuration: every problem is reported with the key, the value and what is expected.</summary>
internal static partial class ConfigLoader
{
    private static readonly string[] s_solvers = ["leading_k", "full", "randomized"];
    private static readonly string[] s_kinds = [AnalyticConfig.Ipca, AnalyticConfig.SpatialMean, AnalyticConfig.TimeDerivativeMean, AnalyticConfig.RollingMean];
    private static readonly Dictionary<string, RunMode> s_modes = new(StringComparer.Ordinal)
    {
        ["deisa3"] = RunMode.Deisa3,
        ["deisa1"] = RunMode.Deisa1,
        ["none"] = RunMode.None,
        ["posthoc"] = RunMode.PostHoc,
    };

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="ConfigException">The file is missing, is not valid YAML for this schema, or its values do not fit together.</exception>
    public static HeatConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new ConfigException(
                $"configuration file '{path}' not found (working directory {Environment.CurrentDirectory}). " +
                "Pass --config PATH, or run without --config to use heat2d.yml next to Deisa.Heat2D.dll.");
        }

        return Parse(File.ReadAllText(path), Path.GetFileName(path));
    }

    /// <summary>Parses and checks YAML text; <paramref name="name"/> prefixes the messages.</summary>
    /// <exception cref="ConfigException">As for <see cref="Load"/>.</exception>
    public static HeatConfig Parse(string yaml, string name)
    {
        // A key given twice is an error: the second would silently win over the first.
        IDeserializer deserializer = new DeserializerBuilder()
            .WithNamingConvention(UnderscoredNamingConvention.Instance)
            .WithDuplicateKeyChecking()
            .Build();
        HeatConfig? config;
        try
        {
            config = deserializer.Deserialize<HeatConfig?>(yaml);
        }
        catch (YamlException error)
        {
            throw new ConfigException($"{name}: line {error.Start.Line}, column {error.Start.Column}: {Explain(error)}");
        }

        if (config is null)
        {
            throw new ConfigException($"{name}: the file is empty; start from the default heat2d.yml.");
        }

        Check(config, name);
        return config;
    }

    /// <summary>Checks that the job has the ranks the configuration needs.</summary>
    /// <exception cref="ConfigException">It does not; the message says how to launch it.</exception>
    public static void CheckRanks(HeatConfig config, int worldSize, string name)
    {
        if (worldSize == config.TotalRanks)
        {
            return;
        }

        string analytics = config.TotalRanks > config.SimulationRanks ? $" + {config.AnalyticsRanks} analytics" : string.Empty;
        throw new ConfigException(
            $"{name}: grid {config.Grid!.Rows}x{config.Grid.Cols} and mode {config.Mode} need {config.TotalRanks} ranks " +
            $"({config.SimulationRanks} simulation{analytics}), but the job has {worldSize}. " +
            $"Run mpiexec.mpich -n {config.TotalRanks} (run_mpi.sh chooses it), or change grid/analytics_ranks.");
    }

    private static void Check(HeatConfig c, string name)
    {
        void Fail(string key, string problem) => throw new ConfigException($"{name}: {key}: {problem}");

        if (c.Size is null)
        {
            Fail("size", "missing; expected for example {height: 256, width: 256}");
        }

        if (c.Grid is null)
        {
            Fail("grid", "missing; expected for example {rows: 2, cols: 1}");
        }

        Positive(c.Size!.Height, "size.height");
        Positive(c.Size.Width, "size.width");
        Positive(c.Grid!.Rows, "grid.rows");
        Positive(c.Grid.Cols, "grid.cols");
        if (c.Size.Height % c.Grid.Rows != 0)
        {
            Fail("size.height", $"{c.Size.Height} does not split over grid.rows = {c.Grid.Rows}; choose a height that {c.Grid.Rows} divides, or other rows.");
        }

        if (c.Size.Width % c.Grid.Cols != 0)
        {
            Fail("size.width", $"{c.Size.Width} does not split over grid.cols = {c.Grid.Cols}; choose a width that {c.Grid.Cols} divides, or other cols.");
        }

        // The field is gathered into one array and every block has one with its halo: .NET arrays, whose length
        // is an int. Refused here, a size too large is a clear error instead of an overflow or OutOfMemory later.
        long cells = (long)c.Size.Height * c.Size.Width;
        long blockCells = ((long)c.BlockHeight + 2) * ((long)c.BlockWidth + 2);
        if (cells > Array.MaxLength || blockCells > Array.MaxLength)
        {
            Fail("size", string.Create(CultureInfo.InvariantCulture,
                $"{c.Size.Height}x{c.Size.Width} is {cells} cells; at most {Array.MaxLength} fit in the gathered field (and in a block with its halo)."));
        }

        Positive(c.Steps, "steps");
        if (c.Steps > Array.MaxLength)
        {
            Fail("steps", string.Create(CultureInfo.InvariantCulture, $"{c.Steps}; at most {Array.MaxLength} (the spatial mean's result, one value per step, is one array)."));
        }

        Positive(c.Inner, "inner");
        if (c.Mode is null || !s_modes.TryGetValue(c.Mode, out RunMode mode))
        {
            Fail("mode", $"'{c.Mode}' is not a mode; expected {string.Join(", ", s_modes.Keys)}.");
            return;
        }

        c.RunMode = mode;
        if (mode is RunMode.Deisa3 or RunMode.Deisa1 or RunMode.PostHoc && c.AnalyticsRanks < 1)
        {
            Fail("analytics_ranks", $"{c.AnalyticsRanks}; mode {c.Mode} needs at least 1 (the scheduler and analytics; more add workers).");
        }

        if ((long)c.SimulationRanks + Math.Max(c.AnalyticsRanks, 0) > int.MaxValue)
        {
            Fail("analytics_ranks", string.Create(CultureInfo.InvariantCulture,
                $"{c.AnalyticsRanks}; with the {c.SimulationRanks} simulation ranks the job would need more than {int.MaxValue} ranks."));
        }

        if (c.Arrays is not { Count: > 0 } || c.Arrays.Any(a => a != "global_t"))
        {
            Fail("arrays", $"[{string.Join(", ", c.Arrays ?? [])}]; the mini-app publishes one array: expected [global_t].");
        }

        if (string.IsNullOrWhiteSpace(c.Output))
        {
            Fail("output", "missing; expected a folder for the results, for example heat2d-output.");
        }

        try
        {
            _ = Path.GetFullPath(c.Output!);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            Fail("output", $"'{c.Output!.Replace("\0", "\\0", StringComparison.Ordinal)}' is not a valid folder path ({e.Message}).");
        }

        if (c.Selection is { } selection)
        {
            if (selection.Every < 1 || selection.Every > c.Steps)
            {
                Fail("selection.every", $"{selection.Every}; expected 1 to steps ({c.Steps}).");
            }

            string rows = c.Downsample > 1 ? "the downsampled height" : "size.height";
            string cols = c.Downsample > 1 ? "the downsampled width" : "size.width";
            Window(selection.Rows, c.ReadHeight, "selection.rows", rows);
            Window(selection.Cols, c.ReadWidth, "selection.cols", cols);
        }

        if (c.Downsample < 1)
        {
            Fail("downsample", $"{c.Downsample}; expected a stride of 2 or more (every n-th row and column), or 1 for none.");
        }
        else if (c.Downsample > 1)
        {
            if (c.RunMode != RunMode.Deisa3)
            {
                Fail("downsample", $"set in mode {c.Mode}; the simulation ranks downsample before shipping, which needs the contract: use mode deisa3.");
            }

            if (c.Downsample > Math.Min(c.BlockHeight, c.BlockWidth))
            {
                Fail("downsample", string.Create(CultureInfo.InvariantCulture,
                    $"{c.Downsample}; a block is {c.BlockHeight}x{c.BlockWidth} cells, and every block must keep at least one: expected 2 to {Math.Min(c.BlockHeight, c.BlockWidth)}."));
            }
        }

        if (!double.IsFinite(c.StopWhenMeanChangeBelow) || c.StopWhenMeanChangeBelow < 0)
        {
            Fail("stop_when_mean_change_below", string.Create(CultureInfo.InvariantCulture,
                $"{c.StopWhenMeanChangeBelow}; expected a positive change of the spatial mean from one step read to the next, or 0 (or no key) to run every step."));
        }
        else if (c.Steered)
        {
            if (c.RunMode != RunMode.Deisa3)
            {
                Fail("stop_when_mean_change_below", $"set in mode {c.Mode}; the analytics stop the simulation while it runs, which needs mode deisa3.");
            }

            if (c.Analytics?.FirstOrDefault(a => a?.Kind is AnalyticConfig.Ipca or AnalyticConfig.TimeDerivativeMean) is { } planned)
            {
                Fail("stop_when_mean_change_below", $"set with {planned.Kind}, which is planned over every step; a run that stops at a step not known in advance can have spatial_mean and rolling_mean: remove {planned.Kind}, or the stop.");
            }
        }

        if (c.StagingBeforeContractMib < 0)
        {
            Fail("staging_before_contract_mib", $"{c.StagingBeforeContractMib}; expected 0 (the first publish waits for the contract) or a positive number of MiB.");
        }

        if (c.CopyBudgetMib < 0)
        {
            Fail("copy_budget_mib", $"{c.CopyBudgetMib}; expected 0 (every block sent from the field itself) or a positive number of MiB.");
        }

        if (c.Backpressure is { } backpressure)
        {
            if (backpressure.MaxStepsInFlight < 0)
            {
                Fail("backpressure.max_steps_in_flight", $"{backpressure.MaxStepsInFlight}; expected a positive number of steps, or 0 for no bound.");
            }

            if (backpressure.Policy != "block")
            {
                Fail("backpressure.policy", $"'{backpressure.Policy}'; expected block. The mini-app's analytics chain the steps (the PCA, the means over time), so one dropped step would fail them; the Drop policy is for library users whose per-step results may be lost (BackpressureOptions).");
            }

            if (c.RunMode == RunMode.Deisa1 && backpressure.MaxStepsInFlight > 0)
            {
                Fail("backpressure", "set in mode deisa1, whose analytics script keeps the first step until the last; use it with deisa3 or posthoc.");
            }

            if (backpressure.MaxStepsInFlight > 0 && c.Find(AnalyticConfig.RollingMean) is { Window: > 0 } rolling && backpressure.MaxStepsInFlight <= rolling.Window)
            {
                Fail("backpressure.max_steps_in_flight", $"{backpressure.MaxStepsInFlight}; rolling_mean holds its window of {rolling.Window} steps while the next one comes, so at least {rolling.Window + 1} must be in flight.");
            }

            if (backpressure.MaxStepsInFlight is 1 && c.Analytics?.Any(a => a.Kind == "time_derivative_mean") == true)
            {
                Fail("backpressure.max_steps_in_flight", $"{backpressure.MaxStepsInFlight}; time_derivative_mean reads each step with the next one, so at least 2 steps must be in flight.");
            }
        }

        List<AnalyticConfig> analytics = c.Analytics ?? [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < analytics.Count; i++)
        {
            AnalyticConfig? a = analytics[i];
            string key = $"analytics[{i}]";
            if (a is null)
            {
                Fail(key, "empty; expected an analytic, for example {kind: spatial_mean}.");
                return;
            }

            if (a.Kind is null || !s_kinds.Contains(a.Kind))
            {
                Fail($"{key}.kind", $"'{a.Kind}' is not an analytic; expected {string.Join(", ", s_kinds)}.");
            }

            if (!seen.Add(a.Kind!))
            {
                Fail($"{key}.kind", $"'{a.Kind}' appears twice; list each analytic once.");
            }

            if (a.Kind == AnalyticConfig.Ipca)
            {
                int samples = c.Selection?.Rows is [int r0, int r1] ? r1 - r0 : c.ReadHeight;
                int features = c.Selection?.Cols is [int c0, int c1] ? c1 - c0 : c.ReadWidth;
                if (a.NComponents < 1 || a.NComponents > Math.Min(samples, features))
                {
                    Fail($"{key}.n_components", string.Create(CultureInfo.InvariantCulture,
                        $"{a.NComponents}; expected 1 to {Math.Min(samples, features)} (at most the features, the columns read, and the samples per step, the rows read)."));
                }

                if (!s_solvers.Contains(a.SvdSolver))
                {
                    Fail($"{key}.svd_solver", $"'{a.SvdSolver}' is not a solver; expected {string.Join(", ", s_solvers)}.");
                }
            }

            int read = ((c.Steps - 1) / (c.Selection?.Every ?? 1)) + 1;
            if (a.Kind == AnalyticConfig.RollingMean)
            {
                if (a.Window < 1 || a.Window > read)
                {
                    Fail($"{key}.window", string.Create(CultureInfo.InvariantCulture,
                        $"{a.Window}; expected 1 to {read} steps (the steps read: steps {c.Steps} with selection.every {c.Selection?.Every ?? 1}).{(a.Window == 0 ? " rolling_mean needs its window: {kind: rolling_mean, window: 5}." : string.Empty)}"));
                }

                if (a.MaxConcurrency < 1)
                {
                    Fail($"{key}.max_concurrency", string.Create(CultureInfo.InvariantCulture,
                        $"{a.MaxConcurrency}; expected how many of the rolling mean's calls may run at once: 1 (each after the previous) or more (default {AnalyticConfig.DefaultRollingCalls})."));
                }

                if (c.RunMode == RunMode.Deisa1)
                {
                    Fail($"{key}.kind", "rolling_mean runs as a window callback, which needs the contract: use it in mode deisa3 or posthoc.");
                }
            }

            if (a.Kind == AnalyticConfig.TimeDerivativeMean && read < 2)
            {
                Fail($"{key}.kind", $"time_derivative_mean needs at least 2 steps read; steps {c.Steps} with selection.every {c.Selection?.Every ?? 1} reads {read}.");
            }
        }

        void Window(List<int>? window, int size, string key, string sizeKey)
        {
            if (window is not null && (window.Count != 2 || window[0] < 0 || window[0] >= window[1] || window[1] > size))
            {
                Fail(key, $"[{string.Join(", ", window)}]; expected [first, end] with 0 <= first < end <= {sizeKey} ({size}).");
            }
        }

        void Positive(int value, string key)
        {
            if (value <= 0)
            {
                Fail(key, $"{value}; expected a positive integer.");
            }
        }
    }

    /// <summary>Turns YamlDotNet's messages into the key and what is expected.</summary>
    private static string Explain(YamlException error)
    {
        Exception inner = error;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        Match unknown = UnknownProperty().Match(error.Message);
        if (unknown.Success)
        {
            return $"unknown key '{unknown.Groups[1].Value}'; expected one of {ExpectedKeys(unknown.Groups[2].Value)}.";
        }

        Match duplicate = DuplicateKey().Match(error.Message);
        if (duplicate.Success)
        {
            return $"key '{duplicate.Groups[1].Value}' appears a second time here; keep one.";
        }

        Match alias = AliasBeforeAnchor().Match(error.Message);
        if (alias.Success)
        {
            return $"alias *{alias.Groups[1].Value} is used before (or without) its anchor &{alias.Groups[1].Value}.";
        }

        Match events = WrongEvent().Match(error.Message);
        if (events.Success)
        {
            return $"expected {Node(events.Groups[1].Value)} here, found {Node(events.Groups[2].Value)}; check the indentation.";
        }

        // The type YamlDotNet could not make the value into, named in one of three messages.
        Match wrongNode = WrongNode().Match(error.Message);
        if (!wrongNode.Success)
        {
            wrongNode = InvalidCast().Match(inner.Message);
        }

        if (!wrongNode.Success)
        {
            wrongNode = CannotCreate().Match(inner.Message);
        }

        if (wrongNode.Success)
        {
            return $"a value has the wrong shape; expected {Expected(wrongNode.Groups[1].Value)}.";
        }

        return inner switch
        {
            FormatException or OverflowException => $"a value has the wrong type ({inner.Message}); numbers must be integers, flags true or false.",

            // YamlDotNet reads an empty quoted scalar as a number this way.
            IndexOutOfRangeException => "a value has the wrong type (empty where a number is expected); numbers must be integers, flags true or false.",
            InvalidOperationException => $"this value cannot be read ({inner.Message}); check its brackets, braces and quotes.",
            _ => $"{error.Message} {(ReferenceEquals(inner, error) ? string.Empty : inner.Message)}".Trim(),
        };
    }

    private static string ExpectedKeys(string type)
    {
        Type? target = typeof(HeatConfig).Assembly.GetTypes().FirstOrDefault(t => t.FullName == type || t.Name == type);
        if (target is null)
        {
            return "the keys of the default heat2d.yml";
        }

        string[] computed = ["RunMode", "SimulationRanks", "TotalRanks", "BlockHeight", "BlockWidth"];
        return string.Join(", ", target.GetProperties()
            .Where(p => p.CanWrite && !computed.Contains(p.Name))
            .Select(p => UnderscoredNamingConvention.Instance.Apply(p.Name)));
    }

    private static string Expected(string type) => type switch
    {
        "System.Int32" => "an integer",
        "System.String" => "a single value (text)",
        "System.Boolean" => "true or false",
        _ when type.StartsWith("System.Collections.Generic.List", StringComparison.Ordinal) => "a list, for example [a, b]",

        // No key of the schema is a dictionary: only a !!map tag asks for one.
        _ when type.StartsWith("System.Collections.Generic.Dictionary", StringComparison.Ordinal) => "a value that fits its tag; remove the tag (!!map, !!seq…)",
        _ => $"a mapping of the keys {ExpectedKeys(type)}",
    };

    private static string Node(string yamlEvent) => yamlEvent switch
    {
        "SequenceStart" => "a list",
        "MappingStart" => "a mapping (key: value)",
        "Scalar" => "a single value",
        "SequenceEnd" => "the end of a list",
        "MappingEnd" => "the end of a mapping",
        _ => yamlEvent,
    };

    [GeneratedRegex("Property '(.*)' not found on type '([^']+)'")]
    private static partial Regex UnknownProperty();

    [GeneratedRegex("Encountered duplicate key (.+)$")]
    private static partial Regex DuplicateKey();

    [GeneratedRegex(@"deserialize the node into type ([^,\[]+)")]
    private static partial Regex WrongNode();

    [GeneratedRegex(@"Invalid cast from '[^']*' to '([^'\[`]+)")]
    private static partial Regex InvalidCast();

    [GeneratedRegex(@"create an instance of type '([^'\[`]+)")]
    private static partial Regex CannotCreate();

    [GeneratedRegex(@"Expected '(\w+)', got '(\w+)'")]
    private static partial Regex WrongEvent();

    [GeneratedRegex(@"Alias \$?(\S+) cannot precede anchor declaration")]
    private static partial Regex AliasBeforeAnchor();
}
