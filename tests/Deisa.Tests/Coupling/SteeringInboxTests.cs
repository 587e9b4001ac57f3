using Deisa.Core.Coupling;
using Deisa.Core.Errors;
using Deisa.Core.Protocol;

namespace Deisa.Tests.Coupling;

/// <summary>A simulation rank's steering values: votes, decisions, reads in step order, and the waits' ways out.</summary>
public sealed class SteeringInboxTests
{
    private static readonly TimeSpan s_short = TimeSpan.FromMilliseconds(200);

    [Fact]
    public void CommittedValue_HoldsFromItsStepUntilALaterOneReplacesIt()
    {
        var inbox = new SteeringInbox("rank 0", s_short);
        Assert.True(Propose(inbox, 1, "dt", 5, 0.5).Accepted);
        Assert.True(Propose(inbox, 2, "dt", 9, 0.25).Accepted);
        inbox.Decide(1, commit: true);
        inbox.Decide(2, commit: true);

        Assert.False(inbox.TryGet("dt", 4, out _));
        Assert.Equal(0.5, Read(inbox, "dt", 5));
        Assert.Equal(0.5, Read(inbox, "dt", 8));
        Assert.Equal(0.25, Read(inbox, "dt", 9));
        Assert.Equal(0.25, Read(inbox, "dt", 1000));
    }

