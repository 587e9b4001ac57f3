using Deisa.Core.Arrays;
using Deisa.Core.Errors;
using Deisa.Core.Protocol;
using Deisa.Core.Scheduling;
using Deisa.Core.Transport;

namespace Deisa.Tests.Scheduling;

/// <summary>The scheduler as the coordinator of steering: a value is given to every running producer or to none.</summary>
public sealed class SchedulerSteeringTests
{
    [Fact]
    public void EveryProducerAccepts_CommitSentToEach_ClientToldOnlyThen()
    {
        SchedulerFixture f = Declared(3);
        List<OutgoingMessage> proposed = Steer(f, "dt", 12, 0.5, requestId: 7);
        List<SteerProposal> proposals = proposed.All<SteerProposal>();
        Assert.Equal(f.Producers, proposed.Where(o => o.Message is SteerProposal).Select(o => o.To));
        Assert.All(proposals, p => Assert.Equal(("dt", 12, (object?)0.5), (p.Name, p.Step, p.Value)));
        long id = proposals[0].ProposalId;

        Assert.Empty(Vote(f, f.Producers[0], id, accepted: true, readUpTo: 3));
        Assert.Empty(Vote(f, f.Producers[2], id, accepted: true, readUpTo: 11));
        List<OutgoingMessage> decided = Vote(f, f.Producers[1], id, accepted: true, readUpTo: -1);

        Assert.Equal(3, decided.All<SteerDecision>().Count);
        Assert.All(decided.All<SteerDecision>(), d => Assert.True(d.Commit && d.ProposalId == id));
        RequestReply reply = decided.Single<RequestReply>(SchedulerFixture.Client);
        Assert.Equal((7L, (ErrorInfo?)null), (reply.RequestId, reply.Error));
        Assert.Equal(0, f.State.SteeringPending);
    }

    [Fact]
    public void OneProducerReadPastTheStep_AbandonedEverywhere_ClientToldWhichRankAndStep()
    {
        SchedulerFixture f = Declared(3);
        long id = Steer(f, "dt", 12, 0.5).All<SteerProposal>()[0].ProposalId;
        Vote(f, f.Producers[0], id, accepted: true, readUpTo: 3);
        Vote(f, f.Producers[1], id, accepted: false, readUpTo: 14);
        List<OutgoingMessage> decided = Vote(f, f.Producers[2], id, accepted: true, readUpTo: 5);

        Assert.All(decided.All<SteerDecision>(), d => Assert.False(d.Commit));
        var error = Assert.IsType<SteeringTooLateException>(decided.Single<RequestReply>().Error!.Exception);
        Assert.Contains("'dt' for step 12 came too late: 1 of 3 simulation ranks", error.Message, StringComparison.Ordinal);
        Assert.Contains("rank 1 at step 14", error.Message, StringComparison.Ordinal);
        Assert.Contains("No rank was given it", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryProducerReadPastTheStep_TheErrorSaysEveryRank()
    {
        SchedulerFixture f = Declared(2);
        long id = Steer(f, "stop", 2, true).All<SteerProposal>()[0].ProposalId;
        Vote(f, f.Producers[0], id, accepted: false, readUpTo: 9);
        List<OutgoingMessage> decided = Vote(f, f.Producers[1], id, accepted: false, readUpTo: 8);

        Assert.Contains("every simulation rank had already read 'stop' at or past that step (rank 0 at step 9, rank 1 at step 8)", decided.Single<RequestReply>().Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProducerFinishesBeforeVoting_CountsAsAccepting_NoDecisionSentToIt()
    {
        SchedulerFixture f = Declared(2);
        long id = Steer(f, "dt", 5, 1.0).All<SteerProposal>()[0].ProposalId;
        Vote(f, f.Producers[0], id, accepted: true, readUpTo: 0);

        List<OutgoingMessage> sent = f.Feed(ProducerFinished.Rent(), f.Producers[1]);

        SteerDecision decision = sent.Single<SteerDecision>(f.Producers[0]);
        Assert.True(decision.Commit);
        Assert.Null(sent.Single<RequestReply>().Error);
    }

    [Fact]
    public void EveryProducerFinished_TheRequestFailsAtOnce()
    {
        SchedulerFixture f = Declared(1);
        f.Feed(ProducerFinished.Rent(), f.Producers[0]);

        List<OutgoingMessage> sent = Steer(f, "dt", 5, 1.0);

        sent.None<SteerProposal>();
        Assert.Contains("every simulation rank has finished", sent.Single<RequestReply>().Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoProducers_TheRequestFailsAtOnce()
    {
        var f = new SchedulerFixture(workers: 1, producers: 0);

        Assert.Contains("no simulation ranks", Steer(f, "dt", 0, 1.0).Single<RequestReply>().Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BeforeEveryRankDeclared_RefusedNamingTheRanksAndWhatToCall()
    {
        var f = new SchedulerFixture(workers: 1, producers: 2);
        DeclareArrays declare = DeclareArrays.Rent();
        declare.Arrays.Add(new ArrayDeclaration("field", ElementType.Float64, [10, 4], 0, [0], [4]));
        f.Feed(declare, f.Producers[0]);

        List<OutgoingMessage> sent = Steer(f, "dt", 5, 1.0);

        sent.None<SteerProposal>();
        string message = sent.Single<RequestReply>().Error!.Message;
        Assert.Contains("still waiting for rank 1", message, StringComparison.Ordinal);
        Assert.Contains("Call GetArrays first", message, StringComparison.Ordinal);
    }

    [Fact]
    public void SteeringFromAProducer_IsRefused()
    {
        var f = new SchedulerFixture(workers: 1, producers: 1);
        SteerRequest request = SteerRequest.Rent();
        request.Name = "dt";

        Assert.Throws<ArgumentException>(() => f.Feed(request, f.Producers[0]));
    }

    /// <summary>A scheduler whose producers each declared a block of one array, as GetArrays waits for.</summary>
    private static SchedulerFixture Declared(int producers)
    {
        var f = new SchedulerFixture(workers: 1, producers: producers);
        for (int p = 0; p < producers; p++)
        {
            DeclareArrays declare = DeclareArrays.Rent();
            declare.Arrays.Add(new ArrayDeclaration("field", ElementType.Float64, [10, 4 * producers], 0, [4L * p], [4]));
            f.Feed(declare, f.Producers[p]);
        }

        return f;
    }

    private static List<OutgoingMessage> Steer(SchedulerFixture f, string name, int step, object value, long requestId = 1)
    {
        SteerRequest request = SteerRequest.Rent();
        request.RequestId = requestId;
        request.Name = name;
        request.Step = step;
        request.Value = value;
        return f.Feed(request, SchedulerFixture.Client);
    }

    private static List<OutgoingMessage> Vote(SchedulerFixture f, EndpointId producer, long id, bool accepted, int readUpTo)
    {
        SteerVote vote = SteerVote.Rent();
        vote.ProposalId = id;
        vote.Accepted = accepted;
        vote.ReadUpTo = readUpTo;
        return f.Feed(vote, producer);
    }
}
