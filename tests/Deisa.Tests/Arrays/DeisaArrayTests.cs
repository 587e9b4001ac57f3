using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Core.Errors;
using Deisa.Core.Graph;

namespace Deisa.Tests.Arrays;

public sealed class DeisaArrayTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    // [t: 10, Y: 12, X: 9], blocks of 5 and 7 rows, 4 and 5 columns: unequal on purpose.
    private static ArrayFixture Start(bool serialize = false) =>
        ArrayFixture.Start([10, 12, 9], 0, [[5, 7], [4, 5]], ["t", "Y", "X"], serialize: serialize);

    private static async Task<NdArray> Run(ArrayFixture fixture, DeisaArray result)
    {
        using PersistedArray persisted = await result.PersistAsync();
        await fixture.Client.ValidateContractAsync();
        await fixture.ShipAsync();
        return await persisted.GetResultAsync().WaitAsync(s_timeout);
    }

    [Fact]
    public async Task Slice_EveryThirdStepOfASubRectangle_ShipsExactlyItsBlocks_ValuesMatch()
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];
        DeisaArray part = field[Slice.Every(3), 6..10, ..4];

        NdArray actual = await Run(fixture, part.Mean("Y", "X"));

        NdArray expected = Dense.Reduce(Dense.Slice(fixture.Dense(), [(0, 4, 3, false), (6, 4, 1, false), (0, 4, 1, false)]), Reduction.Mean, [false, true, true]);
        Dense.AssertClose(expected, actual);
        TaskKey[] expectedKeys = [.. new[] { 0, 3, 6, 9 }.Select(t => new TaskKey("field", t, 1, 0))];
        Assert.Equal(expectedKeys.Order(), fixture.KeysShipped.Order());
        Assert.Equal(4 * 7 * 4 * sizeof(double), fixture.BytesShipped);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Elementwise_ArraysAndScalars_MatchDense(bool serialize)
    {
        await using ArrayFixture fixture = Start(serialize);
        DeisaArray field = fixture.Client.GetArrays()["field"];
        DeisaArray a = field[2..5, .., ..];
        DeisaArray b = field[5..8, .., ..].Rechunk("Y", 4);

        NdArray actual = await Run(fixture, ((a + b) * 0.5) - (1.0 / (a * a + 1.0)) - (-b / 4.0));

        NdArray dense = fixture.Dense();
        NdArray da = Dense.Slice(dense, [(2, 3, 1, false), (0, 12, 1, false), (0, 9, 1, false)]);
        NdArray db = Dense.Slice(dense, [(5, 3, 1, false), (0, 12, 1, false), (0, 9, 1, false)]);
        NdArray expected = Dense.Zip(
            Dense.Zip(Dense.Map(Dense.Zip(da, db, (x, y) => x + y), v => v * 0.5), Dense.Map(da, x => 1.0 / ((x * x) + 1.0)), (x, y) => x - y),
            Dense.Map(db, y => -y / 4.0),
            (x, y) => x - y);
        Dense.AssertClose(expected, actual);
    }

    [Theory]
    [InlineData(Reduction.Sum)]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Min)]
    [InlineData(Reduction.Max)]
    [InlineData(Reduction.Var)]
    [InlineData(Reduction.Std)]
    public async Task Reductions_OverTimeOverSpaceOverAll_MatchDense(Reduction reduction)
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];
        DeisaArray overTime = field.Reduce(reduction, "t");
        DeisaArray overSpace = field.Reduce(reduction, "X", "Y");
        DeisaArray overAll = field.Reduce(reduction);

        using PersistedArray time = await overTime.PersistAsync();
        using PersistedArray space = await overSpace.PersistAsync();
        using PersistedArray all = await overAll.PersistAsync();
        await fixture.Client.ValidateContractAsync();
        await fixture.ShipAsync();

        NdArray dense = fixture.Dense();
        Dense.AssertClose(Dense.Reduce(dense, reduction, [true, false, false]), await time.GetResultAsync());
        Dense.AssertClose(Dense.Reduce(dense, reduction, [false, true, true]), await space.GetResultAsync());
        NdArray scalar = await all.GetResultAsync();
        Assert.Empty(scalar.Shape);
        Dense.AssertClose(Dense.Reduce(dense, reduction, [true, true, true]), scalar);
    }

    [Fact]
    public async Task Diff_AlongTime_ThenMean_MatchesDense()
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];

        NdArray actual = await Run(fixture, field.Diff("t").Mean("t"));

        Dense.AssertClose(Dense.Reduce(Dense.Diff(fixture.Dense(), 0), Reduction.Mean, [true, false, false]), actual);
    }

    [Fact]
    public async Task Diff_AlongSpaceAcrossBlocks_MatchesDense()
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"][1..3, .., ..];

        NdArray actual = await Run(fixture, field.Diff("Y").Rechunk("X", 2).Diff("X"));

        NdArray slice = Dense.Slice(fixture.Dense(), [(1, 2, 1, false), (0, 12, 1, false), (0, 9, 1, false)]);
        Dense.AssertClose(Dense.Diff(Dense.Diff(slice, 1), 2), actual);
    }

    [Fact]
    public async Task ConcatenateAndIndex_AssembleFullRows_MatchDense()
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];
        DeisaArray joined = DeisaArray.Concatenate("t", field[^2.., .., ..], field[..1, .., ..]);

        NdArray actual = await Run(fixture, joined.Rechunk("X", long.MaxValue)[.., 3, ..]);

        NdArray dense = fixture.Dense();
        NdArray expected = Dense.Slice(dense, [(8, 2, 1, false), (3, 1, 1, true), (0, 9, 1, false)]);
        NdArray first = Dense.Slice(dense, [(0, 1, 1, false), (3, 1, 1, true), (0, 9, 1, false)]);
        Dense.AssertClose(new NdArray([3, 9], [.. expected.Data, .. first.Data]), actual);
        Assert.Equal(3 * 2, fixture.BlocksShipped);
    }

    [Fact]
    public async Task TimeInTheMiddle_SlicesAndReductions_MatchDense()
    {
        await using ArrayFixture fixture = ArrayFixture.Start([6, 5, 4], 1, [[2, 4], [1, 3]], ["X", "t", "Y"]);
        DeisaArray field = fixture.Client.GetArrays()["field"];

        NdArray actual = await Run(fixture, field[.., Slice.Of(1.., 2), 1..].Sum("X"));

        NdArray expected = Dense.Reduce(Dense.Slice(fixture.Dense(), [(0, 6, 1, false), (1, 2, 2, false), (1, 3, 1, false)]), Reduction.Sum, [true, false, false]);
        Dense.AssertClose(expected, actual);
    }

    [Fact]
    public async Task WholeSlice_IsTheSameArray_NoTask()
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];

        Assert.Same(field, field[.., .., ..]);
        Assert.Equal(field.KeyOf(3, 1, 0), field[2.., .., ..].KeyOf(1, 1, 0));
    }

    [Fact]
    public async Task BadInput_ClearErrorsWhenBuilding()
    {
        await using ArrayFixture fixture = Start();
        DeisaArrays arrays = fixture.Client.GetArrays();
        DeisaArray field = arrays["field"];

        Assert.Contains("Declared: field", Assert.Throws<DeisaException>(() => arrays["temperature"]).Message, StringComparison.Ordinal);
        ArgumentOutOfRangeException range = Assert.Throws<ArgumentOutOfRangeException>(() => field[.., 8..14, ..]);
        Assert.Contains("dimension 'Y'", range.Message, StringComparison.Ordinal);
        Assert.Contains("[8, 14)", range.Message, StringComparison.Ordinal);
        Assert.Contains("size is 12", range.Message, StringComparison.Ordinal);
        Assert.Contains("indices 0 to 9", Assert.Throws<ArgumentOutOfRangeException>(() => field[10]).Message, StringComparison.Ordinal);
        ArgumentException shapes = Assert.Throws<ArgumentException>(() => field[..2, .., ..] + field[..3, .., ..]);
        Assert.Contains("[2, 12, 9] and [3, 12, 9]", shapes.Message, StringComparison.Ordinal);
        ArgumentException dimension = Assert.Throws<ArgumentException>(() => field.Mean("Z"));
        Assert.Contains("'Z'", dimension.Message, StringComparison.Ordinal);
        Assert.Contains("'t', 'Y', 'X'", dimension.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => field[0, 0, 0, 0]);
        Assert.Contains("step must be at least 1", Assert.Throws<ArgumentOutOfRangeException>(() => Slice.Of(.., 0)).Message, StringComparison.Ordinal);
        Assert.Contains("step must be at least 1", Assert.Throws<ArgumentOutOfRangeException>(() => Slice.Every(-2)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Lookahead_BelowOneStep_RefusedNamingTheOption(int lookahead)
    {
        ArgumentOutOfRangeException error = Assert.Throws<ArgumentOutOfRangeException>(() => new ClientOptions { Lookahead = lookahead });

        Assert.Contains("ClientOptions.Lookahead", error.Message, StringComparison.Ordinal);
        Assert.Contains("at least 1", error.Message, StringComparison.Ordinal);
        Assert.Equal(lookahead, error.ActualValue);
    }

    [Fact]
    public async Task ReleasedBeforeContract_BlocksLeftOut()
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];
        PersistedArray dropped = await field[..3, .., ..].Sum().PersistAsync();
        using PersistedArray kept = await field[9, ..5, 4..].Max().PersistAsync();
        dropped.Dispose();

        await fixture.Client.ValidateContractAsync();
        await fixture.ShipAsync();

        Assert.Equal([new TaskKey("field", 9, 0, 1)], fixture.KeysShipped);
        Dense.AssertClose(Dense.Reduce(Dense.Slice(fixture.Dense(), [(9, 1, 1, true), (0, 5, 1, false), (4, 5, 1, false)]), Reduction.Max, [true, true]), await kept.GetResultAsync());
    }

    [Fact]
    public async Task ReductionOverTimeReleasedMidRun_ItsTreeIsNoLongerBuiltNorHeld()
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];
        PersistedArray mean = await field.Mean("t").PersistAsync();
        await fixture.Client.ValidateContractAsync();
        await fixture.ShipStepAsync(0);

        // While it runs (the window then reaches 9 of the 10 steps) the mean holds its partials over the steps so far.
        await Client.InProcessRuntimeTests.WaitUntil(() => fixture.Client.Windows.PinCount > 0);

        mean.Dispose();
        await fixture.Client.Windows.FlushAsync(CancellationToken.None).WaitAsync(s_timeout);

        // Walked on, the released mean's tree would keep its frontier, and the blocks under it, alive for nobody.
        Assert.Equal(0, fixture.Client.Windows.PinCount);

        // What is left is the window's external keys of steps 1 to 8 (4 blocks each), which the shrunk contract no
        // longer ships: one window's worth, kept until the session ends, however long the run goes on.
        int waiting = new ClientOptions().Lookahead * 4;
        await Client.InProcessRuntimeTests.WaitUntil(() => fixture.Runtime.SchedulerTaskCount <= waiting);
    }

    [Fact]
    public async Task WindowDriverStopped_FlushReturnsAndPersistFailsNamingTheShutdown()
    {
        ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];
        using PersistedArray kept = await field[..2, .., ..].Sum().PersistAsync();
        Core.Arrays.Nodes.WindowDriver driver = fixture.Client.Windows;
        await fixture.DisposeAsync();

        // A stopped driver has nothing left to carry out: a flush (what ValidateContract waits for) returns at once,
        // and an addition fails rather than waiting for a round that never comes.
        await driver.FlushAsync(CancellationToken.None).WaitAsync(s_timeout);
        RuntimeShutdownException error = await Assert.ThrowsAsync<RuntimeShutdownException>(
            () => driver.AddAsync(field.Mean("t"), "the mean over time", CancellationToken.None).WaitAsync(s_timeout));
        Assert.Contains("shut down", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AfterContract_ReadingNewBlocks_TheContractGrows_ValuesMatch()
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];
        using PersistedArray first = await field[..2, ..5, ..4].Sum().PersistAsync();
        await fixture.Client.ValidateContractAsync();
        await fixture.ShipStepAsync(0);

        using PersistedArray later = await field[5, .., ..].Sum().PersistAsync();
        await fixture.WaitForContractedAsync(5);
        await fixture.ShipCurrentAsync();

        Dense.AssertClose(Dense.Reduce(Dense.Slice(fixture.Dense(), [(5, 1, 1, true), (0, 12, 1, false), (0, 9, 1, false)]), Reduction.Sum, [true, true]), await later.GetResultAsync().WaitAsync(s_timeout));
        Assert.Contains(new TaskKey("field", 5, 1, 1), fixture.KeysShipped);
    }

    [Fact]
    public async Task AfterContract_ReadingStepsAlreadyGone_RefusedNamingThem()
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];
        using PersistedArray evens = await field[Slice.Every(2), .., ..].Sum().PersistAsync();
        await fixture.Client.ValidateContractAsync();
        await fixture.ShipStepAsync(0);
        await fixture.ShipStepAsync(2);

        GraphValidationException error = await Assert.ThrowsAsync<GraphValidationException>(() => field[1, .., ..].Sum().PersistAsync());

        Assert.Contains("step 1 of 'field' block (0, 0) is gone: step 2 of that block already arrived", error.Message, StringComparison.Ordinal);
        Assert.Contains("field[1, :, :].Sum()", error.Message, StringComparison.Ordinal);
        fixture.Finish();
    }

    [Fact]
    public async Task EmptySelection_ReducesToTheIdentity_AfterTheContractToo()
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];
        using PersistedArray other = await field[..2, ..5, ..4].Sum().PersistAsync();
        await fixture.Client.ValidateContractAsync();
        Task shipped = fixture.ShipAsync();

        // Nothing to read: no block enters the graph, the values are known at once (NumPy's sum and mean of nothing).
        NdArray sums = field[5..5, .., ..].Sum("t").Compute(s_timeout);
        NdArray means = field[.., 3..3, ..].Mean("Y").Compute(s_timeout);
        NdArray total = field[.., .., 4..4].Sum().Compute(s_timeout);

        Assert.Equal([12, 9], sums.Shape);
        Assert.All(sums.Data, v => Assert.Equal(0.0, v));
        Assert.Equal([10, 9], means.Shape);
        Assert.All(means.Data, v => Assert.True(double.IsNaN(v)));
        Assert.Equal(0.0, Assert.Single(total.Data));
        Assert.Empty(field[5..5, .., ..].BuildGraph().External);
        await shipped;
    }

    [Fact]
    public async Task EmptySelection_MinOrMax_RefusedWhenBuilt()
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];

        ArgumentException error = Assert.Throws<ArgumentException>(() => field[5..5, .., ..].Max("t"));

        Assert.Contains("empty along 't'", error.Message, StringComparison.Ordinal);
        Assert.Contains("maximum", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExternalKeyOfNoDeclaredArray_Refused_BeforeAndAfterTheContract()
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];

        GraphValidationException before = await Assert.ThrowsAsync<GraphValidationException>(() => fixture.Client.CreateExternalAsync([new TaskKey("sum-1", 0)]));
        using PersistedArray kept = await field[..2, .., ..].Sum().PersistAsync();
        await fixture.Client.ValidateContractAsync();
        GraphValidationException after = await Assert.ThrowsAsync<GraphValidationException>(() => fixture.Client.CreateExternalAsync([new TaskKey("sum-1", 0)]));

        foreach (GraphValidationException error in (GraphValidationException[])[before, after])
        {
            Assert.Contains("no simulation rank declared an array 'sum-1'", error.Message, StringComparison.Ordinal);
            Assert.Contains("'field'", error.Message, StringComparison.Ordinal);
        }
    }
}
