namespace Skein.Core.Resources;

/// <summary>Kubernetes label selector: matchLabels and matchExpressions, all of which must hold.</summary>
public sealed class LabelSelector
{
    /// <summary>Labels that must be present with exactly these values.</summary>
    public Dictionary<string, string> MatchLabels { get; set; } = [];

    /// <summary>Set-based requirements.</summary>
    public List<LabelSelectorRequirement> MatchExpressions { get; set; } = [];
}

/// <summary>One set-based label requirement (In, NotIn, Exists, DoesNotExist).</summary>
public sealed class LabelSelectorRequirement
{
    /// <summary>The label key.</summary>
    [Required]
    [Format(FieldFormat.QualifiedName)]
    public string Key { get; set; } = "";

    /// <summary>How the key relates to the values.</summary>
    [Required]
    public LabelSelectorOperator Operator { get; set; }

    /// <summary>Values for In and NotIn; must be empty for Exists and DoesNotExist.</summary>
    public List<string> Values { get; set; } = [];
}

/// <summary>Label selector operators.</summary>
public enum LabelSelectorOperator
{
    /// <summary>The label value is one of the values.</summary>
    In,

    /// <summary>The label is absent or its value is none of the values.</summary>
    NotIn,

    /// <summary>The label is present.</summary>
    Exists,

    /// <summary>The label is absent.</summary>
    DoesNotExist,
}
