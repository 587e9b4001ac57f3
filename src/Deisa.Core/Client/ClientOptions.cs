namespace Deisa.Core.Client;

/// <summary>Time limits of a <see cref="DeisaClient"/>; every blocking wait has one.</summary>
public sealed class ClientOptions
{
    /// <summary>Gets or sets how long to wait for the scheduler to accept or refuse a request (submit, create external…).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets how long to wait for a worker to send a value once it is in memory.</summary>
    public TimeSpan DataTimeout { get; set; } = TimeSpan.FromSeconds(120);
}
