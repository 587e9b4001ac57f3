using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Core.Errors;

namespace Deisa.Tests.Arrays;

/// <summary>
/// Open-ended runs in one process: the simulation declares its time dimension without an end, publishes a number of
/// steps the analytics never learn up front, and finishes; results hold the steps it published.
/// </summary>
public sealed class OpenEndedTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    // [t: open, Y: 12, X: 9], blocks of 5 and 7 rows, 4 and 5 columns: unequal on purpose.
    private static ArrayFixture Start(int lookahead = 3) =>
        ArrayFixture.Start([ArrayDeclaration.OpenEnded, 12, 9], 0, [[5, 7], [4, 5]], ["t", "Y", "X"], client: new ClientOptions { Lookahead = lookahead });

    // A number of steps no analytics code sees: past the window's lookahead, and not a multiple of a combine's fan-in.
    private static int Steps() => 11 + Random.Shared.Next(6);

    [Fact]
    public async Task Declaration_OpenEnded_TravelsToTheAnalytics_TimeReportedOpen()
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];

        Assert.True(field.IsOpenEnded);
        Assert.True(fixture.Client.GetArrays().Layout("field").IsOpenEnded);
        Assert.Equal(ArrayDeclaration.OpenEnded, field.Shape[0]);
        Assert.Equal([12L, 9L], field.Shape.Skip(1));
        Assert.Contains("t: open", field.ToString(), StringComparison.Ordinal);
        Assert.False(field.Mean("t").IsOpenEnded);
        Assert.True(field.Mean("Y").IsOpenEnded);
        Assert.False(field[..5, .., ..].IsOpenEnded);
    }

    [Fact]
    public async Task Steps_StreamedOneAtATime_ThenResultHoldsThePublishedSteps()
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];
        DeisaArray scaled = (field[.., 2..9, 3..] * 2.0) + 1.0;

        using PersistedArray persisted = await scaled.PersistAsync();
        await fixture.Client.ValidateContractAsync();
        int steps = Steps();
        NdArray dense = fixture.Dense(steps);
        for (int step = 0; step < steps; step++)
        {
            // Each step is read before the next is published: it streams, it does not wait for the end.
            await fixture.ShipStepAsync(step);
            NdArray values = await persisted.GetTimeChunkAsync(step).WaitAsync(s_timeout);
            NdArray expected = Dense.Map(Dense.Slice(dense, [(step, 1, 1, false), (2, 7, 1, false), (3, 6, 1, false)]), v => (v * 2) + 1);
            Dense.AssertClose(expected, values);
        }

        Assert.False(persisted.GetResultAsync().IsCompleted);
        fixture.Finish();

        NdArray result = await persisted.GetResultAsync().WaitAsync(s_timeout);
        Assert.Equal([steps, 7, 6], result.Shape);
        Dense.AssertClose(Dense.Map(Dense.Slice(dense, [(0, steps, 1, false), (2, 7, 1, false), (3, 6, 1, false)]), v => (v * 2) + 1), result);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => persisted.GetTimeChunkAsync(steps).WaitAsync(s_timeout));
        Dense.AssertClose(Dense.Map(Dense.Slice(dense, [(3, 1, 1, false), (2, 7, 1, false), (3, 6, 1, false)]), v => (v * 2) + 1), await persisted.GetTimeChunkAsync(3));
    }

    [Theory]
    [InlineData(Reduction.Sum)]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Min)]
    [InlineData(Reduction.Max)]
    [InlineData(Reduction.Var)]
    [InlineData(Reduction.Std)]
    public async Task ReductionsOverTime_CompleteAtFinish_MatchDenseOverThePublishedSteps(Reduction reduction)
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];

        using PersistedArray overTime = await field.Reduce(reduction, "t").PersistAsync();
        using PersistedArray overAll = await field.Reduce(reduction).PersistAsync();
        using PersistedArray overSpace = await field.Reduce(reduction, "Y", "X").PersistAsync();
        await fixture.Client.ValidateContractAsync();
        int steps = Steps();
        await fixture.ShipOpenAsync(_ => steps, finish: false);

        // Every step is in, but the run may go on: nothing over all its steps is known yet.
        await Task.Delay(200);
        Assert.False(overTime.GetResultAsync().IsCompleted);
        Assert.False(overAll.GetResultAsync().IsCompleted);
        fixture.Finish();

        NdArray dense = fixture.Dense(steps);
        Dense.AssertClose(Dense.Reduce(dense, reduction, [true, false, false]), await overTime.GetResultAsync().WaitAsync(s_timeout));
        Dense.AssertClose(Dense.Reduce(dense, reduction, [true, true, true]), await overAll.GetResultAsync().WaitAsync(s_timeout));
        Dense.AssertClose(Dense.Reduce(dense, reduction, [false, true, true]), await overSpace.GetResultAsync().WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Diff_AlongOpenTime_EndsAStepBeforeTheRun_MatchesDense()
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];
        DeisaArray velocity = field.Diff("t") / 0.5;

        using PersistedArray steps = await velocity.PersistAsync();
        using PersistedArray mean = await velocity.Mean("t").PersistAsync();
        using PersistedArray shifted = await (field[1.., .., ..] - field).PersistAsync();
        await fixture.Client.ValidateContractAsync();
        int count = Steps();
        await fixture.ShipOpenAsync(_ => count);

        NdArray diff = Dense.Map(Dense.Diff(fixture.Dense(count), 0), v => v / 0.5);
        NdArray actual = await steps.GetResultAsync().WaitAsync(s_timeout);
        Assert.Equal([count - 1, 12, 9], actual.Shape);
        Dense.AssertClose(diff, actual);
        Dense.AssertClose(Dense.Reduce(diff, Reduction.Mean, [true, false, false]), await mean.GetResultAsync().WaitAsync(s_timeout));

        // Two open arrays combine step by step and end with the shorter.
        Dense.AssertClose(Dense.Diff(fixture.Dense(count), 0), await shifted.GetResultAsync().WaitAsync(s_timeout));
    }

    [Fact]
    public async Task TimeStridedSlice_StartAndStep_ContractUnbounded_ShipsOnlyItsSteps()
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];
        DeisaArray strided = field[Slice.Of(2.., 3), ..5, ..];

        Assert.True(strided.IsOpenEnded);
        using PersistedArray steps = await strided.PersistAsync();
        using PersistedArray mean = await strided.Mean("t").PersistAsync();
        await fixture.Client.ValidateContractAsync();
        Assert.All(fixture.CurrentContracts.Where(e => !e.Steps.IsEmpty), e => Assert.False(e.Steps.IsBounded));
        int count = Steps();
        await fixture.ShipOpenAsync(_ => count);

        int taken = ((count - 2 + 2) / 3);
        NdArray expected = Dense.Slice(fixture.Dense(count), [(2, taken, 3, false), (0, 5, 1, false), (0, 9, 1, false)]);
        Dense.AssertClose(expected, await steps.GetResultAsync().WaitAsync(s_timeout));
        Dense.AssertClose(Dense.Reduce(expected, Reduction.Mean, [true, false, false]), await mean.GetResultAsync().WaitAsync(s_timeout));
        Assert.Equal(
            Enumerable.Range(0, taken).Select(k => 2 + (3 * k)).SelectMany(t => new[] { (t, 0, 0), (t, 0, 1) }).Order(),
            fixture.KeysShipped.Select(k => (k[0], k[1], k[2])).Order());
    }

    [Fact]
    public async Task RanksEndingAtDifferentSteps_TheRunHasTheStepsEveryRankPublished()
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];

        using PersistedArray steps = await field.PersistAsync();
        using PersistedArray sum = await field.Sum("t").PersistAsync();
        await fixture.Client.ValidateContractAsync();
        await fixture.ShipOpenAsync(p => p == 2 ? 9 : 13);

        NdArray dense = fixture.Dense(9);
        Dense.AssertClose(dense, await steps.GetResultAsync().WaitAsync(s_timeout));
        Dense.AssertClose(Dense.Reduce(dense, Reduction.Sum, [true, false, false]), await sum.GetResultAsync().WaitAsync(s_timeout));
    }

    [Fact]
    public async Task BoundedSliceOfAnOpenRun_WithinTheRun_Computes_PastItsEnd_FailsNamingTheEnd()
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];

        using PersistedArray within = await field[..5, .., ..].Sum("t").PersistAsync();
        using PersistedArray past = await field[..40, .., ..].Sum("t").PersistAsync();
        await fixture.Client.ValidateContractAsync();
        await fixture.ShipOpenAsync(_ => 12);

        Dense.AssertClose(Dense.Reduce(fixture.Dense(5), Reduction.Sum, [true, false, false]), await within.GetResultAsync().WaitAsync(s_timeout));
        DeisaException error = await Assert.ThrowsAsync<DeisaException>(() => past.GetResultAsync().WaitAsync(s_timeout));
        Assert.Contains("steps up to 39", error.Message, StringComparison.Ordinal);
        Assert.Contains("ended after 12 step(s)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunEndingWithNoStep_SumZero_MeanNaN_MaxFailsClearly_StepsEmpty()
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];

        using PersistedArray steps = await field.PersistAsync();
        using PersistedArray sum = await field.Sum("t").PersistAsync();
        using PersistedArray mean = await field.Mean().PersistAsync();
        using PersistedArray max = await field.Max("t").PersistAsync();
        await fixture.Client.ValidateContractAsync();
        fixture.Finish();

        Assert.Equal(new[] { 0, 12, 9 }, (await steps.GetResultAsync().WaitAsync(s_timeout)).Shape);
        Assert.All((await sum.GetResultAsync().WaitAsync(s_timeout)).Data, v => Assert.Equal(0, v));
        Assert.True(double.IsNaN((await mean.GetResultAsync().WaitAsync(s_timeout)).Data.Single()));
        DeisaException error = await Assert.ThrowsAsync<DeisaException>(() => max.GetResultAsync().WaitAsync(s_timeout));
        Assert.Contains("maximum of no elements", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LongRun_ReductionsOverTime_KeysHeldStayFlat()
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];

        using PersistedArray mean = await field.Mean("t").PersistAsync();
        using PersistedArray drift = await field.Diff("t").Max("t").PersistAsync();
        await fixture.Client.ValidateContractAsync();
        const int Steps = 240;
        var held = new List<(int Keys, int Pins)>();
        await fixture.ShipOpenAsync(_ => Steps, afterStep: step =>
        {
            if (step % 20 == 19)
            {
                held.Add((fixture.Runtime.SchedulerTaskCount, fixture.Client.Windows.PinCount));
            }
        });

        NdArray dense = fixture.Dense(Steps);
        Dense.AssertClose(Dense.Reduce(dense, Reduction.Mean, [true, false, false]), await mean.GetResultAsync().WaitAsync(s_timeout));
        Dense.AssertClose(Dense.Reduce(Dense.Diff(dense, 0), Reduction.Max, [true, false, false]), await drift.GetResultAsync().WaitAsync(s_timeout));

        // What the window holds depends on its lookahead and the combine trees' frontier (a level more every 64 steps:
        // a few keys per tree), not on how long the run went: a key kept per step would add 180 between these.
        (int Keys, int Pins) early = (held.Take(3).Max(h => h.Keys), held.Take(3).Max(h => h.Pins));
        (int Keys, int Pins) late = (held.TakeLast(3).Max(h => h.Keys), held.TakeLast(3).Max(h => h.Pins));
        Assert.True(late.Keys <= early.Keys + 60 && late.Pins <= early.Pins + 60, $"held (scheduler keys, pins) every 20 steps: {string.Join(" ", held)}");
        Assert.All(held, h => Assert.InRange(h.Keys, 0, 400));
    }

    [Fact]
    public async Task BadInput_NeedsTheEnd_RefusedWhenBuilt_NamingWhatToDo()
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];

        Assert.Contains("end is not known", Assert.Throws<ArgumentOutOfRangeException>(() => field[^1]).Message, StringComparison.Ordinal);
        Assert.Contains("Count from the start", Assert.Throws<ArgumentOutOfRangeException>(() => field[^3.., .., ..]).Message, StringComparison.Ordinal);
        Assert.Contains("Count from the start", Assert.Throws<ArgumentOutOfRangeException>(() => field[..^2, .., ..]).Message, StringComparison.Ordinal);
        Assert.Contains("open-ended", Assert.Throws<NotSupportedException>(() => DeisaArray.Concatenate("t", field, field)).Message, StringComparison.Ordinal);
        Assert.Contains("slice a bounded range", Assert.Throws<NotSupportedException>(() => field.Rechunk("t", 4)).Message, StringComparison.Ordinal);
        Assert.Contains("known only when the simulation finishes", Assert.Throws<InvalidOperationException>(() => field.ChunkCount).Message, StringComparison.Ordinal);
        Assert.Contains("Persist it", Assert.Throws<NotSupportedException>(() => field.Mean("t").BuildGraph()).Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<NotSupportedException>(() => field.PersistAsync(createExternal: false));
        Assert.Throws<ArgumentException>(() => field + field[..5, .., ..]);

        // What does not need the end is fine: a stop bounds the dimension, an index from the start takes a step.
        Assert.Equal(20L, field[..20, .., ..].ChunkCount / 4);
        Assert.Equal([12L, 9L], field[5].Shape);
        Assert.Equal(2, field[..8, .., ..].Rechunk("t", 4).ChunksOf(0).Count);
        Assert.True(DeisaArray.Concatenate("X", field, field).IsOpenEnded);

        ArgumentException declared = Assert.Throws<ArgumentException>(() => new ArrayDeclaration("f", ElementType.Float64, [0, 4], 0, [0], [4]));
        Assert.Contains("ArrayDeclaration.OpenEnded", declared.Message, StringComparison.Ordinal);
    }
}
