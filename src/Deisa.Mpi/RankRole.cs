namespace Deisa.Mpi;

/// <summary>What a rank of a Deisa job runs.</summary>
public enum RankRole
{
    /// <summary>A simulation rank: the simulation's code and its bridge.</summary>
    Simulation,

    /// <summary>The first analytics rank: the scheduler, the client with the analytics' code, and a worker when it is the only analytics rank.</summary>
    AnalyticsRoot,

    /// <summary>Another analytics rank: a worker.</summary>
    AnalyticsWorker,
}
