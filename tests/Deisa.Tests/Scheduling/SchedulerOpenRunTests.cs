using Deisa.Core.Arrays;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Scheduling;
using static Deisa.Tests.TestOperations;

namespace Deisa.Tests.Scheduling;

/// <summary>Open-ended runs in the bare scheduler: an unbounded contract, progress told as it moves, the end told before the failures it causes.</summary>
public sealed class SchedulerOpenRunTests
{
    /// <summary>Two producers publish blocks 0 and 1 of an [open, 8] array, every step of both read.</summary>
    private static SchedulerFixture Validated()
    {
        var f = new SchedulerFixture(workers: 2, producers: 2);
        for (int p = 0; p < 2; p++)
        {
            DeclareArrays declare = DeclareArrays.Rent();
            declare.Arrays.Add(new ArrayDeclaration("field", ElementType.Float64, [ArrayDeclaration.OpenEnded, 8], 0, [4L * p], [4], ["t", "x"]));
            f.Feed(declare, f.Producers[p]);
        }

        DeclareInterest interest = DeclareInterest.Rent();
        interest.RequestId = 1001;
        interest.InterestId = 1;
        interest.Description = "every step";
        interest.Requirements.Add(new SourceRequirement("field", StepSet.All, [StepSet.Range(0, 2)]));
        f.Feed(interest, SchedulerFixture.Client);
        f.Request(ValidateContract.Rent());
        return f;
    }

    private static OpenArrayProgress? Progress(List<OutgoingMessage> sent) =>
        sent.Where(o => o.To == SchedulerFixture.Client).Select(o => o.Message).OfType<OpenArrayProgress>().SingleOrDefault();

    private static List<OutgoingMessage> Finish(SchedulerFixture f, int producer, int lastStep)
    {
        ProducerFinished finished = ProducerFinished.Rent();
        finished.LastSteps.Add(("field", lastStep));
        return f.Feed(finished, f.Producers[producer]);
    }

    [Fact]
    public void Contract_OfAnOpenArray_IsUnbounded()
    {
        var f = new SchedulerFixture(workers: 2, producers: 1);
        DeclareArrays declare = DeclareArrays.Rent();
        declare.Arrays.Add(new ArrayDeclaration("field", ElementType.Float64, [ArrayDeclaration.OpenEnded, 8], 0, [0], [8], ["t", "x"]));
        f.Feed(declare, f.Producers[0]);
        DeclareInterest interest = DeclareInterest.Rent();
        interest.RequestId = 1001;
        interest.InterestId = 1;
        interest.Description = "every third step";
        interest.Requirements.Add(new SourceRequirement("field", StepSet.Range(2, StepSet.Unbounded, 3), [StepSet.Range(0, 1)]));
        f.Feed(interest, SchedulerFixture.Client);

        List<OutgoingMessage> sent = f.Request(ValidateContract.Rent());

        ContractEntry entry = Assert.Single(sent.Single<ContractUpdate>(f.Producers[0]).Entries);
        Assert.False(entry.Steps.IsBounded);
        Assert.Equal(StepSet.Range(2, StepSet.Unbounded, 3), entry.Steps);
        Assert.Equal(2, Progress(sent)!.Complete);
    }

    [Fact]
    public void Progress_MovesWhenTheSlowestProducerPasses_EndToldBeforeTheFailuresItCauses()
    {
        SchedulerFixture f = Validated();
        UpdateGraph window = UpdateGraph.Rent();
        window.RequestId = 77;
        window.Externals.Add(("field", 2, 0));
        window.Keys.Add(("inc", 2));
        window.Specs.Add(TaskSpec.Create(Inc, new TaskKey("field", 2, 0)));
        window.Wanted.Add(("inc", 2));
        f.Feed(window, SchedulerFixture.Client);

        Assert.Null(Progress(f.Arrive(("field", 0, 0), worker: 0)));
        Assert.Equal(1, Progress(f.Arrive(("field", 0, 1), worker: 1))!.Complete);
        Assert.Null(Progress(f.Arrive(("field", 1, 0), worker: 0)));

        // Rank 0 ends after step 1: the run has at most 2 steps, and its step 2 never comes.
        List<OutgoingMessage> ended = Finish(f, 0, 1);

        OpenArrayProgress progress = Progress(ended)!;
        Assert.Equal((1, 2), (progress.Complete, progress.End));
        int told = ended.FindIndex(o => o.Message is OpenArrayProgress);
        int failed = ended.FindIndex(o => o.Message is KeyErred e && e.Key == new TaskKey("inc", 2));
        Assert.InRange(told, 0, failed - 1);

        // Rank 1 reaches step 1: every step of the run is there.
        progress = Progress(f.Arrive(("field", 1, 1), worker: 1))!;
        Assert.Equal((2, 2), (progress.Complete, progress.End));

        // Rank 1 published further, but the run has the steps every rank published: it stays at 2.
        Assert.Equal(2, Progress(Finish(f, 1, 4))!.End);
    }
}
