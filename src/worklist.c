/*
 * worklist.c
 *	  The cap on a manager's worklist (R6), as a count on the manager's row.
 *
 * salesalgo.manager.in_work counts the manager's clients in worklist
 * states.  A client enters a worklist with
 *
 *	  UPDATE manager SET in_work = in_work + 1
 *	  WHERE id = $1 AND active AND in_work < cap
 *
 * which costs the same whatever the size of the client table, and is safe
 * under concurrency at every isolation level: the row lock queues a second
 * session behind the first; at READ COMMITTED the second re-reads the row
 * after the first commits and finds the worklist full, and at REPEATABLE
 * READ or SERIALIZABLE it fails with a serialization error (40001) that the
 * client can retry.  A count of clients under a lock would not do: at
 * REPEATABLE READ its snapshot does not see the client the first session
 * added.
 *
 * When a client leaves one worklist for another, the two manager rows are
 * updated in the order of their ids, so that two sessions moving clients
 * between the same two managers in opposite directions queue instead of
 * deadlocking.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"

#include "guard.h"
#include "rules.h"
#include "worklist.h"

static SPIPlanPtr enter_plan = NULL;
static SPIPlanPtr leave_plan = NULL;
static SPIPlanPtr explain_plan = NULL;

static SPIPlanPtr
KeptPlan(SPIPlanPtr *plan, const char *sql, int nargs, Oid *argtypes)
{
	if (*plan == NULL)
	{
		SPIPlanPtr	prepared = SPI_prepare(sql, nargs, argtypes);

		if (prepared == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s",
				 sql, SPI_result_code_string(SPI_result));
		SPI_keepplan(prepared);
		*plan = prepared;
	}
	return *plan;
}

/* Why a manager could not take the client; the caller found it could not. */
static void
ReportRefusedEntry(Relation client_rel, int64 client_id,
				   const char *client_name, int64 manager_id, int cap)
{
	Oid			argtypes[2] = {INT8OID, INT4OID};
	Datum		values[2] = {Int64GetDatum(manager_id), Int32GetDatum(cap)};
	bool		isnull;
	char	   *manager_name;
	bool		active;
	int			in_work;
	int			manager_cap;

	/* not read-only: the count must include this statement's earlier rows */
	if (SPI_execute_plan(KeptPlan(&explain_plan,
								  "SELECT name, active, in_work,"
								  " COALESCE(worklist_cap, $2)"
								  " FROM salesalgo.manager"
								  " WHERE id OPERATOR(pg_catalog.=) $1",
								  2, argtypes),
						 values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read manager " INT64_FORMAT, manager_id);
	/* no such manager: the foreign key on manager_id will say so */
	if (SPI_processed == 0)
		return;

	manager_name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	active = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
										SPI_tuptable->tupdesc, 2, &isnull));
	in_work = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
										  SPI_tuptable->tupdesc, 3, &isnull));
	manager_cap = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
											  SPI_tuptable->tupdesc, 4, &isnull));

	if (!active)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("manager " INT64_FORMAT " is not active and cannot take client " INT64_FORMAT,
						manager_id, client_id),
				 errdetail("Client " INT64_FORMAT " \"%s\" was to enter the worklist of manager " INT64_FORMAT " \"%s\", who is inactive.",
						   client_id, client_name, manager_id, manager_name),
				 errhint("Assign the client to an active manager, or set salesalgo.manager.active for manager " INT64_FORMAT ".",
						 manager_id),
				 errtableconstraint(client_rel, "manager_active")));

	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("worklist of manager " INT64_FORMAT " is full: client " INT64_FORMAT " cannot enter it",
					manager_id, client_id),
			 errdetail_plural("Manager " INT64_FORMAT " \"%s\" holds %d client in worklist states; the cap is %d.",
							  "Manager " INT64_FORMAT " \"%s\" holds %d clients in worklist states; the cap is %d.",
							  in_work, manager_id, manager_name, in_work, manager_cap),
			 errhint("Move a client of this manager out of the worklist first, or raise salesalgo.manager.worklist_cap."),
			 errtableconstraint(client_rel, "manager_worklist_cap")));
}

static void
Enter(Relation client_rel, int64 client_id, const char *client_name,
	  int64 manager_id)
{
	Oid			argtypes[2] = {INT8OID, INT4OID};
	int			cap = GetSalesRules()->default_worklist_cap;
	Datum		values[2] = {Int64GetDatum(manager_id), Int32GetDatum(cap)};
	int			ret;

	ret = SPI_execute_plan(KeptPlan(&enter_plan,
									"UPDATE salesalgo.manager"
									" SET in_work = in_work OPERATOR(pg_catalog.+) 1"
									" WHERE id OPERATOR(pg_catalog.=) $1 AND active"
									" AND in_work OPERATOR(pg_catalog.<) COALESCE(worklist_cap, $2)",
									2, argtypes),
						   values, NULL, false, 0);
	if (ret != SPI_OK_UPDATE)
		elog(ERROR, "could not count client " INT64_FORMAT " in the worklist of manager " INT64_FORMAT,
			 client_id, manager_id);
	if (SPI_processed == 0)
		ReportRefusedEntry(client_rel, client_id, client_name, manager_id, cap);
}

static void
Leave(int64 manager_id)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(manager_id)};

	if (SPI_execute_plan(KeptPlan(&leave_plan,
								  "UPDATE salesalgo.manager"
								  " SET in_work = in_work OPERATOR(pg_catalog.-) 1"
								  " WHERE id OPERATOR(pg_catalog.=) $1",
								  1, argtypes),
						 values, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not uncount a client of manager " INT64_FORMAT, manager_id);
}

void
MoveInWorklists(Relation client_rel, int64 client_id, const char *client_name,
				int64 leaves_manager, int64 enters_manager)
{
	Oid			saved_userid;
	int			saved_context;

	if (leaves_manager == enters_manager)
		return;

	BeginInternalWrite(client_rel, &saved_userid, &saved_context);
	if (leaves_manager != 0 && (enters_manager == 0 || leaves_manager < enters_manager))
	{
		Leave(leaves_manager);
		if (enters_manager != 0)
			Enter(client_rel, client_id, client_name, enters_manager);
	}
	else
	{
		Enter(client_rel, client_id, client_name, enters_manager);
		if (leaves_manager != 0)
			Leave(leaves_manager);
	}
	EndInternalWrite(saved_userid, saved_context);
}
