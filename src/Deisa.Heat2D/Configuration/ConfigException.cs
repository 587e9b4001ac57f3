namespace Deisa.Heat2D.Configuration;

/// <summary>The configuration is missing, malformed or inconsistent; the message names the key, the value and what is expected.</summary>
internal sealed class ConfigException(string message) : Exception(message);
