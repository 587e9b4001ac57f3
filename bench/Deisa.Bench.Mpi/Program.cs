using System.Diagnostics;
using System.Globalization;
using System.Threading.Tasks;
using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Transport;
using Deisa.Mpi;
using Deisa.Mpi.Bridge;

namespace Deisa.Bench.Mpi;

/// <summary>
/// Benchmarks that need real ranks, launched with mpiexec.mpich (see bench/run_mpi_benchmarks.sh). Rank 0 prints
/// the results; every figure is measured side by side with its reference in the same run.
/// </summary>
public static class Program
{
    private static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;

    public static int Main(string[] args)
    {
        string scenario = args.Length > 0 ? args[0] : "help";
        var operations = new OperationRegistry();
        var options = new DeisaMpiOptions
        {
            Operations = operations,
            AnalyticsRanks = Int(args, "--analytics", 1),
            Mode = Arg(args, "--mode", "deisa3") == "deisa1" ? CouplingMode.Deisa1 : CouplingMode.Deisa3,

            // Blocks sent from copies within this many bytes, in every scenario; 0 sends from the caller's memory.
            CopyBudgetBytes = long.Parse(Arg(args, "--copy-budget", "0"), CultureInfo.InvariantCulture),
        };
        if (Int(args, "--warm-poll-us", -1) is int poll and >= 0)
        {
            options.Transport.WarmPollInterval = TimeSpan.FromMicroseconds(poll);
        }
        if (Arg(args, "--post-blocks", "publisher") == "thread")
        {
            options.Transport.PostBlocksFromPublisher = false;
        }

        using DeisaSession session = DeisaSession.Initialize(options);
        return scenario switch
        {
            "shipping" => Shipping(session, args, options.CopyBudgetBytes),
            "publish-cost" => PublishCost(session, args),
            "scheduler-load" => SchedulerLoad(session, operations, args),
            "idle-latency" => IdleLatency(session, args),
            "transfer" => Transfer(session, args),
            _ => throw new ArgumentException($"Unknown scenario '{scenario}': shipping, publish-cost, scheduler-load, idle-latency or transfer."),
        };
    }

