using System.Text.Json;
using System.Text.Json.Nodes;
using Skein.Control.Compiler;
using Skein.Control.Store;
using Skein.Core.Configuration;
using Skein.Core.Resources;

namespace Skein.Control.Api;

/// <summary>Resources as the API shows them: the stored object with the status the control plane computed.</summary>
/// <remarks>
/// Snapshot objects are immutable and shared with the compiler, so status is attached to the serialized copy,
/// never to the object. Implicit resources (the built-in GatewayClasses) are listed alongside stored ones.
/// </remarks>
public sealed class ResourceStatusView(MeshCompiler compiler, Federation.FederatedBundles? federation = null)
{
    public IEnumerable<JsonObject> Render(ConfigSnapshot snapshot, Func<Resource, bool> filter)
    {
        var gatewayApi = compiler.GatewayApi(snapshot);
        foreach (var resource in snapshot.Resources.Values.Concat(gatewayApi.BuiltInResources).Where(filter))
        {
            var node = ResourceJson.ToNode(resource);
            if (gatewayApi.Statuses.TryGetValue(resource.Key, out var status))
            {
                node["status"] = JsonSerializer.SerializeToNode(status, status.GetType(), ResourceJson.Options);
            }
            else if (resource is MeshFederationResource && federation?.StatusOf(resource.Key) is { } federationStatus)
            {
                node["status"] = JsonSerializer.SerializeToNode(federationStatus, ResourceJson.Options);
            }

            yield return node;
        }
    }
}
