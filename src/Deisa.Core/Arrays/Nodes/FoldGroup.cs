using Deisa.Core.Client;

namespace Deisa.Core.Arrays.Nodes;

/// <summary>The values of one persisted fold: the fold is released, and its interest withdrawn, with the last of them.</summary>
internal sealed class FoldGroup
{
    private readonly WindowDriver _driver;
    private readonly FoldRoot _root;
    private int _alive;

    public FoldGroup(WindowDriver driver, FoldRoot root, long interest, DeisaClient client)
    {
        _driver = driver;
        _root = root;
        Interest = interest;
        Client = client;
    }

    public long Interest { get; }

    public DeisaClient Client { get; }

    public void Add() => Interlocked.Increment(ref _alive);

    public void Release()
    {
        if (Interlocked.Decrement(ref _alive) != 0)
        {
            return;
        }

        _driver.RemoveFold(_root);
        if (Interest != 0)
        {
            Client.WithdrawInterest(Interest);
        }
    }
}
