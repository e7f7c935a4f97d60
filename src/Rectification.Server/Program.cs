using Rectification.Server.Features.Acceptance;
using Rectification.Server.Features.Accountability;
using Rectification.Server.Features.Admin;
using Rectification.Server.Features.Alerts;
using Rectification.Server.Features.Audit;
using Rectification.Server.Features.Auth;
using Rectification.Server.Features.Backup;
using Rectification.Server.Features.Cases;
using Rectification.Server.Features.Channels;
using Rectification.Server.Features.Dashboard;
using Rectification.Server.Features.Dispatch;
using Rectification.Server.Features.Health;
using Rectification.Server.Features.Import;
using Rectification.Server.Features.Ledger;
using Rectification.Server.Features.MyWork;
using Rectification.Server.Features.Orgs;
using Rectification.Server.Features.Situations;
using Rectification.Server.Features.Timers;
using Rectification.Server.Features.Users;
using Rectification.Server.Features.Workflows;
using Rectification.Server.Infrastructure;
using Rectification.Server.Web;

// backup and restore run instead of the service, on its configuration.
if (BackupCommand.IsCommand(args))
{
    Environment.ExitCode = await BackupCommand.RunAsync(args, Console.Out, Console.Error);
    return;
}

// No reloading of appsettings: its watcher covers the content root and everything below it, data/ included, and woke for
// every write to the database (7 % of the CPU under load). Settings are read once, at start.
var builder = WebApplication.CreateBuilder(["--hostBuilder:reloadConfigOnChange=false", .. args]);
builder.AddConfigDirectory().AddStorage().AddLogging().AddPlatform().AddAuth().AddTimers();
builder.Services
    .AddHealth()
    .AddOrgs()
    .AddUsers()
    .AddSituations(builder.Configuration)
    .AddWorkflows(builder.Configuration)
    .AddCases()
    .AddLedger()
    .AddAcceptance(builder.Configuration)
    .AddImport()
    .AddAlerts(builder.Configuration)
    .AddDispatch(builder.Configuration)
    .AddChannels(builder.Configuration)
    .AddDashboard()
    .AddMyWork()
    .AddAudit()
    .AddBackup();
builder.AddWeb();

var app = builder.Build();
app.UseWebHeaders();
app.UsePlatform();
app.MapHealthEndpoints()
    .MapAuthEndpoints()
    .MapOrgEndpoints()
    .MapUserEndpoints()
    .MapSituationEndpoints()
    .MapWorkflowEndpoints()
    .MapCaseEndpoints()
    .MapLedgerEndpoints()
    .MapAcceptanceEndpoints()
    .MapImportEndpoints()
    .MapAccountabilityEndpoints()
    .MapAlertEndpoints()
    .MapSimulatedClockEndpoints()
    .MapDispatchEndpoints()
    .MapChannelEndpoints()
    .MapDashboardEndpoints()
    .MapMyWorkEndpoints()
    .MapAuditEndpoints()
    .MapBackupEndpoints();
app.MapWeb();
app.Run();

/// <summary>The service's entry point; public so the integration tests can host it.</summary>
public partial class Program;
