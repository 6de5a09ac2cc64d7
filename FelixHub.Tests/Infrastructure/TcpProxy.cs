using System.Net;
using System.Net.Sockets;

namespace FelixHub.Tests.Infrastructure;

/// <summary>
/// A loopback TCP forwarder in front of PostgreSQL: <see cref="Cut"/> drops every connection and
/// refuses new ones, as an outage would, without stopping the cluster other tests share.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly IPEndPoint target;
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private readonly List<TcpClient> open = [];
    private volatile bool cut;

    public TcpProxy(string host, int port)
    {
        target = new IPEndPoint(IPAddress.Parse(host), port);
        listener.Start();
        _ = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public void Cut()
    {
        cut = true;
        lock (open)
        {
            foreach (var client in open) client.Dispose();
            open.Clear();
        }
    }

    public void Restore() => cut = false;

    private async Task AcceptLoopAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(stop.Token); }
            catch (Exception) { return; }
            if (cut) { client.Dispose(); continue; }
            _ = PipeAsync(client);
        }
    }

    private async Task PipeAsync(TcpClient client)
    {
        var server = new TcpClient();
        try
        {
            await server.ConnectAsync(target, stop.Token);
            lock (open) { open.Add(client); open.Add(server); }
            using var both = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
            var a = client.GetStream().CopyToAsync(server.GetStream(), both.Token);
            var b = server.GetStream().CopyToAsync(client.GetStream(), both.Token);
            await Task.WhenAny(a, b);
            await both.CancelAsync();
        }
        catch (Exception)
        {
            // A cut connection ends here.
        }
        finally
        {
            client.Dispose();
            server.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        stop.Cancel();
        listener.Stop();
        Cut();
        stop.Dispose();
        return ValueTask.CompletedTask;
    }
}
