using FelixHub.Core.Persistence;
using FelixHub.Worker.Hosting;

if (Probe.IsProbe(args)) return await Probe.RunAsync(args);

var app = FelixHubApp.Build(args);
await app.MigrateDatabaseAsync();
await app.RunAsync();
return 0;
