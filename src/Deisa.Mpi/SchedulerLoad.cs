namespace Deisa.Mpi;

/// <summary>What reached the scheduler during a run of the analytics.</summary>
/// <param name="MessagesFromSimulation">Messages from simulation ranks (declarations, per-step metadata, finish notices).</param>
/// <param name="MessagesFromWorkers">Messages from workers (task and arrival notices).</param>
/// <param name="MessagesFromClient">Messages from the client (graphs, requests, releases).</param>
/// <param name="FramesFromOtherRanks">Frames that crossed the network to the scheduler (batches of messages).</param>
/// <param name="BytesFromOtherRanks">Bytes of those frames.</param>
public readonly record struct SchedulerLoad(long MessagesFromSimulation, long MessagesFromWorkers, long MessagesFromClient, long FramesFromOtherRanks, long BytesFromOtherRanks);
