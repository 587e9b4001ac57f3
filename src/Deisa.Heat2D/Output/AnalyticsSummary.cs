using System.Text.Json;

namespace Deisa.Heat2D.Output;

/// <summary>The analytics' side of a run, written by analytics rank 0 as analytics.json.</summary>
/// <param name="Seconds">From the contract's validation (or the analytics' start) to the last result.</param>
/// <param name="MessagesFromSimulation">Messages the scheduler received from simulation ranks.</param>
/// <param name="MessagesFromWorkers">Messages it received from workers.</param>
/// <param name="MessagesFromClient">Messages it received from the client.</param>
/// <param name="BytesFromOtherRanks">Bytes of frames that reached the scheduler's rank from other ranks.</param>
/// <param name="DeclarationsSeconds">How long the analytics waited for the simulation's declarations.</param>
/// <param name="ContractSeconds">From the declarations to the validated contract (building, persisting, validating).</param>
internal sealed record AnalyticsSummary(double Seconds, long MessagesFromSimulation, long MessagesFromWorkers, long MessagesFromClient, long BytesFromOtherRanks, double DeclarationsSeconds, double ContractSeconds)
{
    public const string FileName = "analytics.json";

    public void Write(string folder) => File.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this));
}