    [Fact]
    public void ReadEveryStep_NothingPendingOrAValueInForce_AllocatesNothing()
    {
        // The simulation reads at every step: that read must cost the rank no garbage, set or not.
        var inbox = new SteeringInbox("rank 0", s_short);
        Assert.True(Propose(inbox, 1, "dt", 0, 0.5).Accepted);
        inbox.Decide(1, commit: true);
        for (int step = 0; step < 100; step++)
        {
            inbox.TryGet(SteeringInbox.StopName, step, out _);
            inbox.TryGet("dt", step, out _);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        int set = 0;
        for (int step = 100; step < 1100; step++)
        {
            set += inbox.TryGet(SteeringInbox.StopName, step, out _) ? 1 : 0;
            set += inbox.TryGet("dt", step, out _) ? 1 : 0;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1000, set);
    }

    [Fact]
    public void AbandonedValue_IsNeverSeen()
    {
        var inbox = new SteeringInbox("rank 0", s_short);
        Propose(inbox, 1, "dt", 3, 1.0);
        inbox.Decide(1, commit: false);

        Assert.False(inbox.TryGet("dt", 3, out _));
        Assert.Equal(0, inbox.Pending);
    }

    [Fact]
    public void ProposalForAStepAlreadyRead_IsRefusedWithTheStepRead()
    {
        var inbox = new SteeringInbox("rank 0", s_short);
        inbox.TryGet("dt", 7, out _);

        Assert.Equal((false, 7), Propose(inbox, 1, "dt", 7, 1.0));
        Assert.Equal((false, 7), Propose(inbox, 2, "dt", 3, 1.0));
        Assert.Equal((true, 7), Propose(inbox, 3, "dt", 8, 1.0));

        // Names are read independently: another name was not read at step 7.
        Assert.Equal((true, -1), Propose(inbox, 4, "stop", 7, true));
    }

    [Fact]
    public async Task ReadOfAnAcceptedStep_WaitsForTheDecision_ThenSeesIt()
    {
        var inbox = new SteeringInbox("rank 0", TimeSpan.FromSeconds(30));
        Propose(inbox, 1, "dt", 4, 2.0);
        Task<object?> read = Task.Run(() => Read(inbox, "dt", 4));
        Assert.False(await Completes(read), "The read did not wait for the decision on a value it accepted.");

        inbox.Decide(1, commit: true);

        Assert.Equal(2.0, await read.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void ReadOfAnEarlierStep_DoesNotWaitForALaterProposal()
    {
        var inbox = new SteeringInbox("rank 0", TimeSpan.FromSeconds(30));
        Propose(inbox, 1, "dt", 10, 2.0);

        Assert.False(inbox.TryGet("dt", 9, out _));
        Assert.Equal(1, inbox.Pending);
    }

    [Fact]
    public void DecisionNeverComes_TheReadFailsNamingTheValueAndStep()
    {
        var inbox = new SteeringInbox("Simulation rank 2", s_short);
        Propose(inbox, 1, "dt", 4, 2.0);

        var error = Assert.Throws<DeisaTimeoutException>(() => inbox.TryGet("dt", 6, out _));
        Assert.Contains("Simulation rank 2 reading 'dt' at step 6", error.Message, StringComparison.Ordinal);
        Assert.Contains("for step 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Close_EndsAWaitForADecisionAsAbandoned()
    {
        var inbox = new SteeringInbox("rank 0", TimeSpan.FromSeconds(30));
        Propose(inbox, 1, "dt", 4, 2.0);
        Task<bool> read = Task.Run(() => inbox.TryGet("dt", 4, out _));
        Assert.False(await Completes(read));

        inbox.Close();

        Assert.False(await read.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Get_WaitsForAValue_AcceptingProposalsForTheStepItWaitsAt()
    {
        var inbox = new SteeringInbox("rank 0", s_short);
        Task<object?> get = Task.Run(() => inbox.Get("threshold", 5, TimeSpan.FromSeconds(30)));
        Assert.False(await Completes(get));

        // The rank waits at step 5 but has not read it: a value for step 5 is still accepted, and ends the wait.
        Assert.True(Propose(inbox, 1, "threshold", 5, 0.1).Accepted);
        inbox.Decide(1, commit: true);

        Assert.Equal(0.1, await get.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal((false, 5), Propose(inbox, 2, "threshold", 5, 0.2));
    }

    [Fact]
    public void Get_NoValueComes_FailsNamingTheValueAndStep()
    {
        var inbox = new SteeringInbox("Simulation rank 1", s_short);

        var error = Assert.Throws<DeisaTimeoutException>(() => inbox.Get("threshold", 3, TimeSpan.FromMilliseconds(100)));
        Assert.Contains("'threshold' at step 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadingBackwards_IsRefused()
    {
        var inbox = new SteeringInbox("rank 0", s_short);
        inbox.TryGet("dt", 5, out _);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => inbox.TryGet("dt", 4, out _));
        Assert.Contains("already read the steering value 'dt' at step 5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LongRun_KeepsOnlyTheValueInForce()
    {
        var inbox = new SteeringInbox("rank 0", s_short);
        for (int step = 0; step < 10_000; step++)
        {
            Propose(inbox, step + 1, "dt", step, (double)step);
            inbox.Decide(step + 1, commit: true);
            Assert.Equal((double)step, Read(inbox, "dt", step));
        }

        // Nothing older than what is in force is kept: reading the last step again still works, and sees the last value.
        Assert.Equal(9_999.0, Read(inbox, "dt", 9_999));
        Assert.Equal(1, CountValues(inbox));
    }

    /// <summary>Whether the task completes within 50 ms: a wait that should block must not.</summary>
    private static async Task<bool> Completes(Task task) => await Task.WhenAny(task, Task.Delay(50)) == task;

    private static (bool Accepted, int ReadUpTo) Propose(SteeringInbox inbox, long id, string name, int step, object value)
    {
        SteerProposal proposal = SteerProposal.Rent();
        proposal.ProposalId = id;
        proposal.Name = name;
        proposal.Step = step;
        proposal.Value = value;
        (bool, int) vote = inbox.Vote(proposal);
        proposal.Return();
        return vote;
    }

    private static object? Read(SteeringInbox inbox, string name, int step) =>
        inbox.TryGet(name, step, out object? value) ? value : throw new Xunit.Sdk.XunitException($"No value '{name}' at step {step}.");

    private static int CountValues(SteeringInbox inbox) => inbox.ValuesHeld;
}
