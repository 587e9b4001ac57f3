using System.Diagnostics;
using System.Text.Json;

namespace Deisa.Heat2D.Output;

/// <summary>What one process used, written by every rank at its end into ranks/rank-N.json (the workflow benchmark reads them).</summary>
/// <param name="Rank">The world rank (0 in one process).</param>
/// <param name="PeakResidentBytes">The peak resident set size (VmHWM).</param>
/// <param name="CpuSeconds">User and system CPU time.</param>
internal sealed record RankUsage(int Rank, long PeakResidentBytes, double CpuSeconds)
{
    public static void Write(string folder, int rank)
    {
        using Process self = Process.GetCurrentProcess();
        self.Refresh();
        string ranks = Path.Combine(folder, "ranks");
        Directory.CreateDirectory(ranks);
        var usage = new RankUsage(rank, self.PeakWorkingSet64, self.TotalProcessorTime.TotalSeconds);
        File.WriteAllText(Path.Combine(ranks, $"rank-{rank}.json"), JsonSerializer.Serialize(usage));
    }
}