    /// <summary>Shipping a contracted block versus a raw MPI.NET send of the same size, round after round.</summary>
    private static int Shipping(DeisaSession session, string[] args, long copyBudget)
    {
        long[] sizes = Arg(args, "--sizes", "65536,1048576,8388608").Split(',').Select(v => long.Parse(v, s_invariant)).ToArray();
        int rounds = Int(args, "--rounds", 5);

        // The first rounds run while the JIT still compiles the hot paths at their final tier (on 2 shared cores that
        // halved the 64 KiB figures): run, but not counted.
        int warmup = Int(args, "--warmup", 1);
        int total = warmup + rounds;
        int window = Int(args, "--window", 4);
        long volume = long.Parse(Arg(args, "--volume", "67108864"), s_invariant);
        MPI.Intracommunicator world = MPI.Communicator.world;
        int root = session.Layout.AnalyticsRoot;
        int[] messages = sizes.Select(size => (int)Math.Clamp(volume / size, 8, 1000)).ToArray();
        if (session.IsSimulation)
        {
            using Bridge bridge = session.CreateBridge();
            for (int s = 0; s < sizes.Length; s++)
            {
                int count = (int)(sizes[s] / sizeof(double));
                bridge.DeclareArray<double>($"ship{s}", [total * messages[s] * 2, count], 0, [0], [count]);
            }

            // Measured from the contract on: no block is staged (copied) while the analytics set up.
            bridge.WaitForContract();

            for (int s = 0; s < sizes.Length; s++)
            {
                double[] block = GC.AllocateArray<double>((int)(sizes[s] / sizeof(double)), pinned: true);
                block.AsSpan().Fill(1.0);
                double[][] blocks = [.. Enumerable.Range(0, window).Select(_ => block.ToArray())];
                for (int round = 0; round < total; round++)
                {
                    world.Barrier();
                    for (int m = 0; m < messages[s]; m++)
                    {
                        world.Send(block, root, 7);
                    }

                    world.Barrier();
                    for (int m = 0; m < messages[s]; m++)
                    {
                        bridge.Publish<double>($"ship{s}", (round * messages[s] * 2) + m, block).Wait(TimeSpan.FromMinutes(2));
                    }

                    // The same blocks with several sends in flight, as a simulation that keeps computing does.
                    world.Barrier();
                    var inFlight = new Queue<PublishHandle>();
                    for (int m = 0; m < messages[s]; m++)
                    {
                        if (inFlight.Count == window)
                        {
                            inFlight.Dequeue().Wait(TimeSpan.FromMinutes(2));
                        }

                        inFlight.Enqueue(bridge.Publish<double>($"ship{s}", (round * messages[s] * 2) + messages[s] + m, blocks[m % window]));
                    }

                    while (inFlight.Count > 0)
                    {
                        inFlight.Dequeue().Wait(TimeSpan.FromMinutes(2));
                    }
                }
            }

            bridge.Finish();
            return 0;
        }

        return session.RunAnalytics(client =>
        {
            DeisaArrays arrays = client.GetArrays();
            var lastOfRound = new Dictionary<(int Size, int Round, int Variant), Future<object>>();
            var keys = new List<TaskKey>();
            for (int s = 0; s < sizes.Length; s++)
            {
                ArrayLayout layout = arrays.Layout($"ship{s}");
                for (int step = 0; step < layout.Steps; step++)
                {
                    keys.Add(layout.KeyOf(step, [0]));
                }
            }

            client.CreateExternal(keys);
            Task arrived = HoldUntilArrival(client, keys);
            for (int s = 0; s < sizes.Length; s++)
            {
                for (int round = 0; round < total; round++)
                {
                    for (int variant = 0; variant < 2; variant++)
                    {
                        int last = (round * messages[s] * 2) + ((variant + 1) * messages[s]) - 1;
                        lastOfRound[(s, round, variant)] = client.GetFuture<object>(arrays.Layout($"ship{s}").KeyOf(last, [0]));
                    }
                }
            }

            client.ValidateContract();
            string copies = copyBudget > 0 ? $"; sent from copies within {Bytes(copyBudget)}" : string.Empty;
            Console.WriteLine($"Shipping a block from a simulation rank to a worker, {session.Layout}; {rounds} rounds after {warmup} not counted, raw MPI.NET then Deisa in each{copies}.");
            Console.WriteLine($"| Block | Messages per round | Raw MPI.NET blocking send/receive | Deisa, waiting for each send | ratio | Deisa, {window} sends in flight | ratio |");
            Console.WriteLine("|------:|-------------------:|----------------------------------:|-----------------------------:|------:|-------------------------:|------:|");
            for (int s = 0; s < sizes.Length; s++)
            {
                double[] buffer = GC.AllocateArray<double>((int)(sizes[s] / sizeof(double)), pinned: true);
                var raw = new List<double>();
                var deisa = new List<double>();
                var pipelined = new List<double>();
                for (int round = 0; round < total; round++)
                {
                    raw.Add(RawReceives(world, buffer, messages[s]));
                    var clock = new Stopwatch();
                    world.Barrier();
                    clock.Restart();
                    lastOfRound[(s, round, 0)].WaitAsync().GetAwaiter().GetResult();
                    deisa.Add(clock.Elapsed.TotalSeconds);
                    world.Barrier();
                    clock.Restart();
                    lastOfRound[(s, round, 1)].WaitAsync().GetAwaiter().GetResult();
                    pipelined.Add(clock.Elapsed.TotalSeconds);
                    lastOfRound[(s, round, 0)].Dispose();
                    lastOfRound[(s, round, 1)].Dispose();
                }

                double rawMedian = Median(raw, warmup);
                double deisaMedian = Median(deisa, warmup);
                double pipelinedMedian = Median(pipelined, warmup);
                double gib = sizes[s] * (double)messages[s] / (1 << 30);
                Console.WriteLine(string.Create(s_invariant,
                    $"| {Bytes(sizes[s])} | {messages[s]} | {gib / rawMedian:F2} GiB/s | {gib / deisaMedian:F2} GiB/s | {rawMedian / deisaMedian:P0} | {gib / pipelinedMedian:F2} GiB/s | {rawMedian / pipelinedMedian:P0} |"));
            }

            arrived.Wait(TimeSpan.FromMinutes(5));
            return 0;
        });
    }

