using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Skein.Core.Identity;
using Skein.Core.Protos.Skein;
using Skein.Proxy.L7.Listeners;
using Skein.Proxy.L7.Routing;
using Skein.Proxy.Xds;

namespace Skein.Proxy.L7.Configuration;

/// <summary>Turns the Gateway resources placed on this proxy into an <see cref="L7Config"/>, or rejects the whole set with a reason.</summary>
public static class L7ConfigCompiler
{
    private const int HbonePort = 15008;

    /// <exception cref="XdsRejectedException">A Gateway is unusable (bad address, regex, certificate, conflicting protocols on one port).</exception>
    public static L7Config Compile(IEnumerable<Gateway> gateways, string role)
    {
        var runtimes = new List<GatewayRuntime>();
        var listeners = new Dictionary<IPEndPoint, (BindingKind Kind, List<ListenerRuntime> List)>();
        var hboneEndPoints = new Dictionary<IPEndPoint, GatewayRuntime>();
        var services = new Dictionary<string, List<ListenerRuntime>>(StringComparer.Ordinal);
        foreach (var gateway in gateways.OrderBy(g => g.Namespace, StringComparer.Ordinal).ThenBy(g => g.Name, StringComparer.Ordinal))
        {
            var where = $"Gateway {gateway.Namespace}/{gateway.Name}";
            SpiffeId? identity = null;
            if (gateway.Identity.Length > 0)
            {
                if (!SpiffeId.TryParse(gateway.Identity, out var id, out var error))
                {
                    throw new XdsRejectedException($"{where}: identity \"{gateway.Identity}\" is not a SPIFFE ID: {error}");
                }

                identity = id;
            }

            var runtime = new GatewayRuntime(gateway, identity)
            {
                BackendClientCertificate = gateway.BackendClientCertificate is { } client ? Load(client, $"{where} spec.tls.backend") : null,
            };
            runtimes.Add(runtime);
            var addresses = gateway.Addresses.Select(a => a.Length is 4 or 16
                ? new IPAddress(a.Span)
                : throw new XdsRejectedException($"{where}: an address of {a.Length} bytes is neither IPv4 nor IPv6")).ToList();
            if (role == "waypoint")
            {
                foreach (var address in addresses)
                {
                    var hbone = new IPEndPoint(address, HbonePort);
                    if (!hboneEndPoints.TryAdd(hbone, runtime))
                    {
                        throw new XdsRejectedException($"{where}: {hbone} is already the HBONE port of Gateway {hboneEndPoints[hbone].Key}");
                    }
                }
            }

            foreach (var listener in gateway.Listeners)
            {
                var at = $"{where} listener {listener.Name}";
                if (listener.Port is 0 or > 65535)
                {
                    throw new XdsRejectedException($"{at}: port {listener.Port} is out of range");
                }

                if (listener.Protocol == ListenerProtocol.Hbone)
                {
                    // Waypoint listeners are served inside HBONE tunnels on :15008, not bound on their own port.
                    if (listener.Service.Length == 0)
                    {
                        throw new XdsRejectedException($"{at}: an HBONE listener must name the service it governs");
                    }

                    var governedKey = L7Config.ServicePortKey(listener.Service, (int)listener.Port);
                    if (!services.TryGetValue(governedKey, out var governing))
                    {
                        services[governedKey] = governing = [];
                    }

                    governing.Add(new ListenerRuntime(runtime, listener, CompileRoutes(listener, at), []));
                    continue;
                }

                var (certificates, contexts) = LoadCertificates(listener, at);
                var compiled = new ListenerRuntime(runtime, listener, CompileRoutes(listener, at), certificates)
                {
                    CertificateContexts = contexts,
                    ClientValidation = LoadClientValidation(listener, at),
                };
                var kind = listener.Protocol switch
                {
                    ListenerProtocol.Http => BindingKind.Http,
                    ListenerProtocol.Https => BindingKind.Https,
                    ListenerProtocol.Tls => BindingKind.Tls,
                    ListenerProtocol.Tcp => BindingKind.Tcp,
                    _ => throw new XdsRejectedException($"{at}: protocol {listener.Protocol} is not supported by a {role} proxy"),
                };
                if (kind == BindingKind.Https && compiled.Certificates.Count == 0)
                {
                    throw new XdsRejectedException($"{at}: HTTPS listener without a certificate");
                }

                foreach (var address in addresses)
                {
                    var endPoint = new IPEndPoint(address, (int)listener.Port);
                    if (!listeners.TryGetValue(endPoint, out var entry))
                    {
                        listeners[endPoint] = entry = (kind, []);
                    }
                    else if (entry.Kind != kind && !(entry.Kind is BindingKind.Tls && kind is BindingKind.Tls))
                    {
                        throw new XdsRejectedException($"{at}: {endPoint} is already served as {entry.Kind} by {entry.List[0].Name}; one port speaks one protocol");
                    }

                    entry.List.Add(compiled);
                }
            }
        }

        var bindings = listeners.ToDictionary(p => p.Key, p => new PortBinding(p.Key, p.Value.Kind, p.Value.List));
        foreach (var endPoint in hboneEndPoints.Keys.Where(bindings.ContainsKey))
        {
            throw new XdsRejectedException($"{endPoint} is both a waypoint's HBONE port and a listener");
        }

        var governed = services.ToDictionary(p => p.Key, p => new PortBinding(new IPEndPoint(IPAddress.Any, HbonePort), BindingKind.Http, p.Value), StringComparer.Ordinal);
        return new L7Config(runtimes, bindings, hboneEndPoints, governed);
    }

