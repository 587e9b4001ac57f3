using System.CommandLine;
using Deisa.Core.Transport;
using Deisa.Heat2D.Configuration;
using Deisa.Heat2D.Output;
using Deisa.Heat2D.Runs;
using Deisa.Mpi.Native;

namespace Deisa.Heat2D;

/// <summary>
/// The 2D heat mini-app with in-transit analytics. Under mpiexec.mpich every rank runs this program: the first ranks
/// simulate, the last ones analyse. Without mpiexec it runs every rank in one process.
/// </summary>
public static class Program
{
    /// <summary>Runs the mini-app: <c>dotnet Deisa.Heat2D.dll [--config heat2d.yml] [--output DIR] [--progress|--no-progress] [--transport NAME]</c>.</summary>
    /// <param name="args">The command line.</param>
    /// <returns>0 on success, 2 for bad input (configuration, command line), 1 for a failed run.</returns>
    public static int Main(string[] args)
    {
        // Under MPICH's launcher every rank sees the same configuration, so every rank finds the same problem;
        // only world rank 0 says it.
        string? launcherRank = Environment.GetEnvironmentVariable("PMI_RANK");
        bool underMpi = launcherRank is not null || Environment.GetEnvironmentVariable("PMI_SIZE") is not null;
        bool speaks = launcherRank is null or "0";
        TextWriter errors = speaks ? Console.Error : TextWriter.Null;

        var config = new Option<FileInfo?>("--config") { Description = "The YAML configuration (default: heat2d.yml next to this program)." };
        var output = new Option<DirectoryInfo?>("--output") { Description = "Where results go (default: the configuration's output)." };
        var progress = new Option<bool>("--progress") { Description = "Show steps done, rate and ETA on standard error (default: when it is a terminal)." };
        var noProgress = new Option<bool>("--no-progress") { Description = "Never show progress." };
        var transport = new Option<string?>("--transport")
        {
            Description = $"The transport: {TransportNames.Mpi} (the default under mpiexec.mpich), {TransportNames.InProcess} (the default without: every rank in this process) or {TransportNames.InProcessSerialized} (in this process, every message through the wire format as under MPI).",
        };
        transport.AcceptOnlyFromAmong([.. TransportNames.All]);
        var printRanks = new Option<bool>("--print-ranks") { Description = "Print how many MPI ranks the configuration needs, and exit (run_mpi.sh uses it)." };
        var root = new RootCommand("Deisa's 2D heat mini-app with in-transit analytics. Under mpiexec.mpich, the first ranks simulate and the last ones analyse.")
        {
            config, output, progress, noProgress, transport, printRanks,
        };
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (System.CommandLine.Parsing.ParseError error in parsed.Errors)
            {
                errors.WriteLine($"error: {error.Message}");
            }

            errors.WriteLine("usage: dotnet Deisa.Heat2D.dll [--config FILE] [--output DIR] [--progress|--no-progress] [--transport NAME]; --help for more.");
            return 2;
        }

        root.SetAction(result => result.GetValue(printRanks)
            ? PrintRanks(result.GetValue(config)?.FullName ?? DefaultConfig, errors)
            : Run(
            result.GetValue(config)?.FullName ?? DefaultConfig,
            result.GetValue(output)?.FullName,
            result.GetValue(noProgress) ? false : result.GetValue(progress) ? true : null,
            result.GetValue(transport),
            underMpi,
            speaks,
            errors));
        return parsed.Invoke(new InvocationConfiguration { Output = speaks ? Console.Out : TextWriter.Null, Error = errors });
    }

    private static string DefaultConfig => Path.Combine(AppContext.BaseDirectory, "heat2d.yml");

    private static int PrintRanks(string configPath, TextWriter errors)
    {
        try
        {
            Console.WriteLine(ConfigLoader.Load(configPath).TotalRanks);
            return 0;
        }
        catch (ConfigException error)
        {
            errors.WriteLine($"error: {error.Message}");
            return 2;
        }
    }

    private static int Run(string configPath, string? outputOverride, bool? showProgress, string? transport, bool launched, bool speaks, TextWriter errors)
    {
        bool underMpi = launched;
        try
        {
            HeatConfig config = ConfigLoader.Load(configPath);
            bool sized = int.TryParse(Environment.GetEnvironmentVariable("PMI_SIZE"), out int size);
            transport ??= launched ? TransportNames.Mpi : TransportNames.InProcess;
            if (transport == TransportNames.Mpi && !launched)
            {
                errors.WriteLine($"error: --transport {TransportNames.Mpi} runs across MPI ranks: launch with mpiexec.mpich -n {config.TotalRanks} (./run_mpi.sh does), or run in one process with --transport {TransportNames.InProcess}.");
                return 2;
            }

            if (transport != TransportNames.Mpi && sized && size > 1)
            {
                errors.WriteLine($"error: --transport {transport} runs every rank in one process, but mpiexec.mpich launched {size}: launch one process (without mpiexec), or use --transport {TransportNames.Mpi}.");
                return 2;
            }

            // One process launched by mpiexec may still run in process: then it is no MPI job.
            underMpi = transport == TransportNames.Mpi;
            if (underMpi && sized)
            {
                ConfigLoader.CheckRanks(config, size, Path.GetFileName(configPath));
            }

            string folder = Path.GetFullPath(outputOverride ?? config.Output!);
            Directory.CreateDirectory(folder);
            var progress = new Progress(config.Steps, speaks && Progress.Wanted(showProgress), Console.Error);
            int code = underMpi
                ? MpiRunner.Run(config, folder, progress, Console.Out)
                : InProcessRunner.Run(config, folder, progress, Console.Out, transport);
            RankUsage.Write(folder, int.TryParse(Environment.GetEnvironmentVariable("PMI_RANK"), out int rank) ? rank : 0);
            return code;
        }
        catch (ConfigException error)
        {
            errors.WriteLine($"error: {error.Message}");
            return 2;
        }
        catch (Exception error) when (underMpi && MPI.Environment.Initialized && !MPI.Environment.Finalized)
        {
            // One rank failing must end the job: the others would wait for it in their next exchange.
            MpiLibrary.AbortJob($"deisa-heat2d: world rank {Environment.GetEnvironmentVariable("PMI_RANK")}: {error.GetType().Name}: {error.Message}", 1);
            return 1;
        }
        catch (Exception error)
        {
            Console.Error.WriteLine($"deisa-heat2d: {error.GetType().Name}: {error.Message}");
            return 1;
        }
    }
}
