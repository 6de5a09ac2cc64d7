using FelixHub.Core.Persistence;
using FelixHub.Worker.Hosting;

var app = FelixHubApp.Build(args);
await app.MigrateDatabaseAsync();
await app.RunAsync();
