using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Rectification.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class HistoryChain : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "HistoryHash",
                table: "Cases",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Hash",
                table: "CaseEvents",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_CaseEvents_Unsealed",
                table: "CaseEvents",
                column: "Hash",
                filter: "\"Hash\" IS NULL");

            // Still append-only, with one exception: start-up may seal an entry written before chaining, setting its hash once
            // and nothing else.
            migrationBuilder.Sql("DROP TRIGGER CaseEvents_no_update;");
            migrationBuilder.Sql("""
                CREATE TRIGGER CaseEvents_no_update BEFORE UPDATE ON CaseEvents
                WHEN NOT (OLD.Hash IS NULL AND NEW.Hash IS NOT NULL AND NEW.Id = OLD.Id AND NEW.CaseId = OLD.CaseId AND NEW.Seq = OLD.Seq
                    AND NEW.At = OLD.At AND NEW.ActorId IS OLD.ActorId AND NEW.ActorName IS OLD.ActorName AND NEW.Kind IS OLD.Kind
                    AND NEW.Action IS OLD.Action AND NEW.FromStage IS OLD.FromStage AND NEW.ToStage IS OLD.ToStage
                    AND NEW.Comment IS OLD.Comment AND NEW.Changes IS OLD.Changes)
                BEGIN SELECT RAISE(ABORT, 'CaseEvents is append-only'); END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER CaseEvents_no_update;");
            migrationBuilder.Sql("CREATE TRIGGER CaseEvents_no_update BEFORE UPDATE ON CaseEvents BEGIN SELECT RAISE(ABORT, 'CaseEvents is append-only'); END;");
            migrationBuilder.DropIndex(
                name: "IX_CaseEvents_Unsealed",
                table: "CaseEvents");

            migrationBuilder.DropColumn(
                name: "HistoryHash",
                table: "Cases");

            migrationBuilder.DropColumn(
                name: "Hash",
                table: "CaseEvents");
        }
    }
}
