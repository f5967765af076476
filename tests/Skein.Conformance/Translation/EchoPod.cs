using System.Net;

namespace Skein.Conformance.Translation;

/// <summary>One replica of a translated Deployment: an echo process serving <see cref="Ports"/> on <see cref="Address"/>.</summary>
public sealed record EchoPod(string Name, string Namespace, string Deployment, IPAddress Address, IReadOnlyList<int> Ports);
