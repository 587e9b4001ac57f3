using Deisa.Core.Arrays;
using Deisa.Core.Buffers;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Transport;
using static Deisa.Tests.TestOperations;

namespace Deisa.Tests.Protocol;

/// <summary>One filled message of every kind, and a structural comparison of two messages.</summary>
internal static class MessageSamples
{
    public static readonly TaskKey Key = ("global_t", 57, 1, 0);

    public static TaskSpec RichSpec() => TaskSpec.Create(
        Mix,
        TaskArg.FromInt64(-3),
        TaskArg.FromList(
            Key,
            TaskArg.Null,
            true,
            2.5,
            "text é",
            TaskArg.FromInt64Array(4, 5, 6),
            new SliceArg(0, 10, 2),
            TaskArg.FromList(new TaskKey("nested"), 7)));

    public static IEnumerable<Message> All()
    {
        UpdateGraph update = UpdateGraph.Rent();
        update.RequestId = 11;
        update.Keys.Add("a");
        update.Specs.Add(RichSpec());
        update.Wanted.Add("a");
        update.Externals.Add(Key);
        update.PushValues = true;
        yield return update;

        CreateExternal create = CreateExternal.Rent();
        create.RequestId = 12;
        create.Keys.AddRange([Key, ("x", 1)]);
        yield return create;

        ReleaseKeys release = ReleaseKeys.Rent();
        release.Keys.Add(Key);
        yield return release;

        FailExternal fail = FailExternal.Rent();
        fail.RequestId = 13;
        fail.Key = Key;
        fail.Reason = "rank 3 stopped";
        yield return fail;

        QueryStory query = QueryStory.Rent();
        query.RequestId = 14;
        query.Key = Key;
        yield return query;

        RequestReply reply = RequestReply.Rent();
        reply.RequestId = 15;
        reply.Error = new ErrorInfo("System.Exception", "bad", "at somewhere");
        yield return reply;

        KeyInMemory memory = KeyInMemory.Rent();
        memory.Key = Key;
        memory.Holder = EndpointId.Worker(3);
        memory.Nbytes = 1 << 20;
        memory.Pushed = true;
        yield return memory;

        KeyErred erred = KeyErred.Rent();
        erred.Key = "b";
        erred.CauseKey = Key;
        erred.Error = new ErrorInfo("X", "y", null);
        erred.Story = "#1 a b";
        yield return erred;

        StoryReply story = StoryReply.Rent();
        story.RequestId = 16;
        story.Text = "line";
        yield return story;

        ComputeTask compute = ComputeTask.Rent();
        compute.Key = "c";
        compute.Spec = RichSpec();
        compute.Priority = 99;
        compute.Holders.AddRange([EndpointId.Worker(1), EndpointId.Worker(2)]);
        compute.PushTo = EndpointId.Client(0);
        yield return compute;

        FreeKeys free = FreeKeys.Rent();
        free.Keys.AddRange([("f", 1), ("f", 2)]);
        yield return free;

        TaskFinished finished = TaskFinished.Rent();
        finished.Key = Key;
        finished.Nbytes = 123;
        yield return finished;

        TaskErred taskErred = TaskErred.Rent();
        taskErred.Key = Key;
        taskErred.Error = new ErrorInfo("E", "m", "s");
        yield return taskErred;

        ExternalArrived arrived = ExternalArrived.Rent();
        arrived.Key = Key;
        arrived.Nbytes = 8;
        arrived.Producer = EndpointId.Producer(4);
        arrived.PutId = 5;
        arrived.Stored = true;
        yield return arrived;

        GetData get = GetData.Rent();
        get.RequestId = 17;
        get.Keys.Add(Key);
        yield return get;

        DataReply data = DataReply.Rent();
        data.RequestId = 18;
        object?[] values =
        [
            null, true, 3, 4L, 1.5f, 2.5, "s", new double[] { 1, 2 }, new float[] { 3 }, new int[] { 4 }, new long[] { 5 },
            new byte[] { 6 }, PooledArray<double>.CopyFrom([7, 8]), PooledArray<float>.CopyFrom([9]), PooledArray<int>.CopyFrom([10]),
            PooledArray<long>.CopyFrom([11]), new object?[] { 1L, "two", new double[] { 3 } }, new DeferredPayload(ElementType.Float32, 12), new NdArray([2, 3], [1, 2, 3, 4, 5, 6]), NdArray.Scalar(7),
        ];
        for (int i = 0; i < values.Length; i++)
        {
            data.Keys.Add(("v", i));
            data.Values.Add(values[i]);
        }

        data.Missing.Add("gone");
        yield return data;

        PutExternal put = PutExternal.Rent();
        put.Key = Key;
        put.PutId = 19;
        put.Value = PooledArray<double>.CopyFrom([1, 2, 3]);
        put.NotifyRelease = true;
        yield return put;

        PutAck ack = PutAck.Rent();
        ack.PutId = 20;
        ack.Key = Key;
        yield return ack;

        yield return Close.Rent();

        DeclareArrays declare = DeclareArrays.Rent();
        declare.Arrays.Add(Declaration());
        declare.Arrays.Add(new ArrayDeclaration("open_t", ElementType.Float32, [64, ArrayDeclaration.OpenEnded], 1, [0], [64], ["X", "t"]));
        yield return declare;

        GetArrays getArrays = GetArrays.Rent();
        getArrays.RequestId = 21;
        yield return getArrays;

        ArraysReply arrays = ArraysReply.Rent();
        arrays.RequestId = 22;
        arrays.Producers.Add(3);
        arrays.Declarations.Add(Declaration());
        arrays.Error = new ErrorInfo("E", "bad tiling", null);
        yield return arrays;

        ValidateContract validate = ValidateContract.Rent();
        validate.RequestId = 23;
        yield return validate;

        RevokeContract revoke = RevokeContract.Rent();
        revoke.RequestId = 24;
        revoke.Reason = "analytics failed";
        yield return revoke;

        ContractUpdate contract = ContractUpdate.Rent();
        contract.Revoked = true;
        contract.Reason = "why";
        contract.Entries.Add(new ContractEntry("global_t", [1, 0], EndpointId.Worker(5), StepSet.Range(0, 21, 10).Union(StepSet.Range(7, StepSet.Unbounded, 3))));
        yield return contract;

        BlockMetadata metadata = BlockMetadata.Rent();
        metadata.Key = Key;
        metadata.Worker = EndpointId.Worker(4);
        metadata.Start.AddRange([32, 0]);
        metadata.Count.AddRange([32, 48]);
        yield return metadata;

        ProducerFinished finished2 = ProducerFinished.Rent();
        finished2.Missing.Add(Key);
        finished2.BlocksShipped = 99;
        finished2.LastSteps.Add(("global_t", 41));
        finished2.LastSteps.Add(("pressure", -1));
        yield return finished2;

        KeysReleased released = KeysReleased.Rent();
        released.Keys.Add(Key);
        released.Keys.Add(("global_t", 8, 1, 0));
        yield return released;

        DropExternal drop = DropExternal.Rent();
        drop.Keys.Add(Key);
        drop.Keys.Add(("global_t", 3, 1, 0));
        drop.Reason = "published step 4 of 'global_t' without it";
        drop.Skipped = true;
        yield return drop;

        DeclareInterest interest = DeclareInterest.Rent();
        interest.RequestId = 31;
        interest.InterestId = 4;
        interest.Description = "'mean-3' = field[::10].Mean()";
        interest.Requirements.Add(new SourceRequirement("global_t", StepSet.Range(0, 1000, 10), [StepSet.Range(0, 2), StepSet.Range(1, 2)]));
        interest.Requirements.Add(new SourceRequirement("pressure", StepSet.All, [StepSet.Range(3, 4)]));
        yield return interest;

        WithdrawInterest withdraw = WithdrawInterest.Rent();
        withdraw.InterestId = 4;
        yield return withdraw;

        StepArrived progress = StepArrived.Rent();
        progress.Step = 123_456;
        yield return progress;

        OpenArrayProgress open = OpenArrayProgress.Rent();
        open.Array = "global_t";
        open.Complete = 41;
        open.End = 57;
        yield return open;

        SteerRequest steer = SteerRequest.Rent();
        steer.RequestId = 12;
        steer.Name = "dt";
        steer.Step = 300;
        steer.Value = new[] { 0.5, 0.25 };
        yield return steer;

        SteerProposal proposal = SteerProposal.Rent();
        proposal.ProposalId = 3;
        proposal.Name = "deisa.stop";
        proposal.Step = 41;
        proposal.Value = true;
        yield return proposal;

        SteerVote vote = SteerVote.Rent();
        vote.ProposalId = 3;
        vote.Accepted = false;
        vote.ReadUpTo = 44;
        yield return vote;

        SteerDecision decision = SteerDecision.Rent();
        decision.ProposalId = 3;
        decision.Commit = true;
        yield return decision;
    }

