using Deisa.Core.Protocol;

namespace Deisa.Tests.Protocol;

/// <summary>The message pools: counted, and not holding on to the storage of the largest message they carried.</summary>
[Collection(AllocationCollection.Name)]
public sealed class MessagePoolTests
{
    [Fact]
    public void PoolStatistics_RentAndReturn_CountedOnceEach()
    {
        MessagePoolStatistics before = MessagePoolStatistics.Current;
        FreeKeys free = FreeKeys.Rent();
        GetData get = GetData.Rent();
        MessagePoolStatistics out2 = MessagePoolStatistics.Current.Since(before);

        free.Return();
        get.Return();
        Assert.Throws<InvalidOperationException>(free.Return);
        MessagePoolStatistics back = MessagePoolStatistics.Current.Since(before);

        Assert.Equal(2, out2.Rented);
        Assert.Equal(2, out2.Outstanding);
        Assert.Equal(2, back.Returned);
        Assert.Equal(0, back.Outstanding);
    }

    [Fact]
    public void Return_ListGrownPastTheCap_LetsGoOfItsStorage()
    {
        UpdateGraph big = UpdateGraph.Rent();
        CreateExternal small = CreateExternal.Rent();
        for (int i = 0; i < 100_000; i++)
        {
            big.Keys.Add(("task", i));
            big.Wanted.Add(("task", i));
        }

        for (int i = 0; i < 100; i++)
        {
            small.Keys.Add(("block", i));
        }

        int smallCapacity = small.Keys.Capacity;
        big.Return();
        small.Return();

        // Reading returned messages only to look at their lists: nothing else touches them in this test.
        Assert.Empty(big.Keys);
        Assert.InRange(big.Keys.Capacity, 0, MessageLists.MaxRetainedCapacity);
        Assert.InRange(big.Wanted.Capacity, 0, MessageLists.MaxRetainedCapacity);
        Assert.Empty(small.Keys);
        Assert.Equal(smallCapacity, small.Keys.Capacity);
    }
}
