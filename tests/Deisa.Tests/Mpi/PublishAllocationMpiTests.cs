namespace Deisa.Tests.Mpi;

/// <summary>
/// A shipped block allocates nothing on its producer once the run is in its steady state: the block descriptor is
/// pooled, its completion needs no task, and nothing formats text unless something failed.
/// </summary>
[Collection(MpiCollection.Name)]
public sealed class PublishAllocationMpiTests
{
    [Theory]
    [InlineData("publisher", 0, 0)]
    [InlineData("thread", 0, 0)]
    [InlineData("publisher", 4, 0)] // at the bound every step: the window's count of steps in flight allocated a node per step
    [InlineData("publisher", 4, 1 << 20)] // sent from copies: at most 4 steps of 4 + 16 KiB in flight, well within the budget
    [InlineData("publisher", 64, 0)] // the worker holds 256 blocks, more than the pool's floor of 32 per size
    public void SteadyState_ShippedBlocks_NothingAllocatedOnThePublishingThread(string postBlocks, int inFlight, int copyBudget)
    {
        MpiResult result = MpiJob.Run(3, "publish-alloc", "--elements", "512", "--steps", "2000", "--post-blocks", postBlocks, "--in-flight", inFlight.ToString(System.Globalization.CultureInfo.InvariantCulture), "--copy-budget", copyBudget.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(result.ExitCode == 0, result.ToString());
        for (int rank = 0; rank < 2; rank++)
        {
            // Flat blocks and field interiors, every one shipped and waited for; the second half measured.
            Assert.Equal(4000, result.Stat(rank, "shipped", "ALLOC"));
            Assert.Equal(copyBudget > 0 ? 4000 : 0, result.Stat(rank, "copied", "ALLOC"));
            if (postBlocks == "publisher")
            {
                Assert.True(result.Stat(rank, "thread", "ALLOC") == 0, result.ToString());
            }
            else
            {
                // Queued for the communication thread, the producer may wait for it in a monitor, which now and then
                // allocates its wait record (72 bytes seen once in a run).
                Assert.True(result.Stat(rank, "thread", "ALLOC") < 2000, result.ToString());
            }

            // The rest of the process (the communication thread, the runtime's timers and compiler) allocates a few
            // kilobytes now and then (up to 3.5 KB seen), never per block: the smallest object is 24 bytes, so one per
            // block, or per other block, over the 2,000 measured comes to 24,000 or more.
            Assert.True(result.Stat(rank, "process", "ALLOC") < 24_000, result.ToString());
        }

        if (inFlight > 0)
        {
            // Bounded, the workers hold a few steps: every block is received into a buffer an earlier one gave back.
            string analytics = Assert.Single(result.Lines("ALLOC_ANALYTICS"));
            if (inFlight > 4)
            {
                // 64 steps of 4 blocks held at most: the pool keeps up to its peak, so it allocates only when a new peak
                // comes (0 to 24 buffers seen in the measured half), never per block: 745 over the 4,000 before buckets
                // kept their peak. The bounds further down were measured with 4 steps held.
                Assert.True(Stat(analytics, "pool_allocations") < 4 * inFlight, analytics);
                return;
            }

            Assert.Contains(" pool_allocations=0 ", analytics, StringComparison.Ordinal);

            // From arrival to the scheduler and the client's loop (the communication thread, the worker's, scheduler's
            // and client's message loops), a block allocates the one object it is handed to the tasks in, and nothing
            // else: one more object per block, the smallest being 24 bytes, would come to 96,000 over the 4,000 measured,
            // one per four blocks to 24,000 (the worker's record of each value used to be 48 bytes of its own).
            long blocks = Stat(analytics, "blocks");
            Assert.Equal(4000, blocks);
            // The window's edges are not exact (a few blocks of the second half may arrive before its first is
            // waited for), so the lower bound only shows that the threads' counts saw the blocks at all.
            long runtime = Stat(analytics, "runtime");
            long values = blocks * Stat(analytics, "value");
            Assert.True(runtime > values / 2, analytics);
            Assert.True(runtime - values < 24_000, analytics);

            // Nor does the analytics' loop, which waits for each future and disposes it (a wait was a task and its
            // state machine, 80 bytes); the rest of the process (timers, the compiler) adds some 20 KB now and then.
            Assert.True(Stat(analytics, "process") - values < blocks * 24, analytics);
        }
    }

    private static long Stat(string line, string name) => long.Parse(
        line.Split(' ').Single(f => f.StartsWith(name + "=", StringComparison.Ordinal))[(name.Length + 1)..],
        System.Globalization.CultureInfo.InvariantCulture);
}
