using Deisa.Core.Transport;

namespace Deisa.Core.Protocol;

/// <summary>A unit of communication between endpoints.</summary>
/// <remarks>
/// Messages are pooled. Ownership: <see cref="Transport.Mailbox.Send(EndpointId, Message)"/> takes the message;
/// the endpoint that receives one owns it, handles it, and calls <see cref="Return"/>, after which no one may
/// touch it. Handlers copy what they keep. Values inside a message (data replies, puts) are owned by the message
/// until a handler moves them out; a message returned with values still inside releases them.
/// </remarks>
public abstract class Message
{
    /// <summary>Gets the message type.</summary>
    public abstract MessageKind Kind { get; }

    /// <summary>Gets or sets the endpoint that sent the message; set by the transport.</summary>
    public EndpointId From { get; set; }

    /// <summary>Gives the message back to its pool. Call once, after handling it.</summary>
    public abstract void Return();

    /// <summary>Clears the message for reuse, releasing any value it still owns.</summary>
    protected internal abstract void Reset();
}
