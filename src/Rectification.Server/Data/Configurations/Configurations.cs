using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Rectification.Server.Features.Acceptance;
using Rectification.Server.Features.Accountability;
using Rectification.Server.Features.Alerts;
using Rectification.Server.Features.Audit;
using Rectification.Server.Features.Cases;
using Rectification.Server.Features.Channels;
using Rectification.Server.Features.Dispatch;
using Rectification.Server.Features.Ledger;
using Rectification.Server.Features.Orgs;
using Rectification.Server.Features.Timers;
using Rectification.Server.Features.Users;
using Rectification.Server.Features.Workflows;

namespace Rectification.Server.Data.Configurations;

internal sealed class OrgUnitConfiguration : IEntityTypeConfiguration<OrgUnit>
{
    public void Configure(EntityTypeBuilder<OrgUnit> b)
    {
        b.Property(o => o.Code).HasMaxLength(32);
        b.Property(o => o.Name).HasMaxLength(100);
        b.Property(o => o.Path).HasMaxLength(200);
        b.HasIndex(o => o.Code).IsUnique();
        b.HasIndex(o => o.Path);
        b.HasIndex(o => o.ParentId);
        b.HasOne<OrgUnit>().WithMany().HasForeignKey(o => o.ParentId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> b)
    {
        b.Property(u => u.UserName).HasMaxLength(64);
        b.Property(u => u.DisplayName).HasMaxLength(100);
        b.HasIndex(u => u.UserName).IsUnique();
        b.HasOne<OrgUnit>().WithMany().HasForeignKey(u => u.OrgUnitId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(u => u.Roles).WithOne().HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class UserRoleConfiguration : IEntityTypeConfiguration<UserRole>
{
    public void Configure(EntityTypeBuilder<UserRole> b)
    {
        b.HasKey(r => new { r.UserId, r.Role });
        b.Property(r => r.Role).HasMaxLength(32);
    }
}

internal sealed class FlowVersionConfiguration : IEntityTypeConfiguration<FlowVersion>
{
    public void Configure(EntityTypeBuilder<FlowVersion> b)
    {
        b.Property(f => f.Key).HasMaxLength(64);
        b.Property(f => f.ContentHash).HasMaxLength(64);
        b.Property(f => f.PublishedByName).HasMaxLength(100);
        // Version numbers run per key across scopes, so ?version=N is unambiguous and two publishes racing for the
        // same number meet this index: one wins, the other gets 409.
        b.HasIndex(f => new { f.Key, f.Version }).IsUnique();
        b.HasIndex(f => new { f.Key, f.ScopeId });
    }
}

internal sealed class FlowDraftConfiguration : IEntityTypeConfiguration<FlowDraft>
{
    public void Configure(EntityTypeBuilder<FlowDraft> b)
    {
        b.Property(f => f.Key).HasMaxLength(64);
        b.Property(f => f.AuthorName).HasMaxLength(100);
        b.Property(f => f.Revision).IsConcurrencyToken();
        b.HasIndex(f => new { f.Key, f.ScopeId }).IsUnique();
    }
}

internal sealed class CaseConfiguration : IEntityTypeConfiguration<Case>
{
    public void Configure(EntityTypeBuilder<Case> b)
    {
        b.Property(c => c.Stage).HasMaxLength(64);
        b.Property(c => c.Note).HasMaxLength(2000);
        b.Property(c => c.Version).IsConcurrencyToken();
        b.Property(c => c.HistoryHash).HasMaxLength(64);
        b.HasIndex(c => new { c.VillageId, c.OpenYear }).IsUnique();
        b.HasIndex(c => new { c.CountyId, c.Stage });
        b.HasIndex(c => new { c.TownshipId, c.Stage });
        b.HasIndex(c => c.NextAlertAt);
        b.HasOne<OrgUnit>().WithMany().HasForeignKey(c => c.VillageId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<FlowVersion>().WithMany().HasForeignKey(c => c.FlowVersionId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(c => c.Situations).WithOne().HasForeignKey(s => s.CaseId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(c => c.Fields).WithOne().HasForeignKey(f => f.CaseId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(c => c.Signatures).WithOne().HasForeignKey(s => s.CaseId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class CaseSituationConfiguration : IEntityTypeConfiguration<CaseSituation>
{
    public void Configure(EntityTypeBuilder<CaseSituation> b)
    {
        b.HasKey(s => new { s.CaseId, s.Code });
        b.Property(s => s.Code).HasMaxLength(16);
        b.HasIndex(s => s.Code);
    }
}

internal sealed class CaseFieldConfiguration : IEntityTypeConfiguration<CaseField>
{
    public void Configure(EntityTypeBuilder<CaseField> b)
    {
        b.HasKey(f => new { f.CaseId, f.Key });
        b.Property(f => f.Key).HasMaxLength(64);
        b.Property(f => f.Value).HasMaxLength(500);
    }
}

internal sealed class ChecklistSignatureConfiguration : IEntityTypeConfiguration<ChecklistSignature>
{
    public void Configure(EntityTypeBuilder<ChecklistSignature> b)
    {
        b.Property(s => s.Stage).HasMaxLength(64);
        b.Property(s => s.Item).HasMaxLength(64);
        b.Property(s => s.SignedByName).HasMaxLength(100);
        b.Property(s => s.Comment).HasMaxLength(2000);
        b.HasIndex(s => new { s.CaseId, s.StageVisit, s.Item }).IsUnique();
    }
}

internal sealed class CaseEventConfiguration : IEntityTypeConfiguration<CaseEvent>
{
    public void Configure(EntityTypeBuilder<CaseEvent> b)
    {
        b.Property(e => e.ActorName).HasMaxLength(100);
        b.Property(e => e.Kind).HasMaxLength(32);
        b.Property(e => e.Action).HasMaxLength(64);
        b.Property(e => e.FromStage).HasMaxLength(64);
        b.Property(e => e.ToStage).HasMaxLength(64);
        b.Property(e => e.Comment).HasMaxLength(2000);
        b.HasIndex(e => new { e.CaseId, e.Seq }).IsUnique();
        b.Property(e => e.Hash).HasMaxLength(64);
        // Start-up asks whether any entry is still unsealed: this index holds only those, so the answer costs nothing.
        b.HasIndex(e => e.Hash).HasDatabaseName("IX_CaseEvents_Unsealed").HasFilter("\"Hash\" IS NULL");
        b.HasOne<Case>().WithMany(c => c.History).HasForeignKey(e => e.CaseId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class CaseTimerConfiguration : IEntityTypeConfiguration<CaseTimer>
{
    public void Configure(EntityTypeBuilder<CaseTimer> b)
    {
        b.Property(t => t.Stage).HasMaxLength(64);
        b.Property(t => t.TimerKey).HasMaxLength(64);
        b.HasIndex(t => new { t.FiredAt, t.CancelledAt, t.DueAt });
        b.HasIndex(t => t.CaseId);
        b.HasOne<Case>().WithMany(c => c.Timers).HasForeignKey(t => t.CaseId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> b)
    {
        b.Property(e => e.ActorName).HasMaxLength(100);
        b.Property(e => e.Kind).HasMaxLength(64);
        b.Property(e => e.Subject).HasMaxLength(200);
        b.HasIndex(e => e.At);
    }
}

internal sealed class PlanConfiguration : IEntityTypeConfiguration<Plan>
{
    public void Configure(EntityTypeBuilder<Plan> b)
    {
        b.Property(p => p.ReturnComment).HasMaxLength(2000);
        b.Property(p => p.UpdatedByName).HasMaxLength(100);
        b.HasIndex(p => p.CaseId).IsUnique();
        b.HasOne<Case>().WithMany().HasForeignKey(p => p.CaseId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(p => p.Problems).WithOne().HasForeignKey(p => p.PlanId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class PlanProblemConfiguration : IEntityTypeConfiguration<PlanProblem>
{
    public void Configure(EntityTypeBuilder<PlanProblem> b)
    {
        b.Property(p => p.Description).HasMaxLength(1000);
        b.Property(p => p.Situations).HasMaxLength(200);
        b.HasMany(p => p.Measures).WithOne().HasForeignKey(m => m.ProblemId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class PlanMeasureConfiguration : IEntityTypeConfiguration<PlanMeasure>
{
    public void Configure(EntityTypeBuilder<PlanMeasure> b)
    {
        b.Property(m => m.Measure).HasMaxLength(1000);
        b.Property(m => m.Target).HasMaxLength(500);
        b.Property(m => m.TownshipResponsible).HasMaxLength(100);
        b.Property(m => m.VillageResponsible).HasMaxLength(100);
    }
}

internal sealed class LedgerItemConfiguration : IEntityTypeConfiguration<LedgerItem>
{
    public void Configure(EntityTypeBuilder<LedgerItem> b)
    {
        b.Property(i => i.Problem).HasMaxLength(1000);
        b.Property(i => i.Measure).HasMaxLength(1000);
        b.Property(i => i.Target).HasMaxLength(500);
        b.Property(i => i.TownshipResponsible).HasMaxLength(100);
        b.Property(i => i.VillageResponsible).HasMaxLength(100);
        b.Property(i => i.ReportNote).HasMaxLength(2000);
        b.Property(i => i.ReportedByName).HasMaxLength(100);
        b.Property(i => i.ClosedByName).HasMaxLength(100);
        b.Property(i => i.VerificationMethod).HasMaxLength(16);
        b.Property(i => i.ReopenReason).HasMaxLength(2000);
        b.HasIndex(i => new { i.CaseId, i.Status });
        b.HasIndex(i => new { i.CountyId, i.Status, i.Deadline });
        b.HasIndex(i => new { i.TownshipId, i.Status, i.Deadline });
        b.HasIndex(i => i.NextAlertAt);
        b.HasOne<Case>().WithMany().HasForeignKey(i => i.CaseId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(i => i.Situations).WithOne().HasForeignKey(s => s.LedgerItemId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class LedgerItemSituationConfiguration : IEntityTypeConfiguration<LedgerItemSituation>
{
    public void Configure(EntityTypeBuilder<LedgerItemSituation> b)
    {
        b.HasKey(s => new { s.LedgerItemId, s.Code });
        b.Property(s => s.Code).HasMaxLength(16);
        b.HasIndex(s => s.Code);
    }
}

internal sealed class AcceptanceRecordConfiguration : IEntityTypeConfiguration<AcceptanceRecord>
{
    public void Configure(EntityTypeBuilder<AcceptanceRecord> b)
    {
        b.Property(a => a.Total).HasPrecision(7, 2);
        b.Property(a => a.PassMark).HasPrecision(7, 2);
        b.Property(a => a.Note).HasMaxLength(2000);
        b.Property(a => a.RecordedByName).HasMaxLength(100);
        b.HasIndex(a => new { a.CaseId, a.StageVisit }).IsUnique();
        b.HasOne<Case>().WithMany().HasForeignKey(a => a.CaseId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(a => a.Scores).WithOne().HasForeignKey(s => s.AcceptanceRecordId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AcceptanceScoreConfiguration : IEntityTypeConfiguration<AcceptanceScore>
{
    public void Configure(EntityTypeBuilder<AcceptanceScore> b)
    {
        b.HasKey(s => new { s.AcceptanceRecordId, s.Item });
        b.Property(s => s.Item).HasMaxLength(64);
        b.Property(s => s.Points).HasPrecision(7, 2);
    }
}

internal sealed class EvidenceFileConfiguration : IEntityTypeConfiguration<EvidenceFile>
{
    public void Configure(EntityTypeBuilder<EvidenceFile> b)
    {
        b.Property(e => e.FileName).HasMaxLength(200);
        b.Property(e => e.ContentType).HasMaxLength(64);
        b.Property(e => e.StoredName).HasMaxLength(64);
        b.Property(e => e.Sha256).HasMaxLength(64);
        b.Property(e => e.UploadedByName).HasMaxLength(100);
        b.HasIndex(e => e.LedgerItemId);
        b.HasOne<LedgerItem>().WithMany().HasForeignKey(e => e.LedgerItemId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AccountabilityActionConfiguration : IEntityTypeConfiguration<AccountabilityAction>
{
    public void Configure(EntityTypeBuilder<AccountabilityAction> b)
    {
        b.Property(a => a.Person).HasMaxLength(100);
        b.Property(a => a.Kind).HasMaxLength(16);
        b.Property(a => a.Ground).HasMaxLength(32);
        b.Property(a => a.Note).HasMaxLength(2000);
        b.Property(a => a.Items).HasMaxLength(2000);
        b.Property(a => a.RecordedByName).HasMaxLength(100);
        b.HasIndex(a => a.CaseId);
        b.HasIndex(a => new { a.CountyId, a.RecordedAt });
        b.HasOne<Case>().WithMany().HasForeignKey(a => a.CaseId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class AlertConfiguration : IEntityTypeConfiguration<Alert>
{
    public void Configure(EntityTypeBuilder<Alert> b)
    {
        b.Property(a => a.TargetRole).HasMaxLength(32);
        b.Property(a => a.Message).HasMaxLength(1000);
        b.Property(a => a.DedupKey).HasMaxLength(128);
        b.HasIndex(a => a.DedupKey).IsUnique();
        b.HasIndex(a => new { a.TargetOrgUnitId, a.TargetRole, a.Id });
        b.HasIndex(a => a.CaseId);
    }
}

internal sealed class AlertAcknowledgementConfiguration : IEntityTypeConfiguration<AlertAcknowledgement>
{
    public void Configure(EntityTypeBuilder<AlertAcknowledgement> b)
    {
        b.HasKey(a => new { a.AlertId, a.UserId });
        b.HasOne<Alert>().WithMany().HasForeignKey(a => a.AlertId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class DispatchReportConfiguration : IEntityTypeConfiguration<DispatchReport>
{
    public void Configure(EntityTypeBuilder<DispatchReport> b)
    {
        b.HasIndex(d => new { d.CountyId, d.WeekOf }).IsUnique();
        b.HasOne<OrgUnit>().WithMany().HasForeignKey(d => d.CountyId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> b)
    {
        b.Property(m => m.Channel).HasMaxLength(64);
        b.Property(m => m.DedupKey).HasMaxLength(128);
        b.Property(m => m.Title).HasMaxLength(200);
        b.Property(m => m.LastError).HasMaxLength(500);
        b.HasIndex(m => new { m.Channel, m.DedupKey }).IsUnique();
        b.HasIndex(m => new { m.DeliveredAt, m.NextAttemptAt });
    }
}

internal sealed class IdempotentRequestConfiguration : IEntityTypeConfiguration<Infrastructure.IdempotentRequest>
{
    public void Configure(EntityTypeBuilder<Infrastructure.IdempotentRequest> b)
    {
        b.Property(r => r.Key).HasMaxLength(100);
        b.Property(r => r.RequestHash).HasMaxLength(64);
        b.Property(r => r.ContentType).HasMaxLength(200);
        b.Property(r => r.Location).HasMaxLength(500);
        b.Property(r => r.ETag).HasMaxLength(100);
        b.HasIndex(r => new { r.UserId, r.Key }).IsUnique();
        b.HasIndex(r => r.CreatedAt);
    }
}
