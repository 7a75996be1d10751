/*
 * guard.c
 *	  The guards on what salesalgo keeps, and on its trigger functions.
 *
 * Some columns and tables are salesalgo's alone: a manager's in_work count
 * and the client history.  They change only in salesalgo's own writes,
 * which internal_write.c lets the guard claim for exactly the trigger call
 * that fires it, or while a dump is being restored (restore.c says when).
 *
 * Every trigger function of salesalgo runs on its own table only, checked
 * by the table's identity (its OID, as the extension's schema resolves the
 * name) before it reads a row: attached to a look-alike, it would read
 * bytes that are not what it expects, or write history for rows that are
 * not clients.
 *
 * While a dump is loaded, its rows are the department as it was: they are
 * loaded as they are, no rule is checked, no history is written twice.
 * Anyone else, a superuser included, gets the rules.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "guard.h"
#include "internal_write.h"

/* The trigger data of a call, which must come from the trigger manager. */
TriggerData *
TriggerCallOf(FunctionCallInfo fcinfo, const char *name)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was not called by trigger manager",
						name)));
	return (TriggerData *) fcinfo->context;
}

static void
RejectForeignTable(Relation rel, const char *function, const char *table)
{
	ereport(ERROR,
			(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
			 errmsg("function \"salesalgo.%s\" must be fired on %s",
					function, table),
			 errdetail("It was fired on table %s.",
					   quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
												  RelationGetRelationName(rel))),
			 errhint("salesalgo's trigger functions work only on the tables the extension made them for; drop this trigger.")));
}

/*
 * The trigger data of a call of trigger function "function", which must be
 * fired on salesalgo.<table> itself: the relation is compared by OID with
 * the one the name resolves to in the extension's schema, so that no table
 * of the same name elsewhere (pg_temp first in a search path) passes.
 */
TriggerData *
OwnTriggerCallOf(FunctionCallInfo fcinfo, const char *function, const char *table)
{
	TriggerData *trigdata = TriggerCallOf(fcinfo, function);
	Relation	rel = trigdata->tg_relation;
	Oid			namespace = get_namespace_oid("salesalgo", true);

	if (!OidIsValid(namespace) ||
		RelationGetRelid(rel) != get_relname_relid(table, namespace))
		RejectForeignTable(rel, function,
						   psprintf("salesalgo.%s", table));
	return trigdata;
}

/*
 * The number of a column that a trigger function reads, which must have
 * the type it reads it as: refused before any row is read otherwise.
 */
int
ColumnOfType(Relation rel, const char *column, Oid type)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	int			attnum = SPI_fnumber(tupdesc, column);

	if (attnum <= 0 || TupleDescAttr(tupdesc, attnum - 1)->atttypid != type)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("column \"%s\" of table %s is not of type %s",
						column, RelationGetRelationName(rel), format_type_be(type)),
				 errdetail("salesalgo's triggers read it as that type."),
				 errhint("Restore the column as the extension made it, or reinstall the extension.")));
	return attnum;
}

/*
 * BEFORE INSERT OR UPDATE FOR EACH ROW on salesalgo.manager: in_work counts
 * the manager's worklist and is written by the client triggers only.
 */
PG_FUNCTION_INFO_V1(manager_guard);
Datum
manager_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = OwnTriggerCallOf(fcinfo, "manager_guard", "manager");
	Relation	rel = trigdata->tg_relation;
	TupleDesc	tupdesc = RelationGetDescr(rel);
	int			attnum;
	HeapTuple	newtuple;
	bool		isnull;
	bool		ours;
	int32		new_count;
	int32		old_count = 0;

	if (!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!(TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) ||
		  TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"manager_guard\" must be fired BEFORE INSERT OR UPDATE for each row")));
	attnum = ColumnOfType(rel, "in_work", INT4OID);
	/* salesalgo's own update of this row, taken by this call only */
	ours = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) &&
		ClaimSalesWrite(rel, &trigdata->tg_trigtuple->t_self);
	newtuple = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ?
		trigdata->tg_newtuple : trigdata->tg_trigtuple;
	new_count = DatumGetInt32(heap_getattr(newtuple, attnum, tupdesc, &isnull));
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
		old_count = DatumGetInt32(heap_getattr(trigdata->tg_trigtuple, attnum,
											   tupdesc, &isnull));
	else if (RestoringDump())
		return PointerGetDatum(newtuple);

	if (new_count != old_count && !ours)
		ereport(ERROR,
				(errcode(ERRCODE_GENERATED_ALWAYS),
				 errmsg("column \"in_work\" of salesalgo.manager is kept by salesalgo"),
				 errdetail("It counts the manager's clients in worklist states: %d, not %d.",
						   old_count, new_count),
				 errhint("Move clients into or out of the worklist instead."),
				 errtablecol(rel, attnum)));
	return PointerGetDatum(newtuple);
}

/*
 * BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE FOR EACH STATEMENT on
 * salesalgo.client_history: the history is append-only, and only salesalgo
 * appends.
 */
PG_FUNCTION_INFO_V1(history_guard);
Datum
history_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = OwnTriggerCallOf(fcinfo, "history_guard", "client_history");
	TriggerEvent event = trigdata->tg_event;

	if (TRIGGER_FIRED_AFTER(event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"history_guard\" must be fired BEFORE")));

	if (TRIGGER_FIRED_BY_INSERT(event))
	{
		if (ClaimSalesWrite(trigdata->tg_relation, NULL) || RestoringDump())
			return PointerGetDatum(NULL);
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("only salesalgo writes salesalgo.client_history"),
				 errdetail("A history row is written with every change of a client."),
				 errhint("Change the client in salesalgo.client; its history follows.")));
	}
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("salesalgo.client_history is append-only"),
			 errdetail("%s would change what has happened.",
					   TRIGGER_FIRED_BY_UPDATE(event) ? "UPDATE" :
					   TRIGGER_FIRED_BY_DELETE(event) ? "DELETE" : "TRUNCATE"),
			 errhint("History is removed only with the extension: DROP EXTENSION salesalgo.")));
	pg_unreachable();
}

/*
 * AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE FOR EACH STATEMENT on the
 * rule tables: tells every backend's rules cache, at commit, to reload.
 */
PG_FUNCTION_INFO_V1(rules_changed);
Datum
rules_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = TriggerCallOf(fcinfo, "rules_changed");
	Relation	rel = trigdata->tg_relation;

	/* any table of the extension's schema is one of the rule tables' kind */
	if (RelationGetNamespace(rel) != get_namespace_oid("salesalgo", true) ||
		rel->rd_rel->relkind != RELKIND_RELATION)
		RejectForeignTable(rel, "rules_changed", "a table of schema salesalgo");
	CacheInvalidateRelcache(rel);
	return PointerGetDatum(NULL);
}

PG_FUNCTION_INFO_V1(restoring_dump);
Datum
restoring_dump(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(RestoringDump());
}
