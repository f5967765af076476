namespace Skein.Core.Identity;

/// <summary>The outcome of validating an X.509-SVID: the verified SPIFFE ID, or why it was rejected.</summary>
public sealed class SvidValidationResult
{
    private readonly SpiffeId _id;

    private SvidValidationResult(SpiffeId id, SvidFailureReason failure, string message)
    {
        _id = id;
        Failure = failure;
        Message = message;
    }

    /// <summary>True when the SVID passed every check.</summary>
    public bool IsValid => Failure == SvidFailureReason.None;

    /// <summary>The reason for rejection, or <see cref="SvidFailureReason.None"/> when valid.</summary>
    public SvidFailureReason Failure { get; }

    /// <summary>A human-readable explanation of the rejection; empty when valid.</summary>
    public string Message { get; }

    /// <summary>The verified SPIFFE ID; throws <see cref="InvalidOperationException"/> when the SVID was rejected.</summary>
    /// <remarks>Throwing rather than returning a default ID keeps a forgotten <see cref="IsValid"/> check from authorizing an empty identity.</remarks>
    public SpiffeId Id => IsValid
        ? _id
        : throw new InvalidOperationException($"the SVID was rejected ({Failure}): {Message}");

    /// <summary>A short description for logs.</summary>
    public override string ToString() => IsValid ? $"valid {_id}" : $"{Failure}: {Message}";

    public static SvidValidationResult Success(SpiffeId id) => new(id, SvidFailureReason.None, string.Empty);

    public static SvidValidationResult Fail(SvidFailureReason failure, string message) => new(default, failure, message);
}
