namespace Skein.Conformance.Reporting;

/// <summary>How a test ended.</summary>
public enum Outcome
{
    /// <summary>Every runnable case and status check passed.</summary>
    Passed,

    /// <summary>A case or status check failed.</summary>
    Failed,

    /// <summary>Not run (unsupported feature, provisional, nothing checkable); the reason says which.</summary>
    Skipped,
}

/// <summary>The result of one test: outcome, case counts, the reason for a failure or skip, and per-case details.</summary>
public sealed record TestResult(string Name, Outcome Outcome, int CasesPassed, int CasesTotal, string Reason, IReadOnlyList<string> Details, TimeSpan Duration);
