using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Rectification.Processes;

/// <summary>The service as a process of its own (dotnet Rectification.Server.dll) on a loopback port: measured by the
/// benchmark harness, killed as a machine would die (SIGKILL) by the cluster test. Compiled into both projects.</summary>
public sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;

    private ServiceProcess(Process process, string url)
    {
        _process = process;
        Url = url;
    }

    public string Url { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts the service from <paramref name="binaries"/> (by default the binaries beside the caller's), over
    /// <paramref name="dataDirectory"/>, with settings given as configuration keys (Database:Provider, ...).</summary>
    public static ServiceProcess Start(string dataDirectory, IReadOnlyDictionary<string, string> settings, string environment = "Production",
        string? binaries = null)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        listener.Stop();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = dataDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(binaries ?? AppContext.BaseDirectory, "Rectification.Server.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(url);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = environment;
        start.Environment["Storage__DataDirectory"] = dataDirectory;
        start.Environment["Serilog__MinimumLevel__Default"] = "Warning";
        start.Environment["Serilog__MinimumLevel__Override__Rectification.Server.Features.Timers.Sweep"] = "Debug";
        start.Environment["Serilog__WriteTo__File__Args__path"] = Path.Combine(dataDirectory, "logs", "service-.log");
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                Console.Error.WriteLine("service: " + line);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServiceProcess(process, url);
    }

    /// <summary>Waits for /health to answer 200 and says how long that took from the process start.</summary>
    public async Task<TimeSpan> WaitHealthyAsync(TimeSpan limit)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var started = _process.StartTime.ToUniversalTime();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The service exited with {_process.ExitCode} while starting.");
            }

            try
            {
                if ((await http.GetAsync(Url + "/health")).StatusCode == HttpStatusCode.OK)
                {
                    return TimeProvider.System.GetUtcNow().UtcDateTime - started;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (TimeProvider.System.GetUtcNow().UtcDateTime - started > limit)
            {
                throw new TimeoutException($"The service was not healthy within {limit}.");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Resident memory now and at its peak (VmRSS, VmHWM), in MB.</summary>
    public (double Rss, double Peak) Memory()
    {
        var status = File.ReadAllLines($"/proc/{_process.Id}/status");
        double Read(string key) => double.Parse(status.Single(l => l.StartsWith(key, StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1],
            CultureInfo.InvariantCulture) / 1024;
        return (Read("VmRSS:"), Read("VmHWM:"));
    }

    /// <summary>SIGKILL: the service stops mid-work, holding whatever it held.</summary>
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
}
