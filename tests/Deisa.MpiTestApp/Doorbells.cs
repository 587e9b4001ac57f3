using Deisa.Mpi;
using Deisa.Mpi.Native;

namespace Deisa.MpiTestApp;

/// <summary>
/// Scenario 'doorbell': a set of wake-up pipes of its own (the session's belong to its communication threads), which
/// every rank rings for the next world rank. Each rank reports whether its predecessor shares its node (and so can
/// ring it), whether it was woken (within 30 s if so, 0.3 s otherwise), whether the rings were cleared (a second
/// short wait is not woken), whether its own threads can wake it, and how many ranks can.
/// </summary>
public static class Doorbells
{
    public static int Run(DeisaSession session, string[] args)
    {
        _ = args;
        int world = MpiApi.CommWorld;
        int size = MpiApi.CommSize(world);
        int rank = session.WorldRank;
        int node = MpiApi.SplitNode(world);
        Doorbell doorbell = Doorbell.Open(node, rank, size);
        bool nearby = MpiApi.AllgatherInt(node, rank).Contains((rank + size - 1) % size);
        MpiApi.CommFree(ref node);

        doorbell.Ring((rank + 1) % size);
        bool rung = doorbell.Wait(TimeSpan.FromSeconds(nearby ? 30 : 0.3));
        bool cleared = !doorbell.Wait(TimeSpan.FromMilliseconds(50));

        // Everyone has rung and waited: now each rank's own ring.
        MpiApi.Barrier(world);
        doorbell.RingSelf();
        bool self = doorbell.Wait(TimeSpan.FromSeconds(30));
        Console.WriteLine($"DOORBELL rank={rank} nearby={nearby} rung={rung} cleared={cleared} self={self} peers={doorbell.Peers}");
        return 0;
    }
}
