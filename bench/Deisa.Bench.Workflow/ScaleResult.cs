namespace Deisa.Bench.Workflow;

/// <summary>What one configuration of the scale model measured; written as JSON by the child process that ran it.</summary>
/// <param name="Ranks">Simulation ranks (one block of the array each).</param>
/// <param name="Steps">Steps of the run.</param>
/// <param name="Mode">deisa3 or deisa1.</param>
/// <param name="Lookahead">Steps of tasks the client builds past the latest arrival (deisa3).</param>
/// <param name="SetupSeconds">From the first declaration to the contract validated (deisa3: interest, first window, contract), or to the client's arrays (deisa1).</param>
/// <param name="SchedulerCpuMsPerStep">The scheduler thread's own CPU time per step: handling messages, what the model does for the workers, and the collections that thread ran.</param>
/// <param name="SchedulerMsPerStep">The scheduler thread's busy wall time per step, without its waits for the client; on a busy machine, with the time it waited for a core.</param>
/// <param name="WallMsPerStep">Wall time per step, waits for the client included: the pace the root keeps.</param>
/// <param name="CpuMsPerStep">CPU time per step of the whole process: scheduler, client, garbage collector.</param>
/// <param name="LiveHeapAfterSetup">Live managed heap (after a full collection) at the end of set-up, in bytes.</param>
/// <param name="EarlyStep">The step after which <paramref name="LiveHeapEarly"/> was taken, -1 when the run is too short.</param>
/// <param name="LiveHeapEarly">Live managed heap after that step, a full window ahead.</param>
/// <param name="LateStep">The step after which <paramref name="LiveHeapLate"/> was taken: the last with a full window ahead.</param>
/// <param name="LiveHeapLate">Live managed heap after that step.</param>
/// <param name="LiveHeapEnd">Live managed heap after the last step, before the analytics let go of their array.</param>
/// <param name="GrowthBytesPerStep">(late − early) / (late step − early step): what the run keeps per step.</param>
/// <param name="PeakGcHeap">Largest managed heap size at a collection (GCMemoryInfo.HeapSizeBytes), sampled through the run.</param>
/// <param name="PeakCommitted">Largest memory the collector had committed at a collection (GCMemoryInfo.TotalCommittedBytes), sampled with <paramref name="PeakGcHeap"/>: what the managed heap costs the process, the allocation budget between collections included.</param>
/// <param name="PeakRss">Peak working set of the process (it ran this configuration alone, after a small warm-up).</param>
/// <param name="PeakSchedulerKeys">Most keys the scheduler knew after a step.</param>
/// <param name="TasksLeft">Keys the scheduler still knew at the end.</param>
/// <param name="HeldLeft">Blocks the contract still held for tasks not yet built, at the end.</param>
/// <param name="ClientKeysLeft">Keys the client still held futures to, at the end (deisa3).</param>
/// <param name="PinsLeft">Keys the window driver kept for later rounds, at the end (deisa3).</param>
/// <param name="ResultsCollected">Step results the client collected into its array (deisa3), or released (deisa1).</param>
/// <param name="ContractRanks">Simulation ranks sent a contract at validation.</param>
/// <param name="ContractEntries">Contract entries sent, over every rank.</param>
/// <param name="ContractBlocks">Distinct (array, block) pairs among them.</param>
/// <param name="ContractMaxIntervals">Most step intervals in one entry.</param>
/// <param name="ContractSteps">(step, block) pairs contracted.</param>
/// <param name="ContractBytes">Bytes of the contract on the wire: one frame per simulation rank, encoded by the message codec.</param>
/// <param name="Requirements">What the interest declared, as the scheduler received it (deisa3).</param>
/// <param name="SetupPhases">Set-up phase by phase (deisa3): when the scheduler took each of the client's requests from the start of set-up, and how long it took to handle it.</param>
/// <param name="MessagesToScheduler">Messages the scheduler handled during the steps.</param>
/// <param name="FromSimulation">Of those, from simulation ranks.</param>
/// <param name="FromClient">Of those, from the client.</param>
/// <param name="FromScheduler">Messages the scheduler sent during the steps.</param>
internal sealed record ScaleResult(
    int Ranks,
    int Steps,
    string Mode,
    int Lookahead,
    double SetupSeconds,
    double SchedulerCpuMsPerStep,
    double SchedulerMsPerStep,
    double WallMsPerStep,
    double CpuMsPerStep,
    long LiveHeapAfterSetup,
    int EarlyStep,
    long LiveHeapEarly,
    int LateStep,
    long LiveHeapLate,
    long LiveHeapEnd,
    double GrowthBytesPerStep,
    long PeakGcHeap,
    long PeakCommitted,
    long PeakRss,
    int PeakSchedulerKeys,
    int TasksLeft,
    int HeldLeft,
    int ClientKeysLeft,
    int PinsLeft,
    long ResultsCollected,
    int ContractRanks,
    int ContractEntries,
    int ContractBlocks,
    int ContractMaxIntervals,
    long ContractSteps,
    long ContractBytes,
    string[] Requirements,
    string[] SetupPhases,
    long MessagesToScheduler,
    long FromSimulation,
    long FromClient,
    long FromScheduler);
