using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Rectification.Server.Tests.Cluster;

/// <summary>The service as a process of its own (dotnet Rectification.Server.dll) on a loopback port, so it can be
/// killed as a machine would die: SIGKILL, no shutdown.</summary>
public sealed class ServiceNode : IDisposable
{
    private readonly Process _process;

    private ServiceNode(string name, Process process, string url)
    {
        Name = name;
        _process = process;
        Url = url;
    }

    public string Name { get; }

    public string Url { get; }

    public bool HasExited => _process.HasExited;

    public static ServiceNode Start(string name, string dataDirectory, IReadOnlyDictionary<string, string> settings)
    {
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = dataDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Rectification.Server.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(url);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["Storage__DataDirectory"] = dataDirectory;
        start.Environment["Serilog__MinimumLevel__Default"] = "Warning";
        start.Environment["Serilog__WriteTo__File__Args__path"] = Path.Combine(dataDirectory, "logs", "rectification-.log");
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        // Drained so a chatty node never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServiceNode(name, process, url);
    }

    /// <summary>Waits until /health answers 200, or fails after a minute or when the process exits.</summary>
    public async Task WaitHealthyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var until = TimeProvider.System.GetUtcNow().AddMinutes(1);
        while (TimeProvider.System.GetUtcNow() < until)
        {
            Assert.False(_process.HasExited, $"{Name} exited with {(_process.HasExited ? _process.ExitCode : 0)} while starting");
            try
            {
                if ((await http.GetAsync(Url + "/health")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        Assert.Fail($"{Name} did not become healthy within a minute");
    }

    /// <summary>SIGKILL: the node stops mid-work, holding whatever it held.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
