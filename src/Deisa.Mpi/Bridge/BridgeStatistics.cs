namespace Deisa.Mpi.Bridge;

/// <summary>What a simulation rank's bridge sent.</summary>
/// <param name="BlocksShipped">Blocks sent to workers.</param>
/// <param name="BlocksSkipped">Blocks published but outside the contract: no message at all.</param>
/// <param name="BytesShipped">Payload bytes sent to workers.</param>
/// <param name="MessagesToScheduler">Messages this rank sent to the scheduler (declarations, per-step metadata, finish).</param>
public readonly record struct BridgeStatistics(long BlocksShipped, long BlocksSkipped, long BytesShipped, long MessagesToScheduler);
