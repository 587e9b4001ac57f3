using Deisa.Core.Protocol;
using Deisa.Core.Transport;

namespace Deisa.Core.Scheduling;

/// <summary>A message a state machine wants sent, and where.</summary>
/// <param name="To">The destination.</param>
/// <param name="Message">The message, owned by whoever sends it.</param>
public readonly record struct OutgoingMessage(EndpointId To, Message Message);