    /// <summary>The time a Publish call takes on the simulation rank, for contracted and uncontracted steps.</summary>
    private static int PublishCost(DeisaSession session, string[] args)
    {
        int steps = Int(args, "--steps", 20000);
        int elements = Int(args, "--elements", 1024);
        if (session.IsSimulation)
        {
            using Bridge bridge = session.CreateBridge();
            bridge.DeclareArray<double>("cost", [steps, elements], 0, [0], [elements]);
            bridge.WaitForContract();
            double[] block = GC.AllocateArray<double>(elements, pinned: true);
            // Sized ahead: the figures of allocation below are the publishes', not the lists'.
            var shipped = new List<double>(steps);
            var skipped = new List<double>(steps);
            var waited = new List<double>(steps);
            var clock = new Stopwatch();
            long threadBytes = 0;
            long processBytes = 0;
            for (int step = 0; step < steps; step++)
            {
                // The second half is the steady state: the pools are full and the code compiled.
                if (step == steps / 2)
                {
                    threadBytes = GC.GetAllocatedBytesForCurrentThread();
                    processBytes = GC.GetTotalAllocatedBytes(precise: true);
                }

                clock.Restart();
                PublishHandle handle = bridge.Publish<double>("cost", step, block);
                double call = clock.Elapsed.TotalMicroseconds;
                (handle.Shipped ? shipped : skipped).Add(call);
                clock.Restart();
                handle.Wait(TimeSpan.FromMinutes(1));
                if (handle.Shipped)
                {
                    waited.Add(clock.Elapsed.TotalMicroseconds);
                }
            }

            threadBytes = GC.GetAllocatedBytesForCurrentThread() - threadBytes;
            processBytes = GC.GetTotalAllocatedBytes(precise: true) - processBytes;
            bridge.Finish();

            // The first call of each kind compiles its code: leave it out.
            shipped.RemoveAt(0);
            Console.WriteLine($"Publish of a {Bytes(elements * sizeof(double))} block, {steps} steps, every other one contracted; {session.Layout}.");
            Console.WriteLine("| Publish | Calls | Median time of the call | 99th percentile | Median wait for send completion |");
            Console.WriteLine("|---------|------:|------------------------:|----------------:|--------------------------------:|");
            Console.WriteLine(string.Create(s_invariant, $"| contracted (shipped) | {shipped.Count} | {Median(shipped):F2} µs | {Percentile(shipped, 0.99):F2} µs | {Median(waited):F2} µs |"));
            Console.WriteLine(string.Create(s_invariant, $"| not contracted | {skipped.Count} | {Median(skipped) * 1000:F0} ns | {Percentile(skipped, 0.99) * 1000:F0} ns | - |"));
            int steady = steps - (steps / 2);
            Console.WriteLine(string.Create(s_invariant, $"Allocated per publish in the second half ({steady} publishes, half shipped): {(double)threadBytes / steady:F0} B on the publishing thread, {(double)processBytes / steady:F0} B in the simulation rank's process."));
            return 0;
        }

        return session.RunAnalytics(client =>
        {
            ArrayLayout layout = client.GetArrays().Layout("cost");
            TaskKey[] contracted = [.. Enumerable.Range(0, steps).Where(t => t % 2 == 0).Select(t => layout.KeyOf(t, [0]))];
            client.CreateExternal(contracted);
            Task arrived = HoldUntilArrival(client, contracted);
            client.ValidateContract();

            // The analytics' end revokes the contract: stay until every contracted block has come.
            arrived.Wait(TimeSpan.FromMinutes(5));
            return 0;
        });
    }

