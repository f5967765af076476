using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Skein.Core.Protos.Envoy.AccessLog;
using Skein.Core.Protos.Envoy.Core;
using Skein.Core.Protos.Skein;
using Skein.Core.Telemetry;

namespace Skein.Control.Telemetry;

/// <summary>Reads ALS entries into <see cref="ObservedRecord"/>s: Skein's metadata when present, Envoy's own fields otherwise.</summary>
/// <remarks>
/// For a plain Envoy (an Istio sidecar, a gateway), the destination service comes from the upstream cluster's
/// Istio-style name (<c>outbound|port|subset|host</c>) or the authority, identities from the TLS properties,
/// and workloads are left for the topology to resolve from addresses.
/// </remarks>
public static class AlsEntryReader
{
    private static readonly StringPool Names = new(4096);

    public static ObservedRecord Tcp(TCPAccessLogEntry entry, string reporter)
    {
        var c = entry.CommonProperties ?? new AccessLogCommon();
        var facts = new EntryFacts(
            Details: NullIfEmpty(c.ConnectionTerminationDetails),
            BytesSent: (long)(entry.ConnectionProperties?.SentBytes ?? 0),
            BytesReceived: (long)(entry.ConnectionProperties?.ReceivedBytes ?? 0));
        return Read(c, reporter, "tcp", facts);
    }

    public static ObservedRecord Http(HTTPAccessLogEntry entry, string reporter)
    {
        var request = entry.Request ?? new HTTPRequestProperties();
        var response = entry.Response ?? new HTTPResponseProperties();
        var facts = new EntryFacts(
            Details: NullIfEmpty(response.ResponseCodeDetails),
            BytesSent: (long)response.ResponseBodyBytes,
            BytesReceived: (long)request.RequestBodyBytes,
            Method: MethodName(request.RequestMethod),
            Path: NullIfEmpty(request.Path),
            RequestId: NullIfEmpty(request.RequestId),
            Authority: NullIfEmpty(request.Authority),
            ResponseCode: (int)(response.ResponseCode ?? 0));
        return Read(entry.CommonProperties ?? new AccessLogCommon(), reporter, "http", facts);
    }

    /// <summary>The fields that differ between TCP and HTTP entries, so each entry makes one record.</summary>
    private readonly record struct EntryFacts(
        string? Details, long BytesSent, long BytesReceived, string? Method = null, string? Path = null, string? RequestId = null,
        string? Authority = null, int ResponseCode = 0);

    private static ObservedRecord Read(AccessLogCommon c, string reporter, string protocol, in EntryFacts facts)
    {
        var skein = SkeinDetails.From(c);
        var cluster = NullIfEmpty(c.UpstreamCluster);
        var direction = skein.Direction ?? (cluster?.StartsWith("inbound|", StringComparison.Ordinal) == true ? "inbound" : "outbound");
        var peer = UriSan(c.TlsProperties?.PeerCertificateProperties);
        var local = UriSan(c.TlsProperties?.LocalCertificateProperties);
        var (sourcePrincipal, destinationPrincipal) = direction == "inbound" ? (peer, local) : (local, peer);
        var security = skein.Security ?? (peer is not null ? "mutual_tls" : c.TlsProperties is null ? "none" : "tls");
        var details = skein.Details ?? facts.Details;
        var http = protocol == "http";
        // Records stay in the explain ring for a while, so the GC copies what they hold: names repeat from record to
        // record and are shared through the pool; request ids, paths and client ports are unique and kept as parsed.
        return new ObservedRecord
        {
            Start = c.StartTime?.ToDateTimeOffset() ?? DateTimeOffset.UtcNow,
            Protocol = protocol,
            Reporter = reporter, // the authenticated node, never what the entry claims
            Direction = Names.Share(direction),
            FromSkein = skein.Present,
            SourceWorkload = Names.Share(skein.SourceWorkload),
            SourceNamespace = Names.Share(skein.SourceNamespace),
            SourcePrincipal = Names.Share(skein.SourcePrincipal ?? sourcePrincipal),
            SourceAddress = Endpoint(c.DownstreamRemoteAddress),
            DestinationWorkload = Names.Share(skein.DestinationWorkload),
            DestinationNamespace = Names.Share(skein.DestinationNamespace),
            DestinationPrincipal = Names.Share(skein.DestinationPrincipal ?? destinationPrincipal),
            DestinationService = Names.Share(skein.DestinationService ?? ServiceFromCluster(cluster) ?? (http ? ServiceFromAuthority(facts.Authority) : null)),
            DestinationAddress = Names.Share(Endpoint(c.UpstreamRemoteAddress)),
            Requested = Names.Share(skein.Requested ?? facts.Authority),
            Duration = c.Duration?.ToTimeSpan() ?? TimeSpan.Zero,
            Security = Names.Share(security),
            ResponseFlags = Names.Share(ResponseFlagCodes.FromProto(c.ResponseFlags)),
            Details = Names.Share(details),
            FailedHop = Names.Share(skein.FailedHop),
            Policy = Names.Share(skein.Policy ?? PolicyFromDetails(details)),
            ConnectionId = skein.ConnectionId ?? (http && skein.Present ? facts.RequestId : null),
            RouteName = Names.Share(NullIfEmpty(c.RouteName)),
            UpstreamCluster = Names.Share(cluster),
            Attempts = (int)c.UpstreamRequestAttemptCount,
            SampleRate = c.SampleRate is > 0 and <= 1 ? c.SampleRate : 1,
            Method = facts.Method,
            Path = facts.Path,
            RequestId = facts.RequestId,
            ResponseCode = facts.ResponseCode,
            BytesSent = facts.BytesSent,
            BytesReceived = facts.BytesReceived,
        };
    }

