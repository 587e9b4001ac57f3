using Deisa.Core.Errors;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Scheduling;
using static Deisa.Tests.TestOperations;

namespace Deisa.Tests.Scheduling;

/// <summary>One scenario per entry of the transition table, driven through public inputs only.</summary>
public sealed class SchedulerStateTransitionTests
{
    private static readonly TaskKey s_ext = ("ext", 0);
    private static readonly TaskKey s_task = "task";

    public static TheoryData<TaskStatus, TaskStatus> Pairs()
    {
        var data = new TheoryData<TaskStatus, TaskStatus>();
        foreach ((TaskStatus from, TaskStatus to) in SchedulerState.TransitionPairs)
        {
            data.Add(from, to);
        }

        return data;
    }

    public static TheoryData<TaskStatus, TaskStatus> MissingPairs()
    {
        var data = new TheoryData<TaskStatus, TaskStatus>();
        foreach (TaskStatus from in Enum.GetValues<TaskStatus>())
        {
            foreach (TaskStatus to in Enum.GetValues<TaskStatus>())
            {
                if (from != to && from != TaskStatus.Forgotten && !SchedulerState.TransitionPairs.Contains((from, to)))
                {
                    data.Add(from, to);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void TableEntry_Scenario_RecordsTransitionAndEmitsExpectedMessages(TaskStatus from, TaskStatus to)
    {
        var f = new SchedulerFixture();
        TaskKey key = Scenario(f, from, to);

        Assert.True(f.StoryHas(key, from, to), $"{from} -> {to} missing from the story:\n{f.State.FormatStory(key)}");
    }

    [Theory]
    [MemberData(nameof(MissingPairs))]
    public void MissingPair_Forced_RaisesWithStory(TaskStatus from, TaskStatus to)
    {
        var f = new SchedulerFixture();
        TaskKey key = Reach(f, from);

        InvalidTransitionException error = Assert.Throws<InvalidTransitionException>(() => f.State.TransitionForTest(key, to));

        Assert.Equal(from, error.From);
        Assert.Equal(to, error.To);
        Assert.Contains(key.ToString(), error.Story, StringComparison.Ordinal);
    }

    [Fact]
    public void TransitionPairs_EveryEntry_HasAScenario()
    {
        // The theory above draws its cases from the table itself; this pins the table's size so that a new entry
        // comes with a deliberate update here and a scenario in Scenario().
        Assert.Equal(14, SchedulerState.TransitionPairs.Count);
    }

    /// <summary>Drives a key through (from, to) and checks what that transition must emit.</summary>
    private static TaskKey Scenario(SchedulerFixture f, TaskStatus from, TaskStatus to)
    {
        switch ((from, to))
        {
            case (TaskStatus.Released, TaskStatus.Waiting):
            {
                f.CreateExternal(s_ext);
                List<OutgoingMessage> sent = f.Submit(s_task, TaskSpec.Create(Inc, s_ext));
                Assert.Equal(TaskStatus.Waiting, f[s_task]);
                sent.None<ComputeTask>();
                Assert.Null(sent.Single<RequestReply>().Error);
                return s_task;
            }

            case (TaskStatus.Released, TaskStatus.External):
            {
                List<OutgoingMessage> sent = f.CreateExternal(s_ext);
                Assert.Equal(TaskStatus.External, f[s_ext]);
                Assert.Null(sent.Single<RequestReply>().Error);
                return s_ext;
            }

            case (TaskStatus.Released, TaskStatus.Erred):
            {
                f.Err("bad", f.SubmitAndGetWorker("bad", TaskSpec.Create(Const, 1)));
                List<OutgoingMessage> sent = f.Submit(s_task, TaskSpec.Create(Inc, new TaskKey("bad")));
                Assert.Equal(TaskStatus.Erred, f[s_task]);
                KeyErred erred = sent.Single<KeyErred>(SchedulerFixture.Client);
                Assert.Equal(new TaskKey("bad"), erred.CauseKey);
                return s_task;
            }

            case (TaskStatus.Released, TaskStatus.Forgotten):
            {
                int worker = f.SubmitAndGetWorker(s_task, TaskSpec.Create(Const, 1), wanted: false);
                List<OutgoingMessage> sent = f.Finish(s_task, worker);
                Assert.Equal(TaskStatus.Forgotten, f[s_task]);
                Assert.Equal(s_task, Assert.Single(sent.Single<FreeKeys>(f.Workers[worker]).Keys));
                return s_task;
            }

            case (TaskStatus.Waiting, TaskStatus.Processing):
            {
                f.CreateExternal(s_ext);
                f.Submit(s_task, TaskSpec.Create(Inc, s_ext));
                List<OutgoingMessage> sent = f.Arrive(s_ext, worker: 1);
                ComputeTask compute = sent.Single<ComputeTask>(f.Workers[1]);
                Assert.Equal(s_task, compute.Key);
                Assert.Equal([f.Workers[1]], compute.Holders);
                return s_task;
            }

            case (TaskStatus.Waiting, TaskStatus.Released):
            {
                f.CreateExternal(s_ext);
                f.Submit(s_task, TaskSpec.Create(Inc, s_ext));
                List<OutgoingMessage> sent = f.Release(s_task);
                Assert.Equal(TaskStatus.Forgotten, f[s_task]);
                Assert.Equal(TaskStatus.External, f[s_ext]);
                sent.None<ComputeTask>();
                return s_task;
            }

            case (TaskStatus.Waiting, TaskStatus.Erred):
            {
                f.CreateExternal(s_ext);
                f.Submit(s_task, TaskSpec.Create(Inc, s_ext));
                List<OutgoingMessage> sent = f.FailExternal(s_ext, "never");
                Assert.Equal(TaskStatus.Erred, f[s_task]);
                KeyErred erred = sent.Single<KeyErred>();
                Assert.Equal(s_task, erred.Key);
                Assert.Equal(s_ext, erred.CauseKey);
                Assert.Contains("never", erred.Error!.Message, StringComparison.Ordinal);
                return s_task;
            }

            case (TaskStatus.External, TaskStatus.Memory):
            {
                f.CreateExternal(s_ext);
                f.Submit(s_task, TaskSpec.Create(Inc, s_ext));
                List<OutgoingMessage> sent = f.Arrive(s_ext, worker: 0, putId: 5);
                Assert.Equal(TaskStatus.Memory, f[s_ext]);
                PutAck ack = sent.Single<PutAck>(SchedulerFixture.Producer);
                Assert.Equal(5, ack.PutId);
                Assert.Null(ack.Error);
                return s_ext;
            }

            case (TaskStatus.External, TaskStatus.Erred):
            {
                f.CreateExternal(s_ext);
                List<OutgoingMessage> sent = f.FailExternal(s_ext, "rank 3 stopped");
                Assert.Null(sent.Single<RequestReply>().Error);
                Assert.Equal(TaskStatus.Forgotten, f[s_ext]);
                return s_ext;
            }

            case (TaskStatus.Processing, TaskStatus.Memory):
            {
                int worker = f.SubmitAndGetWorker(s_task, TaskSpec.Create(Const, 1));
                List<OutgoingMessage> sent = f.Finish(s_task, worker, nbytes: 99);
                KeyInMemory notice = sent.Single<KeyInMemory>(SchedulerFixture.Client);
                Assert.Equal(f.Workers[worker], notice.Holder);
                Assert.Equal(99, notice.Nbytes);
                return s_task;
            }

            case (TaskStatus.Processing, TaskStatus.Erred):
            {
                int worker = f.SubmitAndGetWorker(s_task, TaskSpec.Create(Const, 1));
                List<OutgoingMessage> sent = f.Err(s_task, worker, "kaput");
                KeyErred erred = sent.Single<KeyErred>(SchedulerFixture.Client);
                Assert.Equal("kaput", erred.Error!.Message);
                Assert.Contains("Processing -> Erred", erred.Story, StringComparison.Ordinal);
                return s_task;
            }

            case (TaskStatus.Processing, TaskStatus.Released):
            {
                int worker = f.SubmitAndGetWorker(s_task, TaskSpec.Create(Const, 1));
                List<OutgoingMessage> sent = f.Release(s_task);
                Assert.Equal(s_task, Assert.Single(sent.Single<FreeKeys>(f.Workers[worker]).Keys));
                Assert.Equal(TaskStatus.Forgotten, f[s_task]);
                return s_task;
            }

            case (TaskStatus.Memory, TaskStatus.Released):
            {
                int worker = f.SubmitAndGetWorker(s_task, TaskSpec.Create(Const, 1));
                f.Finish(s_task, worker);
                List<OutgoingMessage> sent = f.Release(s_task);
                Assert.Equal(s_task, Assert.Single(sent.Single<FreeKeys>(f.Workers[worker]).Keys));
                return s_task;
            }

            case (TaskStatus.Erred, TaskStatus.Released):
            {
                f.Err(s_task, f.SubmitAndGetWorker(s_task, TaskSpec.Create(Const, 1)));
                List<OutgoingMessage> sent = f.Release(s_task);
                sent.None<FreeKeys>();
                Assert.Equal(TaskStatus.Forgotten, f[s_task]);
                return s_task;
            }

            default:
                throw new InvalidOperationException($"No scenario for {from} -> {to}: add one with the new table entry.");
        }
    }

    /// <summary>Brings a key to a state, for the forced-transition tests.</summary>
    private static TaskKey Reach(SchedulerFixture f, TaskStatus state)
    {
        switch (state)
        {
            case TaskStatus.External:
                f.CreateExternal(s_ext);
                return s_ext;
            case TaskStatus.Waiting:
                f.CreateExternal(s_ext);
                f.Submit(s_task, TaskSpec.Create(Inc, s_ext));
                return s_task;
            case TaskStatus.Processing:
                f.Submit(s_task, TaskSpec.Create(Const, 1));
                return s_task;
            case TaskStatus.Memory:
                f.Finish(s_task, f.SubmitAndGetWorker(s_task, TaskSpec.Create(Const, 1)));
                return s_task;
            case TaskStatus.Erred:
                f.Err(s_task, f.SubmitAndGetWorker(s_task, TaskSpec.Create(Const, 1)));
                return s_task;
            case TaskStatus.Released:
                // A wanted task only rests in Released if moved there directly; the client's reference keeps it known.
                f.CreateExternal(s_ext);
                f.Submit(s_task, TaskSpec.Create(Inc, s_ext));
                f.State.TransitionForTest(s_task, TaskStatus.Released);
                return s_task;
            default:
                throw new ArgumentOutOfRangeException(nameof(state));
        }
    }
}
