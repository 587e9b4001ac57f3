using System.Diagnostics;
using System.Globalization;
using Deisa.Core.Arrays;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Scheduling;
using Deisa.Core.Transport;

namespace Deisa.Bench.Workflow;

/// <summary>
/// The scheduler's state machine alone, in one process, fed the messages a run with N simulation ranks produces:
/// N declarations, then per step N blocks arriving on 16 workers and a per-step reduction (a sum per block, a sum
/// per step). Deisa3 submits the whole graph once and needs no per-step metadata; Deisa1 gets N announcements per
/// step and a graph per step. The per-step time is the scheduler's CPU time on one thread.
/// </summary>
internal static class ScaleModel
{
    private const int Steps = 100;
    private const int Workers = 16;
    private const int Cells = 64;

    public static int Run(string root)
    {
        Directory.CreateDirectory(root);
        var rows = new List<IEnumerable<string>>();
        var perStep = new Dictionary<(int Ranks, CouplingMode Mode), TimeSpan>();

        // A small model first, so that compiling the scheduler's code is not charged to the first configuration.
        Measure(64, CouplingMode.Deisa3);
        Measure(64, CouplingMode.Deisa1);
        foreach (int ranks in (int[])[1024, 4096, 16384])
        {
            foreach (CouplingMode mode in (CouplingMode[])[CouplingMode.Deisa3, CouplingMode.Deisa1])
            {
                // Collected before measuring, so that one configuration's garbage is not charged to the next.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                Measurement m = Measure(ranks, mode);
                Console.Error.WriteLine($"{mode} {ranks}: {m.PerStep.TotalMilliseconds:F2} ms/step");
                perStep[(ranks, mode)] = m.PerStep;
                rows.Add(
                [
                    ranks.ToString("N0", CultureInfo.InvariantCulture),
                    mode.ToString(),
                    $"{m.Setup.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture)} s",
                    $"{m.PerStep.TotalMilliseconds.ToString("F2", CultureInfo.InvariantCulture)} ms",
                    $"{m.CpuPerStep.TotalMilliseconds.ToString("F2", CultureInfo.InvariantCulture)} ms",
                    $"{(1e6 * m.PerStep.TotalSeconds / ranks).ToString("F2", CultureInfo.InvariantCulture)} µs",
                    (m.SimulationMessages / Steps).ToString("N0", CultureInfo.InvariantCulture),
                    (m.Messages / Steps).ToString("N0", CultureInfo.InvariantCulture),
                ]);
            }
        }

        string report = $"Scheduler scale model: {Steps} steps, {Workers} workers, a sum per block and per step; {DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, one process, the scheduler on one thread\n\n" + RunResult.Table(
            ["simulation ranks", "mode", "set-up (declarations, graph, contract)", "scheduler time per step", "CPU per step (process)", "per rank per step", "messages from the simulation per step", "messages to the scheduler per step"],
            rows);
        report += "\n" + string.Join("\n", ((int[])[1024, 4096, 16384]).Select(ranks => string.Create(
            CultureInfo.InvariantCulture,
            $"- {ranks:N0} ranks: Deisa1 takes {perStep[(ranks, CouplingMode.Deisa1)] / perStep[(ranks, CouplingMode.Deisa3)]:F1}x Deisa3's scheduler time per step."))) +
            string.Create(
                CultureInfo.InvariantCulture,
                $"\n- From 1,024 to 16,384 ranks (16x), the time per step grows {perStep[(16384, CouplingMode.Deisa3)] / perStep[(1024, CouplingMode.Deisa3)]:F1}x for Deisa3 and {perStep[(16384, CouplingMode.Deisa1)] / perStep[(1024, CouplingMode.Deisa1)]:F1}x for Deisa1.\n");
        File.WriteAllText(Path.Combine(root, "scale-model.md"), report);
        Console.WriteLine(report);
        return 0;
    }

