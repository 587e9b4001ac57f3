using Deisa.Core.Arrays;
using Deisa.Core.Errors;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Scheduling;
using static Deisa.Tests.TestOperations;

namespace Deisa.Tests.Scheduling;

public sealed class SchedulerContractTests
{
    private const int Steps = 10;

    /// <summary>Four producers publish a 2x2 block grid of a [10, 8, 6] array (time first), unequal blocks in Y.</summary>
    private static SchedulerFixture Declared(int workers = 2, CouplingMode mode = CouplingMode.Deisa3)
    {
        var f = new SchedulerFixture(workers, producers: 4, mode);
        long[][] starts = [[0, 0], [0, 4], [4, 0], [4, 4]];
        long[][] counts = [[4, 4], [4, 2], [4, 4], [4, 2]];
        for (int p = 0; p < 4; p++)
        {
            DeclareArrays declare = DeclareArrays.Rent();
            declare.Arrays.Add(new ArrayDeclaration("global_t", ElementType.Float64, [Steps, 8, 6], 0, starts[p], counts[p], ["t", "X", "Y"]));
            f.Feed(declare, f.Producers[p]);
        }

        return f;
    }

    [Fact]
    public void GetArrays_BeforeAllDeclared_AnsweredWhenTheLastArrives()
    {
        var f = new SchedulerFixture(producers: 2);
        f.Request(GetArrays.Rent()).None<ArraysReply>();
        DeclareArrays first = DeclareArrays.Rent();
        first.Arrays.Add(new ArrayDeclaration("a", ElementType.Float32, [3, 10], 0, [0], [5]));
        f.Feed(first, f.Producers[0]).None<ArraysReply>();

        DeclareArrays second = DeclareArrays.Rent();
        second.Arrays.Add(new ArrayDeclaration("a", ElementType.Float32, [3, 10], 0, [5], [5]));
        ArraysReply reply = f.Feed(second, f.Producers[1]).Single<ArraysReply>(SchedulerFixture.Client);

        Assert.Null(reply.Error);
        Assert.Equal([0, 1], reply.Producers.Order());
    }

