/*
 * rule_history.c
 *	  The model's own history: every committed change of a rule table, of
 *	  the settings, of a manager's id, cap or active flag and of a
 *	  category's in_profile, as a row of salesalgo.rule_history.
 *
 * The rows are written by internal_write.c as the user who made the change,
 * as client_history is: that user needs no privilege on rule_history, and a
 * DBA's trigger on it runs with that user's rights, never the owner's.  Only
 * these writes (and a dump being restored) may add to rule_history; nobody
 * may change or remove what it holds.  A dump restores rule_history as it
 * was, so the rule tables restored with it write nothing.
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "clock.h"
#include "guard.h"
#include "internal_write.h"

/* The tables whose changes are the model's history. */
static const char *const model_tables[] = {
	"transition_rule", "deadline_rule", "refusal_reason", "settings",
	"manager", "size_rule", "category"
};

/* The columns of salesalgo.rule_history that salesalgo writes. */
enum
{
	R_ID,
	R_CHANGED_AT,
	R_CHANGED_BY,
	R_TABLE_NAME,
	R_OPERATION,
	R_OLD_ROW,
	R_NEW_ROW,
	R_COLUMNS
};

static const char *const column_names[R_COLUMNS] = {
	"id", "changed_at", "changed_by", "table_name", "operation", "old_row",
	"new_row"
};

/* One statement's (or one row's) insert into salesalgo.rule_history. */
typedef struct RuleHistoryWriter
{
	Relation	rel;
	Oid			sequence;
	int			attnums[R_COLUMNS];
	Datum	   *values;
	bool	   *isnull;
	SalesWrite *write;
	FmgrInfo	to_jsonb;		/* for rows of the changed table */
} RuleHistoryWriter;

static void
Set(RuleHistoryWriter *writer, int column, Datum value, bool null)
{
	writer->values[writer->attnums[column] - 1] = value;
	writer->isnull[writer->attnums[column] - 1] = null;
}

