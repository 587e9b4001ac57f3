using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Deisa.Core.Arrays;

namespace Deisa.Bench.Workflow;

/// <summary>
/// The scheduler's scale model: the scheduler's state machine with the real client in one process, fed what a job with
/// N simulation ranks and 16 workers sends it, over ranks x steps (see <see cref="ScaleModelRun"/> for one
/// configuration). Each configuration runs in a fresh child process, so that its peak RSS is its own.
/// </summary>
internal static class ScaleModel
{
    /// <summary>The analytics of every configuration, as the report names them.</summary>
    private const string Analytics = "global_t.Sum(\"X\", \"Y\") persisted (a sum per step over every block)";

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    /// <summary>Runs every configuration, each in its own process, and writes scale-model.md and scale-model.json.</summary>
    /// <param name="ranks">Simulation rank counts (perfect squares).</param>
    /// <param name="steps">Step counts of the Deisa3 runs.</param>
    /// <param name="deisa1Steps">Step counts of the Deisa1 comparison.</param>
    /// <param name="modes">The couplings to run.</param>
    /// <param name="lookahead">The client's window, in steps.</param>
    /// <param name="root">Where the report goes.</param>
    /// <returns>0, or 1 when a configuration failed.</returns>
    public static int Run(int[] ranks, int[] steps, int[] deisa1Steps, CouplingMode[] modes, int lookahead, string root)
    {
        Directory.CreateDirectory(root);
        var configurations = new List<(int Ranks, int Steps, CouplingMode Mode)>();
        foreach (int r in ranks)
        {
            foreach (CouplingMode mode in modes)
            {
                foreach (int s in mode == CouplingMode.Deisa3 ? steps : deisa1Steps)
                {
                    configurations.Add((r, s, mode));
                }
            }
        }

        var results = new List<ScaleResult>();
        foreach ((int r, int s, CouplingMode mode) in configurations)
        {
            Console.Error.WriteLine($"scale model: {mode} {r:N0} ranks x {s:N0} steps");
            string json = Path.Combine(root, $"scale-model-{mode.ToString().ToLowerInvariant()}-{r}x{s}.json");
            int exit = RunChild(r, s, mode, lookahead, json);
            if (exit != 0)
            {
                Console.Error.WriteLine($"error: the configuration {mode} {r:N0} ranks x {s:N0} steps failed (exit code {exit}); its output is above.");
                return 1;
            }

            results.Add(JsonSerializer.Deserialize<ScaleResult>(File.ReadAllText(json))!);
            File.Delete(json);
        }

        File.WriteAllText(Path.Combine(root, "scale-model.json"), JsonSerializer.Serialize(results, s_json));
        string report = Report(results, lookahead);
        File.WriteAllText(Path.Combine(root, "scale-model.md"), report);
        Console.WriteLine(report);
        return 0;
    }

    /// <summary>Runs one configuration in this process, after a small one that compiles the code it runs, and writes its figures as JSON.</summary>
    /// <param name="ranks">Simulation ranks.</param>
    /// <param name="steps">Steps.</param>
    /// <param name="mode">The coupling.</param>
    /// <param name="lookahead">The client's window, in steps.</param>
    /// <param name="json">Where the figures go; standard output when null.</param>
    /// <returns>0.</returns>
    public static int RunOne(int ranks, int steps, CouplingMode mode, int lookahead, string? json)
    {
        ScaleModelRun.Measure(256, (2 * lookahead) + 4, mode, lookahead);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        ScaleResult result = ScaleModelRun.Measure(ranks, steps, mode, lookahead);
        Console.Error.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{mode} {ranks:N0} ranks x {steps:N0} steps: set-up {result.SetupSeconds:F2} s, scheduler {result.SchedulerCpuMsPerStep:F2} ms CPU ({result.SchedulerMsPerStep:F2} ms busy)/step, wall {result.WallMsPerStep:F2} ms/step, CPU {result.CpuMsPerStep:F2} ms/step, live heap {Mib(result.LiveHeapAfterSetup)} -> {Mib(result.LiveHeapLate)} MiB ({result.GrowthBytesPerStep:F0} B/step), peak RSS {Mib(result.PeakRss)} MiB"));
        if (result.SetupPhases.Length > 0)
        {
            Console.Error.WriteLine($"  set-up: {string.Join("; ", result.SetupPhases)}");
        }

        string text = JsonSerializer.Serialize(result, s_json);
        if (json is null)
        {
            Console.WriteLine(text);
        }
        else
        {
            File.WriteAllText(json, text);
        }

        return 0;
    }