    private static RouteTable CompileRoutes(Listener listener, string at)
    {
        try
        {
            return new RouteTable(listener.HttpRoutes);
        }
        catch (ArgumentException e)
        {
            throw new XdsRejectedException($"{at}: a route's regular expression does not compile: {e.Message}");
        }
    }

    // Each certificate comes with the context a handshake presents: the leaf plus the intermediates after it in
    // tls.crt (SslStreamCertificateContext sends them; a bare X509Certificate2 would send the leaf alone).
    private static (List<X509Certificate2> Leaves, List<SslStreamCertificateContext> Contexts) LoadCertificates(Listener listener, string at)
    {
        var leaves = new List<X509Certificate2>();
        var contexts = new List<SslStreamCertificateContext>();
        foreach (var certificate in listener.Certificates)
        {
            try
            {
                var leaf = Load(certificate, at);
                var chain = new X509Certificate2Collection();
                chain.ImportFromPem(certificate.CertificateChainPem);
                var intermediates = new X509Certificate2Collection();
                foreach (var element in chain)
                {
                    if (element.Thumbprint == leaf.Thumbprint)
                    {
                        element.Dispose();
                    }
                    else
                    {
                        intermediates.Add(element);
                    }
                }

                // offline: the chain is what the Secret holds; nothing is fetched (AIA) while building it.
                contexts.Add(SslStreamCertificateContext.Create(leaf, intermediates, offline: true));
                leaves.Add(leaf);
            }
            catch (CryptographicException e)
            {
                throw new XdsRejectedException($"{at}: certificate from {(certificate.Source.Length > 0 ? certificate.Source : "(inline)")} is unusable: {e.Message}");
            }
        }

        return (leaves, contexts);
    }

    private static ClientCertificateValidator? LoadClientValidation(Listener listener, string at)
    {
        try
        {
            return ClientCertificateValidator.From(listener.ClientValidation);
        }
        catch (CryptographicException e)
        {
            throw new XdsRejectedException($"{at}: client certificate validation: {e.Message}");
        }
    }

    private static X509Certificate2 Load(Certificate certificate, string at)
    {
        try
        {
            using var pem = X509Certificate2.CreateFromPem(certificate.CertificateChainPem, certificate.PrivateKeyPem);
            // Re-import so the key is usable by SslStream on every platform (ephemeral PEM keys are not, on some).
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (CryptographicException e)
        {
            throw new XdsRejectedException($"{at}: certificate from {(certificate.Source.Length > 0 ? certificate.Source : "(inline)")} is unusable: {e.Message}");
        }
    }
}
