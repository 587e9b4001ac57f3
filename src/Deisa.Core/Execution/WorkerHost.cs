using System.Threading.Tasks;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Scheduling;
using Deisa.Core.Transport;

namespace Deisa.Core.Execution;

/// <summary>Runs a <see cref="WorkerState"/>: reads its mailbox, runs tasks on dedicated threads, sends what it emits.</summary>
/// <remarks>
/// The message loop and the executor threads take turns on the state under one lock; user code runs outside it.
/// A thread that finishes a task reports it and picks up whatever became ready, without a hand-off.
/// </remarks>
internal sealed class WorkerHost : IAsyncDisposable
{
    private readonly WorkerState _state;
    private readonly Mailbox _mailbox;
    private readonly Lock _lock = new();
    private readonly ExecutorPool _executors;
    private readonly Action<Exception> _onFault;
    private readonly TimeSpan _stopTimeout;
    private readonly MailboxThread _loop;

    public WorkerHost(Mailbox mailbox, EndpointId scheduler, int threads, TimeSpan stopTimeout, Action<Exception> onFault)
    {
        _mailbox = mailbox;
        _state = new WorkerState(mailbox.Id, scheduler, threads);
        _onFault = onFault;
        _stopTimeout = stopTimeout;
        _executors = new ExecutorPool(threads, mailbox.Id.ToString(), Execute);
        _loop = new MailboxThread(mailbox.Reader, $"deisa-{mailbox.Id}", Handle, onFault);
    }

    public EndpointId Id => _mailbox.Id;

    /// <summary>Gets the state; read it only once the host has stopped, or for approximate monitoring.</summary>
    public WorkerState State => _state;

    /// <summary>Gets the bytes the message loop's thread had allocated when it last emptied the mailbox.</summary>
    public long LoopAllocatedBytes => _loop.AllocatedBytes;

    /// <summary>Gets a task that completes when the message loop ends (a Close message, or the mailbox closing).</summary>
    public Task Completion => _loop.Completion;

    public void Start() => _loop.Start();

    public async ValueTask DisposeAsync()
    {
        _mailbox.Dispose();
        await _loop.Completion.ConfigureAwait(false);

        if (_executors.Stop(_stopTimeout))
        {
            _executors.Dispose();

            // Nothing runs any more: what is still stored goes back to its pools. A task that did not stop in time may
            // still read its inputs, so then the values are left to the garbage collector instead.
            lock (_lock)
            {
                _state.ReleaseAll();
            }
        }
    }

    private bool Handle(Message message)
    {
        if (message is Close)
        {
            return false;
        }

        lock (_lock)
        {
            _state.Handle(message);
            Flush();
        }

        return true;
    }

    private void Execute(ExecuteInstruction instruction)
    {
        WorkerTask task = instruction.Task;
        object? value = null;
        Exception? error = null;
        try
        {
            value = task.Spec.Operation.Invoke(new TaskArguments(task.Key, task.Spec.Args, instruction.Resolved));
        }
        catch (Exception e)
        {
            error = e;
        }

        try
        {
            lock (_lock)
            {
                if (error is null)
                {
                    _state.ExecutionSucceeded(task, value);
                }
                else
                {
                    _state.ExecutionFailed(task, error);
                }

                Flush();
            }
        }
        catch (Exception e)
        {
            _onFault(e);
        }
    }

    /// <summary>Sends what the state emitted and starts what it made ready. Called under the lock.</summary>
    private void Flush()
    {
        foreach (OutgoingMessage outgoing in _state.Outbox)
        {
            _mailbox.Send(outgoing.To, outgoing.Message);
        }

        foreach (ExecuteInstruction instruction in _state.ToExecute)
        {
            _executors.Post(instruction);
        }

        _state.ClearOutputs();
    }
}
