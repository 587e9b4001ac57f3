using Deisa.Core.Arrays;
using Deisa.Core.Coupling;
using Deisa.Core.Errors;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Mpi;
using Deisa.Mpi.Bridge;
using Deisa.Mpi.Transport;

namespace Deisa.Tests.Mpi;

/// <summary>
/// Preprocessing on the producer, at the bridge: a derived array is computed from each publish of its source only for
/// the steps its contract asks, shipped from the bridge's own buffer, staged like any block before the contract, and
/// every misuse is refused naming the rank and the operation. No MPI (<see cref="BridgeHarness"/>).
/// </summary>
public sealed class BridgePreprocessingTests : BridgeHarness
{
    private static readonly DeisaMpiOptions s_options = new() { ContractTimeout = Timeout, SendTimeout = Timeout };

    [Fact]
    public async Task ContractAsksOnlyForTheDerivedArray_SourceSkipped_DerivedShippedDownsampled()
    {
        using Bridge bridge = CreateDerived(Preprocessing.Downsample(2));
        SendContracts(field: StepSet.Empty, coarse: StepSet.Range(0, 5));
        bridge.WaitForContract();
        for (int step = 0; step < 3; step++)
        {
            PublishHandle handle = bridge.Publish<double>("field", step, Block(step));
            Assert.False(handle.Shipped, "The source was shipped although its contract asks for none of its steps.");
            PutExternal put = await Next<PutExternal>(WorkerBox);
            Assert.Equal(new TaskKey("field_coarse", step, 0), put.Key);
            Assert.Equal([Block(step)[0], Block(step)[2]], Values(put));
            ((OutgoingBlock)put.Value!).Complete(null);
        }

        bridge.Finish();
        ProducerFinished finished = await Next<ProducerFinished>(SchedulerBox);
        Assert.Contains(("field_coarse", 2), finished.LastSteps);
        BridgeStatistics stats = bridge.Statistics;
        Assert.Equal((3L, 3L, 3L, 3L * 2 * sizeof(double)), (stats.BlocksShipped, stats.BlocksSkipped, stats.BlocksDerived, stats.BytesShipped));
    }

    [Fact]
    public void DerivedArrayNobodyReads_NeverComputed()
    {
        var counting = new Counting();
        using Bridge bridge = CreateDerived(counting);
        SendContracts(field: StepSet.Empty, coarse: StepSet.Empty);
        bridge.WaitForContract();
        for (int step = 0; step < 5; step++)
        {
            bridge.Publish<double>("field", step, Block(step));
        }

        bridge.Finish();
        Assert.Equal(0, counting.Applied);
        Assert.Equal(0, bridge.Statistics.BlocksDerived);
    }

    [Fact]
    public async Task BeforeTheContract_DerivedBlocksStaged_ThenShippedAsTheContractSays()
    {
        using Bridge bridge = CreateDerived(Preprocessing.Downsample(2));
        bridge.Publish<double>("field", 0, Block(0));
        bridge.Publish<double>("field", 1, Block(1));

        SendContracts(field: StepSet.FromSteps([1]), coarse: StepSet.FromSteps([0, 1]));
        var shipped = new Dictionary<TaskKey, double[]>();
        for (int i = 0; i < 3; i++)
        {
            PutExternal put = await Next<PutExternal>(WorkerBox);
            shipped.Add(put.Key, Values(put));
            ((OutgoingBlock)put.Value!).Complete(null);
        }

        Assert.Equal(Block(1), shipped[new TaskKey("field", 1, 0)]);
        Assert.Equal([Block(0)[0], Block(0)[2]], shipped[new TaskKey("field_coarse", 0, 0)]);
        Assert.Equal([Block(1)[0], Block(1)[2]], shipped[new TaskKey("field_coarse", 1, 0)]);
        bridge.Finish();
    }

