using Deisa.Core.Arrays;
using Deisa.Core.Errors;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Scheduling;
using static Deisa.Tests.TestOperations;

namespace Deisa.Tests.Scheduling;

/// <summary>The contract derived from declared interests, without a key per step: data before its tasks, growth, shrink.</summary>
public sealed class SchedulerInterestTests
{
    private const int Steps = 1_000_000;

    /// <summary>Two producers publish blocks 0 and 1 of a [1,000,000 steps, 8] array.</summary>
    private static SchedulerFixture Declared()
    {
        var f = new SchedulerFixture(workers: 2, producers: 2);
        for (int p = 0; p < 2; p++)
        {
            DeclareArrays declare = DeclareArrays.Rent();
            declare.Arrays.Add(new ArrayDeclaration("field", ElementType.Float64, [Steps, 8], 0, [4L * p], [4], ["t", "x"]));
            f.Feed(declare, f.Producers[p]);
        }

        return f;
    }

    private static List<OutgoingMessage> Declare(SchedulerFixture f, long id, params SourceRequirement[] requirements)
    {
        DeclareInterest message = DeclareInterest.Rent();
        message.RequestId = 1000 + id;
        message.InterestId = id;
        message.Description = $"interest {id}";
        message.Requirements.AddRange(requirements);
        return f.Feed(message, SchedulerFixture.Client);
    }

    private static List<OutgoingMessage> Materialize(SchedulerFixture f, TaskKey block, TaskKey task)
    {
        UpdateGraph update = UpdateGraph.Rent();
        update.RequestId = 77;
        update.Externals.Add(block);
        update.Keys.Add(task);
        update.Specs.Add(TaskSpec.Create(Inc, block));
        update.Wanted.Add(task);
        return f.Feed(update, SchedulerFixture.Client);
    }

    [Fact]
    public void ValidateContract_FromInterestsAlone_StepSetsWhateverTheRunLength()
    {
        SchedulerFixture f = Declared();
        Assert.Null(Declare(f, 1, new SourceRequirement("field", StepSet.Range(5, Steps, 10), [StepSet.Range(0, 1)])).Single<RequestReply>().Error);

        List<OutgoingMessage> sent = f.Request(ValidateContract.Rent());

        ContractEntry entry = Assert.Single(sent.Single<ContractUpdate>(f.Producers[0]).Entries);
        Assert.Equal(StepSet.Range(5, Steps, 10), entry.Steps);
        Assert.Equal(1, entry.Steps.IntervalCount);
        Assert.True(Assert.Single(sent.Single<ContractUpdate>(f.Producers[1]).Entries).Steps.IsEmpty);
        Assert.Equal(100_000, f.State.ContractSize);
        Assert.Equal(1, f.State.ContractParts);
        Assert.Equal(0, f.State.TaskCount);
    }

    [Fact]
    public void DataBeforeItsTasks_HeldByTheContract_ThenTakenOverByThem()
    {
        SchedulerFixture f = Declared();
        Declare(f, 1, new SourceRequirement("field", StepSet.All, [StepSet.Range(0, 2)]));
        f.Request(ValidateContract.Rent());
        TaskKey block = ("field", 3, 1);

        List<OutgoingMessage> arrived = f.Arrive(block, worker: 1);

        Assert.Equal(TaskStatus.Memory, f[block]);
        Assert.Equal(1, f.State.HeldCount);
        Assert.Equal(3, arrived.Single<StepArrived>(SchedulerFixture.Client).Step);

        List<OutgoingMessage> sent = Materialize(f, block, ("inc", 3));

        Assert.Null(sent.Single<RequestReply>().Error);
        Assert.Single(sent, o => o.Message is ComputeTask c && c.Key == new TaskKey("inc", 3));
        Assert.Equal(0, f.State.HeldCount);
        f.Finish(("inc", 3), worker: 1);
        Assert.Equal(TaskStatus.Forgotten, f[block]);
    }

    [Fact]
    public void DataOfABlockTheContractDoesNotAskFor_Refused()
    {
        SchedulerFixture f = Declared();
        Declare(f, 1, new SourceRequirement("field", StepSet.Range(0, Steps, 2), [StepSet.Range(0, 2)]));
        f.Request(ValidateContract.Rent());

        f.Arrive(("field", 3, 0), worker: 0);

        Assert.Equal(TaskStatus.Forgotten, f.State.GetStatus(("field", 3, 0)));
        Assert.Equal(0, f.State.HeldCount);
    }

