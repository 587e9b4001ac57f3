using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Core.Graph;
using Deisa.Core.Transport;

namespace Deisa.Tests.Arrays;

/// <summary>
/// A simulated array in one process: one producer per block declares it, receives its contract and puts exactly the
/// contracted blocks, filled from a formula the test can evaluate densely.
/// </summary>
internal sealed class ArrayFixture : IAsyncDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly List<(ExternalProducer Producer, ArrayDeclaration Declaration)> _producers = [];

    private readonly Func<int[], double> _value;
    private readonly Dictionary<ExternalProducer, IReadOnlyList<ContractEntry>> _contracts = [];

    private ArrayFixture(DeisaRuntime runtime, long[] shape, int timeDimension, Func<int[], double>? value, int lookahead)
    {
        Runtime = runtime;
        Lookahead = lookahead;
        Shape = shape;
        TimeDimension = timeDimension;
        _value = value ?? Value;
    }

    public DeisaRuntime Runtime { get; }

    public DeisaClient Client => Runtime.Client;

    public long[] Shape { get; }

    public int TimeDimension { get; }

    /// <summary>Gets the client's <see cref="ClientOptions.Lookahead"/>.</summary>
    public int Lookahead { get; }

    public int BlocksShipped { get; private set; }

    public long BytesShipped { get; private set; }

    public HashSet<TaskKey> KeysShipped { get; } = [];

    /// <summary>The value of element <paramref name="position"/> (time index included).</summary>
    public static double Value(int[] position)
    {
        double value = 0;
        foreach (int p in position)
        {
            value = (value * 7.31) + p + 0.25;
        }

        return Math.Sin(value) * 100;
    }

    /// <summary>
    /// Starts a runtime and declares an array split along each spatial dimension into blocks of the given sizes,
    /// whose element at a position is <paramref name="value"/> (<see cref="Value"/> when null).
    /// </summary>
    public static ArrayFixture Start(long[] shape, int timeDimension, long[][] splits, string[] names, int workers = 2, bool serialize = false, Func<int[], double>? value = null, ClientOptions? client = null)
    {
        int blocks = splits.Aggregate(1, (n, s) => n * s.Length);
        client ??= new ClientOptions();
        var runtime = DeisaRuntime.StartInProcess(workers, new RuntimeOptions
        {
            Operations = TestOperations.Registry,
            SimulationRanks = blocks,
            Transport = serialize ? TransportNames.InProcessSerialized : TransportNames.InProcess,
            ValidateScheduler = true,
            ThreadsPerWorker = 2,
            Client = client,
        });
        var fixture = new ArrayFixture(runtime, shape, timeDimension, value, client.Lookahead);
        int spatial = splits.Length;
        int rank = 0;
        foreach (int[] block in Arrays.Dense.Positions([.. splits.Select(s => s.Length)]))
        {
            long[] start = new long[spatial];
            long[] count = new long[spatial];
            for (int d = 0; d < spatial; d++)
            {
                start[d] = splits[d].Take(block[d]).Sum();
                count[d] = splits[d][block[d]];
            }

            var declaration = new ArrayDeclaration("field", ElementType.Float64, shape, timeDimension, start, count, names);
            ExternalProducer producer = runtime.CreateProducer();
            producer.DeclareArrays(declaration);
            fixture._producers.Add((producer, declaration));
            rank++;
        }

        return fixture;
    }

    public NdArray Dense()
    {
        int[] shape = [.. Shape.Select(s => (int)s)];
        return new NdArray(shape, [.. Arrays.Dense.Positions(shape).Select(_value)]);
    }

    /// <summary>The dense array over the first <paramref name="steps"/> steps: what an open-ended run that published them holds.</summary>
    public NdArray Dense(int steps)
    {
        int[] shape = [.. Shape.Select(s => (int)s)];
        shape[TimeDimension] = steps;
        return new NdArray(shape, [.. Arrays.Dense.Positions(shape).Select(_value)]);
    }

    /// <summary>The producers' contracts as they stand now.</summary>
    public IEnumerable<ContractEntry> CurrentContracts => _producers.SelectMany(p => p.Producer.CurrentContract);

    /// <summary>
    /// An open-ended run: step by step, each producer puts its contracted blocks of the step, for as many steps as
    /// <paramref name="steps"/> gives it (by producer index), then every producer says it finished.
    /// </summary>
    public async Task ShipOpenAsync(Func<int, int> steps, bool finish = true, Action<int>? afterStep = null)
    {
        int longest = Enumerable.Range(0, _producers.Count).Max(steps);
        for (int step = 0; step < longest; step++)
        {
            for (int p = 0; p < _producers.Count; p++)
            {
                (ExternalProducer producer, ArrayDeclaration declaration) = _producers[p];
                if (step >= steps(p))
                {
                    continue;
                }

                foreach (ContractEntry entry in (await ContractAsync(producer)).Where(e => e.Steps.Contains(step)))
                {
                    await PutAsync(producer, declaration, entry, step);
                }
            }

            afterStep?.Invoke(step);
        }

        if (finish)
        {
            Finish();
        }
    }

    /// <summary>Each producer puts exactly its contracted blocks, then says it finished.</summary>
    public async Task ShipAsync()
    {
        foreach ((ExternalProducer producer, ArrayDeclaration declaration) in _producers)
        {
            foreach (ContractEntry entry in await ContractAsync(producer))
            {
                foreach (int step in entry.Steps.Enumerate())
                {
                    await PutAsync(producer, declaration, entry, step);
                }
            }

            producer.Finish([]);
        }
    }

    /// <summary>Each producer puts its contracted blocks of one step only.</summary>
    /// <returns>The number of blocks put: none when the contract asks nothing of that step.</returns>
    public async Task<int> ShipStepAsync(int step)
    {
        int put = 0;
        foreach ((ExternalProducer producer, ArrayDeclaration declaration) in _producers)
        {
            foreach (ContractEntry entry in (await ContractAsync(producer)).Where(e => e.Steps.Contains(step)))
            {
                await PutAsync(producer, declaration, entry, step);
                put++;
            }
        }

        return put;
    }

    /// <summary>
    /// Ships the run a step at a time, as a simulation that advances while its analytics keep up: after each step's
    /// blocks, waits until the client's window took that arrival, so that the window of persisted arrays moves a
    /// step at a time instead of jumping to the end (as <see cref="ShipAsync"/>'s first producer, putting every one of
    /// its steps at once, makes it jump). Then every producer says it finished.
    /// </summary>
    public async Task ShipStepByStepAsync()
    {
        for (int step = 0; step < Shape[TimeDimension]; step++)
        {
            // A step no one reads arrives nowhere: the window has nothing to take.
            if (await ShipStepAsync(step) > 0)
            {
                await WaitForWindowAsync(step);
            }
        }

        Finish();
    }

    /// <summary>Waits until the window driver took the arrival of <paramref name="step"/>: it builds tasks up to <see cref="Lookahead"/> steps past it.</summary>
    public async Task WaitForWindowAsync(int step)
    {
        long horizon = step + 1L + Lookahead;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Client.Windows.Horizon < horizon)
        {
            // A driver that stopped takes no more arrivals: its failure is the one to report.
            if (Client.Windows.Failure is { } failure)
            {
                throw new InvalidOperationException($"The window stopped before it took the arrival of step {step}: {failure.Message}", failure);
            }

            Assert.True(clock.Elapsed < s_timeout, $"The window never took the arrival of step {step}: its horizon is {Client.Windows.Horizon}, {horizon} expected.");
            await Task.Delay(1);
        }
    }

    /// <summary>Waits until every producer's contract asks for <paramref name="step"/>: a change of the contract reaches producers on their own message loops.</summary>
    public async Task WaitForContractedAsync(int step)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!_producers.All(p => p.Producer.CurrentContract.Any(e => e.Steps.Contains(step))))
        {
            Assert.True(clock.Elapsed < s_timeout, $"The producers' contracts never asked for step {step}.");
            await Task.Delay(5);
        }
    }

    /// <summary>Each producer puts the blocks its contract asks for now (it may have grown) that it did not put yet, then says it finished.</summary>
    public async Task ShipCurrentAsync()
    {
        foreach ((ExternalProducer producer, ArrayDeclaration declaration) in _producers)
        {
            foreach (ContractEntry entry in producer.CurrentContract)
            {
                foreach (int step in entry.Steps.Enumerate())
                {
                    if (!KeysShipped.Contains(new TaskKey("field", [step, .. entry.Block])))
                    {
                        await PutAsync(producer, declaration, entry, step);
                    }
                }
            }

            producer.Finish([]);
        }
    }

    /// <summary>Every producer says it finished, naming its contracted blocks of the steps from <paramref name="firstMissing"/> on as never put (as a simulation that stops early).</summary>
    public void FinishEarly(int firstMissing)
    {
        foreach ((ExternalProducer producer, _) in _producers)
        {
            producer.Finish([.. producer.CurrentContract.SelectMany(e => e.Steps.Enumerate((int)Shape[TimeDimension]).Where(t => t >= firstMissing).Select(t => new TaskKey("field", [t, .. e.Block])))]);
        }
    }

    /// <summary>Every producer says it finished.</summary>
    public void Finish()
    {
        foreach ((ExternalProducer producer, _) in _producers)
        {
            producer.Finish([]);
        }
    }

    public ValueTask DisposeAsync() => Runtime.DisposeAsync();

    private async Task<IReadOnlyList<ContractEntry>> ContractAsync(ExternalProducer producer)
    {
        if (!_contracts.TryGetValue(producer, out IReadOnlyList<ContractEntry>? contract))
        {
            contract = await producer.WaitForContractAsync(s_timeout);
            _contracts[producer] = contract;
        }

        return contract;
    }

    private async Task PutAsync(ExternalProducer producer, ArrayDeclaration declaration, ContractEntry entry, int step)
    {
        TaskKey key = new("field", [step, .. entry.Block]);
        double[] data = BlockData(declaration, step);
        await producer.PutAsync(key, data, entry.Worker.Rank).WaitAsync(s_timeout);
        BlocksShipped++;
        BytesShipped += data.Length * sizeof(double);
        KeysShipped.Add(key);
    }

    private double[] BlockData(ArrayDeclaration declaration, int step)
    {
        int rank = Shape.Length;
        int[] count = [.. declaration.Count.Select(c => (int)c)];
        var values = new List<double>();
        foreach (int[] local in Arrays.Dense.Positions(count))
        {
            int[] position = new int[rank];
            position[TimeDimension] = step;
            for (int d = 0; d < local.Length; d++)
            {
                position[ArrayDeclaration.SpatialToDimension(d, TimeDimension)] = (int)declaration.Start[d] + local[d];
            }

            values.Add(_value(position));
        }

        return [.. values];
    }
}