    [Fact]
    public void OperationNotRegistered_RefusedAtDeclaration_NamingTheRankAndTheOperation()
    {
        using Bridge bridge = CreateOther(3, s_options);
        bridge.DeclareArray<double>("field", [5, 4], 0, [0], [4], ["t", "x"]);

        ArgumentException error = Assert.Throws<ArgumentException>(() => bridge.DeclareDerived("field_coarse", "field", "downsample"));

        Assert.Contains("Simulation rank 3 has no preprocessing operation 'downsample' (registered: none)", error.Message, StringComparison.Ordinal);
        Assert.Contains("Register it with RegisterPreprocessing on every simulation rank", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Misuse_EachRefusedNamingWhatWasWrong()
    {
        using Bridge bridge = CreateOther(2, s_options);
        bridge.DeclareArray<double>("field", [5, 5], 0, [1], [3], ["t", "x"]);
        bridge.RegisterPreprocessing(Preprocessing.Downsample(2));

        ArgumentException twice = Assert.Throws<ArgumentException>(() => bridge.RegisterPreprocessing(Preprocessing.Downsample(3)));
        Assert.Contains("already has a preprocessing operation named 'downsample'", twice.Message, StringComparison.Ordinal);

        ArgumentException unknown = Assert.Throws<ArgumentException>(() => bridge.DeclareDerived("p_coarse", "pressure", "downsample"));
        Assert.Contains("Cannot derive 'p_coarse' from 'pressure' on simulation rank 2: no such array is declared", unknown.Message, StringComparison.Ordinal);

        bridge.DeclareDerived("field_coarse", "field", "downsample");
        ArgumentException chained = Assert.Throws<ArgumentException>(() => bridge.DeclareDerived("field_coarser", "field_coarse", "downsample"));
        Assert.Contains("it is itself derived", chained.Message, StringComparison.Ordinal);

        ArgumentException direct = Assert.Throws<ArgumentException>(() => bridge.Publish<double>("field_coarse", 0, new double[1]));
        Assert.Contains("'field_coarse' is derived from 'field' by 'downsample' on this rank: publish 'field'", direct.Message, StringComparison.Ordinal);

        // The block [1, 4) holds no multiple of 4.
        bridge.RegisterPreprocessing(new Renamed(Preprocessing.Downsample(4), "every4"));
        ArgumentException empty = Assert.Throws<ArgumentException>(() => bridge.DeclareDerived("field_sparse", "field", "every4"));
        Assert.Contains("Simulation rank 2 cannot derive 'field_sparse' from 'field' with 'every4'", empty.Message, StringComparison.Ordinal);
        Assert.Contains("holds no multiple of the stride 4", empty.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OperationFails_PublishRaisesNamingTheOperationAndTheStep()
    {
        using Bridge bridge = CreateDerived(new Counting { FailAt = 1 });
        SendContracts(field: StepSet.Empty, coarse: StepSet.Range(0, 5));
        bridge.WaitForContract();
        bridge.Publish<double>("field", 0, Block(0));
        await NextShipped();

        DeisaException error = Assert.Throws<DeisaException>(() => bridge.Publish<double>("field", 1, Block(1)));

        Assert.Contains("Simulation rank 0: the preprocessing operation 'counting' failed on step 1 of 'field' (deriving 'field_coarse'): planted", error.Message, StringComparison.Ordinal);
    }

    private Bridge CreateDerived(Preprocessing operation)
    {
        Bridge bridge = Create(s_options);
        bridge.RegisterPreprocessing(operation);
        bridge.DeclareDerived("field_coarse", "field", operation.Name);
        return bridge;
    }

    private void SendContracts(StepSet field, StepSet coarse)
    {
        ContractUpdate contract = ContractUpdate.Rent();
        contract.Entries.Add(new ContractEntry("field", [0], Worker, field));
        contract.Entries.Add(new ContractEntry("field_coarse", [0], Worker, coarse));
        SendToBridge(contract);
    }

    private static double[] Block(int step) => [step + 0.5, step + 1.5, step + 2.5, step + 3.5];

    private static unsafe double[] Values(PutExternal put)
    {
        var block = (OutgoingBlock)put.Value!;
        return new ReadOnlySpan<double>(block.Pointer, block.Count).ToArray();
    }

    /// <summary>A downsample by 2 that counts its calls and can fail at a step.</summary>
    private sealed class Counting() : Preprocessing("counting")
    {
        private readonly Preprocessing _inner = Downsample(2);
        private int _calls;

        public int Applied => _calls;

        public int FailAt { get; init; } = -1;

        public override ArrayDeclaration Derive(string name, ArrayDeclaration source) => _inner.Derive(name, source);

        public override void Apply<T>(BlockView<T> source, ArrayDeclaration derived, Span<T> destination)
        {
            if (_calls++ == FailAt)
            {
                throw new InvalidOperationException("planted");
            }

            _inner.Apply(source, derived, destination);
        }
    }

    private sealed class Renamed(Preprocessing inner, string name) : Preprocessing(name)
    {
        public override ArrayDeclaration Derive(string derivedName, ArrayDeclaration source) => inner.Derive(derivedName, source);

        public override void Apply<T>(BlockView<T> source, ArrayDeclaration derived, Span<T> destination) => inner.Apply(source, derived, destination);
    }
}
