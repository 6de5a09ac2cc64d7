using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace FelixHub.Tests.Reliability;

/// <summary>A route parameter of an endpoint and its constraint (<c>int</c>, <c>guid</c> or none).</summary>
public sealed record RouteParameter(string Name, string Constraint);

/// <summary>A JSON property of a request body and the CLR type it binds to.</summary>
public sealed record BodyProperty(string JsonName, Type Type);

/// <summary>One <c>/api</c> endpoint as the running host maps it: what the hostile suite aims at.</summary>
public sealed record ApiEndpoint(
    string Method, string Route, IReadOnlyList<RouteParameter> RouteParameters, IReadOnlyList<string> QueryParameters,
    Type? BodyType, IReadOnlyList<BodyProperty> BodyProperties)
{
    public string Key => $"{Method} {Route}";

    public bool HasBody => BodyType is not null;

    /// <summary>The endpoint takes an <c>Idempotency-Key</c> header.</summary>
    public bool Idempotent { get; init; }
}

/// <summary>Reads every <c>/api</c> endpoint, its route and query parameters and its body type from the host's endpoint metadata.</summary>
public static class ApiSurface
{
    public static IReadOnlyList<ApiEndpoint> Discover(IServiceProvider services)
    {
        var endpoints = new List<ApiEndpoint>();
        foreach (var endpoint in services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var route = endpoint.RoutePattern.RawText ?? "";
            if (!route.StartsWith("/api/", StringComparison.Ordinal) || IsApiReference(route)) continue;
            var routeParameters = endpoint.RoutePattern.Parameters
                .Select(p => new RouteParameter(p.Name, p.ParameterPolicies.Select(policy => policy.Content ?? "").FirstOrDefault() ?? ""))
                .ToList();
            var body = endpoint.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
            var query = endpoint.Metadata.GetOrderedMetadata<IParameterBindingMetadata>()
                .Where(p => p.HasTryParse && routeParameters.All(r => !string.Equals(r.Name, p.Name, StringComparison.OrdinalIgnoreCase)))
                .Select(p => p.Name)
                .ToList();
            foreach (var method in endpoint.Metadata.GetOrderedMetadata<IHttpMethodMetadata>().SelectMany(m => m.HttpMethods).Distinct())
                endpoints.Add(new ApiEndpoint(method, route, routeParameters, query, body, body is null ? [] : PropertiesOf(body))
                {
                    Idempotent = endpoint.Metadata.GetMetadata<FelixHub.Worker.Api.IdempotentEndpoint>() is not null,
                });
        }
        return endpoints;
    }

    /// <summary>The reference page (<c>/api/docs</c>) sits under /api for its access rule; it is not an API endpoint.</summary>
    private static bool IsApiReference(string route) =>
        route == FelixHub.Worker.Api.ApiReference.DocsPath || route.StartsWith(FelixHub.Worker.Api.ApiReference.DocsPath + "/", StringComparison.Ordinal);

    private static List<BodyProperty> PropertiesOf(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract")
            .Select(p => new BodyProperty(
                p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name),
                Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType))
            .ToList();
}
