using Deisa.Core.Protocol;
using Deisa.Core.Scheduling;
using Deisa.Core.Transport;

namespace Deisa.Tests.Scheduling;

/// <summary>Assertions over what a state machine emitted.</summary>
internal static class Outbox
{
    public static T Single<T>(this List<OutgoingMessage> outbox, EndpointId? to = null)
        where T : Message
    {
        List<OutgoingMessage> matches = outbox.Where(o => o.Message is T && (to is null || o.To == to)).ToList();
        Assert.True(matches.Count == 1, $"Expected one {typeof(T).Name}{(to is null ? "" : $" to {to}")}, got {matches.Count}: {Describe(outbox)}");
        return (T)matches[0].Message;
    }

    public static List<T> All<T>(this List<OutgoingMessage> outbox)
        where T : Message => outbox.Select(o => o.Message).OfType<T>().ToList();

    public static void None<T>(this List<OutgoingMessage> outbox)
        where T : Message => Assert.True(!outbox.Any(o => o.Message is T), $"Expected no {typeof(T).Name}: {Describe(outbox)}");

    public static string Describe(List<OutgoingMessage> outbox) => string.Join(", ", outbox.Select(o => $"{o.Message.Kind}->{o.To}"));
}
