using Deisa.Core.Errors;
using Deisa.Core.Protocol;
using Deisa.Core.Transport;

namespace Deisa.Core.Scheduling;

/// <content>
/// Steering: a value the client sets for every simulation rank from a step on. The scheduler proposes it to every
/// producer still running and commits it only if each accepts (none has read that name at that step yet), else
/// abandons it everywhere, so the ranks never diverge. A producer that finished reads nothing more and counts as
/// accepting.
/// </content>
public sealed partial class SchedulerState
{
    private readonly Dictionary<long, SteeringVote> _steering = [];
    private long _nextProposalId;

    /// <summary>Gets the steering proposals waiting for votes.</summary>
    public int SteeringPending => _steering.Count;

    private void HandleSteerRequest(SteerRequest message)
    {
        if (message.From != _client)
        {
            throw new ArgumentException($"A steering request came from {message.From}, which is not the scheduler's client.", nameof(message));
        }

        EndpointId[] running = [.. _producers.Where(p => !_finishedProducers.Contains(p))];
        if (running.Length == 0)
        {
            ReplyToClient(message.RequestId, new DeisaException(_producers.Length == 0
                ? $"Cannot set the steering value '{message.Name}': this runtime has no simulation ranks."
                : $"Cannot set the steering value '{message.Name}' for step {message.Step}: every simulation rank has finished."));
            return;
        }

        if (_declarations.Count < _producers.Length)
        {
            // A rank that has not declared may not have its bridge yet: the proposal would wait for a vote that never comes.
            ReplyToClient(message.RequestId, new DeisaException(
                $"Cannot set the steering value '{message.Name}' yet: not every simulation rank has declared its arrays (still waiting for " +
                $"{string.Join(", ", _producers.Where(p => !_declarations.ContainsKey(p)).Select(p => $"rank {p.Rank}"))}). Call GetArrays first: it waits for them."));
            return;
        }

        long id = ++_nextProposalId;
        var vote = new SteeringVote(message.RequestId, message.Name, message.Step, running);
        _steering.Add(id, vote);
        foreach (EndpointId producer in running)
        {
            SteerProposal proposal = SteerProposal.Rent();
            proposal.ProposalId = id;
            proposal.Name = message.Name;
            proposal.Step = message.Step;
            proposal.Value = message.Value;
            Send(producer, proposal);
        }
    }

    private void HandleSteerVote(SteerVote message)
    {
        if (!_steering.TryGetValue(message.ProposalId, out SteeringVote? vote) || !vote.Waiting.Remove(message.From))
        {
            // A vote that came after its producer finished, or a duplicate: decided without it.
            return;
        }

        if (!message.Accepted)
        {
            vote.Refused.Add((message.From.Rank, message.ReadUpTo));
        }

        TryDecide(message.ProposalId, vote);
    }

    /// <summary>A producer that finished reads no steering value any more: its vote is not awaited.</summary>
    private void SteeringProducerFinished(EndpointId producer)
    {
        foreach ((long id, SteeringVote vote) in _steering.ToList())
        {
            if (vote.Waiting.Remove(producer))
            {
                TryDecide(id, vote);
            }
        }
    }

    private void TryDecide(long id, SteeringVote vote)
    {
        if (vote.Waiting.Count > 0)
        {
            return;
        }

        _steering.Remove(id);
        bool commit = vote.Refused.Count == 0;
        foreach (EndpointId producer in vote.Asked)
        {
            if (_finishedProducers.Contains(producer))
            {
                continue;
            }

            SteerDecision decision = SteerDecision.Rent();
            decision.ProposalId = id;
            decision.Commit = commit;
            Send(producer, decision);
        }

        if (commit)
        {
            ReplyToClient(vote.RequestId, null);
            return;
        }

        string refused = string.Join(", ", vote.Refused.OrderBy(r => r.Rank).Select(r => $"rank {r.Rank} at step {r.ReadUpTo}"));
        string who = vote.Refused.Count == vote.Asked.Length ? "every simulation rank" : $"{vote.Refused.Count} of {vote.Asked.Length} simulation ranks";
        ReplyToClient(vote.RequestId, new SteeringTooLateException(
            $"The steering value '{vote.Name}' for step {vote.Step} came too late: {who} had already read '{vote.Name}' at or past that step ({refused}). " +
            "No rank was given it, so that they do not diverge; set it for a later step."));
    }

    /// <summary>A proposal's votes: who was asked, who has not answered, who refused and the step each had read up to.</summary>
    private sealed class SteeringVote(long requestId, string name, int step, EndpointId[] asked)
    {
        public long RequestId { get; } = requestId;

        public string Name { get; } = name;

        public int Step { get; } = step;

        public EndpointId[] Asked { get; } = asked;

        public HashSet<EndpointId> Waiting { get; } = [.. asked];

        public List<(int Rank, int ReadUpTo)> Refused { get; } = [];
    }
}
