using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Skein.Integration.Tests.Infrastructure;

namespace Skein.Integration.Tests;

/// <summary>
/// <c>skein control --kubernetes</c> against the API server emulator: objects applied with kubectl configure the mesh,
/// Pods become workloads served by node proxies, invalid objects are rejected by name while the last good config serves,
/// status is written back, and the control plane rides out the API server going away.
/// </summary>
public sealed class KubernetesSourceTests
{
    private static readonly string DenyClient = Yaml.AuthorizationPolicy("deny-client", "default", "echo", "DENY", "cluster.local/ns/default/sa/client");

    [Fact]
    public async Task Objects_applied_with_kubectl_drive_pods_policy_and_status_and_survive_the_api_server_going_away()
    {
        await using var mesh = new TestMesh();
        var node = mesh.Block.Host(2);
        var echo = mesh.Block.Host(10);
        var client = mesh.Block.Host(11);
        var kube = new KubeApiEmulator(mesh, mesh.Block.Host(5));
        await kube.StartAsync();

        // Workloads as Kubernetes has them: a Service over pods with a named container port, scheduled on node-1.
        await kube.KubectlAsync($"""
            apiVersion: v1
            kind: Service
            metadata:
              name: echo
              namespace: default
            spec:
              selector:
                app: echo
              ports:
              - name: http
                port: 80
                targetPort: http
            ---
            {Pod("echo-1", "echo", "echo", withPort: true)}
            ---
            {Pod("client-1", "client", "client", withPort: false)}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata:
              name: web
              namespace: default
            spec:
              gatewayClassName: skein
              listeners:
              - name: http
                port: 8080
                protocol: HTTP
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: web-echo
              namespace: default
            spec:
              parentRefs:
              - name: web
              rules:
              - backendRefs:
                - name: echo
                  port: 80

            """, "create", "--validate=false", "-f", "-");

        // The kubelet's part: the pods start and get their IPs (status subresource).
        using (var kubelet = kube.Client())
        {
            await ReportPodIpAsync(kubelet, "echo-1", echo);
            await ReportPodIpAsync(kubelet, "client-1", client);
        }

        // The node proxy authenticates with its DaemonSet pod's ServiceAccount token (audience skein, bound to the pod), not a join token:
        // the control plane checks it with TokenReview and takes the node from the pod the token is bound to.
        await kube.KubectlAsync("""
            apiVersion: v1
            kind: Namespace
            metadata:
              name: skein-system
            ---
            apiVersion: v1
            kind: ServiceAccount
            metadata:
              name: skein-node
              namespace: skein-system

            """, "create", "--validate=false", "-f", "-");
        await kube.KubectlAsync(NodeProxyPod, "create", "--validate=false", "-f", "-");
        var tokenFile = Path.Combine(mesh.Root, "node-1.sa-token");
        await File.WriteAllTextAsync(tokenFile, await NodeProxyTokenAsync(kube));

        await mesh.StartEchoAsync("echo-1", new IPEndPoint(echo, 8080));
        await mesh.StartKubernetesControlAsync(kube.Kubeconfig);
        await mesh.StartProxyAsync("node-1", node, extraArgs: ["--token-file", tokenFile]);
        await mesh.WaitListeningAsync(new IPEndPoint(client, 15080));
        using var http = TestMesh.SocksClient(client);
        Assert.True(await AllowedAsync(http, "before"), $"echo is not reachable through the node proxy\n{mesh.Logs}");

        // The same token cannot speak for another node.
        await mesh.StartProxyAsync("node-2", mesh.Block.Host(3), waitReady: false, extraArgs: ["--token-file", tokenFile]);
        await TestMesh.EventuallyAsync(() => Task.FromResult(mesh.Control!.Output.Contains("node node-1 tried to subscribe as node-2; refused", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(20), "the control plane to refuse node-1's token for node-2");

        var pods = (await mesh.GetJsonAsync(new Uri(mesh.Api, "api/v1/resources?kind=Workload&namespace=default&name=echo-1")))["items"]!.AsArray();
        var workload = Assert.Single(pods)!;
        Assert.Equal(echo.ToString(), workload["spec"]!["addresses"]![0]!.GetValue<string>());
        Assert.Equal("node-1", workload["spec"]!["node"]!.GetValue<string>());
        Assert.Equal(8080, workload["spec"]!["ports"]!["http"]!.GetValue<int>());

        // Gateway status computed by the control plane lands in the API server.
        await TestMesh.EventuallyAsync(async () =>
            (await kube.KubectlAsync(null, "get", "gateways", "web", "-n", "default", "-o", "jsonpath={.status.conditions[?(@.type==\"Accepted\")].status}")).Trim() == "True",
            TimeSpan.FromSeconds(20), "the Gateway's Accepted condition in the API server");
        await TestMesh.EventuallyAsync(async () =>
            (await kube.KubectlAsync(null, "get", "httproutes", "web-echo", "-n", "default", "-o", "jsonpath={.status.parents[0].controllerName} {.status.parents[0].conditions[?(@.type==\"Accepted\")].status}")).Trim()
                == "skein.dev/gateway-controller True",
            TimeSpan.FromSeconds(20), "the HTTPRoute's parent status in the API server");

        // An edit through the API server takes effect: DENY refuses the client.
        await kube.ApplyAsync(DenyClient);
        await TestMesh.EventuallyAsync(async () => !await AllowedAsync(http, "denied"), TimeSpan.FromSeconds(20), "the DENY policy to refuse the client");

        // An invalid edit of the same object is reported by name, field and reason, and the last good version (DENY) keeps serving.
        await kube.ApplyAsync(DenyClient.Replace("action: DENY", "action: BLOCK", StringComparison.Ordinal));
        JsonObject? error = null;
        await TestMesh.EventuallyAsync(async () =>
        {
            var errors = (await mesh.GetJsonAsync(new Uri(mesh.Api, "api/v1/config-errors")))["errors"]!.AsArray();
            error = errors.FirstOrDefault(e => e!["file"]!.GetValue<string>() == "AuthorizationPolicy default/deny-client")?.AsObject();
            return error is not null;
        }, TimeSpan.FromSeconds(20), "the invalid AuthorizationPolicy's config error");
        Assert.Equal("spec.action", error!["field"]!.GetValue<string>());
        Assert.Contains("BLOCK", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(await AllowedAsync(http, "still-denied"), "the last good policy (DENY) should keep serving");
        var check = TestProcess.Skein("check", ["check", "--server", mesh.Api.ToString().TrimEnd('/')]);
        await using (check)
        {
            await check.WaitForExitAsync(TimeSpan.FromSeconds(30));
            Assert.Contains("AuthorizationPolicy default/deny-client", check.Output, StringComparison.Ordinal);
        }

        // Deleted through the API server: allowed again, and the error is gone with the object.
        await kube.KubectlAsync(null, "delete", "authorizationpolicies", "deny-client", "-n", "default");
        await TestMesh.EventuallyAsync(() => AllowedAsync(http, "allowed-again"), TimeSpan.FromSeconds(20), "traffic to be allowed after the delete");
        Assert.Empty((await mesh.GetJsonAsync(new Uri(mesh.Api, "api/v1/config-errors")))["errors"]!.AsArray());

        // The kubelet rotates the projected token (here the pod is recreated, which also kills the old token): the proxy
        // re-reads its token file, so after a control plane restart it reconnects with the new token.
        await kube.KubectlAsync(null, "delete", "pod", "skein-node-x7k2p", "-n", "skein-system");
        await kube.KubectlAsync(NodeProxyPod, "create", "--validate=false", "-f", "-");
        await File.WriteAllTextAsync(tokenFile, await NodeProxyTokenAsync(kube));
        mesh.Control!.KillHard();
        await mesh.Control.WaitForExitAsync(TimeSpan.FromSeconds(10));
        await mesh.StartKubernetesControlAsync(kube.Kubeconfig);
        try
        {
            await TestMesh.EventuallyAsync(async () =>
                (await mesh.GetJsonAsync(new Uri(mesh.Api, "api/v1/proxies")))["proxies"]!.AsArray().Any(p => p!["node"]!.GetValue<string>() == "node-1"),
                TimeSpan.FromSeconds(20), "node-1's proxy to reconnect with its rotated token");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{mesh.Logs}", e);
        }
        Assert.True(await AllowedAsync(http, "after-rotation"));

        // The API server goes away: the control plane keeps serving its last config.
        await kube.StopAsync();
        await TestMesh.EventuallyAsync(() => Task.FromResult(mesh.Control!.Output.Contains("last good config keeps serving", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(20), "the control plane to notice the API server is gone");
        using (var ready = await mesh.Http.GetAsync(new Uri(mesh.Api, "readyz")))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        Assert.True(await AllowedAsync(http, "api-server-away"));

        // It comes back (objects kept, watch history lost: resumed watches get 410 and relist) and the control plane catches up.
        await kube.StartAsync();
        await kube.ApplyAsync(DenyClient);
        try
        {
            await TestMesh.EventuallyAsync(async () => !await AllowedAsync(http, "denied-after-restart"), TimeSpan.FromSeconds(30), "the DENY policy created after the API server's restart to take effect");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{mesh.Logs}", e);
        }
        // Logged before the relist took effect, but the console logger and our output reader may deliver it later.
        await mesh.Control!.WaitForOutputAsync("listing again", TimeSpan.FromSeconds(10));
    }

    private const string NodeProxyPod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: skein-node-x7k2p
          namespace: skein-system
        spec:
          nodeName: node-1
          hostNetwork: true
          serviceAccountName: skein-node
          containers:
          - name: proxy
            image: skein/skein

        """;

    /// <summary>A token for the node proxies' ServiceAccount, audience skein, bound to the node proxy's pod.</summary>
    /// <remarks>TokenRequest goes through KubernetesClient: <c>kubectl create token</c> speaks protobuf, which the emulator does not.</remarks>
    private static async Task<string> NodeProxyTokenAsync(KubeApiEmulator kube)
    {
        using var client = kube.Client();
        var request = await client.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest
            {
                Spec = new V1TokenRequestSpec
                {
                    Audiences = ["skein"],
                    BoundObjectRef = new V1BoundObjectReference { Kind = "Pod", ApiVersion = "v1", Name = "skein-node-x7k2p" },
                },
            },
            "skein-node", "skein-system");
        return request.Status.Token;
    }

    private static string Pod(string name, string app, string serviceAccount, bool withPort) => $"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {name}
          namespace: default
          labels:
            app: {app}
        spec:
          nodeName: node-1
          serviceAccountName: {serviceAccount}
          containers:
          - name: main
            image: skein/{app}
        {(withPort ? "    ports:\n    - name: http\n      containerPort: 8080" : "")}
        """;

    private static async Task ReportPodIpAsync(k8s.Kubernetes kubelet, string name, IPAddress ip)
    {
        var status = new JsonObject
        {
            ["status"] = new JsonObject { ["phase"] = "Running", ["podIP"] = ip.ToString(), ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = ip.ToString() }) },
        };
        var patch = new V1Patch(status.ToJsonString(), V1Patch.PatchType.MergePatch);
        await kubelet.CoreV1.PatchNamespacedPodStatusAsync(patch, name, "default");
    }

    private static async Task<bool> AllowedAsync(HttpClient http, string path)
    {
        try
        {
            using var response = await http.GetAsync($"http://echo.default/{path}");
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }
}
