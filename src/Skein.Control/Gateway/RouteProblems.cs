namespace Skein.Control.Gateway;

/// <summary>What is wrong with a route regardless of its parent: unresolved references and unsupported fields.</summary>
public sealed class RouteProblems
{
    public string? ResolvedRefsReason { get; private set; }

    public string ResolvedRefsMessage { get; private set; } = "";

    public string? UnsupportedMessage { get; private set; }

    /// <summary>Records a failed reference; the first failure names the condition's reason.</summary>
    public void Reference(BackendResolution resolution)
    {
        if (!resolution.Resolved && ResolvedRefsReason is null)
        {
            ResolvedRefsReason = resolution.Reason;
            ResolvedRefsMessage = resolution.Message;
        }
    }

    public void Unsupported(string message) => UnsupportedMessage ??= message;
}
