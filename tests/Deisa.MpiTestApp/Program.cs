using Deisa.Core.Client;
using Deisa.Core.Errors;
using Deisa.Mpi;

namespace Deisa.MpiTestApp;

/// <summary>Scenarios run under mpiexec.mpich by the xunit tests; each prints CHECK lines and returns an exit code.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        // The tests read each rank's report lines from the job's merged output: one write per line keeps them whole.
        var stdout = new LineAtomicWriter(Console.OpenStandardOutput());
        Console.SetOut(stdout);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stdout.Flush();
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: Deisa.MpiTestApp <scenario> [arguments]");
            return 2;
        }

        string scenario = args[0];
        if (scenario == "blas")
        {
            // A plain process: the probe watches every thread, and MPI would start its own.
            return BlasProbe.Run(args);
        }

        if (scenario == "plan-memory")
        {
            // A plain process too: the live heap it samples is the whole process's.
            return PlanMemory.Run(args);
        }

        // Every rank registers the same operations and codecs before the session starts, except the world ranks a
        // test lists with --skip-ml-register (MPICH's launcher gives each process its rank in PMI_RANK).
        if (!Arg(args, "--skip-ml-register", "").Split(',').Contains(System.Environment.GetEnvironmentVariable("PMI_RANK")))
        {
            Deisa.Ml.DeisaMl.Register(TestOps.Registry);
        }

        Soak.Register(TestOps.Registry);
        var options = new DeisaMpiOptions
        {
            Operations = TestOps.Registry,
            AnalyticsRanks = int.Parse(Arg(args, "--analytics", "1"), System.Globalization.CultureInfo.InvariantCulture),
            ContractTimeout = TimeSpan.FromSeconds(int.Parse(Arg(args, "--contract-timeout", "60"), System.Globalization.CultureInfo.InvariantCulture)),
            FinishTimeout = TimeSpan.FromSeconds(60),
            // Validating after every message costs time in proportion to the graph: quadratic over a soak's long run.
            ValidateScheduler = scenario is not ("soak" or "publish-alloc"),
            WorkerOnAnalyticsRoot = args.Contains("--worker-on-root") ? true : null,
            Mode = Arg(args, "--mode", "deisa3") == "deisa1" ? Deisa.Core.Arrays.CouplingMode.Deisa1 : Deisa.Core.Arrays.CouplingMode.Deisa3,
            Client = new ClientOptions { RequestTimeout = TimeSpan.FromSeconds(60), DataTimeout = TimeSpan.FromSeconds(60) },
            Backpressure = new Deisa.Core.Coupling.BackpressureOptions { MaxStepsInFlight = int.Parse(Arg(args, "--in-flight", "0"), System.Globalization.CultureInfo.InvariantCulture) },
            CopyBudgetBytes = long.Parse(Arg(args, "--copy-budget", "0"), System.Globalization.CultureInfo.InvariantCulture),
        };
        if (scenario == "shutdown")
        {
            Shutdown.Configure(options);
        }

        // The blocks' other road: queued for the communication thread to post, instead of posted by their publisher.
        options.Transport.PostBlocksFromPublisher = Arg(args, "--post-blocks", "publisher") != "thread";

        DeisaSession session;
        try
        {
            session = DeisaSession.Initialize(options);
        }
        catch (DeisaException error)
        {
            Console.Error.WriteLine($"error: {error.Message}");
            return 2;
        }

        int code;
        using (session)
        {
            code = Run(session, scenario, args);
        }

        if (scenario == "soak")
        {
            Soak.PrintFinal(session.WorldRank);
        }

        if (scenario == "shutdown")
        {
            Console.WriteLine($"SHUTDOWN rank={session.WorldRank} simulation={session.IsSimulation} late={session.Transport.ReceivedAtShutdown} unreceived={session.Transport.UnreceivedAtShutdown}");
        }

        return code;
    }

    private static int Run(DeisaSession session, string scenario, string[] args)
    {
        return scenario switch
        {
            "coupling" => Coupling.Run(session, args),
            "transport" => TransportChecks.Run(session),
            "transport-contract" => TransportContractRun.Run(session),
            "cores" => PrintCores(session),
            "doorbell" => Doorbells.Run(session, args),
            "arrays" => ArrayOps.Run(session, args),
            "open" => OpenRun.Run(session, args),
            "steering" => Steering.Run(session, args),
            "windows" => Windows.Run(session, args),
            "preprocessing" => Preprocessed.Run(session, args),
            "ipca" => Ipca.Run(session, args),
            "soak" => Soak.Run(session, args),
            "shutdown" => Shutdown.Run(session, args),
            "publish-alloc" => PublishAllocations.Run(session, args),
            _ => Unknown(scenario),
        };
    }

    /// <summary>Prints what this rank found of its node's cores, for the tests to compare across ranks and launches.</summary>
    private static int PrintCores(DeisaSession session)
    {
        CoreLayout c = session.Cores;
        Console.WriteLine($"CORES rank={session.WorldRank} node_ranks={c.RanksOnNode} node_cores={c.CoresOnNode} cores={c.Cores} sharing={c.RanksSharing} shared_cores={c.CoresShared} gentle={session.SharedCores} woken_by={session.Threads.WokenBy}");
        Console.WriteLine($"THREADS rank={session.WorldRank} {session.Threads}");
        return 0;
    }

    public static string Arg(string[] args, string name, string fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
    }

    public static void Check(bool ok, string name, string detail = "")
    {
        Console.WriteLine($"CHECK {(ok ? "PASS" : "FAIL")} {name} {detail}".TrimEnd());
    }

    private static int Unknown(string scenario) => throw new DeisaException($"Unknown scenario '{scenario}'.");
}
