using System.Threading.Tasks;

namespace Deisa.Heat2D.Simulation;

/// <summary>Where a simulation rank's published steps go: the Bridge, an in-process producer, files, or nowhere.</summary>
internal interface IStepSink
{
    /// <summary>Publishes the interior of <paramref name="block"/>'s current buffer as step <paramref name="step"/>.</summary>
    /// <returns>What to wait for before that buffer may be written again.</returns>
    StepPublication Publish(int step, HeatBlock block);

    /// <summary>
    /// Waits until every step published so far was shipped or let go: steps the Bridge staged before its contract
    /// arrived are not, until it does. Nothing to wait for elsewhere.
    /// </summary>
    void Settle()
    {
    }

    /// <summary>Gets what was shipped so far.</summary>
    ShippingStatistics Statistics { get; }

    /// <summary>Tells the consumer this rank is done.</summary>
    void Finish();
}

/// <summary>
/// A published step's buffer until it may be written again: the Bridge's handle, which tests its own send while it
/// waits and allocates nothing, or a task (the in-process producer); nothing to wait for by default.
/// </summary>
internal readonly struct StepPublication
{
    private readonly Task? _task;
    private readonly Deisa.Mpi.Bridge.PublishHandle _handle;

    public StepPublication(Task task) => _task = task;

    public StepPublication(Deisa.Mpi.Bridge.PublishHandle handle) => _handle = handle;

    /// <summary>Waits until the buffer may be written again.</summary>
    /// <returns>False when <paramref name="timeout"/> passed first.</returns>
    public bool Wait(TimeSpan timeout)
    {
        if (_task is not null)
        {
            return _task.Wait(timeout);
        }

        try
        {
            _handle.Wait(timeout);
            return true;
        }
        catch (Deisa.Core.Errors.DeisaTimeoutException)
        {
            return false;
        }
    }
}

/// <summary>What one rank shipped.</summary>
/// <param name="BlocksShipped">Blocks sent to the analytics (or written).</param>
/// <param name="BlocksSkipped">Blocks published but outside the contract: no message at all.</param>
/// <param name="BytesShipped">Payload bytes sent.</param>
/// <param name="MessagesToScheduler">Messages this rank sent to the scheduler.</param>
/// <param name="BlockedSeconds">Time publishing waited for the analytics to let go of a step (backpressure).</param>
/// <param name="PeakStepsInFlight">The most steps shipped and still held by the workers at once (with a bound only).</param>
/// <param name="BlocksStaged">Blocks published before the contract arrived, copied aside meanwhile.</param>
/// <param name="ContractWaitSeconds">Time publishing waited for the contract (once the staging budget was used up).</param>
/// <param name="BlocksCopied">Blocks sent from copies, the field free at once (<c>copy_budget_mib</c>).</param>
internal readonly record struct ShippingStatistics(
    long BlocksShipped, long BlocksSkipped, long BytesShipped, long MessagesToScheduler, double BlockedSeconds = 0, int PeakStepsInFlight = 0, long BlocksStaged = 0, double ContractWaitSeconds = 0, long BlocksCopied = 0);
