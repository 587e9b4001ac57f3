using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Core.Errors;
using Deisa.Core.Graph;

namespace Deisa.Tests.Arrays;

/// <summary>Blocking waits: refused at once when they could never end, finite by default, and named in the user's terms.</summary>
public sealed class WaitTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    private static ArrayFixture Start(TimeSpan? resultTimeout = null) =>
        ArrayFixture.Start([6, 4, 3], 0, [[2, 2], [3]], ["t", "Y", "X"], client: new ClientOptions { ResultTimeout = resultTimeout ?? TimeSpan.FromHours(24) });

    [Fact]
    public async Task Compute_BeforeTheContract_RefusedAtOnceNamingTheExpression()
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];

        var clock = System.Diagnostics.Stopwatch.StartNew();
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => field[..2, .., ..].Sum("t").Compute());

        Assert.Contains("field[:2, :, :].Sum(\"t\")", error.Message, StringComparison.Ordinal);
        Assert.Contains("the contract was never validated", error.Message, StringComparison.Ordinal);
        Assert.Contains("call client.ValidateContract()", error.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < s_timeout);
    }

    [Fact]
    public async Task Result_OfAPersistedArrayOrATimeChunk_BeforeTheContract_RefusedAtOnce()
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];
        using PersistedArray mean = field.Mean("Y", "X").Persist();

        Assert.Throws<InvalidOperationException>(() => mean.Result());
        InvalidOperationException chunk = Assert.Throws<InvalidOperationException>(() => mean.GetTimeChunk(0));
        Assert.Contains("field.Mean(\"Y\", \"X\")", chunk.Message, StringComparison.Ordinal);

        // Validated: the same wait is legitimate, and ends with the data.
        await fixture.Client.ValidateContractAsync();
        await fixture.ShipAsync();
        Assert.Equal([6], mean.Result(s_timeout).Shape);
    }

    [Fact]
    public async Task Result_WithoutTimeout_EndsAfterTheOptionsDefault_NamingTheExpressionAndWhatIsPending()
    {
        await using ArrayFixture fixture = Start(TimeSpan.FromMilliseconds(300));
        DeisaArray field = fixture.Client.GetArrays()["field"];
        using PersistedArray part = field[3, .., ..].Max().Persist();
        await fixture.Client.ValidateContractAsync();

        // The simulation never ships: without a timeout of its own, the wait still ends.
        DeisaTimeoutException array = Assert.Throws<DeisaTimeoutException>(() => part.Result());
        DeisaTimeoutException chunk = Assert.Throws<DeisaTimeoutException>(() => part.GetTimeChunk(0));

        Assert.Contains("field[3, :, :].Max()", array.Message, StringComparison.Ordinal);
        Assert.Contains("within 0.3 s (1 of its 1 chunk(s) still pending", array.Message, StringComparison.Ordinal);
        Assert.Contains("field[3, :, :].Max()", chunk.Message, StringComparison.Ordinal);
        Assert.Contains("ClientOptions.ResultTimeout", chunk.Message, StringComparison.Ordinal);
        fixture.Finish();
    }

    [Fact]
    public async Task Failure_NamesTheExpressionBesideTheKey()
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];
        using PersistedArray part = field[1..3, .., ..].Mean().Persist();
        await fixture.Client.ValidateContractAsync();

        // Step 2 is past the window, which reaches step 0 until data arrives: its block fails when the window gets there.
        await fixture.Client.FailExternalAsync(("field", 2, 1, 0), "the test lost it");
        await fixture.ShipStepAsync(1);

        TaskFailedException error = await Assert.ThrowsAsync<TaskFailedException>(() => part.GetResultAsync().WaitAsync(s_timeout));
        Assert.Contains("field[1:3, :, :].Mean()", error.Message, StringComparison.Ordinal);
        Assert.Contains("the test lost it", error.Message, StringComparison.Ordinal);
        fixture.Finish();
        Assert.Equal($"a chunk of {part.Array}", error.Description);
    }

    [Fact]
    public async Task Shutdown_WhileAPersistedArrayIsAwaited_NamesTheExpression()
    {
        ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];
        PersistedArray part = field[Slice.Every(2)].Var("X").Persist();
        await fixture.Client.ValidateContractAsync();
        Task<NdArray> waiting = part.GetResultAsync();

        await fixture.DisposeAsync();

        RuntimeShutdownException error = await Assert.ThrowsAsync<RuntimeShutdownException>(() => waiting.WaitAsync(s_timeout));
        Assert.Contains("field[::2].Var(\"X\")", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpressionsOfEveryFamily_ReadAsCode()
    {
        await using ArrayFixture fixture = Start();
        DeisaArray field = fixture.Client.GetArrays()["field"];

        Assert.Equal("field", field.Expression);
        Assert.Equal("(field[::2] + 1)", (field[Slice.Every(2)] + 1).Expression);
        Assert.Equal("(2 * (field - field))", (2 * (field - field)).Expression);
        Assert.Equal("field.Diff(\"t\").Std(\"t\")", field.Diff("t").Std("t").Expression);
        Assert.Equal("field.Rechunk(\"Y\", long.MaxValue)", field.Rechunk("Y", long.MaxValue).Expression);
        Assert.Equal("DeisaArray.Concatenate(\"t\", field[:2], field[4:])", DeisaArray.Concatenate("t", field[..2], field[4..]).Expression);
        fixture.Finish();
    }

    [Fact]
    public async Task ClientCompute_WithoutTimeout_EndsAfterTheDefault()
    {
        await using var runtime = DeisaRuntime.StartInProcess(1, new RuntimeOptions
        {
            Operations = TestOperations.Registry,
            Client = new ClientOptions { ResultTimeout = TimeSpan.FromMilliseconds(200) },
        });
        TaskKey never = ("never", 0);
        runtime.Client.CreateExternal([never]);

        DeisaTimeoutException error = Assert.Throws<DeisaTimeoutException>(() => runtime.Client.Compute<double>(SingleTask(("sum", 0), TaskSpec.Create(TestOperations.Inc, never)), ("sum", 0)));

        Assert.Contains("did not arrive within 0.2 s", error.Message, StringComparison.Ordinal);
    }

    private static TaskGraph SingleTask(TaskKey key, TaskSpec spec)
    {
        var graph = new TaskGraph();
        graph.Add(key, spec);
        return graph;
    }
}
