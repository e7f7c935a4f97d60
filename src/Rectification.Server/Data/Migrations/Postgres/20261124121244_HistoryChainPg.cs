using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Rectification.Server.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class HistoryChainPg : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "HistoryHash",
                table: "Cases",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Hash",
                table: "CaseEvents",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_CaseEvents_Unsealed",
                table: "CaseEvents",
                column: "Hash",
                filter: "\"Hash\" IS NULL");

            // Still append-only, with one exception: start-up may seal an entry written before chaining, setting its hash once
            // and nothing else.
            migrationBuilder.Sql("""
                CREATE FUNCTION refuse_history_change_but_sealing() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'UPDATE' AND OLD."Hash" IS NULL AND NEW."Hash" IS NOT NULL
                        AND (to_jsonb(NEW) - 'Hash') = (to_jsonb(OLD) - 'Hash') THEN
                        RETURN NEW;
                    END IF;
                    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
                END $$;
                """);
            migrationBuilder.Sql("DROP TRIGGER \"CaseEvents_no_change\" ON \"CaseEvents\";");
            migrationBuilder.Sql("CREATE TRIGGER \"CaseEvents_no_change\" BEFORE UPDATE OR DELETE ON \"CaseEvents\" FOR EACH ROW EXECUTE FUNCTION refuse_history_change_but_sealing();");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER \"CaseEvents_no_change\" ON \"CaseEvents\";");
            migrationBuilder.Sql("CREATE TRIGGER \"CaseEvents_no_change\" BEFORE UPDATE OR DELETE ON \"CaseEvents\" FOR EACH ROW EXECUTE FUNCTION refuse_history_change();");
            migrationBuilder.Sql("DROP FUNCTION refuse_history_change_but_sealing();");
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
