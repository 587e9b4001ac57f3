using Deisa.Core.Arrays;
using Deisa.Core.Protocol;
using Deisa.Core.Transport;
using Deisa.Mpi;
using Deisa.Mpi.Bridge;

namespace Deisa.Tests.Mpi;

/// <summary>The simulation-side API used wrongly: each mistake raises at once, naming it. No MPI: the bridge runs on an in-process mailbox.</summary>
public sealed class BridgeMisuseTests : IDisposable
{
    private static readonly EndpointId s_scheduler = EndpointId.Scheduler(9);
    private readonly InProcessTransport _transport = new();
    private readonly Mailbox _schedulerBox;
    private readonly Bridge _bridge;

    public BridgeMisuseTests()
    {
        _schedulerBox = _transport.Open(s_scheduler);
        _bridge = new Bridge(_transport.Open(EndpointId.Producer(0)), s_scheduler, 0, new DeisaMpiOptions { ContractTimeout = TimeSpan.FromSeconds(30) }, sendsFromMemory: true);
        _bridge.DeclareArray<double>("field", [5, 4], 0, [0], [4], ["t", "x"]);

        // An empty contract: every publish below that passes its checks is skipped, never shipped.
        ContractUpdate contract = ContractUpdate.Rent();
        _schedulerBox.Send(EndpointId.Producer(0), contract);
        _bridge.WaitForContract();
    }

    public void Dispose()
    {
        _bridge.Dispose();
        _schedulerBox.Dispose();
    }

    [Fact]
    public void Publish_UnknownArray_NamesTheDeclaredOnes()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => _bridge.Publish<double>("pressure", 0, new double[4]));
        Assert.Contains("No array 'pressure' was declared on this rank; declared: field", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Publish_WrongShapeOrType_SaysWhatWasExpected()
    {
        ArgumentException size = Assert.Throws<ArgumentException>(() => _bridge.Publish<double>("field", 0, new double[5]));
        Assert.Contains("the block has 5 elements but the declared count [4] holds 4", size.Message, StringComparison.Ordinal);
        ArgumentException type = Assert.Throws<ArgumentException>(() => _bridge.Publish<float>("field", 1, new float[4]));
        Assert.Contains("'field' is declared as Float64, not Single", type.Message, StringComparison.Ordinal);
        ArgumentException ghosts = Assert.Throws<ArgumentException>(() => _bridge.PublishInterior<double>("field", 2, new double[36], ghost: 1));
        Assert.Contains("needs a 2D block", ghosts.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Publish_StepOutOfOrderOrOutsideTheArray_Refused()
    {
        Assert.True(_bridge.Publish<double>("field", 2, new double[4]).IsCompleted);
        ArgumentOutOfRangeException again = Assert.Throws<ArgumentOutOfRangeException>(() => _bridge.Publish<double>("field", 2, new double[4]));
        Assert.Contains("'field' step 2 was already published on simulation rank 0: publish each step once", again.Message, StringComparison.Ordinal);
        ArgumentOutOfRangeException back = Assert.Throws<ArgumentOutOfRangeException>(() => _bridge.Publish<double>("field", 1, new double[4]));
        Assert.Contains("'field' step 1 comes after step 2, already published on simulation rank 0: publish steps in increasing order", back.Message, StringComparison.Ordinal);
        ArgumentOutOfRangeException outside = Assert.Throws<ArgumentOutOfRangeException>(() => _bridge.Publish<double>("field", 5, new double[4]));
        Assert.Contains("'field' has steps 0 to 4", outside.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PublishOrDeclare_AfterFinishOrFirstPublish_Refused()
    {
        _bridge.Publish<double>("field", 0, new double[4]);
        InvalidOperationException late = Assert.Throws<InvalidOperationException>(() => _bridge.DeclareArray<double>("other", [5, 4], 0, [0], [4]));
        Assert.Contains("Declare every array before the first publish", late.Message, StringComparison.Ordinal);
        _bridge.Finish();
        ObjectDisposedException finished = Assert.Throws<ObjectDisposedException>(() => _bridge.Publish<double>("field", 1, new double[4]));
        Assert.Contains("Simulation rank 0's bridge was finished (Finish or Dispose): it publishes nothing more", finished.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Publish_Refused_LeavesTheStepFree()
    {
        Assert.Throws<ArgumentException>(() => _bridge.Publish<double>("field", 3, new double[5]));
        Assert.Throws<ArgumentException>(() => _bridge.Publish<float>("field", 3, new float[4]));
        Assert.True(_bridge.Publish<double>("field", 3, new double[4]).IsCompleted);
        Assert.Equal(1, _bridge.Statistics.BlocksSkipped);
    }

    [Fact]
    public async Task PublishInterior_Refused_LeavesTheStepFree()
    {
        await using var transport = new InProcessTransport();
        using Mailbox scheduler = transport.Open(s_scheduler);
        using var bridge = new Bridge(transport.Open(EndpointId.Producer(0)), s_scheduler, 0, new DeisaMpiOptions { ContractTimeout = TimeSpan.FromSeconds(30) }, sendsFromMemory: true);
        bridge.DeclareArray<double>("field", [5, 2, 3], 0, [0, 0], [2, 3], ["t", "y", "x"]);
        scheduler.Send(EndpointId.Producer(0), ContractUpdate.Rent());
        bridge.WaitForContract();

        ArgumentException wrong = Assert.Throws<ArgumentException>(() => bridge.PublishInterior<double>("field", 1, new double[19], ghost: 1));
        Assert.Contains("a 2x3 block with 1 ghost cell(s) on each side needs 4x5 = 20", wrong.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => bridge.PublishInterior<double>("field", 1, new double[20], ghost: -1));
        Assert.True(bridge.PublishInterior<double>("field", 1, new double[20], ghost: 1).IsCompleted);
    }

    [Fact]
    public void Bridge_DropPolicyWithDeisa1_RefusedNamingTheFix()
    {
        var options = new DeisaMpiOptions
        {
            Mode = CouplingMode.Deisa1,
            Backpressure = new Core.Coupling.BackpressureOptions { MaxStepsInFlight = 2, Policy = Core.Coupling.BackpressurePolicy.Drop },
        };

        NotSupportedException error = Assert.Throws<NotSupportedException>(() => new Bridge(_transport.Open(EndpointId.Producer(1)), s_scheduler, 1, options, sendsFromMemory: true));
        Assert.Contains("with Deisa1 use policy Block", error.Message, StringComparison.Ordinal);
    }
}
