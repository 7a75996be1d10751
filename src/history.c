/*
 * history.c
 *	  Writes salesalgo.client_history, in the transaction of the change (R9).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "clock.h"
#include "guard.h"
#include "history.h"

static ChangeSource current_source = {NULL, NULL};
static SPIPlanPtr insert_plan = NULL;
static Oid	insert_plan_state_type = InvalidOid;

ChangeSource
SetChangeSource(const char *name, const char *note)
{
	ChangeSource previous = current_source;

	current_source.name = name;
	current_source.note = note;
	return previous;
}

void
RestoreChangeSource(ChangeSource previous)
{
	current_source = previous;
}

const char *
CurrentChangeSourceName(void)
{
	return current_source.name ? current_source.name : "sql";
}

/* The plan names client_state by OID: a new extension is a new plan. */
static SPIPlanPtr
InsertPlan(Relation client_rel)
{
	Oid			argtypes[11];
	TupleDesc	tupdesc = RelationGetDescr(client_rel);
	Oid			state_type = SPI_gettypeid(tupdesc, SPI_fnumber(tupdesc, "state"));

	if (insert_plan != NULL && insert_plan_state_type == state_type)
		return insert_plan;
	if (insert_plan != NULL)
		SPI_freeplan(insert_plan);
	insert_plan = NULL;

	argtypes[0] = INT8OID;
	argtypes[1] = state_type;
	argtypes[2] = state_type;
	argtypes[3] = INT8OID;
	argtypes[4] = INT8OID;
	argtypes[5] = TEXTOID;
	argtypes[6] = TIMESTAMPTZOID;
	argtypes[7] = TIMESTAMPTZOID;
	argtypes[8] = NAMEOID;
	argtypes[9] = TEXTOID;
	argtypes[10] = TEXTOID;
	insert_plan = SPI_prepare("INSERT INTO salesalgo.client_history"
							  " (client_id, from_state, to_state, from_manager,"
							  " to_manager, refusal_reason, deadline_at,"
							  " changed_at, changed_by, source, note)"
							  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
							  lengthof(argtypes), argtypes);
	if (insert_plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	SPI_keepplan(insert_plan);
	insert_plan_state_type = state_type;
	return insert_plan;
}

void
WriteHistory(Relation client_rel, int64 client_id,
			 const ClientSide *before, const ClientSide *after)
{
	Datum		values[11];
	char		nulls[11];
	const ClientSide *now_side = after->exists ? after : before;
	Oid			saved_userid;
	int			saved_context;
	int			ret;

	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int64GetDatum(client_id);
	values[1] = ClientStateGetDatum(before->state);
	nulls[1] = before->exists ? ' ' : 'n';
	values[2] = ClientStateGetDatum(after->state);
	nulls[2] = after->exists ? ' ' : 'n';
	values[3] = Int64GetDatum(before->manager_id);
	nulls[3] = (before->exists && before->has_manager) ? ' ' : 'n';
	values[4] = Int64GetDatum(after->manager_id);
	nulls[4] = (after->exists && after->has_manager) ? ' ' : 'n';
	if (now_side->refusal_reason != NULL)
		values[5] = CStringGetTextDatum(now_side->refusal_reason);
	else
		nulls[5] = 'n';
	values[6] = TimestampTzGetDatum(after->deadline_at);
	nulls[6] = (after->exists && after->has_deadline) ? ' ' : 'n';
	values[7] = TimestampTzGetDatum(SalesNow());
	values[8] = DirectFunctionCall1(namein,
									CStringGetDatum(GetUserNameFromId(GetUserId(), false)));
	values[9] = CStringGetTextDatum(CurrentChangeSourceName());
	if (current_source.note != NULL)
		values[10] = CStringGetTextDatum(current_source.note);
	else
		nulls[10] = 'n';

	BeginInternalWrite(client_rel, &saved_userid, &saved_context);
	ret = SPI_execute_plan(InsertPlan(client_rel), values, nulls, false, 0);
	EndInternalWrite(saved_userid, saved_context);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "could not write client history: %s",
			 SPI_result_code_string(ret));
}