    public static ArrayDeclaration Declaration() =>
        new("global_t", ElementType.Float64, [100, 64, 48], 0, [32, 0], [32, 48], ["t", "X", "Y"]);

    /// <summary>Describes a message's content as text, values included, so two messages compare by it.</summary>
    public static string Describe(Message message) => message switch
    {
        UpdateGraph m => $"{m.RequestId} {Keys(m.Keys)} {string.Join("|", m.Specs)} {Keys(m.Wanted)} {Keys(m.Externals)} {m.PushValues}",
        CreateExternal m => $"{m.RequestId} {Keys(m.Keys)}",
        ReleaseKeys m => Keys(m.Keys),
        FailExternal m => $"{m.RequestId} {m.Key} {m.Reason}",
        QueryStory m => $"{m.RequestId} {m.Key}",
        RequestReply m => $"{m.RequestId} {Error(m.Error)}",
        KeyInMemory m => $"{m.Key} {m.Holder} {m.Nbytes} {m.Pushed}",
        KeyErred m => $"{m.Key} {m.CauseKey} {Error(m.Error)} {m.Story}",
        StoryReply m => $"{m.RequestId} {m.Text}",
        ComputeTask m => $"{m.Key} {m.Spec} {m.Priority} {string.Join(",", m.Holders)} {m.PushTo}",
        FreeKeys m => Keys(m.Keys),
        TaskFinished m => $"{m.Key} {m.Nbytes}",
        TaskErred m => $"{m.Key} {Error(m.Error)}",
        ExternalArrived m => $"{m.Key} {m.Nbytes} {m.Producer} {m.PutId} {m.Stored}",
        GetData m => $"{m.RequestId} {Keys(m.Keys)}",
        DataReply m => $"{m.RequestId} {Keys(m.Keys)} {string.Join("|", m.Values.Select(Value))} {Keys(m.Missing)}",
        PutExternal m => $"{m.Key} {m.PutId} {m.NotifyRelease} {Value(m.Value)}",
        PutAck m => $"{m.PutId} {m.Key} {Error(m.Error)}",
        Close => "close",
        DeclareArrays m => string.Join("|", m.Arrays),
        GetArrays m => $"{m.RequestId}",
        ArraysReply m => $"{m.RequestId} {string.Join(",", m.Producers)} {string.Join("|", m.Declarations.Select(d => $"{d} {string.Join(",", d.DimensionNames)}"))} {Error(m.Error)}",
        ValidateContract m => $"{m.RequestId}",
        RevokeContract m => $"{m.RequestId} {m.Reason}",
        ContractUpdate m => $"{m.Revoked} {m.Reason} {string.Join("|", m.Entries.Select(e => $"{e.Array} {string.Join(",", e.Block)} {e.Worker} {e.Steps}"))}",
        ProducerFinished m => $"{Keys(m.Missing)} {m.BlocksShipped} {string.Join(",", m.LastSteps)}",
        BlockMetadata m => $"{m.Key} {m.Worker} {string.Join(",", m.Start)} {string.Join(",", m.Count)}",
        KeysReleased m => Keys(m.Keys),
        DropExternal m => $"{Keys(m.Keys)} {m.Reason} {m.Skipped}",
        DeclareInterest m => $"{m.RequestId} {m.InterestId} {m.Description} {string.Join("|", m.Requirements)}",
        WithdrawInterest m => $"{m.InterestId}",
        StepArrived m => $"{m.Step}",
        OpenArrayProgress m => $"{m.Array} {m.Complete} {m.End}",
        SteerRequest m => $"{m.RequestId} {m.Name} {m.Step} {Value(m.Value)}",
        SteerProposal m => $"{m.ProposalId} {m.Name} {m.Step} {Value(m.Value)}",
        SteerVote m => $"{m.ProposalId} {m.Accepted} {m.ReadUpTo}",
        SteerDecision m => $"{m.ProposalId} {m.Commit}",
        _ => throw new ArgumentException(message.Kind.ToString()),
    };

    private static string Keys(List<TaskKey> keys) => string.Join(",", keys);

    private static string Error(ErrorInfo? error) => error is null ? "-" : $"{error.TypeName}:{error.Message}:{error.StackTrace}";

    private static string Value(object? value) => value switch
    {
        null => "null",
        PooledArray<double> p => $"P<double>[{string.Join(",", p.ToArray())}]",
        PooledArray<float> p => $"P<float>[{string.Join(",", p.ToArray())}]",
        PooledArray<int> p => $"P<int>[{string.Join(",", p.ToArray())}]",
        PooledArray<long> p => $"P<long>[{string.Join(",", p.ToArray())}]",
        object?[] items => $"O[{string.Join(",", items.Select(Value))}]",
        DeferredPayload d => d.ToString(),
        NdArray a => a.ToString(),
        Array array => $"{array.GetType().Name}[{string.Join(",", array.Cast<object>())}]",
        _ => $"{value.GetType().Name}:{value}",
    };
}