    [Fact]
    public void GetArrays_OverlappingBlocks_ReplyNamesTheProblem()
    {
        var f = new SchedulerFixture(producers: 2);
        foreach ((int p, long start) in new[] { (0, 0L), (1, 3L) })
        {
            DeclareArrays declare = DeclareArrays.Rent();
            declare.Arrays.Add(new ArrayDeclaration("a", ElementType.Float64, [3, 10], 0, [start], [5]));
            f.Feed(declare, f.Producers[p]);
        }

        ArraysReply reply = f.Request(GetArrays.Rent()).Single<ArraysReply>();

        Assert.Contains("overlap", reply.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateContract_SelectiveGraph_ShipsExactlyTheNeededBlocks()
    {
        SchedulerFixture f = Declared();
        // The analytics read every other step of block (0, 1) and step 3 of block (1, 1).
        var keys = new List<TaskKey>();
        for (int t = 0; t < Steps; t += 2)
        {
            keys.Add(("global_t", t, 0, 1));
        }

        keys.Add(("global_t", 3, 1, 1));
        f.CreateExternal([.. keys]);
        f.Submit("total", TaskSpec.Create(Sum, TaskArg.FromKeys(keys)));

        List<OutgoingMessage> sent = f.Request(ValidateContract.Rent());

        Assert.Null(sent.Single<RequestReply>().Error);
        List<ContractUpdate> updates = sent.All<ContractUpdate>();
        Assert.Equal(4, updates.Count);
        ContractUpdate rank1 = sent.Single<ContractUpdate>(f.Producers[1]);
        ContractEntry entry = Assert.Single(rank1.Entries);
        Assert.Equal([0, 2, 4, 6, 8], entry.Steps.Enumerate());
        Assert.Equal(1, entry.Steps.IntervalCount);
        Assert.Equal([0, 1], entry.Block);
        ContractEntry rank3 = Assert.Single(sent.Single<ContractUpdate>(f.Producers[3]).Entries);
        Assert.Equal([3], rank3.Steps.Enumerate());
        Assert.NotEqual(entry.Worker, rank3.Worker);
        Assert.True(Assert.Single(sent.Single<ContractUpdate>(f.Producers[0]).Entries).Steps.IsEmpty);
        Assert.Equal([1, 0], Assert.Single(sent.Single<ContractUpdate>(f.Producers[2]).Entries).Block);
        Assert.Equal(6, f.State.ContractSize);
    }

    [Fact]
    public void ValidateContract_EveryBlock_BalancedAndStableAcrossSteps()
    {
        SchedulerFixture f = Declared(workers: 4);
        var keys = new List<TaskKey>();
        for (int t = 0; t < Steps; t++)
        {
            for (int i = 0; i < 2; i++)
            {
                for (int j = 0; j < 2; j++)
                {
                    keys.Add(("global_t", t, i, j));
                }
            }
        }

        f.CreateExternal([.. keys]);
        f.Submit("all", TaskSpec.Create(Sum, TaskArg.FromKeys(keys)));
        List<OutgoingMessage> sent = f.Request(ValidateContract.Rent());

        var workers = sent.All<ContractUpdate>().Select(u => Assert.Single(u.Entries)).ToList();
        Assert.All(workers, e => Assert.Equal(Steps, e.Steps.Count));
        Assert.Equal(4, workers.Select(e => e.Worker).Distinct().Count());
    }

    [Fact]
    public void ValidateContract_KeyOutsideArray_RefusedNamingIt()
    {
        SchedulerFixture f = Declared();
        f.CreateExternal(("global_t", Steps, 0, 0));

        RequestReply reply = f.Request(ValidateContract.Rent()).Single<RequestReply>();

        Assert.Contains("('global_t', 10, 0, 0)", reply.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("steps 0 to 9", reply.Error.Message, StringComparison.Ordinal);
        Assert.False(f.State.ContractFrozen);
    }

    [Fact]
    public void ValidateContract_ExternalOfNoDeclaredArray_CreatedBeforeTheDeclarations_RefusedNamingIt()
    {
        var f = new SchedulerFixture(producers: 1);
        f.CreateExternal(("mean-49", 0)).Single<RequestReply>();
        DeclareArrays declare = DeclareArrays.Rent();
        declare.Arrays.Add(new ArrayDeclaration("a", ElementType.Float64, [3, 10], 0, [0], [10]));
        f.Feed(declare, f.Producers[0]);

        RequestReply reply = f.Request(ValidateContract.Rent()).Single<RequestReply>();

        Assert.Contains("no simulation rank declared an array 'mean-49' (declared: 'a')", reply.Error!.Message, StringComparison.Ordinal);
        Assert.False(f.State.ContractFrozen);
    }

    [Fact]
    public void ValidateContract_ExternalNobodyNeeds_LeftOutAndForgotten()
    {
        SchedulerFixture f = Declared();
        f.CreateExternal(("global_t", 0, 0, 0), ("global_t", 1, 0, 0));
        f.Submit("x", TaskSpec.Create(Inc, new TaskKey("global_t", 1, 0, 0)));

        List<OutgoingMessage> sent = f.Request(ValidateContract.Rent());

        Assert.Equal([1], Assert.Single(sent.Single<ContractUpdate>(f.Producers[0]).Entries).Steps.Enumerate());
        Assert.Equal(TaskStatus.Forgotten, f[("global_t", 0, 0, 0)]);
        Assert.Equal(1, f.State.ContractSize);
    }

    [Fact]
    public void ValidateContract_Twice_Refused_AndLateExternalsRefused()
    {
        SchedulerFixture f = Declared();
        f.CreateExternal(("global_t", 0, 0, 0));
        f.Request(ValidateContract.Rent());

        Assert.Contains("already validated", f.Request(ValidateContract.Rent()).Single<RequestReply>().Error!.Message, StringComparison.Ordinal);
        Assert.IsType<GraphValidationException>(f.CreateExternal(("global_t", 1, 0, 0)).Single<RequestReply>().Error!.Exception);
    }

    [Fact]
    public void ValidateContract_BeforeDeclarations_RefusedNamingMissingRanks()
    {
        var f = new SchedulerFixture(producers: 3);

        RequestReply reply = f.Request(ValidateContract.Rent()).Single<RequestReply>();

        Assert.Contains("rank 0, rank 1, rank 2", reply.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SkippedNotice_DependentsErrAtOnceNamingBlockRankAndStep_NotCountedAsDropped()
    {
        SchedulerFixture f = Declared();
        TaskKey block = ("global_t", 3, 1, 0);
        f.CreateExternal(block);
        f.Submit("mean", TaskSpec.Create(Inc, block));
        f.Request(ValidateContract.Rent());
        DropExternal skipped = DropExternal.Rent();
        skipped.Keys.Add(block);
        skipped.Skipped = true;
        skipped.Reason = "published step 4 of 'global_t' without it";

        KeyErred erred = f.Feed(skipped, f.Producers[2]).Single<KeyErred>();

        Assert.Contains("step 3, block (1, 0)", erred.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("simulation rank 2 published step 4 of 'global_t' without it", erred.Error.Message, StringComparison.Ordinal);
        Assert.Equal(0, f.State.DroppedBlocks);
    }

    [Fact]
    public void ProducerFinished_LastStepPublished_LaterContractedStepsErr_EarlierOnesStillAwaited()
    {
        SchedulerFixture f = Declared();
        TaskKey[] blocks = [.. Enumerable.Range(0, Steps).Select(t => new TaskKey("global_t", t, 1, 0))];
        f.CreateExternal(blocks);
        foreach (TaskKey block in blocks)
        {
            f.Submit(new TaskKey("inc", block[0]), TaskSpec.Create(Inc, block));
        }

        f.Request(ValidateContract.Rent());
        ProducerFinished finished = ProducerFinished.Rent();
        finished.LastSteps.Add(("global_t", 6));

        // Producer 2 publishes block (1, 0); steps up to 6 may still be on their way from the worker.
        List<OutgoingMessage> sent = f.Feed(finished, f.Producers[2]);

        Assert.Equal([("inc", 7), ("inc", 8), ("inc", 9)], sent.All<KeyErred>().Select(e => e.Key).Order());
        Assert.All(blocks.Take(7), b => Assert.Equal(TaskStatus.External, f[b]));
        Assert.Contains("simulation rank 2 finished without producing it", sent.All<KeyErred>().First().Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProducerFinished_WithMissingKeys_DependentsErrNamingBlockAndRank()
    {
        SchedulerFixture f = Declared();
        TaskKey block = ("global_t", 7, 1, 0);
        f.CreateExternal(block);
        f.Submit("mean", TaskSpec.Create(Inc, block));
        f.Request(ValidateContract.Rent());
        ProducerFinished finished = ProducerFinished.Rent();
        finished.Missing.Add(block);

        List<OutgoingMessage> sent = f.Feed(finished, f.Producers[2]);

        KeyErred erred = sent.Single<KeyErred>();
        Assert.Contains("step 7, block (1, 0)", erred.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("simulation rank 2 finished without producing it", erred.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deisa1_ContractOfEverythingSentOnceDeclared()
    {
        var f = new SchedulerFixture(2, producers: 1, CouplingMode.Deisa1);
        DeclareArrays declare = DeclareArrays.Rent();
        declare.Arrays.Add(new ArrayDeclaration("a", ElementType.Float64, [4, 10], 0, [0], [10]));

        List<OutgoingMessage> sent = f.Feed(declare, f.Producers[0]);

        ContractEntry entry = Assert.Single(sent.Single<ContractUpdate>(f.Producers[0]).Entries);
        Assert.Equal([0, 1, 2, 3], entry.Steps.Enumerate());
        Assert.True(f.State.ContractFrozen);
    }

    [Fact]
    public void Deisa1_DataBeforeMetadata_ClientToldItIsReadyAfterTheAnnouncement()
    {
        SchedulerFixture f = Declared(mode: CouplingMode.Deisa1);
        TaskKey key = ("global_t", 2, 1, 1);

        List<OutgoingMessage> arrived = f.Arrive(key, worker: 1, putId: 0);
        BlockMetadata metadata = BlockMetadata.Rent();
        metadata.Key = key;
        metadata.Worker = f.Workers[1];
        List<OutgoingMessage> announced = f.Feed(metadata, f.Producers[3]);

        arrived.None<FreeKeys>();
        Assert.Equal(TaskStatus.Memory, f[key]);
        Assert.Equal(key, announced.Single<BlockMetadata>(SchedulerFixture.Client).Key);
        Assert.Equal(key, announced.Single<KeyInMemory>(SchedulerFixture.Client).Key);
        f.Release(key);
        Assert.Equal(TaskStatus.Forgotten, f[key]);
    }

    [Fact]
    public void RevokeContract_TellsProducers_FailsAwaitedBlocks()
    {
        SchedulerFixture f = Declared();
        TaskKey block = ("global_t", 1, 0, 0);
        f.CreateExternal(block);
        f.Submit("x", TaskSpec.Create(Inc, block));
        f.Request(ValidateContract.Rent());
        RevokeContract revoke = RevokeContract.Rent();
        revoke.Reason = "analytics crashed";

        List<OutgoingMessage> sent = f.Request(revoke);

        Assert.All(sent.All<ContractUpdate>(), u => Assert.True(u.Revoked));
        Assert.Equal(4, sent.All<ContractUpdate>().Count);
        Assert.Contains("analytics crashed", sent.Single<KeyErred>().Error!.Message, StringComparison.Ordinal);
    }
}
