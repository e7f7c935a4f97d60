using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Rectification.Server.Features.Alerts;
using Rectification.Server.Features.Audit;
using Rectification.Server.Features.Cases;
using Rectification.Server.Features.Ledger;
using Rectification.Server.Features.Orgs;
using Rectification.Server.Features.Timers;
using Rectification.Server.Features.Users;
using Rectification.Server.Features.Workflows;

namespace Rectification.Server.Data;

/// <summary>The service's database: org tree, accounts, flow versions, cases and their history. On SQLite it is used as
/// it is; on PostgreSQL through <see cref="PostgresDbContext"/>, which carries that provider's own migrations.</summary>
public class AppDbContext : DbContext
{
    public AppDbContext(DbContextOptions<AppDbContext> options)
        : base(options)
    {
    }

    protected AppDbContext(DbContextOptions options)
        : base(options)
    {
    }

    public DbSet<OrgUnit> OrgUnits => Set<OrgUnit>();

    public DbSet<User> Users => Set<User>();

    public DbSet<FlowVersion> FlowVersions => Set<FlowVersion>();

    public DbSet<FlowDraft> FlowDrafts => Set<FlowDraft>();

    public DbSet<Case> Cases => Set<Case>();

    public DbSet<CaseEvent> CaseEvents => Set<CaseEvent>();

    public DbSet<CaseField> CaseFields => Set<CaseField>();

    public DbSet<ChecklistSignature> ChecklistSignatures => Set<ChecklistSignature>();

    public DbSet<CaseTimer> CaseTimers => Set<CaseTimer>();

    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();

    public DbSet<Plan> Plans => Set<Plan>();

    public DbSet<LedgerItem> LedgerItems => Set<LedgerItem>();

    public DbSet<Infrastructure.IdempotentRequest> IdempotentRequests => Set<Infrastructure.IdempotentRequest>();

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        BeforeSave();
        return WriteGate() is { } gate ? gate.Run(() => base.SaveChanges(acceptAllChangesOnSuccess)) : base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        BeforeSave();
        return InWriteTurnAsync(() => base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken), cancellationToken);
    }

    /// <summary>Runs a write that is not a save (a bulk update, raw SQL in a transaction of its own) in its turn with the
    /// saves on SQLite, so the saves wait in line for it rather than meet its lock.</summary>
    public Task<T> InWriteTurnAsync<T>(Func<Task<T>> write, CancellationToken cancellationToken) =>
        WriteGate() is { } gate ? gate.RunAsync(write, cancellationToken) : write();

    /// <inheritdoc cref="InWriteTurnAsync{T}"/>
    public Task InWriteTurnAsync(Func<Task> write, CancellationToken cancellationToken) =>
        InWriteTurnAsync(async () =>
        {
            await write();
            return true;
        }, cancellationToken);

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(AppDbContext).Assembly);

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite has no date type: stored as UTC ticks, instants compare and sort correctly in SQL. PostgreSQL keeps the
        // same bigint ticks, so both providers hold the same values and share every query.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<UtcTicksConverter>();
        configurationBuilder.Properties<Enum>().HaveConversion<string>().HaveMaxLength(32);
    }

    /// <summary>The SQLite write gate, when this save should pass it: not inside a transaction the caller holds.</summary>
    private SqliteWriteGate? WriteGate() => Database.CurrentTransaction is null
        ? this.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.Interceptors?.OfType<SqliteWriteGate>().FirstOrDefault()
        : null;

    private void BeforeSave()
    {
        foreach (var entry in ChangeTracker.Entries())
        {
            // History is evidence for accountability decisions: it is only ever appended to.
            if (entry.Entity is CaseEvent or AuditEvent && entry.State is EntityState.Modified or EntityState.Deleted)
            {
                throw new InvalidOperationException($"{entry.Entity.GetType().Name} rows are append-only.");
            }

            // Here rather than at each place a deadline moves, so no change can leave an alert unscheduled.
            if (entry.State is EntityState.Added or EntityState.Modified)
            {
                AlertSchedule.Changed(entry.Entity);
            }
        }
    }

    private sealed class UtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
        v => v.UtcTicks,
        v => new DateTimeOffset(v, TimeSpan.Zero));
}
