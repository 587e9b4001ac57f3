using System.Collections.Concurrent;
using Deisa.Core.Arrays;
using Deisa.Core.Errors;
using Deisa.Core.Graph;
using Deisa.Core.Streaming;
using Deisa.Tests.Arrays;

namespace Deisa.Tests.Streaming;

/// <summary>
/// Window callbacks in one process: a callback per step over the latest steps of one or several windows, its values
/// against a dense computation of the same windows, the contract it derives, triggering, errors and memory.
/// </summary>
public sealed class WindowCallbackTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    // [t, Y: 12, X: 9], blocks of 5 and 7 rows, 4 and 5 columns: 4 simulation ranks, one block each.
    private static ArrayFixture Start(int steps) =>
        ArrayFixture.Start([steps, 12, 9], 0, [[5, 7], [4, 5]], ["t", "Y", "X"]);

    private static ArrayFixture StartOpen() =>
        ArrayFixture.Start([ArrayDeclaration.OpenEnded, 12, 9], 0, [[5, 7], [4, 5]], ["t", "Y", "X"]);

    /// <summary>The sum over a dense window of steps [first, end), rows and columns given.</summary>
    private static double DenseSum(NdArray dense, IEnumerable<int> steps, (int Start, int Count) rows, (int Start, int Count) cols) =>
        steps.Sum(t => Dense.Slice(dense, [(t, 1, 1, false), (rows.Start, rows.Count, 1, false), (cols.Start, cols.Count, 1, false)]).Data.Sum());

    [Fact]
    public async Task WindowOfThree_EachStepInOrder_SumEqualsDenseWindow()
    {
        const int Steps = 9;
        await using ArrayFixture fixture = Start(Steps);
        DeisaArray field = fixture.Client.GetArrays()["field"];
        var sums = new ConcurrentQueue<(int Step, int[] Steps, double Sum)>();
        await using WindowRegistration registration = await fixture.Client.RegisterAsync(
            async step =>
            {
                NdArray sum = await step[0].Sum().ComputeAsync(step.Cancellation);
                sums.Enqueue((step.Step, [.. step.StepsOf(0)], sum.Data[0]));
            },
            [new Window(field, 3)]);
        await fixture.Client.ValidateContractAsync();
        await fixture.ShipAsync();
        await registration.WaitAsync().WaitAsync(s_timeout);

        NdArray dense = fixture.Dense();
        Assert.Equal(Enumerable.Range(0, Steps), sums.Select(s => s.Step));
        foreach ((int step, int[] steps, double sum) in sums)
        {
            int[] expected = [.. Enumerable.Range(Math.Max(0, step - 2), Math.Min(3, step + 1))];
            Assert.Equal(expected, steps);
            Assert.Equal(DenseSum(dense, expected, (0, 12), (0, 9)), sum, 1e-9);
        }

        Assert.Equal(Steps, registration.Calls);
        Assert.Equal(Steps - 1, registration.LastStep);
    }

    [Fact]
    public async Task ComputeOverTheHeldWindow_DeclaresNoInterest_ValuesMatch()
    {
        // What a call computes from its window reads blocks the registration holds: no round trip for an interest.
        const int Steps = 6;
        await using ArrayFixture fixture = Start(Steps);
        DeisaArray field = fixture.Client.GetArrays()["field"];
        var seen = new ConcurrentQueue<(long Declared, double Sum)>();
        await using WindowRegistration registration = await fixture.Client.RegisterAsync(
            async step =>
            {
                long before = fixture.Client.InterestsDeclared;
                double sum = (await step[0].Sum().ComputeAsync(step.Cancellation)).Data[0];
                seen.Enqueue((fixture.Client.InterestsDeclared - before, sum));
            },
            [new Window(field, 2)]);
        await fixture.Client.ValidateContractAsync();
        await ShipAtPaceAsync(fixture, registration, Steps);
        await registration.WaitAsync().WaitAsync(s_timeout);

        NdArray dense = fixture.Dense();
        Assert.Equal(Steps, seen.Count);
        int t = 0;
        foreach ((long declared, double sum) in seen)
        {
            Assert.Equal(0, declared);
            Assert.Equal(DenseSum(dense, Enumerable.Range(Math.Max(0, t - 1), Math.Min(2, t + 1)), (0, 12), (0, 9)), sum, 1e-9);
            t++;
        }
    }

    [Fact]
    public async Task HeldBlocks_CoverOnlyWhatTheCallHolds_AndNothingOnceItEnded()
    {
        await using ArrayFixture fixture = Start(4);
        DeisaArrays arrays = fixture.Client.GetArrays();
        ArrayLayout layout = arrays.Layout("field");
        HashSet<TaskKey> step1 = [.. Enumerable.Range(0, 2).SelectMany(y => Enumerable.Range(0, 2).Select(x => layout.KeyOf(1, [y, x])))];
        var held = new HeldBlocks(step1);
        Assert.Null(HeldBlocks.Current);

        HeldBlocks.Enter(held);
        Assert.Same(held, HeldBlocks.Current);
        Assert.NotNull(arrays["field"][1..2].Mean().TryCollect(held.Contains));
        Assert.NotNull(arrays["field"][1..2, 6.., ..4].TryCollect(held.Contains));
        Assert.Null(arrays["field"][0..2].TryCollect(held.Contains));
        Assert.Null(arrays["field"][1..].Sum().TryCollect(held.Contains));
        Assert.Null((arrays["field"][1..2] * 0).Sum("X", "Y").TryCollect(_ => false));
        held.Exit();
        Assert.Null(HeldBlocks.Current);
        Assert.False(held.InCall);
    }

    [Fact]
    public async Task Selection_StridedRegion_OnlyThoseBlocksAndStepsTravel_ValuesMatch()
    {
        const int Steps = 10;
        await using ArrayFixture fixture = Start(Steps);

        // Every 3rd step of rows 6 to 11 (the second row of blocks only) and columns 0 to 3 (the first column only).
        DeisaArray selected = fixture.Client.GetArrays()["field"][Slice.Every(3), 6.., ..4];
        var seen = new ConcurrentQueue<(int Step, double Sum)>();
        await using WindowRegistration registration = await fixture.Client.RegisterAsync(
            async step => seen.Enqueue((step.Step, (await step[0].Sum().ComputeAsync()).Data[0])),
            [new Window(selected, 2)]);
        await fixture.Client.ValidateContractAsync();
        await fixture.ShipAsync();
        await registration.WaitAsync().WaitAsync(s_timeout);

        int[] read = [0, 3, 6, 9];
        Assert.Equal(read, seen.Select(s => s.Step));
        Assert.Equal(read.Select(t => new TaskKey("field", [t, 1, 0])).ToHashSet(), fixture.KeysShipped);
        NdArray dense = fixture.Dense();
        int i = 0;
        foreach ((int step, double sum) in seen)
        {
            IEnumerable<int> window = read.Take(i + 1).Skip(Math.Max(0, i - 1));
            Assert.Equal(DenseSum(dense, window, (6, 6), (0, 4)), sum, 1e-9);
            i++;
        }
    }

    [Theory]
    [InlineData(WindowTrigger.All, new[] { 0, 2, 4, 6 })]
    [InlineData(WindowTrigger.Any, new[] { 0, 1, 2, 3, 4, 5, 6, 7 })]
    public async Task TwoArrays_AllTriggersOnSharedSteps_AnyOnEveryStep(WindowTrigger trigger, int[] expected)
    {
        const int Steps = 8;
        await using ArrayFixture fixture = Start(Steps);
        DeisaArrays arrays = fixture.Client.GetArrays();
        DeisaArray every = arrays["field"][.., ..5, ..];
        DeisaArray everyOther = arrays["field"][Slice.Every(2), 5.., ..];
        var calls = new ConcurrentQueue<(int Step, int[] First, int[] Second, bool NewFirst, bool NewSecond)>();
        await using WindowRegistration registration = await fixture.Client.RegisterAsync(
            step =>
            {
                calls.Enqueue((step.Step, [.. step.StepsOf(0)], [.. step.StepsOf(1)], step.IsNew(0), step.IsNew(1)));
                return Task.CompletedTask;
            },
            [new Window(every, 2), new Window(everyOther, 1)],
            new WindowCallbackOptions { Trigger = trigger });
        await fixture.Client.ValidateContractAsync();
        await fixture.ShipAsync();
        await registration.WaitAsync().WaitAsync(s_timeout);

        Assert.Equal(expected, calls.Select(c => c.Step));
        foreach ((int step, int[] first, int[] second, bool newFirst, bool newSecond) in calls)
        {
            Assert.Equal(step == 0 ? [0] : new[] { step - 1, step }, first);
            Assert.Equal([step - (step % 2)], second);
            Assert.True(newFirst);
            Assert.Equal(step % 2 == 0, newSecond);
        }
    }

    [Fact]
    public async Task CallbackThrows_StopPolicy_RegistrationFailsNamingCallbackStepAndException()
    {
        await using ArrayFixture fixture = Start(6);
        DeisaArray field = fixture.Client.GetArrays()["field"];
        var ran = new ConcurrentQueue<int>();
        var shipped = new TaskCompletionSource();
        WindowRegistration registration = await fixture.Client.RegisterAsync(
            async step =>
            {
                ran.Enqueue(step.Step);
                if (step.Step == 2)
                {
                    // Once every step is in: the failure shrinks the contract, and the test's producers do not expect that.
                    await shipped.Task;
                    throw new InvalidDataException("no convergence");
                }
            },
            [new Window(field, 1)],
            new WindowCallbackOptions { Name = "residual" });
        await fixture.Client.ValidateContractAsync();
        await fixture.ShipAsync();
        shipped.SetResult();

        WindowCallbackException error = await Assert.ThrowsAsync<WindowCallbackException>(() => registration.WaitAsync().WaitAsync(s_timeout));
        Assert.Equal("residual", error.Callback);
        Assert.Equal(2, error.Step);
        Assert.IsType<InvalidDataException>(error.InnerException);
        Assert.Contains("The window callback 'residual' failed at step 2: InvalidDataException: no convergence", error.Message, StringComparison.Ordinal);
        Assert.Equal([0, 1, 2], ran);
        Assert.Throws<WindowCallbackException>(() => registration.Wait(s_timeout));
    }

    [Fact]
    public async Task CallbackThrows_SkipPolicy_ToldAndTheNextStepsRun()
    {
        await using ArrayFixture fixture = Start(6);
        DeisaArray field = fixture.Client.GetArrays()["field"];
        var told = new ConcurrentQueue<WindowCallbackException>();
        var ran = new ConcurrentQueue<int>();
        await using WindowRegistration registration = await fixture.Client.RegisterAsync(
            step =>
            {
                ran.Enqueue(step.Step);
                return step.Step % 2 == 1 ? throw new InvalidOperationException($"odd {step.Step}") : Task.CompletedTask;
            },
            [new Window(field, 2)],
            new WindowCallbackOptions { OnError = CallbackErrorPolicy.Skip, OnSkipped = told.Enqueue });
        await fixture.Client.ValidateContractAsync();
        await fixture.ShipAsync();
        await registration.WaitAsync().WaitAsync(s_timeout);

        Assert.Equal([0, 1, 2, 3, 4, 5], ran);
        Assert.Equal([1, 3, 5], told.Select(e => e.Step));
        Assert.All(told, e => Assert.Contains($"odd {e.Step}", e.Message, StringComparison.Ordinal));
        Assert.Equal(3, registration.Skipped);
        Assert.Equal(6, registration.Calls);
    }

    [Fact]
    public async Task SimulationFinishesEarly_StopPolicy_FailsNamingTheStepThatNeverCame()
    {
        await using ArrayFixture fixture = Start(6);
        DeisaArray field = fixture.Client.GetArrays()["field"];
        await using WindowRegistration registration = fixture.Client.Register(_ => { }, [new Window(field, 1)], new WindowCallbackOptions { Name = "early" });
        await fixture.Client.ValidateContractAsync();
        await fixture.ShipOpenAsync(_ => 4, finish: false);
        fixture.FinishEarly(4);

        WindowCallbackException error = await Assert.ThrowsAsync<WindowCallbackException>(() => registration.WaitAsync().WaitAsync(s_timeout));
        Assert.Equal(4, error.Step);
        Assert.Contains("The window callback 'early' cannot run at step 4: data of Window(", error.Message, StringComparison.Ordinal);
        Assert.Contains("never comes", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, registration.Calls);
    }

    [Fact]
    public async Task OpenEndedRun_CallsEveryPublishedStep_CompletesAtFinish()
    {
        await using ArrayFixture fixture = StartOpen();
        DeisaArray field = fixture.Client.GetArrays()["field"];
        var ran = new ConcurrentQueue<(int Step, double Sum)>();
        await using WindowRegistration registration = await fixture.Client.RegisterAsync(
            async step => ran.Enqueue((step.Step, (await step[0].Sum().ComputeAsync()).Data[0])),
            [new Window(field, 2)]);
        await fixture.Client.ValidateContractAsync();
        int steps = 7 + Random.Shared.Next(5);
        await fixture.ShipOpenAsync(_ => steps);
        await registration.WaitAsync().WaitAsync(s_timeout);

        Assert.Equal(Enumerable.Range(0, steps), ran.Select(r => r.Step));
        NdArray dense = fixture.Dense(steps);
        Assert.All(ran, r => Assert.Equal(DenseSum(dense, Enumerable.Range(Math.Max(0, r.Step - 1), Math.Min(2, r.Step + 1)), (0, 12), (0, 9)), r.Sum, 1e-9));
    }

    [Fact]
    public async Task LongRun_HeldKeysStayWithinTheWindow()
    {
        // A simulation that keeps pace with its callback: the registration holds its window's blocks (3 steps x 4
        // blocks) and those of the steps the client's window reaches ahead (the lookahead, and the step on its way);
        // never the steps behind it. A per-step leak would hold 1,200 keys by the end.
        const int Steps = 300;
        const int Size = 3;
        await using ArrayFixture fixture = Start(Steps);
        int bound = (Size + fixture.Lookahead + 2) * 4;
        DeisaArray field = fixture.Client.GetArrays()["field"];
        int most = 0;
        await using WindowRegistration registration = fixture.Client.Register(
            step =>
            {
                most = Math.Max(most, fixture.Client.HeldKeyCount);
                Assert.Equal(Math.Min(Size, step.Step + 1), step.StepsOf(0).Count);
            },
            [new Window(field, Size)]);
        await fixture.Client.ValidateContractAsync();
        await ShipAtPaceAsync(fixture, registration, Steps);
        registration.Wait(s_timeout);

        Assert.Equal(Steps, registration.Calls);
        Assert.InRange(most, Size * 4, bound);
    }

    [Fact]
    public async Task ComputeInEveryCall_WindowDriverForgetsEachCallsArrays()
    {
        // Each call persists a new array (its window's mean): once disposed, nothing of it may stay in the driver's
        // tables (released times, recent blocks, reductions, sources), or they grow with the steps.
        const int Steps = 200;
        await using ArrayFixture fixture = Start(Steps);
        DeisaArray field = fixture.Client.GetArrays()["field"];
        using PersistedArray means = field.Mean("Y", "X").Persist();
        int early = 0;
        int late = 0;
        await using WindowRegistration registration = fixture.Client.Register(
            step =>
            {
                step[0].Mean().Compute();
                if (step.Step < 50)
                {
                    early = Math.Max(early, fixture.Client.Windows.NodeEntries);
                }
                else if (step.Step >= Steps - 50)
                {
                    late = Math.Max(late, fixture.Client.Windows.NodeEntries);
                }
            },
            [new Window(field, 2)]);
        await fixture.Client.ValidateContractAsync();
        await ShipAtPaceAsync(fixture, registration, Steps);
        await registration.WaitAsync().WaitAsync(s_timeout);
        await means.GetResultAsync().WaitAsync(s_timeout);

        Assert.Equal(Steps, registration.Calls);
        Assert.InRange(late, 1, early + 20);
    }

    [Fact]
    public async Task MaxConcurrencyTwo_CallsOverlapAtMostTwo_AllSeeTheirOwnWindow()
    {
        const int Steps = 12;
        await using ArrayFixture fixture = Start(Steps);
        DeisaArray field = fixture.Client.GetArrays()["field"];
        int running = 0;
        int peak = 0;
        var sums = new ConcurrentDictionary<int, double>();
        await using WindowRegistration registration = await fixture.Client.RegisterAsync(
            async step =>
            {
                int now = Interlocked.Increment(ref running);
                InterlockedMax(ref peak, now);
                await Task.Delay(20);
                sums[step.Step] = (await step[0].Sum().ComputeAsync()).Data[0];
                Interlocked.Decrement(ref running);
            },
            [new Window(field, 2)],
            new WindowCallbackOptions { MaxConcurrency = 2 });
        await fixture.Client.ValidateContractAsync();
        await fixture.ShipAsync();
        await registration.WaitAsync().WaitAsync(s_timeout);

        Assert.InRange(peak, 1, 2);
        NdArray dense = fixture.Dense();
        Assert.Equal(Steps, sums.Count);
        Assert.All(sums, s => Assert.Equal(DenseSum(dense, Enumerable.Range(Math.Max(0, s.Key - 1), Math.Min(2, s.Key + 1)), (0, 12), (0, 9)), s.Value, 1e-9));
    }

    [Fact]
    public async Task BadInput_OneClearMessageEach()
    {
        await using ArrayFixture fixture = Start(4);
        DeisaArrays arrays = fixture.Client.GetArrays();
        DeisaArray field = arrays["field"];

        ArgumentOutOfRangeException zero = Assert.Throws<ArgumentOutOfRangeException>(() => new Window(field, 0));
        Assert.Contains("A window of 0 steps over", zero.Message, StringComparison.Ordinal);
        DeisaException unknown = Assert.Throws<DeisaException>(() => arrays["temperature"]);
        Assert.Contains("field", unknown.Message, StringComparison.Ordinal);
        ArgumentException noTime = Assert.Throws<ArgumentException>(() => new Window(field.Mean("t"), 2));
        Assert.Contains("has no time dimension", noTime.Message, StringComparison.Ordinal);
        ArgumentException none = await Assert.ThrowsAsync<ArgumentException>(() => fixture.Client.RegisterAsync(_ => Task.CompletedTask, []));
        Assert.Contains("at least one window", none.Message, StringComparison.Ordinal);
        ArgumentOutOfRangeException concurrency = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => fixture.Client.RegisterAsync(_ => Task.CompletedTask, [new Window(field, 1)], new WindowCallbackOptions { MaxConcurrency = 0 }));
        Assert.Contains("At least 1 call", concurrency.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Ships the run a step at a time at the callback's pace, then finishes: the window moves step by step, as with a
    /// simulation the analytics keep up with, instead of jumping to the end.
    /// </summary>
    private static async Task ShipAtPaceAsync(ArrayFixture fixture, WindowRegistration registration, int steps)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int t = 0; t < steps; t++)
        {
            await fixture.ShipStepAsync(t);
            while (registration.Calls <= t)
            {
                Assert.False(registration.Completion.IsFaulted, registration.Completion.Exception?.ToString());
                Assert.True(clock.Elapsed < s_timeout, $"The callback did not get to step {t} within {s_timeout.TotalSeconds} s ({registration.Calls} calls).");
                await Task.Delay(1);
            }
        }

        fixture.Finish();
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
