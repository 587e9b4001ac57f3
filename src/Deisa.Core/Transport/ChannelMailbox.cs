using System.Threading.Channels;
using System.Threading.Tasks;
using Deisa.Core.Protocol;

namespace Deisa.Core.Transport;

/// <summary>A mailbox whose incoming messages wait in an unbounded channel; transports say how sending works.</summary>
/// <remarks>
/// The channel lets a writer complete a waiting reader inline, which is why every reader must be a dedicated
/// thread that only blocks in its wait (see <see cref="MailboxThread"/>).
/// </remarks>
internal static class MailboxStopping
{
    /// <summary>
    /// Closes a mailbox whose messages a pump thread reads: no new message comes in, the pump reads what is there and
    /// ends, then what it left (it stopped on a fault) goes back to its pools. Disposing first would drain the channel
    /// while the pump still reads it, two readers on a single-reader channel (a null message was seen).
    /// </summary>
    /// <param name="mailbox">The mailbox.</param>
    /// <param name="pump">The pump's completion.</param>
    /// <returns>Completes once the pump ended and the mailbox is disposed.</returns>
    public static async Task StopAfterPump(this Mailbox mailbox, Task pump)
    {
        if (mailbox is ChannelMailbox channel)
        {
            channel.Complete();
            try
            {
                await pump.ConfigureAwait(false);
            }
            finally
            {
                mailbox.Dispose();
            }

            return;
        }

        mailbox.Dispose();
        await pump.ConfigureAwait(false);
    }
}

internal abstract class ChannelMailbox : Mailbox
{
    private readonly Channel<Message> _channel = Channel.CreateUnbounded<Message>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false, AllowSynchronousContinuations = true });

    protected ChannelMailbox(EndpointId id)
        : base(id)
    {
    }

    public override ChannelReader<Message> Reader => _channel.Reader;

    /// <summary>Delivers a message into this mailbox; false (the caller returns the message) once it is closed.</summary>
    /// <param name="message">The message.</param>
    /// <returns>Whether it was delivered.</returns>
    public bool TryDeliver(Message message) => _channel.Writer.TryWrite(message);

    /// <summary>Closes the mailbox to new messages; its reader completes once it has read what is there.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    protected override void Dispose(bool disposing)
    {
        Complete();

        // Messages that arrived but were never read go back to their pools, releasing their values.
        while (_channel.Reader.TryRead(out Message? message))
        {
            message.Return();
        }
    }
}
