using Skein.Core.Resources;

namespace Skein.Core.Configuration;

/// <summary>BackendTLSPolicy rules: one source of trust, Subject Alternative Name unions, distinct targets.</summary>
internal static class BackendTLSPolicyValidator
{
    public static void Validate(BackendTLSPolicyResource policy, DocumentContext context)
    {
        var spec = policy.Spec;
        var validation = spec.Validation;
        var hasRefs = validation.CaCertificateRefs.Count > 0;
        var hasWellKnown = !string.IsNullOrEmpty(validation.WellKnownCACertificates);
        if (hasRefs && hasWellKnown)
        {
            context.Error("spec.validation.wellKnownCACertificates", "caCertificateRefs and wellKnownCACertificates are mutually exclusive");
        }
        else if (!hasRefs && !hasWellKnown)
        {
            context.Error("spec.validation", "set caCertificateRefs or wellKnownCACertificates");
        }

        for (var i = 0; i < validation.SubjectAltNames.Count; i++)
        {
            var san = validation.SubjectAltNames[i];
            HeaderFilterRules.ValidateUnion(
                san.Type.ToString(),
                [
                    ("hostname", nameof(SubjectAltNameType.Hostname), !string.IsNullOrEmpty(san.Hostname)),
                    ("uri", nameof(SubjectAltNameType.URI), !string.IsNullOrEmpty(san.Uri)),
                ],
                FieldPath.Index("spec.validation.subjectAltNames", i),
                context);
        }

        var targets = new Dictionary<(string, string, string, string), int>();
        for (var i = 0; i < spec.TargetRefs.Count; i++)
        {
            var target = spec.TargetRefs[i];
            var key = (target.Group, target.Kind, target.Name, target.SectionName ?? "");
            if (!targets.TryAdd(key, i))
            {
                context.Error(FieldPath.Index("spec.targetRefs", i), $"duplicate target (also spec.targetRefs[{targets[key]}])");
            }
        }

        foreach (var key in spec.Options.Keys)
        {
            if (FormatRules.Check(FieldFormat.QualifiedName, key) is { } problem)
            {
                context.Error(FieldPath.Key("spec.options", key), problem);
            }
        }
    }
}
