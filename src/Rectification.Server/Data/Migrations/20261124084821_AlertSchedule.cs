using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Rectification.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class AlertSchedule : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "NextAlertAt",
                table: "LedgerItems",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "NextAlertAt",
                table: "Cases",
                type: "INTEGER",
                nullable: true);

            // Every open deadline is looked at by the first sweep after the upgrade (0 = due now), which then schedules it.
            migrationBuilder.Sql("""UPDATE "Cases" SET "NextAlertAt" = 0 WHERE "EndedAt" IS NULL AND "SuspendedAt" IS NULL AND "StageDeadline" IS NOT NULL""");
            migrationBuilder.Sql("""UPDATE "LedgerItems" SET "NextAlertAt" = 0 WHERE "Status" <> 'Closed'""");

            migrationBuilder.CreateIndex(
                name: "IX_LedgerItems_NextAlertAt",
                table: "LedgerItems",
                column: "NextAlertAt");

            migrationBuilder.CreateIndex(
                name: "IX_Cases_NextAlertAt",
                table: "Cases",
                column: "NextAlertAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_LedgerItems_NextAlertAt",
                table: "LedgerItems");

            migrationBuilder.DropIndex(
                name: "IX_Cases_NextAlertAt",
                table: "Cases");

            migrationBuilder.DropColumn(
                name: "NextAlertAt",
                table: "LedgerItems");

            migrationBuilder.DropColumn(
                name: "NextAlertAt",
                table: "Cases");
        }
    }
}
