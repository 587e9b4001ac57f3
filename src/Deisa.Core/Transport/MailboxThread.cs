using System.Runtime.CompilerServices;
using System.Threading.Channels;
using System.Threading.Tasks;
using Deisa.Core.Protocol;

namespace Deisa.Core.Transport;

/// <summary>
/// Runs a mailbox's consumer loop on a dedicated thread that blocks while the mailbox is empty.
/// </summary>
/// <remarks>
/// Mailboxes let their writers complete a waiting reader inline: a writer that finds this thread asleep wakes it
/// directly, with no hop through the thread pool (which costs tens to hundreds of microseconds when ranks share
/// cores). In exchange, a reader must never run its work on the writer's thread: every reader in Deisa is a
/// dedicated thread like this one, which only blocks in the wait.
/// </remarks>
internal sealed class MailboxThread
{
    private readonly ChannelReader<Message> _reader;
    private readonly Func<Message, bool> _handle;
    private readonly Action<Exception> _onFault;
    private readonly Action? _afterBatch;
    private readonly Thread _thread;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _gate = new();
    private readonly Action _setReady;
    private bool _ready;
    private long _allocatedBytes;

    /// <summary>Creates the loop; call <see cref="Start"/> to run it.</summary>
    /// <param name="reader">The mailbox's reader.</param>
    /// <param name="name">The thread's name.</param>
    /// <param name="handle">Handles one message, which the loop returns afterwards; returns false to stop the loop.</param>
    /// <param name="onFault">Receives an exception that escaped <paramref name="handle"/>; the loop then stops.</param>
    /// <param name="afterBatch">Runs when the mailbox has been emptied, before waiting again.</param>
    public MailboxThread(ChannelReader<Message> reader, string name, Func<Message, bool> handle, Action<Exception> onFault, Action? afterBatch = null)
    {
        _reader = reader;
        _handle = handle;
        _onFault = onFault;
        _afterBatch = afterBatch;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _setReady = SetReady;
    }

    /// <summary>Gets a task that completes when the loop has stopped.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Gets the bytes the loop's thread had allocated when it last emptied the mailbox.</summary>
    /// <remarks>For the tests and benchmarks that hold the runtime's steady state to no allocation per message.</remarks>
    public long AllocatedBytes => Volatile.Read(ref _allocatedBytes);

    /// <summary>Starts the loop.</summary>
    public void Start() => _thread.Start();

    /// <summary>Blocks until a message can be read, or the channel completed and is empty.</summary>
    /// <returns>False once no message will ever come.</returns>
    /// <remarks>
    /// Blocks on a gate (a monitor) that the writer opens as it writes (the mailboxes run continuations
    /// synchronously), without spinning first: a Task's wait spins and yields the core about 35 times before it
    /// blocks, which on ranks that share cores takes the core from the thread about to send the next message.
    /// Allocates nothing: the wait's operation is the channel's own, and the gate and its callback are this thread's.
    /// The channel's completion (shutdown) ends the wait as a message does.
    /// </remarks>
    private bool WaitToRead() => Block(_reader.WaitToReadAsync());

    private bool Block(ValueTask<bool> operation)
    {
        ConfiguredValueTaskAwaitable<bool>.ConfiguredValueTaskAwaiter wait = operation.ConfigureAwait(false).GetAwaiter();
        if (!wait.IsCompleted)
        {
            wait.UnsafeOnCompleted(_setReady);
            lock (_gate)
            {
                while (!_ready)
                {
                    Monitor.Wait(_gate);
                }

                _ready = false;
            }
        }

        return wait.GetResult();
    }

    private void SetReady()
    {
        lock (_gate)
        {
            _ready = true;
            Monitor.Pulse(_gate);
        }
    }

    private void Run()
    {
        try
        {
            while (WaitToRead())
            {
                while (_reader.TryRead(out Message? message))
                {
                    bool goOn;
                    try
                    {
                        goOn = _handle(message);
                    }
                    finally
                    {
                        message.Return();
                    }

                    if (!goOn)
                    {
                        _afterBatch?.Invoke();
                        return;
                    }
                }

                _afterBatch?.Invoke();
                Volatile.Write(ref _allocatedBytes, GC.GetAllocatedBytesForCurrentThread());
            }
        }
        catch (Exception error)
        {
            _onFault(error);
        }
        finally
        {
            _completion.TrySetResult();
        }
    }
}
