using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Skein.Core.Xds;

namespace Skein.Control.Compiler;

/// <summary>One named, versioned xDS resource ready to be sent.</summary>
public sealed record XdsResource(string Name, string Version, Any Body)
{
    public static XdsResource Create(string name, IMessage message) =>
        new(name, ResourceVersion.Of(message), Any.Pack(message));
}