    private static Measurement Measure(int ranks, CouplingMode mode)
    {
        int side = (int)Math.Sqrt(ranks);
        var registry = new OperationRegistry();
        Operation sum = registry.Get(BuiltinOperations.Sum);
        Operation sumList = registry.Get(BuiltinOperations.SumList);
        EndpointId client = EndpointId.Client(0);
        EndpointId[] workers = [.. Enumerable.Range(0, Workers).Select(w => EndpointId.Worker(1 + w))];
        EndpointId[] producers = [.. Enumerable.Range(0, ranks).Select(r => EndpointId.Producer(100 + r))];
        var state = new SchedulerState(client, workers, new SchedulerOptions { Producers = producers, Mode = mode, StoryCapacity = 1024 });
        var pending = new Queue<(TaskKey Key, EndpointId Worker)>();
        long messages = 0;
        long fromSimulation = 0;

        void Handle(Message message)
        {
            messages++;
            fromSimulation += message is BlockMetadata or DeclareArrays ? 1 : 0;
            state.Handle(message);
            message.Return();
            foreach (OutgoingMessage outgoing in state.Outbox)
            {
                if (outgoing.Message is ComputeTask compute)
                {
                    pending.Enqueue((compute.Key, outgoing.To));
                }

                outgoing.Message.Return();
            }

            state.ClearOutbox();
        }

        void RunTasks()
        {
            while (pending.TryDequeue(out (TaskKey Key, EndpointId Worker) task))
            {
                TaskFinished finished = TaskFinished.Rent();
                finished.From = task.Worker;
                finished.Key = task.Key;
                finished.Nbytes = 8;
                Handle(finished);
            }
        }

        TaskKey Block(int t, int r) => new("global_t", t, r / side, r % side);
        EndpointId WorkerOf(int r) => workers[r % Workers];

        void AddStep(UpdateGraph update, int t)
        {
            var sums = new List<TaskKey>(ranks);
            for (int r = 0; r < ranks; r++)
            {
                TaskKey partial = new("block-sum", t, r);
                update.Keys.Add(partial);
                update.Specs.Add(TaskSpec.Create(sum, Block(t, r)));
                sums.Add(partial);
            }

            update.Keys.Add(new TaskKey("step-sum", t));
            update.Specs.Add(TaskSpec.Create(sumList, TaskArg.FromKeys(sums)));
        }

        var clock = Stopwatch.StartNew();
        for (int r = 0; r < ranks; r++)
        {
            DeclareArrays declare = DeclareArrays.Rent();
            declare.From = producers[r];
            declare.Arrays.Add(new ArrayDeclaration("global_t", ElementType.Float64, [Steps, side * Cells, side * Cells], 0, [(r / side) * Cells, (r % side) * Cells], [Cells, Cells], ["t", "X", "Y"]));
            Handle(declare);
        }

        GetArrays get = GetArrays.Rent();
        get.From = client;
        get.RequestId = 1;
        Handle(get);
        if (mode == CouplingMode.Deisa3)
        {
            CreateExternal external = CreateExternal.Rent();
            external.From = client;
            external.RequestId = 2;
            UpdateGraph graph = UpdateGraph.Rent();
            graph.From = client;
            graph.RequestId = 3;
            for (int t = 0; t < Steps; t++)
            {
                for (int r = 0; r < ranks; r++)
                {
                    external.Keys.Add(Block(t, r));
                }

                AddStep(graph, t);
            }

            Handle(external);
            Handle(graph);
            ValidateContract validate = ValidateContract.Rent();
            validate.From = client;
            validate.RequestId = 4;
            Handle(validate);
        }

        TimeSpan setup = clock.Elapsed;
        long setupMessages = messages;
        long setupFromSimulation = fromSimulation;
        using var process = Process.GetCurrentProcess();
        TimeSpan cpuBefore = process.TotalProcessorTime;
        clock.Restart();
        for (int t = 0; t < Steps; t++)
        {
            for (int r = 0; r < ranks; r++)
            {
                if (mode == CouplingMode.Deisa1)
                {
                    BlockMetadata announce = BlockMetadata.Rent();
                    announce.From = producers[r];
                    announce.Key = Block(t, r);
                    announce.Worker = WorkerOf(r);
                    announce.Start.AddRange([t, (r / side) * Cells, (r % side) * Cells]);
                    announce.Count.AddRange([1, Cells, Cells]);
                    Handle(announce);
                }

                ExternalArrived arrived = ExternalArrived.Rent();
                arrived.From = WorkerOf(r);
                arrived.Key = Block(t, r);
                arrived.Nbytes = Cells * Cells * sizeof(double);
                arrived.Producer = producers[r];
                arrived.Stored = true;
                Handle(arrived);
            }

            if (mode == CouplingMode.Deisa1)
            {
                // The client, announced every block, submits the step and lets go of its hold on the blocks.
                UpdateGraph graph = UpdateGraph.Rent();
                graph.From = client;
                graph.RequestId = 10 + t;
                AddStep(graph, t);
                Handle(graph);
                ReleaseKeys release = ReleaseKeys.Rent();
                release.From = client;
                for (int r = 0; r < ranks; r++)
                {
                    release.Keys.Add(Block(t, r));
                }

                Handle(release);
            }

            RunTasks();
        }

        TimeSpan perStep = clock.Elapsed / Steps;
        process.Refresh();
        TimeSpan cpuPerStep = (process.TotalProcessorTime - cpuBefore) / Steps;
        if (state.TaskCount > (mode == CouplingMode.Deisa3 ? 0 : ranks))
        {
            throw new InvalidOperationException($"{mode} with {ranks} ranks left {state.TaskCount} tasks behind: the model is not what the scheduler expects.");
        }

        return new Measurement(setup, perStep, cpuPerStep, messages - setupMessages, fromSimulation - setupFromSimulation);
    }

    /// <param name="Setup">Declarations, graph and contract (Deisa3), declarations only (Deisa1).</param>
    /// <param name="PerStep">Wall time per step of the scheduler's thread.</param>
    /// <param name="CpuPerStep">CPU time per step of the whole process: the scheduler's thread and the garbage collector's.</param>
    /// <param name="Messages">Messages the scheduler handled during the steps.</param>
    /// <param name="SimulationMessages">Of those, messages from simulation ranks.</param>
    private readonly record struct Measurement(TimeSpan Setup, TimeSpan PerStep, TimeSpan CpuPerStep, long Messages, long SimulationMessages);
}