    [Fact]
    public void InterestAfterTheContract_Grows_StepsGoneRefused_WithdrawShrinks()
    {
        SchedulerFixture f = Declared();
        Declare(f, 1, new SourceRequirement("field", StepSet.Range(0, Steps, 2), [StepSet.Range(0, 1)]));
        f.Request(ValidateContract.Rent());
        f.Arrive(("field", 4, 0), worker: 0);

        // Odd steps of block 0: 1 and 3 went by (step 4 arrived), so the whole interest is refused.
        RequestReply refused = Declare(f, 2, new SourceRequirement("field", StepSet.Range(1, Steps, 2), [StepSet.Range(0, 1)])).Single<RequestReply>();
        Assert.IsType<GraphValidationException>(refused.Error!.Exception);
        Assert.Contains("steps 1..3:2 of 'field' block (0) are gone: step 4 of that block already arrived", refused.Error.Message, StringComparison.Ordinal);
        Assert.Equal(1, f.State.InterestCount);

        // Block 1 from step 10: a part the contract did not have, sent to its producer only.
        List<OutgoingMessage> grown = Declare(f, 3, new SourceRequirement("field", StepSet.Range(10, Steps), [StepSet.Range(1, 2)]));
        Assert.Null(grown.Single<RequestReply>().Error);
        Assert.Equal(StepSet.Range(10, Steps), Assert.Single(grown.Single<ContractUpdate>(f.Producers[1]).Entries).Steps);
        Assert.DoesNotContain(grown, o => o.To == f.Producers[0]);

        WithdrawInterest withdraw = WithdrawInterest.Rent();
        withdraw.InterestId = 3;
        List<OutgoingMessage> shrunk = f.Feed(withdraw, SchedulerFixture.Client);
        Assert.True(Assert.Single(shrunk.Single<ContractUpdate>(f.Producers[1]).Entries).Steps.IsEmpty);
    }

    [Fact]
    public void InterestInStepsAlreadyContracted_RefusedForThoseNoLongerHere_AcceptedForThoseHeld()
    {
        SchedulerFixture f = Declared();
        StepSet even = StepSet.Range(0, Steps, 2);
        Declare(f, 1, new SourceRequirement("field", even, [StepSet.Range(0, 1)]));
        f.Request(ValidateContract.Rent());
        for (int step = 0; step <= 4; step += 2)
        {
            f.Arrive(("field", step, 0), worker: 0);
        }

        // Steps 0, 2 and 4 are held for the first interest's tasks: a second reader of them shares them.
        Assert.Null(Declare(f, 2, new SourceRequirement("field", even, [StepSet.Range(0, 1)])).Single<RequestReply>().Error);

        Materialize(f, ("field", 0, 0), ("inc", 0));
        f.Finish(("inc", 0), worker: 0);
        Assert.Equal(TaskStatus.Forgotten, f[("field", 0, 0)]);

        // The contract already has step 0, but its data was read and let go: refused, naming it alone.
        RequestReply refused = Declare(f, 3, new SourceRequirement("field", even, [StepSet.Range(0, 1)])).Single<RequestReply>();
        Assert.IsType<GraphValidationException>(refused.Error!.Exception);
        Assert.Contains("step 0 of 'field' block (0) is gone", refused.Error.Message, StringComparison.Ordinal);
        Assert.Equal(2, f.State.InterestCount);
    }

    [Fact]
    public void KeyOfAStepTheProducerFinishedBefore_FailsWhenAskedFor()
    {
        SchedulerFixture f = Declared();
        Declare(f, 1, new SourceRequirement("field", StepSet.All, [StepSet.Range(0, 2)]));
        f.Request(ValidateContract.Rent());
        ProducerFinished finished = ProducerFinished.Rent();
        finished.LastSteps.Add(("field", 41));
        f.Feed(finished, f.Producers[1]);

        List<OutgoingMessage> sent = Materialize(f, ("field", 42, 1), ("inc", 42));

        KeyErred erred = sent.Single<KeyErred>();
        Assert.Contains("simulation rank 1 finished without producing it", erred.Error!.Message, StringComparison.Ordinal);
        Assert.Null(sent.Single<RequestReply>().Error);
    }
}