    /// <summary>What reaches the scheduler per step in Deisa3 and Deisa1 for the same analytics.</summary>
    private static int SchedulerLoad(DeisaSession session, OperationRegistry operations, string[] args)
    {
        int steps = Int(args, "--steps", 100);
        int elements = Int(args, "--elements", 4096);
        string mode = Arg(args, "--mode", "deisa3");
        if (session.IsSimulation)
        {
            using Bridge bridge = session.CreateBridge();
            int ranks = session.Layout.SimulationSize;
            bridge.DeclareArray<double>("field", [steps, (long)ranks * elements], 0, [(long)session.SimulationRank * elements], [elements]);
            double[] block = GC.AllocateArray<double>(elements, pinned: true);
            for (int step = 0; step < steps; step++)
            {
                block.AsSpan().Fill(step);
                bridge.Publish<double>("field", step, block).Wait(TimeSpan.FromMinutes(1));
            }

            bridge.Finish();
            BridgeStatistics stats = bridge.Statistics;
            Console.WriteLine(string.Create(s_invariant, $"SIM rank={session.SimulationRank} messages_to_scheduler={stats.MessagesToScheduler} shipped={stats.BlocksShipped}"));
            return 0;
        }

        var clock = Stopwatch.StartNew();
        int code = session.RunAnalytics(client =>
        {
            ArrayLayout layout = client.GetArrays().Layout("field");
            Operation blockSum = operations.Get(BuiltinOperations.Sum);
            Operation sumList = operations.Get(BuiltinOperations.SumList);
            if (mode == "deisa1")
            {
                for (int step = 0; step < steps; step++)
                {
                    var graph = new TaskGraph();
                    var sums = new List<TaskKey>();
                    var blocks = new List<Future<object>>();
                    for (int b = 0; b < layout.BlockGrid[0]; b++)
                    {
                        TaskKey key = layout.KeyOf(step, [b]);
                        blocks.Add(client.WaitForBlockAsync<object>(key).GetAwaiter().GetResult());
                        sums.Add(graph.Add(("sum", step, b), TaskSpec.Create(blockSum, key)));
                    }

                    TaskKey total = graph.Add(("total", step), TaskSpec.Create(sumList, TaskArg.FromKeys(sums)));
                    client.Compute<double>(graph, total, TimeSpan.FromMinutes(1));
                    blocks.ForEach(f => f.Dispose());
                }

                return 0;
            }

            var all = new TaskGraph();
            var externals = new List<TaskKey>();
            var totals = new List<TaskKey>();
            for (int step = 0; step < steps; step++)
            {
                var sums = new List<TaskKey>();
                for (int b = 0; b < layout.BlockGrid[0]; b++)
                {
                    TaskKey key = layout.KeyOf(step, [b]);
                    externals.Add(key);
                    sums.Add(all.Add(("sum", step, b), TaskSpec.Create(blockSum, key)));
                }

                totals.Add(all.Add(("total", step), TaskSpec.Create(sumList, TaskArg.FromKeys(sums))));
            }

            client.CreateExternal(externals);
            IReadOnlyList<Future<double>> futures = client.Persist<double>(all, totals);
            client.ValidateContract();
            foreach (Future<double> future in futures)
            {
                future.Result(TimeSpan.FromMinutes(1));
                future.Dispose();
            }

            return 0;
        });
        if (session.SchedulerLoad is { } load)
        {
            Console.WriteLine(string.Create(s_invariant,
                $"LOAD mode={mode} steps={steps} simulation_ranks={session.Layout.SimulationSize} from_simulation={load.MessagesFromSimulation} from_workers={load.MessagesFromWorkers} " +
                $"from_client={load.MessagesFromClient} frames_in={load.FramesFromOtherRanks} bytes_in={load.BytesFromOtherRanks} seconds={clock.Elapsed.TotalSeconds:F2}"));
        }

        return code;
    }

