/*
 * guard.c
 *	  The guards on what salesalgo keeps.
 *
 * Some columns and tables are salesalgo's alone: a manager's in_work count
 * and the client history.  They change only in salesalgo's own writes,
 * which internal_write.c lets the guard claim for exactly the trigger call
 * that fires it, or while a dump is being restored.
 *
 * While a dump is loaded (restore.c says when), its rows are the department
 * as it was: they are loaded as they are, no rule is checked, no history is
 * written twice.  Anyone else, a superuser included, gets the rules.
 */
#include "postgres.h"

#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/inval.h"
#include "utils/rel.h"

#include "guard.h"
#include "internal_write.h"

/* The client whose deadline extend_deadline() is moving, if any. */
static bool deadline_change = false;
static int64 deadline_change_client = 0;

/*
 * Runs what follows as a table's owner, whom row-level security does not
 * bind, until SetUserIdAndSecContext(*saved_userid, *saved_context); an
 * error on the way restores the user with the (sub)transaction.
 */
void
BecomeOwner(Oid owner, Oid *saved_userid, int *saved_context)
{
	GetUserIdAndSecContext(saved_userid, saved_context);
	SetUserIdAndSecContext(owner,
						   *saved_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_NOFORCE_RLS);
}

void
SanctionDeadlineChange(int64 client_id)
{
	deadline_change = true;
	deadline_change_client = client_id;
}

void
EndDeadlineChange(void)
{
	deadline_change = false;
}

bool
DeadlineChangeSanctioned(int64 client_id)
{
	return deadline_change && deadline_change_client == client_id;
}

/* After an error, whatever was under way is over. */
static void
ResetInternalWrites(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		deadline_change = false;
}

static void
ResetInternalWritesSub(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		deadline_change = false;
}

void
InitGuards(void)
{
	RegisterXactCallback(ResetInternalWrites, NULL);
	RegisterSubXactCallback(ResetInternalWritesSub, NULL);
}

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

/*
 * BEFORE INSERT OR UPDATE FOR EACH ROW on salesalgo.manager: in_work counts
 * the manager's worklist and is written by the client triggers only.
 */
PG_FUNCTION_INFO_V1(manager_guard);
Datum
manager_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = TriggerCallOf(fcinfo, "manager_guard");
	Relation	rel = trigdata->tg_relation;
	TupleDesc	tupdesc = RelationGetDescr(rel);
	int			attnum = SPI_fnumber(tupdesc, "in_work");
	HeapTuple	newtuple;
	bool		isnull;
	bool		ours;
	int32		new_count;
	int32		old_count = 0;

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
	TriggerData *trigdata = TriggerCallOf(fcinfo, "history_guard");
	TriggerEvent event = trigdata->tg_event;

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

	CacheInvalidateRelcache(trigdata->tg_relation);
	return PointerGetDatum(NULL);
}

PG_FUNCTION_INFO_V1(restoring_dump);
Datum
restoring_dump(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(RestoringDump());
}
