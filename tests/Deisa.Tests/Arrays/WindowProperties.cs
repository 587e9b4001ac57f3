using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Core.Graph;

namespace Deisa.Tests.Arrays;

/// <summary>
/// Arrays built a window of steps at a time: the window decides when tasks are built, never what they compute or
/// what they read.
/// </summary>
public sealed class WindowProperties
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A sum over time read through a slice that skips one of its output chunks. The driver built a
    /// tree for every output chunk of the sum, so a window after the contract's validation asked for blocks of the
    /// skipped chunk, which the contract (what the slice reads) never asked for: refused, "Cannot create ('field', 1,
    /// 1)". All at once, the same blocks were created before the validation, so the contract grew and the simulation
    /// shipped them for nothing.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(int.MaxValue)]
    public async Task ReductionOverTime_ReadThroughASliceSkippingAChunk_ReadsOnlyTheSlicesBlocks(int lookahead)
    {
        // [t: 4, X: 6] in blocks of 5 and 1 columns; columns 0, 2 and 4 are all in the first.
        await using ArrayFixture fixture = ArrayFixture.Start([4, 6], 0, [[5, 1]], ["t", "X"], client: new ClientOptions { Lookahead = lookahead });
        DeisaArray field = fixture.Client.GetArrays()["field"];
        using PersistedArray persisted = await field.Sum("t")[Slice.Every(2)].PersistAsync();
        await fixture.Client.ValidateContractAsync();
        await fixture.ShipStepByStepAsync();

        NdArray expected = Dense.Slice(Dense.Reduce(fixture.Dense(), Reduction.Sum, [true, false]), [(0, 3, 2, false)]);
        Dense.AssertClose(expected, await persisted.GetResultAsync().WaitAsync(s_timeout));
        Assert.Equal([.. Enumerable.Range(0, 4).Select(t => new TaskKey("field", t, 0))], fixture.KeysShipped.Order());
    }

    /// <summary>
    /// The trees of a reduction over time are those of the chunks its readers read: a second array, persisted once the
    /// first one's window took step 0, reads every chunk, and the trees it adds take step 0 too.
    /// </summary>
    [Fact]
    public async Task ReductionOverTime_ALaterArrayReadsMoreChunks_TheirTreesTakeTheStepsAlreadyTaken()
    {
        await using ArrayFixture fixture = ArrayFixture.Start([4, 6], 0, [[5, 1]], ["t", "X"], client: new ClientOptions { Lookahead = 1 });
        DeisaArray sum = fixture.Client.GetArrays()["field"].Sum("t");
        using PersistedArray some = await sum[Slice.Every(2)].PersistAsync();
        using PersistedArray all = await sum.PersistAsync();
        await fixture.Client.ValidateContractAsync();
        await fixture.ShipStepByStepAsync();

        NdArray expected = Dense.Reduce(fixture.Dense(), Reduction.Sum, [true, false]);
        Dense.AssertClose(expected, await all.GetResultAsync().WaitAsync(s_timeout));
        Dense.AssertClose(Dense.Slice(expected, [(0, 3, 2, false)]), await some.GetResultAsync().WaitAsync(s_timeout));
    }
}