    /// <summary>Round trips through the Deisa transport, busy and after idle pauses, against raw MPI.NET.</summary>
    private static int IdleLatency(DeisaSession session, string[] args)
    {
        int pings = Int(args, "--pings", 200);
        int pauseMs = Int(args, "--pause", 20);
        MPI.Intracommunicator world = MPI.Communicator.world;
        int root = session.Layout.AnalyticsRoot;
        if (session.IsSimulation)
        {
            using Mailbox self = session.Transport.Open(EndpointId.Producer(session.WorldRank));
            var raw = new List<double>();
            var busy = new List<double>();
            var idle = new List<double>();
            int[] token = [0];
            world.Barrier();
            for (int i = 0; i < pings; i++)
            {
                var clock = Stopwatch.StartNew();
                world.Send(token, root, 3);
                world.Receive(root, 3, ref token);
                raw.Add(clock.Elapsed.TotalMicroseconds);
            }

            for (int i = 0; i < 2 * pings; i++)
            {
                bool afterPause = i % 2 == 1;
                if (afterPause)
                {
                    Thread.Sleep(pauseMs);
                }

                var clock = Stopwatch.StartNew();
                self.Send(session.Layout.Scheduler, Ping(i));
                Message pong = Read(self);
                (afterPause ? idle : busy).Add(clock.Elapsed.TotalMicroseconds);
                pong.Return();
            }

            self.Send(session.Layout.Scheduler, Ping(-1));
            Console.WriteLine($"Round trip of a small message between two ranks; {session.Layout}; {pings} of each.");
            Console.WriteLine("| Path | Median round trip | 90th percentile |");
            Console.WriteLine("|------|------------------:|----------------:|");
            Console.WriteLine(string.Create(s_invariant, $"| raw MPI.NET blocking send/receive (both ranks spinning) | {Median(raw):F1} µs | {Percentile(raw, 0.9):F1} µs |"));
            Console.WriteLine(string.Create(s_invariant, $"| Deisa transport, back to back | {Median(busy):F1} µs | {Percentile(busy, 0.9):F1} µs |"));
            Console.WriteLine(string.Create(s_invariant, $"| Deisa transport, after {pauseMs} ms idle (threads asleep) | {Median(idle):F1} µs | {Percentile(idle, 0.9):F1} µs |"));
            return 0;
        }

        if (session.WorldRank == root)
        {
            using Mailbox scheduler = session.Transport.Open(session.Layout.Scheduler);
            int[] token = [0];
            world.Barrier();
            for (int i = 0; i < pings; i++)
            {
                world.Receive(0, 3, ref token);
                world.Send(token, 0, 3);
            }

            while (true)
            {
                var ping = (TaskFinished)Read(scheduler);
                bool last = ping.Nbytes < 0;
                if (!last)
                {
                    scheduler.Send(ping.From, Ping(ping.Nbytes));
                }

                ping.Return();
                if (last)
                {
                            break;
                }
            }
        }
        else
        {
            world.Barrier();
        }

        return 0;
    }

    /// <summary>
    /// A value a worker sends from its store (a data reply: another worker's input, a result for the client), between
    /// two ranks: raw MPI.NET, then the transport with the value copied into its frame, then as a payload sent from
    /// the value's memory, alternated round by round in one run.
    /// </summary>
    private static int Transfer(DeisaSession session, string[] args)
    {
        long[] sizes = Arg(args, "--sizes", "65536,1048576,8388608").Split(',').Select(v => long.Parse(v, s_invariant)).ToArray();
        int rounds = Int(args, "--rounds", 5);

        // The first rounds run while the JIT still compiles the hot paths at their final tier (on 2 shared cores that
        // halved the 64 KiB figures): run, but not counted.
        int warmup = Int(args, "--warmup", 1);
        int total = warmup + rounds;
        long volume = long.Parse(Arg(args, "--volume", "67108864"), s_invariant);
        MPI.Intracommunicator world = MPI.Communicator.world;
        int root = session.Layout.AnalyticsRoot;
        var worker = EndpointId.Worker(root);
        int[] messages = sizes.Select(size => (int)Math.Clamp(volume / size, 8, 1000)).ToArray();
        (string Name, long Threshold)[] roads = [("framed", long.MaxValue), ("payload", 1)];
        if (session.WorldRank == 0)
        {
            using Mailbox self = session.Transport.Open(EndpointId.Producer(0));
            for (int s = 0; s < sizes.Length; s++)
            {
                int count = (int)(sizes[s] / sizeof(double));
                double[] raw = GC.AllocateArray<double>(count, pinned: true);
                var value = Core.Buffers.PooledArray<double>.Rent(count);
                value.Span.Fill(1.0);
                for (int round = 0; round < total; round++)
                {
                    world.Barrier();
                    for (int m = 0; m < messages[s]; m++)
                    {
                        world.Send(raw, root, 7);
                    }

                    foreach ((_, long threshold) in roads)
                    {
                        session.Transport.PayloadThresholdBytes = threshold;
                        world.Barrier();
                        for (int m = 0; m < messages[s]; m++)
                        {
                            // The store keeps its reference; the reply holds its own, as a worker's does.
                            value.Retain();
                            DataReply reply = DataReply.Rent();
                            reply.Keys.Add(new TaskKey("value", m));
                            reply.Values.Add(value);
                            self.Send(worker, reply);
                        }

                        world.Barrier();
                    }
                }

                value.Release();
            }

            return 0;
        }

        if (session.WorldRank != root)
        {
            foreach (long _ in sizes)
            {
                for (int round = 0; round < total * (1 + (2 * roads.Length)); round++)
                {
                    world.Barrier();
                }
            }

            return 0;
        }

        using Mailbox receiver = session.Transport.Open(worker);
        Console.WriteLine($"A data reply carrying one value, from rank 0 to rank {root} (the road of a worker's value to another worker or the client); {session.Layout}; {rounds} rounds after {warmup} not counted, raw MPI.NET then each road in each.");
        Console.WriteLine("| Value | Messages per round | Raw MPI.NET blocking send/receive | Copied into the frame | ratio | Payload from the value's memory | ratio |");
        Console.WriteLine("|------:|-------------------:|----------------------------------:|----------------------:|------:|--------------------------------:|------:|");
        for (int s = 0; s < sizes.Length; s++)
        {
            double[] buffer = GC.AllocateArray<double>((int)(sizes[s] / sizeof(double)), pinned: true);
            var raw = new List<double>();
            List<double>[] timed = [.. roads.Select(_ => new List<double>())];
            for (int round = 0; round < total; round++)
            {
                raw.Add(RawReceives(world, buffer, messages[s]));
                var clock = new Stopwatch();
                for (int r = 0; r < roads.Length; r++)
                {
                    world.Barrier();
                    clock.Restart();
                    for (int m = 0; m < messages[s]; m++)
                    {
                        Message reply = Read(receiver);
                        reply.Return();
                    }

                    timed[r].Add(clock.Elapsed.TotalSeconds);
                    world.Barrier();
                }
            }

            double gib = sizes[s] * (double)messages[s] / (1 << 30);
            double rawMedian = Median(raw, warmup);
            double framed = Median(timed[0], warmup);
            double payload = Median(timed[1], warmup);
            Console.WriteLine(string.Create(s_invariant,
                $"| {Bytes(sizes[s])} | {messages[s]} | {gib / rawMedian:F2} GiB/s | {gib / framed:F2} GiB/s | {rawMedian / framed:P0} | {gib / payload:F2} GiB/s | {rawMedian / payload:P0} |"));
        }

        return 0;
    }

