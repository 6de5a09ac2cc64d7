namespace FelixHub.Worker.Hosting;

/// <summary>
/// <c>dotnet FelixHub.Worker.dll probe /alive</c>: asks a running worker one of its probes and exits
/// 0 when it answers 2xx, 1 otherwise. For container health checks: the runtime image has no curl.
/// The path is resolved against the first of <c>ASPNETCORE_URLS</c> (a wildcard host is this
/// machine); a full URL is used as it is.
/// </summary>
public static class Probe
{
    public static bool IsProbe(string[] args) => args is ["probe", _, ..];

    public static async Task<int> RunAsync(string[] args)
    {
        var target = ResolveUrl(args[1], Environment.GetEnvironmentVariable("ASPNETCORE_URLS"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await http.GetAsync(target);
            await Console.Out.WriteLineAsync($"{target}: {(int)response.StatusCode}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync($"{target}: {ex.Message}");
            return 1;
        }
    }

    public static Uri ResolveUrl(string pathOrUrl, string? urls)
    {
        if (Uri.TryCreate(pathOrUrl, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https") return absolute;
        var first = (urls ?? "http://localhost:8080").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "http://localhost:8080";
        var local = first.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal).Replace("://[::]", "://localhost", StringComparison.Ordinal);
        return new Uri(new Uri(local.TrimEnd('/') + "/"), pathOrUrl.TrimStart('/'));
    }
}
