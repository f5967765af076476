using Skein.Core.Resources;

namespace Skein.Core.Configuration;

/// <summary>Which targets Skein policies accept.</summary>
internal static class TargetRefRules
{
    /// <summary>A Gateway (waypoint or ingress) or a Service.</summary>
    public static void ValidateGatewayOrService(PolicyTargetReference target, string path, DocumentContext context)
    {
        var ok = (target.Kind == "Gateway" && target.Group == ApiVersions.GatewayGroup)
            || (target.Kind == "Service" && target.Group.Length == 0);
        if (!ok)
        {
            context.Error(FieldPath.Child(path, "kind"), $"unsupported target {GroupKind(target)}: use kind Gateway (group {ApiVersions.GatewayGroup}) or kind Service (group \"\")");
        }
    }

    /// <summary>A Service in the core group.</summary>
    public static void ValidateService(PolicyTargetReference target, string path, DocumentContext context)
    {
        if (target.Kind != "Service")
        {
            context.Error(FieldPath.Child(path, "kind"), $"unsupported target kind {YamlScalars.Quote(target.Kind)}: must be Service");
        }
        else if (target.Group.Length != 0)
        {
            context.Error(FieldPath.Child(path, "group"), $"must be \"\" (the core group) for a Service, got {YamlScalars.Quote(target.Group)}");
        }
    }

    private static string GroupKind(PolicyTargetReference target) =>
        target.Group.Length == 0 ? YamlScalars.Quote(target.Kind) : YamlScalars.Quote(target.Kind + "." + target.Group);
}