    /// <summary>The reference of every comparison: blocking MPI.NET receives from rank 0 (tag 7), after a barrier.</summary>
    /// <returns>The seconds they took.</returns>
    private static double RawReceives(MPI.Intracommunicator world, double[] buffer, int count)
    {
        world.Barrier();
        var clock = Stopwatch.StartNew();
        for (int m = 0; m < count; m++)
        {
            world.Receive(0, 7, ref buffer);
        }

        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Wants every block until it arrives, then lets it go: the contract only holds blocks someone needs.</summary>
    /// <param name="client">The client.</param>
    /// <param name="keys">The blocks.</param>
    /// <returns>A task that completes when every block has arrived (and been let go).</returns>
    private static Task HoldUntilArrival(DeisaClient client, IEnumerable<TaskKey> keys)
    {
        var arrivals = new List<Task>();
        foreach (TaskKey key in keys)
        {
            Future<object> future = client.GetFuture<object>(key);
            arrivals.Add(future.WaitAsync().ContinueWith(_ => future.Dispose(), TaskScheduler.Default));
        }

        return Task.WhenAll(arrivals);
    }

    private static Message Read(Mailbox mailbox) => mailbox.Reader.ReadAsync().AsTask().GetAwaiter().GetResult();

    private static TaskFinished Ping(long n)
    {
        TaskFinished message = TaskFinished.Rent();
        message.Key = "ping";
        message.Nbytes = n;
        return message;
    }

    private static string Arg(string[] args, string name, string fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
    }

    private static int Int(string[] args, string name, int fallback) => int.Parse(Arg(args, name, fallback.ToString(s_invariant)), s_invariant);

    private static double Median(List<double> values) => Percentile(values, 0.5);

    private static double Median(List<double> values, int skip) => Percentile([.. values.Skip(skip)], 0.5);

    private static double Percentile(List<double> values, double p)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
    }

    private static string Bytes(long bytes) => bytes >= 1 << 20 ? $"{bytes >> 20} MiB" : $"{bytes >> 10} KiB";
}
