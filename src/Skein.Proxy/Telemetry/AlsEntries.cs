using System.Net;
using Google.Protobuf.WellKnownTypes;
using Skein.Core.Protos.Envoy.AccessLog;
using Skein.Core.Protos.Envoy.Core;
using Skein.Core.Telemetry;

namespace Skein.Proxy.Telemetry;

/// <summary>Turns access log records into Envoy ALS entries: TCP entries for connections, HTTP entries for requests.</summary>
public static class AlsEntries
{
    public static TCPAccessLogEntry Tcp(AccessLogRecord r) => new()
    {
        CommonProperties = Common(r),
        ConnectionProperties = new ConnectionProperties { ReceivedBytes = (ulong)Math.Max(0, r.BytesReceived), SentBytes = (ulong)Math.Max(0, r.BytesSent) },
    };

    public static HTTPAccessLogEntry Http(AccessLogRecord r)
    {
        var entry = new HTTPAccessLogEntry
        {
            CommonProperties = Common(r),
            ProtocolVersion = r.Protocol switch
            {
                "HTTP/1.0" => HTTPAccessLogEntry.Types.HTTPVersion.Http10,
                "HTTP/1.1" => HTTPAccessLogEntry.Types.HTTPVersion.Http11,
                "HTTP/2" => HTTPAccessLogEntry.Types.HTTPVersion.Http2,
                "HTTP/3" => HTTPAccessLogEntry.Types.HTTPVersion.Http3,
                _ => HTTPAccessLogEntry.Types.HTTPVersion.ProtocolUnspecified,
            },
            Request = new HTTPRequestProperties
            {
                RequestMethod = System.Enum.TryParse<RequestMethod>(r.Method, ignoreCase: true, out var m) ? m : RequestMethod.MethodUnspecified,
                Authority = r.Authority ?? "",
                Path = r.Path ?? "",
                UserAgent = r.UserAgent ?? "",
                RequestId = r.RequestId ?? "",
                RequestBodyBytes = (ulong)Math.Max(0, r.BytesReceived),
            },
            Response = new HTTPResponseProperties
            {
                ResponseBodyBytes = (ulong)Math.Max(0, r.BytesSent),
                ResponseCodeDetails = r.Details == "-" ? "" : r.Details,
            },
        };
        if (r.ResponseCode > 0)
        {
            entry.Response.ResponseCode = (uint)r.ResponseCode;
        }

        return entry;
    }

    private static AccessLogCommon Common(AccessLogRecord r)
    {
        var common = new AccessLogCommon
        {
            SampleRate = r.SampleRate,
            StartTime = Timestamp.FromDateTimeOffset(r.Start),
            Duration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(r.Duration),
            DownstreamRemoteAddress = Address(r.SourceAddress),
            UpstreamRemoteAddress = Address(r.UpstreamHost),
            UpstreamCluster = r.UpstreamCluster ?? "",
            RouteName = r.RouteName ?? "",
            ResponseFlags = ResponseFlagCodes.ToProto(r.ResponseFlags),
            UpstreamRequestAttemptCount = r.IsHttp ? (uint)(r.RetryCount + 1) : 0,
            ConnectionTerminationDetails = !r.IsHttp && r.Details != "-" ? r.Details : "",
            Metadata = new Metadata(),
        };
        if (r.Security == "mutual_tls")
        {
            common.TlsProperties = new TLSProperties { TlsVersion = TLSProperties.Types.TLSVersion.Tlsv13 };
            // Envoy's view is the local proxy's: the peer certificate is the other side of the hop.
            var (local, peer) = r.Direction == "inbound" ? (r.DestinationPrincipal, r.SourcePrincipal) : (r.SourcePrincipal, r.DestinationPrincipal);
            common.TlsProperties.LocalCertificateProperties = Certificate(local);
            common.TlsProperties.PeerCertificateProperties = Certificate(peer);
        }

        var skein = new Struct();
        Put(skein, SkeinLogMetadata.Direction, r.Direction);
        Put(skein, SkeinLogMetadata.Node, r.Node);
        Put(skein, SkeinLogMetadata.ConnectionId, r.ConnectionId);
        Put(skein, SkeinLogMetadata.SourceWorkload, r.SourceWorkload);
        Put(skein, SkeinLogMetadata.SourceNamespace, r.SourceNamespace);
        Put(skein, SkeinLogMetadata.SourcePrincipal, r.SourcePrincipal);
        Put(skein, SkeinLogMetadata.DestinationWorkload, r.DestinationWorkload);
        Put(skein, SkeinLogMetadata.DestinationNamespace, r.DestinationNamespace);
        Put(skein, SkeinLogMetadata.DestinationPrincipal, r.DestinationPrincipal);
        Put(skein, SkeinLogMetadata.DestinationService, r.DestinationService);
        Put(skein, SkeinLogMetadata.Security, r.Security);
        Put(skein, SkeinLogMetadata.Details, r.Details == "-" ? null : r.Details);
        Put(skein, SkeinLogMetadata.FailedHop, r.FailedHop);
        Put(skein, SkeinLogMetadata.Policy, r.Policy);
        Put(skein, SkeinLogMetadata.Requested, r.Requested);
        common.Metadata.FilterMetadata[SkeinLogMetadata.Namespace] = skein;
        return common;
    }

    private static TLSProperties.Types.CertificateProperties? Certificate(string? uri)
    {
        if (uri is null)
        {
            return null;
        }

        var properties = new TLSProperties.Types.CertificateProperties();
        properties.SubjectAltName.Add(new TLSProperties.Types.CertificateProperties.Types.SubjectAltName { Uri = uri });
        return properties;
    }

    private static void Put(Struct s, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            s.Fields[key] = Value.ForString(value);
        }
    }

    private static Address? Address(string? endpoint) =>
        endpoint is not null && IPEndPoint.TryParse(endpoint, out var ep)
            ? new Address { SocketAddress = new Skein.Core.Protos.Envoy.Core.SocketAddress { Address = ep.Address.ToString(), PortValue = (uint)ep.Port } }
            : null;
}
