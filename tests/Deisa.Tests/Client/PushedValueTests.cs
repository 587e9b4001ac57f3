using System.Collections.Concurrent;
using System.Threading.Channels;
using Deisa.Core.Client;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Transport;
using static Deisa.Tests.TestOperations;

namespace Deisa.Tests.Client;

/// <summary>
/// The client's side of values a worker sends unasked (<see cref="UpdateGraph.PushValues"/>), against a scripted
/// scheduler and worker: the value and the scheduler's notice may come in either order, and neither leads to a fetch.
/// </summary>
public sealed class PushedValueTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private static readonly EndpointId s_scheduler = EndpointId.Scheduler(0);
    private static readonly EndpointId s_worker = EndpointId.Worker(0);
    private static readonly TaskKey s_key = ("pushed", 1);

    [Theory]
    [InlineData("value, notice")]
    [InlineData("await, notice, value")]
    [InlineData("notice, await, value")]
    public async Task PushedValue_AnyOrderWithTheNotice_GivesTheValue_NoFetch(string order)
    {
        using var mailbox = new ScriptedMailbox();
        DeisaClient client = Start(mailbox);
        Future future = await SubmitAsync(client, mailbox, push: true);
        Task<object?>? value = null;
        bool sent = false;
        foreach (string step in order.Split(", "))
        {
            switch (step)
            {
                case "await":
                    value = future.GetResultAsync();
                    break;
                case "notice":
                    mailbox.Deliver(Notice(pushed: true), s_scheduler);
                    await WaitUntilAsync(() => future.Status == FutureStatus.Finished);
                    Assert.False(!sent && (value?.IsCompleted ?? false), "The value came before the worker sent it.");
                    break;
                case "value":
                    mailbox.Deliver(Pushed(42L), s_worker);
                    sent = true;
                    Assert.Equal(42L, await (value ??= future.GetResultAsync()).WaitAsync(s_timeout));
                    break;
            }
        }

        Assert.Equal(42L, await future.GetResultAsync().WaitAsync(s_timeout));
        Assert.Empty(mailbox.SentOf<GetData>());
        future.Dispose();
        Assert.Single(mailbox.SentOf<ReleaseKeys>());
    }

    [Fact]
    public async Task NoticeWithoutPush_ValueFetchedFromItsHolder()
    {
        using var mailbox = new ScriptedMailbox();
        DeisaClient client = Start(mailbox);
        Future future = await SubmitAsync(client, mailbox, push: false);
        Task<object?> value = future.GetResultAsync();

        mailbox.Deliver(Notice(pushed: false), s_scheduler);
        GetData request = await WaitForAsync<GetData>(mailbox);
        Assert.Equal([s_key], request.Keys);
        DataReply reply = DataReply.Rent();
        reply.RequestId = request.RequestId;
        reply.Keys.Add(s_key);
        reply.Values.Add(7L);
        mailbox.Deliver(reply, s_worker);

        Assert.Equal(7L, await value.WaitAsync(s_timeout));
    }

    [Fact]
    public async Task PushedValue_AwaitedWhenTheClientCloses_FailsNamingTheKey()
    {
        using var mailbox = new ScriptedMailbox();
        DeisaClient client = Start(mailbox);
        Future future = await SubmitAsync(client, mailbox, push: true);
        mailbox.Deliver(Notice(pushed: true), s_scheduler);
        await WaitUntilAsync(() => future.Status == FutureStatus.Finished);
        Task<object?> value = future.GetResultAsync();

        client.Close(key => $"{key} was in memory", cause: null);

        var error = await Assert.ThrowsAsync<Deisa.Core.Errors.RuntimeShutdownException>(() => value.WaitAsync(s_timeout));
        Assert.Contains(s_key.ToString(), error.Message, StringComparison.Ordinal);
    }

    private static DeisaClient Start(ScriptedMailbox mailbox) =>
        new(mailbox, s_scheduler, workerCount: 1, crossesProcesses: false, new ClientOptions(), Registry);

    /// <summary>Submits one task the way a call's compute over held blocks does, and accepts it as the scheduler would.</summary>
    private static async Task<Future> SubmitAsync(DeisaClient client, ScriptedMailbox mailbox, bool push)
    {
        var graph = new TaskGraph { { s_key, TaskSpec.Create(Const, 1) } };
        IReadOnlyList<Future> futures = await client.PersistAsync(graph, [s_key], "a test key", CancellationToken.None, awaitAcceptance: false, pushValues: push).WaitAsync(s_timeout);
        UpdateGraph update = await WaitForAsync<UpdateGraph>(mailbox);
        Assert.Equal(push, update.PushValues);
        RequestReply accepted = RequestReply.Rent();
        accepted.RequestId = update.RequestId;
        mailbox.Deliver(accepted, s_scheduler);
        return Assert.Single(futures);
    }

    private static KeyInMemory Notice(bool pushed)
    {
        KeyInMemory notice = KeyInMemory.Rent();
        notice.Key = s_key;
        notice.Holder = s_worker;
        notice.Nbytes = 8;
        notice.Pushed = pushed;
        return notice;
    }

    private static DataReply Pushed(object value)
    {
        DataReply pushed = DataReply.Rent();
        pushed.RequestId = 0;
        pushed.Keys.Add(s_key);
        pushed.Values.Add(value);
        return pushed;
    }

    private static async Task<T> WaitForAsync<T>(ScriptedMailbox mailbox)
        where T : Message
    {
        T? found = null;
        await WaitUntilAsync(() => (found = mailbox.SentOf<T>().FirstOrDefault()) is not null);
        return found!;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        DateTime deadline = DateTime.UtcNow + s_timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The client did not get there in time.");
            await Task.Delay(5);
        }
    }

    /// <summary>A client's mailbox whose incoming messages the test delivers and whose sends it records.</summary>
    private sealed class ScriptedMailbox() : Mailbox(EndpointId.Client(0))
    {
        private readonly Channel<Message> _incoming = Channel.CreateUnbounded<Message>();
        private readonly ConcurrentQueue<Message> _sent = new();

        public override ChannelReader<Message> Reader => _incoming.Reader;

        public override void Send(EndpointId to, Message message) => _sent.Enqueue(message);

        public void Deliver(Message message, EndpointId from)
        {
            message.From = from;
            Assert.True(_incoming.Writer.TryWrite(message));
        }

        public T[] SentOf<T>()
            where T : Message => [.. _sent.OfType<T>()];

        protected override void Dispose(bool disposing) => _incoming.Writer.TryComplete();
    }
}