static RuleHistoryWriter *
BeginRuleHistory(Relation changed, const char *operation)
{
	RuleHistoryWriter *writer = palloc0(sizeof(RuleHistoryWriter));
	Oid			namespace = RelationGetNamespace(changed);
	Oid			relid = get_relname_relid("rule_history", namespace);
	TupleDesc	tupdesc;
	Bitmapset  *columns = NULL;
	FuncExpr   *call;

	if (!OidIsValid(relid))
		elog(ERROR, "salesalgo.rule_history does not exist");
	writer->sequence = get_relname_relid("rule_history_id_seq", namespace);
	if (!OidIsValid(writer->sequence))
		elog(ERROR, "salesalgo.rule_history_id_seq does not exist");
	writer->rel = table_open(relid, RowExclusiveLock);
	tupdesc = RelationGetDescr(writer->rel);
	for (int i = 0; i < R_COLUMNS; i++)
	{
		writer->attnums[i] = SPI_fnumber(tupdesc, column_names[i]);
		if (writer->attnums[i] <= 0)
			elog(ERROR, "salesalgo.rule_history has no column \"%s\"",
				 column_names[i]);
		columns = bms_add_member(columns, writer->attnums[i]);
	}
	writer->values = palloc0(sizeof(Datum) * tupdesc->natts);
	writer->isnull = palloc(sizeof(bool) * tupdesc->natts);
	memset(writer->isnull, true, sizeof(bool) * tupdesc->natts);

	Set(writer, R_CHANGED_AT, TimestampTzGetDatum(SalesStatementNow()), false);
	Set(writer, R_CHANGED_BY,
		DirectFunctionCall1(namein,
							CStringGetDatum(GetUserNameFromId(GetUserId(), false))),
		false);
	Set(writer, R_TABLE_NAME,
		CStringGetTextDatum(RelationGetRelationName(changed)), false);
	Set(writer, R_OPERATION, CStringGetTextDatum(operation), false);

	/* to_jsonb() learns its argument's type from the call's expression */
	fmgr_info(F_TO_JSONB, &writer->to_jsonb);
	call = makeFuncExpr(F_TO_JSONB, JSONBOID,
						list_make1(makeNullConst(RelationGetForm(changed)->reltype,
												 -1, InvalidOid)),
						InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
	fmgr_info_set_expr((Node *) call, &writer->to_jsonb);

	writer->write = BeginSalesWrite(writer->rel, CMD_INSERT, columns);
	return writer;
}

/*
 * A row of the changed table as jsonb; a manager's in_work is salesalgo's
 * count of its clients, not part of the model.
 */
static Datum
RowJson(RuleHistoryWriter *writer, Relation changed, HeapTuple tuple)
{
	Datum		json;

	json = FunctionCall1(&writer->to_jsonb,
						 heap_copy_tuple_as_datum(tuple, RelationGetDescr(changed)));
	if (strcmp(RelationGetRelationName(changed), "manager") == 0)
		json = DirectFunctionCall2(jsonb_delete, json,
								   CStringGetTextDatum("in_work"));
	return json;
}

static void
WriteRuleHistory(RuleHistoryWriter *writer, Relation changed,
				 HeapTuple old_tuple, HeapTuple new_tuple)
{
	Set(writer, R_ID,
		Int64GetDatum(nextval_internal(writer->sequence, false)), false);
	Set(writer, R_OLD_ROW,
		old_tuple ? RowJson(writer, changed, old_tuple) : (Datum) 0,
		old_tuple == NULL);
	Set(writer, R_NEW_ROW,
		new_tuple ? RowJson(writer, changed, new_tuple) : (Datum) 0,
		new_tuple == NULL);
	if (!SalesInsert(writer->write, writer->values, writer->isnull))
		elog(ERROR, "a trigger on salesalgo.rule_history skipped a change of salesalgo.%s",
			 RelationGetRelationName(changed));
}

static void
EndRuleHistory(RuleHistoryWriter *writer)
{
	EndSalesWrite(writer->write);
	table_close(writer->rel, NoLock);
}

/*
 * AFTER INSERT OR UPDATE OR DELETE FOR EACH ROW, and BEFORE TRUNCATE FOR
 * EACH STATEMENT, on the model's tables: the change as a row of
 * rule_history.  A truncation is every row's deletion.
 */
PG_FUNCTION_INFO_V1(rule_history_log);
Datum
rule_history_log(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = TriggerCallOf(fcinfo, "rule_history_log");
	TriggerEvent event = trigdata->tg_event;
	Relation	rel = trigdata->tg_relation;
	const char *relname = RelationGetRelationName(rel);
	bool		known = false;
	RuleHistoryWriter *writer;

	for (int i = 0; i < (int) lengthof(model_tables); i++)
		known |= strcmp(relname, model_tables[i]) == 0;
	if (!known || RelationGetNamespace(rel) != get_namespace_oid("salesalgo", true) ||
		rel->rd_rel->relkind != RELKIND_RELATION)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"salesalgo.rule_history_log\" must be fired on a table of the model"),
				 errdetail("It was fired on table %s.",
						   quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
													  relname)),
				 errhint("salesalgo's trigger functions work only on the tables the extension made them for; drop this trigger.")));

	if (TRIGGER_FIRED_BY_TRUNCATE(event))
	{
		TableScanDesc scan;
		HeapTuple	tuple;

		if (!TRIGGER_FIRED_BEFORE(event))
			ereport(ERROR,
					(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
					 errmsg("function \"rule_history_log\" must be fired BEFORE TRUNCATE")));
		if (RestoringDump())
			return PointerGetDatum(NULL);
		writer = BeginRuleHistory(rel, "TRUNCATE");
		scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
		while ((tuple = heap_getnext(scan, ForwardScanDirection)) != NULL)
			WriteRuleHistory(writer, rel, tuple, NULL);
		table_endscan(scan);
		EndRuleHistory(writer);
		return PointerGetDatum(NULL);
	}

	if (!TRIGGER_FIRED_FOR_ROW(event) || !TRIGGER_FIRED_AFTER(event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"rule_history_log\" must be fired AFTER for each row")));
	/* the dump holds the history of the rows it restores */
	if (RestoringDump())
		return PointerGetDatum(NULL);

	if (TRIGGER_FIRED_BY_INSERT(event))
	{
		writer = BeginRuleHistory(rel, "INSERT");
		WriteRuleHistory(writer, rel, NULL, trigdata->tg_trigtuple);
	}
	else if (TRIGGER_FIRED_BY_UPDATE(event))
	{
		writer = BeginRuleHistory(rel, "UPDATE");
		WriteRuleHistory(writer, rel, trigdata->tg_trigtuple,
						 trigdata->tg_newtuple);
	}
	else
	{
		writer = BeginRuleHistory(rel, "DELETE");
		WriteRuleHistory(writer, rel, trigdata->tg_trigtuple, NULL);
	}
	EndRuleHistory(writer);
	return PointerGetDatum(NULL);
}

/*
 * BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE FOR EACH STATEMENT on
 * salesalgo.rule_history: append-only, and only salesalgo appends.
 */
PG_FUNCTION_INFO_V1(rule_history_guard);
Datum
rule_history_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = OwnTriggerCallOf(fcinfo, "rule_history_guard",
											 "rule_history");
	TriggerEvent event = trigdata->tg_event;

	if (TRIGGER_FIRED_AFTER(event) || TRIGGER_FIRED_FOR_ROW(event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"rule_history_guard\" must be fired BEFORE for each statement")));

	if (TRIGGER_FIRED_BY_INSERT(event))
	{
		if (ClaimSalesWrite(trigdata->tg_relation, NULL) || RestoringDump())
			return PointerGetDatum(NULL);
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("only salesalgo writes salesalgo.rule_history"),
				 errdetail("A row is written with every change of the model: its rules, settings and managers' caps."),
				 errhint("Change the model's tables; their history follows.")));
	}
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("salesalgo.rule_history is append-only"),
			 errdetail("%s would change which model was in force.",
					   TRIGGER_FIRED_BY_UPDATE(event) ? "UPDATE" :
					   TRIGGER_FIRED_BY_DELETE(event) ? "DELETE" : "TRUNCATE"),
			 errhint("History is removed only with the extension: DROP EXTENSION salesalgo.")));
	pg_unreachable();
}
