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
    public void Return_BeyondCap_Dropped()
    {
        var pool = new BufferPool(maxBuffersPerSize: 1);
        byte[] a = pool.Rent(256);
        byte[] b = pool.Rent(256);
        pool.Return(a);
        pool.Return(b);

        Assert.Same(a, pool.Rent(256));
        Assert.NotSame(b, pool.Rent(256));
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
}
