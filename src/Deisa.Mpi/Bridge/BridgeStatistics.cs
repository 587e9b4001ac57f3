namespace Deisa.Mpi.Bridge;

/// <summary>What a simulation rank's bridge sent.</summary>
/// <param name="BlocksShipped">Blocks sent to workers.</param>
/// <param name="BlocksSkipped">Blocks published but outside the contract: no message at all.</param>
/// <param name="BytesShipped">Payload bytes sent to workers.</param>
/// <param name="MessagesToScheduler">Messages this rank sent to the scheduler (declarations, per-step metadata, drops, finish).</param>
/// <param name="BlocksDropped">Contracted blocks not shipped because the bound on steps in flight was reached (policy Drop).</param>
/// <param name="BlockedSeconds">Time publishing waited for the analytics to let go of a step (policy Block).</param>
/// <param name="PeakStepsInFlight">The most steps shipped and still held by the workers at once (counted only with a bound).</param>
/// <param name="BlocksStaged">Blocks published before the contract arrived and copied aside (then shipped or let go as it said).</param>
/// <param name="ContractWaitSeconds">Time publishing or finishing waited for the contract (0 when the staging budget covered the wait).</param>
/// <param name="BlocksDerived">Blocks of derived arrays computed by preprocessing operations (only those the contract asked for, once it is known).</param>
/// <param name="BlocksCopied">Contracted blocks sent from a copy, their memory given back at once (<see cref="DeisaMpiOptions.CopyBudgetBytes"/>).</param>
public readonly record struct BridgeStatistics(
    long BlocksShipped,
    long BlocksSkipped,
    long BytesShipped,
    long MessagesToScheduler,
    long BlocksDropped = 0,
    double BlockedSeconds = 0,
    int PeakStepsInFlight = 0,
    long BlocksStaged = 0,
    double ContractWaitSeconds = 0,
    long BlocksDerived = 0,
    long BlocksCopied = 0);