    private static string? MethodName(RequestMethod method) => method switch
    {
        RequestMethod.MethodUnspecified => null,
        RequestMethod.Get => "GET",
        RequestMethod.Post => "POST",
        RequestMethod.Put => "PUT",
        RequestMethod.Delete => "DELETE",
        RequestMethod.Head => "HEAD",
        RequestMethod.Patch => "PATCH",
        RequestMethod.Options => "OPTIONS",
        _ => method.ToString().ToUpperInvariant(),
    };

    /// <summary>The host of an Istio-style cluster name, <c>outbound|9080||reviews.default.svc.cluster.local</c>.</summary>
    public static string? ServiceFromCluster(string? cluster)
    {
        if (cluster is null)
        {
            return null;
        }

        var parts = cluster.Split('|');
        return parts.Length == 4 && parts[3].Length > 0 ? parts[3] : null;
    }

    /// <summary>A mesh service hostname in an authority (<c>reviews.default.svc.cluster.local:9080</c>), else null.</summary>
    private static string? ServiceFromAuthority(string? authority)
    {
        if (string.IsNullOrEmpty(authority))
        {
            return null;
        }

        var host = authority.Split(':')[0];
        return host.Contains(".svc.", StringComparison.Ordinal) ? host : null;
    }

    /// <summary>The policy in Envoy's <c>rbac_access_denied_matched_policy[name]</c> details.</summary>
    public static string? PolicyFromDetails(string? details)
    {
        const string prefix = SkeinLogMetadata.RbacDeniedPrefix;
        if (details is null || !details.StartsWith(prefix, StringComparison.Ordinal) || !details.EndsWith(']'))
        {
            return null;
        }

        var name = details[prefix.Length..^1];
        return name is "" or "none" ? null : name;
    }

    private static string? Endpoint(Address? address) =>
        address?.SocketAddress is { } s && s.Address.Length > 0
            ? (s.Address.Contains(':') ? $"[{s.Address}]" : s.Address) + ":" + s.PortValue.ToString(CultureInfo.InvariantCulture)
            : null;

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string? UriSan(TLSProperties.Types.CertificateProperties? certificate)
    {
        if (certificate is null)
        {
            return null;
        }

        foreach (var san in certificate.SubjectAltName)
        {
            if (san.SanCase == TLSProperties.Types.CertificateProperties.Types.SubjectAltName.SanOneofCase.Uri)
            {
                return san.Uri;
            }
        }

        return null;
    }

    /// <summary>Skein's details of an entry, from the typed <see cref="AccessLogDetails"/> Skein proxies send or the older metadata Struct; all null for a plain Envoy.</summary>
    private readonly record struct SkeinDetails(
        bool Present, string? Direction, string? ConnectionId, string? SourceWorkload, string? SourceNamespace, string? SourcePrincipal,
        string? DestinationWorkload, string? DestinationNamespace, string? DestinationPrincipal, string? DestinationService, string? Security,
        string? Details, string? FailedHop, string? Policy, string? Requested)
    {
        public static SkeinDetails From(AccessLogCommon c)
        {
            if (c.FilterStateObjects.TryGetValue(SkeinLogMetadata.Namespace, out var any) && any.TryUnpack<AccessLogDetails>(out var d))
            {
                // Details, principals and an HTTP record's connection id come from the entry's own fields (the readers' fallbacks).
                return new SkeinDetails(true, NullIfEmpty(d.Direction), NullIfEmpty(d.ConnectionId), NullIfEmpty(d.SourceWorkload), NullIfEmpty(d.SourceNamespace),
                    NullIfEmpty(d.SourcePrincipal), NullIfEmpty(d.DestinationWorkload), NullIfEmpty(d.DestinationNamespace), NullIfEmpty(d.DestinationPrincipal),
                    NullIfEmpty(d.DestinationService), NullIfEmpty(d.ConnectionSecurityPolicy), null, NullIfEmpty(d.FailedHop),
                    NullIfEmpty(d.Policy), NullIfEmpty(d.Requested));
            }

            if (c.Metadata?.FilterMetadata.TryGetValue(SkeinLogMetadata.Namespace, out var s) != true || s is null)
            {
                return default;
            }

            string? Get(string key) => s.Fields.TryGetValue(key, out var v) && v.KindCase == Value.KindOneofCase.StringValue ? NullIfEmpty(v.StringValue) : null;
            return new SkeinDetails(true, Get(SkeinLogMetadata.Direction), Get(SkeinLogMetadata.ConnectionId), Get(SkeinLogMetadata.SourceWorkload),
                Get(SkeinLogMetadata.SourceNamespace), Get(SkeinLogMetadata.SourcePrincipal), Get(SkeinLogMetadata.DestinationWorkload),
                Get(SkeinLogMetadata.DestinationNamespace), Get(SkeinLogMetadata.DestinationPrincipal), Get(SkeinLogMetadata.DestinationService),
                Get(SkeinLogMetadata.Security), Get(SkeinLogMetadata.Details), Get(SkeinLogMetadata.FailedHop), Get(SkeinLogMetadata.Policy),
                Get(SkeinLogMetadata.Requested));
        }
    }
}
