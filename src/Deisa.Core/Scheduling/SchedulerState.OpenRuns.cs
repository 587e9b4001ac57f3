using Deisa.Core.Protocol;
using Deisa.Core.Transport;

namespace Deisa.Core.Scheduling;

/// <content>
/// Open-ended runs: for an array declared without an end, how far the producers the contract reads have got, and
/// where the run ends once they finish, told to the client (<see cref="OpenArrayProgress"/>) as it changes.
/// </content>
public sealed partial class SchedulerState
{
    private readonly Dictionary<string, List<ContractPart>> _openParts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Complete, int End)> _openSent = new(StringComparer.Ordinal);

    /// <summary>Indexes a new part of an open-ended array, so that its progress is computed over its own parts only.</summary>
    private void TrackOpenPart(ContractPart part)
    {
        if (!part.Layout.IsOpenEnded)
        {
            return;
        }

        if (!_openParts.TryGetValue(part.Layout.Name, out List<ContractPart>? parts))
        {
            parts = [];
            _openParts.Add(part.Layout.Name, parts);
        }

        parts.RemoveAll(p => p.Block.AsSpan().SequenceEqual(part.Block));
        parts.Add(part);
    }

    /// <summary>Updates the progress of the open-ended arrays among <paramref name="arrays"/>.</summary>
    private void UpdateOpenProgress(IEnumerable<string> arrays)
    {
        foreach (string array in arrays)
        {
            UpdateOpenProgress(array);
        }
    }

    /// <summary>
    /// Recomputes how far an open-ended array's run has got over the parts the contract asks for, and tells the client
    /// when it moved: the step every such producer has passed, the end once some finished. Both only move one way for
    /// the client (a part added later starts behind; what it reads is its own steps, from where the contract grew).
    /// </summary>
    private void UpdateOpenProgress(string array)
    {
        if (!_contractFrozen || !_openParts.TryGetValue(array, out List<ContractPart>? parts))
        {
            return;
        }

        int complete = int.MaxValue;
        int end = int.MaxValue;
        bool any = false;
        foreach (ContractPart part in parts)
        {
            if (part.Steps.IsEmpty)
            {
                continue;
            }

            any = true;
            if (_finishedProducers.Contains(new EndpointId(part.Producer, EndpointKind.Producer)))
            {
                // Finished: nothing more to wait for from it, and no step after its last.
                int last = _finishedAt.TryGetValue((part.Producer, array), out int reported) ? reported : part.LatestArrived;
                end = Math.Min(end, last + 1);
                continue;
            }

            complete = Math.Min(complete, PassedBy(part));
        }

        if (!any)
        {
            return;
        }

        (int Complete, int End) sent = _openSent.TryGetValue(array, out (int Complete, int End) known) ? known : (0, int.MaxValue);
        (int Complete, int End) next = (Math.Max(sent.Complete, complete), Math.Min(sent.End, end));
        if (next == sent)
        {
            return;
        }

        _openSent[array] = next;
        OpenArrayProgress notice = OpenArrayProgress.Rent();
        notice.Array = array;
        notice.Complete = next.Complete;
        notice.End = next.End;
        Send(_client, notice);
    }

    /// <summary>
    /// The next step of an open-ended array's part after an arrival that may move its progress: only a part that held
    /// the progress back can move it, so the others cost nothing per arrival.
    /// </summary>
    private void NoteOpenArrival(ContractPart part, int previousLatest)
    {
        if (!part.Layout.IsOpenEnded)
        {
            return;
        }

        int before = part.Steps.NextAtOrAfter(previousLatest + 1);
        int sent = _openSent.TryGetValue(part.Layout.Name, out (int Complete, int End) known) ? known.Complete : 0;
        if (before >= 0 && before <= sent)
        {
            UpdateOpenProgress(part.Layout.Name);
        }
    }

    /// <summary>The steps a running producer's part has passed: every contracted step below the next one not arrived.</summary>
    private static int PassedBy(ContractPart part)
    {
        int next = part.Steps.NextAtOrAfter(part.LatestArrived + 1);
        return next < 0 ? int.MaxValue : next;
    }
}
