# syntax=docker/dockerfile:1
# Multi-stage: the SDK builds and publishes, the ASP.NET runtime image runs as a non-root user.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig FelixHub.sln appsettings.json ./
COPY FelixHub.Core/FelixHub.Core.csproj FelixHub.Core/
COPY FelixHub.Worker/FelixHub.Worker.csproj FelixHub.Worker/
RUN dotnet restore FelixHub.Worker/FelixHub.Worker.csproj
COPY FelixHub.Core/ FelixHub.Core/
COPY FelixHub.Worker/ FelixHub.Worker/
RUN dotnet publish FelixHub.Worker/FelixHub.Worker.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_URLS=http://+:8080 \
    Logging__Format=json \
    DOTNET_gcServer=0
EXPOSE 8080
# The image's built-in unprivileged user (uid 1654).
USER $APP_UID
# Required at run time (docs/configuration.md): FELIXHUB_API_KEY (or FELIXHUB_ALLOW_TRUSTED_WITHOUT_KEY=true)
# and the master key, FELIXHUB_MASTER_KEY or FELIXHUB_MASTER_KEY_FILE (a mounted secret); without
# them the worker exits with code 78 and says which to set.
# Liveness: the worker asks its own /alive (the image has no curl). Readiness is GET /ready, uptime
# monitoring GET /health (docs/operations.md).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD ["dotnet", "FelixHub.Worker.dll", "probe", "/alive"]
ENTRYPOINT ["dotnet", "FelixHub.Worker.dll"]
