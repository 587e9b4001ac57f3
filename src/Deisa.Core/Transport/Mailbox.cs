using System.Threading.Channels;
using Deisa.Core.Protocol;

namespace Deisa.Core.Transport;

/// <summary>One endpoint's connection to a transport: its incoming messages, and the way to send.</summary>
/// <remarks>
/// The reader is single-consumer: one loop reads it. <see cref="Send(EndpointId, Message)"/> may be called from any
/// thread and takes ownership of the message. Dispose the mailbox to close the endpoint.
/// </remarks>
public abstract class Mailbox : IDisposable
{
    /// <summary>Creates a mailbox.</summary>
    /// <param name="id">The endpoint.</param>
    protected Mailbox(EndpointId id)
    {
        Id = id;
    }

    /// <summary>Gets the endpoint.</summary>
    public EndpointId Id { get; }

    /// <summary>Gets the incoming messages; the reader owns each message it takes.</summary>
    public abstract ChannelReader<Message> Reader { get; }

    /// <summary>Sends a message.</summary>
    /// <param name="to">The destination.</param>
    /// <param name="message">The message; the transport owns it from now on.</param>
    /// <exception cref="ArgumentException">The destination is unknown to the transport.</exception>
    public abstract void Send(EndpointId to, Message message);

    /// <summary>Sends several messages to one destination, in order, as one batch where the transport can.</summary>
    /// <param name="to">The destination.</param>
    /// <param name="messages">The messages; the transport owns them from now on.</param>
    /// <exception cref="ArgumentException">The destination is unknown to the transport.</exception>
    public virtual void Send(EndpointId to, ReadOnlySpan<Message> messages)
    {
        foreach (Message message in messages)
        {
            Send(to, message);
        }
    }

    /// <summary>Closes the endpoint: its reader completes and later messages to it are dropped.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Closes the endpoint.</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
    protected abstract void Dispose(bool disposing);
}
