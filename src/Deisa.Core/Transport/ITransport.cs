namespace Deisa.Core.Transport;

/// <summary>Carries messages between endpoints: the seam between the state machines and the wire.</summary>
/// <remarks>
/// <para>Contract, which every implementation passes (see the transport contract tests):</para>
/// <list type="bullet">
/// <item>Messages from one endpoint to another arrive in the order they were sent, each exactly once, with
/// <see cref="Protocol.Message.From"/> set to the sender.</item>
/// <item>Sending to an endpoint the transport does not know throws <see cref="ArgumentException"/> naming it.</item>
/// <item>A message sent to an endpoint that has closed is dropped and returned to its pool (its values released).</item>
/// <item>Disposing the transport completes every mailbox's reader.</item>
/// </list>
/// </remarks>
public interface ITransport : IAsyncDisposable
{
    /// <summary>Gets the transport's configuration name, such as <c>inproc</c> or <c>mpi</c>.</summary>
    string Name { get; }

    /// <summary>Gets whether messages cross process boundaries, so only registered operations and encodable values may travel.</summary>
    bool CrossesProcesses { get; }

    /// <summary>Opens the mailbox of a local endpoint.</summary>
    /// <param name="endpoint">The endpoint; each is opened at most once.</param>
    /// <returns>The mailbox.</returns>
    /// <exception cref="ArgumentException">The endpoint is already open, or does not live in this process.</exception>
    Mailbox Open(EndpointId endpoint);
}
