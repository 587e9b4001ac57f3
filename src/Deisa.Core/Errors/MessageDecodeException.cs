namespace Deisa.Core.Errors;

/// <summary>Bytes received from the wire are not a valid Deisa message.</summary>
public sealed class MessageDecodeException : DeisaException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, with the offset.</param>
    public MessageDecodeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    /// <param name="message">What is wrong, with the offset.</param>
    /// <param name="innerException">The error raised while reading, for example by a user's value codec.</param>
    public MessageDecodeException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
