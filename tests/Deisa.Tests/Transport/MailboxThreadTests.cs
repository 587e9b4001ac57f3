using Deisa.Core.Protocol;
using Deisa.Core.Transport;

namespace Deisa.Tests.Transport;

/// <summary>The loop every endpoint runs on: how it waits for its mailbox.</summary>
[Collection(AllocationCollection.Name)]
public sealed class MailboxThreadTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Wait_EmptyMailboxEachTime_AllocatesNothingOnTheLoopsThread()
    {
        const int From = 100;
        const int To = 300;
        await using var transport = new InProcessTransport();
        using Mailbox sender = transport.Open(EndpointId.Worker(0));
        using Mailbox receiver = transport.Open(EndpointId.Scheduler(0));
        using var emptied = new SemaphoreSlim(0);
        int handled = 0;
        long before = 0;
        long after = 0;
        Exception? fault = null;
        var loop = new MailboxThread(
            receiver.Reader,
            "test-mailbox",
            _ =>
            {
                // The loop's thread: what it allocated between these two messages is its waits' doing.
                if (++handled == From)
                {
                    before = GC.GetAllocatedBytesForCurrentThread();
                }
                else if (handled == To)
                {
                    after = GC.GetAllocatedBytesForCurrentThread();
                }

                return handled < To;
            },
            error => fault = error,
            () => emptied.Release());
        loop.Start();

        for (int i = 0; i < To; i++)
        {
            // One message at a time, sent once the loop found its mailbox empty and went to wait.
            if (i > 0)
            {
                Assert.True(emptied.Wait(s_timeout), $"The loop did not handle message {i}.");
                Thread.Sleep(1);
            }

            TaskFinished message = TaskFinished.Rent();
            message.Key = "k";
            sender.Send(receiver.Id, message);
        }

        await loop.Completion.WaitAsync(s_timeout);
        Assert.Null(fault);
        Assert.Equal(To, handled);
        Assert.Equal(0, after - before);
    }

    [Fact]
    public async Task Wait_MailboxCompletedWhileWaiting_TheLoopEnds()
    {
        await using var transport = new InProcessTransport();
        Mailbox receiver = transport.Open(EndpointId.Scheduler(0));
        Exception? fault = null;
        var loop = new MailboxThread(receiver.Reader, "test-mailbox", _ => true, error => fault = error);
        loop.Start();
        Thread.Sleep(50);

        receiver.Dispose();

        await loop.Completion.WaitAsync(s_timeout);
        Assert.Null(fault);
    }
}
