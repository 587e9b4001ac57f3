using Deisa.Core.Buffers;

namespace Deisa.Tests.Execution;

public sealed class BufferPoolTests
{
    [Fact]
    public void Rent_RoundsUpToPowerOfTwo_ReusesReturned()
    {
        var pool = new BufferPool();

        byte[] first = pool.Rent(1000);
        pool.Return(first);
        byte[] second = pool.Rent(600);

        Assert.Equal(1024, first.Length);
        Assert.Same(first, second);
        Assert.Equal(1, pool.OutstandingCount);
    }

    [Fact]
    public void Return_MoreOutAtOnceThanTheFloor_EveryOneKeptAndReused()
    {
        // A worker holding more blocks than the floor (64 steps in flight): they come back and are rented again, not
        // dropped and reallocated one by one.
        var pool = new BufferPool(maxBuffersPerSize: 1);
        byte[][] held = [.. Enumerable.Range(0, 5).Select(_ => pool.Rent(256))];
        foreach (byte[] buffer in held)
        {
            pool.Return(buffer);
        }

        byte[][] again = [.. Enumerable.Range(0, 5).Select(_ => pool.Rent(256))];
        Assert.Equal(held.ToHashSet(ReferenceEqualityComparer.Instance), again.ToHashSet(ReferenceEqualityComparer.Instance));
        Assert.Equal(5, pool.Statistics.Allocated);
    }

    [Fact]
    public void Return_BeyondThePeak_Dropped()
    {
        // One out at most, and the floor is one: a second idle buffer of the size (one the pool never lent) is not kept.
        var pool = new BufferPool(maxBuffersPerSize: 1);
        byte[] a = pool.Rent(256);
        pool.Return(a);
        pool.Return(GC.AllocateUninitializedArray<byte>(256, pinned: true));

        Assert.Same(a, pool.Rent(256));
        byte[] b = pool.Rent(256);
        Assert.NotSame(a, b);
        Assert.Equal(2, pool.Statistics.Allocated);
    }

    [Fact]
    public void PooledArray_LastRelease_ReturnsBuffer_ThenUnusable()
    {
        var pool = new BufferPool();
        var array = PooledArray<double>.CopyFrom([1, 2, 3], pool);
        array.Retain();

        array.Release();
        Assert.Equal(3.0, array.Span[2]);
        array.Release();

        Assert.Equal(0, pool.OutstandingCount);
        Assert.Throws<ObjectDisposedException>(() => array.Span.Length);
        Assert.Throws<ObjectDisposedException>(array.Retain);
    }

    [Fact]
    public void PooledBufferWriter_Grows_AndReturnsEveryBuffer()
    {
        var pool = new BufferPool();
        using (var writer = new PooledBufferWriter(256, pool))
        {
            for (int i = 0; i < 1000; i++)
            {
                writer.WriteInt64(i);
            }

            Assert.Equal(8000, writer.WrittenCount);
        }

        Assert.Equal(0, pool.OutstandingCount);
    }

    [Fact]
    public void Statistics_RentAndReturn_CountsBuffersBytesAndAllocations()
    {
        var pool = new BufferPool(maxBuffersPerSize: 2);
        byte[] a = pool.Rent(1000);
        byte[] b = pool.Rent(100);
        byte[] huge = pool.Rent((1 << 30) + 1);

        BufferPoolStatistics out3 = pool.Statistics;
        Assert.Equal(new BufferPoolStatistics(3, 0, 1024 + 256 + (1 << 30) + 1, 3), out3);
        Assert.Equal(3, out3.Outstanding);

        pool.Return(huge);
        pool.Return(a);
        byte[] again = pool.Rent(900);
        BufferPoolStatistics out2 = pool.Statistics;

        Assert.Same(a, again);
        Assert.Equal(new BufferPoolStatistics(4, 2, 1024 + 256, 3), out2);
        Assert.Equal(2, out2.Outstanding);
        Assert.Equal(new BufferPoolStatistics(1, 2, -(1 << 30) - 1, 0), out2.Since(out3));

        pool.Return(again);
        pool.Return(b);
        Assert.Equal(0, pool.Statistics.Outstanding);
        Assert.Equal(0, pool.Statistics.OutstandingBytes);
    }

    [Fact]
    public void Statistics_ConcurrentRentReturn_BalancesToZero()
    {
        var pool = new BufferPool(maxBuffersPerSize: 8);
        Parallel.For(0, 8, worker =>
        {
            for (int i = 0; i < 2000; i++)
            {
                var array = PooledArray<double>.Rent(1 + ((i * 37) + worker) % 500, pool);
                array.Retain();
                array.Release();
                array.Release();
                Assert.True(pool.Statistics.Outstanding >= 0);
            }
        });

        BufferPoolStatistics statistics = pool.Statistics;
        Assert.Equal(16000, statistics.Rented);
        Assert.Equal(0, statistics.Outstanding);
        Assert.Equal(0, statistics.OutstandingBytes);
        // Five size classes (256 B to 4 KiB), at most eight buffers out at once, each kept when it comes back: the
        // pool allocates at most eight per size, not one per rental.
        Assert.InRange(statistics.Allocated, 1, 8 * 5);
    }
}