    private static int RunChild(int ranks, int steps, CouplingMode mode, int lookahead, string json)
    {
        // Under the dotnet host the program is its first argument; as an apphost it is the process itself.
        string host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ScaleModel).Assembly.Location);
        }

        foreach (string argument in (string[])["scale-model-one", "--ranks", I(ranks), "--steps", I(steps), "--mode", mode.ToString().ToLowerInvariant(), "--lookahead", I(lookahead), "--json", json])
        {
            start.ArgumentList.Add(argument);
        }

        using Process child = Process.Start(start)!;
        child.WaitForExit();
        return child.ExitCode;
    }

    private static string Report(List<ScaleResult> results, int lookahead)
    {
        string times = RunResult.Table(
            ["simulation ranks", "steps", "mode", "set-up", "scheduler thread CPU per step", "scheduler busy per step", "wall per step (root's pace)", "CPU per step (process)", "scheduler CPU per rank per step", "messages to the scheduler per step", "of which from the simulation", "of which from the client", "messages from the scheduler per step"],
            results.Select(r => (IEnumerable<string>)
            [
                N(r.Ranks),
                N(r.Steps),
                r.Mode,
                $"{F(r.SetupSeconds)} s",
                $"{F(r.SchedulerCpuMsPerStep)} ms",
                $"{F(r.SchedulerMsPerStep)} ms",
                $"{F(r.WallMsPerStep)} ms",
                $"{F(r.CpuMsPerStep)} ms",
                $"{F(1000 * r.SchedulerCpuMsPerStep / r.Ranks)} µs",
                N(r.MessagesToScheduler / r.Steps),
                N(r.FromSimulation / r.Steps),
                F((double)r.FromClient / r.Steps),
                N(r.FromScheduler / r.Steps),
            ]));
        string memory = RunResult.Table(
            ["simulation ranks", "steps", "mode", "live heap after set-up (MiB)", "live heap early / late in the run (MiB)", "growth per step", "live heap at the end (MiB)", "peak GC heap / committed (MiB)", "peak RSS (MiB)", "peak scheduler keys", "contract: entries / blocks / most intervals in one", "contract on the wire", "left at the end: tasks / held / client keys / pins"],
            results.Select(r => (IEnumerable<string>)
            [
                N(r.Ranks),
                N(r.Steps),
                r.Mode,
                Mib(r.LiveHeapAfterSetup),
                r.EarlyStep >= 0 ? $"{Mib(r.LiveHeapEarly)} / {Mib(r.LiveHeapLate)} (steps {N(r.EarlyStep)}, {N(r.LateStep)})" : "-",
                r.EarlyStep >= 0 ? $"{r.GrowthBytesPerStep.ToString("F0", CultureInfo.InvariantCulture)} B" : "-",
                Mib(r.LiveHeapEnd),
                $"{Mib(r.PeakGcHeap)} / {Mib(r.PeakCommitted)}",
                Mib(r.PeakRss),
                N(r.PeakSchedulerKeys),
                $"{N(r.ContractEntries)} / {N(r.ContractBlocks)} / {r.ContractMaxIntervals}",
                $"{RunResult.Kib(r.ContractBytes)} KiB ({F((double)r.ContractBytes / Math.Max(1, r.ContractRanks))} B per rank)",
                $"{r.TasksLeft} / {r.HeldLeft} / {r.ClientKeysLeft} / {r.PinsLeft}",
            ]));
        string interest = results.FirstOrDefault(r => r.Requirements.Length > 0) is { } sample
            ? $"Deisa3's interest, as the scheduler received it ({N(sample.Ranks)} ranks, {N(sample.Steps)} steps): {string.Join("; ", sample.Requirements)}.\n\n"
            : string.Empty;
        string report = $"Scheduler scale model: {Analytics}; {ScaleModelRun.Workers} workers, blocks of {ScaleModelRun.Cells}x{ScaleModelRun.Cells} doubles, lookahead {lookahead}; {DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores; one process per configuration, the scheduler on one thread, the real client on its own threads\n\n"
            + interest + "Time\n\n" + times + "\nMemory, contract, what is left\n\n" + memory + "\n" + Findings(results);
        return report;
    }

    /// <summary>What the figures say about the goals: the largest run's memory and set-up, flatness in the steps, Deisa1 against Deisa3.</summary>
    private static string Findings(List<ScaleResult> results)
    {
        var lines = new List<string>();
        List<ScaleResult> deisa3 = [.. results.Where(r => r.Mode == "deisa3")];
        if (deisa3.Count > 0)
        {
            ScaleResult largest = deisa3.MaxBy(r => ((long)r.Ranks * r.Steps, r.Ranks))!;
            lines.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"- Largest Deisa3 run, {largest.Ranks:N0} ranks x {largest.Steps:N0} steps: peak RSS {Mib(largest.PeakRss)} MiB (goal: under 2,048), set-up {largest.SetupSeconds:F2} s (goal: under 1), contract {largest.ContractEntries:N0} entries of at most {largest.ContractMaxIntervals} interval(s), {RunResult.Kib(largest.ContractBytes)} KiB."));
        }

        foreach (IGrouping<(int Ranks, string Mode), ScaleResult> series in results.GroupBy(r => (r.Ranks, r.Mode)).Where(g => g.Count() > 1))
        {
            ScaleResult shortest = series.MinBy(r => r.Steps)!;
            ScaleResult longest = series.MaxBy(r => r.Steps)!;
            lines.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"- {series.Key.Mode}, {series.Key.Ranks:N0} ranks, {shortest.Steps:N0} to {longest.Steps:N0} steps: scheduler thread CPU per step x{longest.SchedulerCpuMsPerStep / shortest.SchedulerCpuMsPerStep:F2}, CPU per step x{longest.CpuMsPerStep / shortest.CpuMsPerStep:F2}, live heap late in the run x{(double)longest.LiveHeapLate / Math.Max(1, shortest.LiveHeapLate):F2}, peak RSS x{(double)longest.PeakRss / shortest.PeakRss:F2}."));
        }

        foreach (ScaleResult one in results.Where(r => r.Mode == "deisa1"))
        {
            if (results.FirstOrDefault(r => r.Mode == "deisa3" && r.Ranks == one.Ranks && r.Steps == one.Steps) is { } three)
            {
                lines.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"- {one.Ranks:N0} ranks x {one.Steps:N0} steps: Deisa1 takes {one.SchedulerCpuMsPerStep / three.SchedulerCpuMsPerStep:F1}x Deisa3's scheduler thread CPU per step, with {one.FromSimulation / one.Steps:N0} messages per step from the simulation against {three.FromSimulation / three.Steps:N0}."));
            }
        }

        return lines.Count == 0 ? string.Empty : string.Join("\n", lines) + "\n";
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string F(double value) => value.ToString("F2", CultureInfo.InvariantCulture);

    private static string Mib(long bytes) => RunResult.Mib(bytes);
}
