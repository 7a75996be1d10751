/*
 * expire.c
 *	  salesalgo.sales_expire(): "either you sell within the term, or you
 *	  remove the client and find a new one".
 *
 * Every client whose deadline has passed leaves its worklist for the state
 * and reason of salesalgo.settings, through the same triggers and history
 * as any other change.  It runs unattended (pg_cron), so it must never wait
 * for a manager: clients whose rows another session holds, or whose
 * manager's row another session holds, are left for the next run.  The
 * overdue clients are found through the partial index on deadline_at, in
 * batches, so a run costs time in proportion to the overdue clients, not to
 * the table.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "clock.h"
#include "history.h"
#include "plans.h"
#include "rules.h"
#include "types.h"

/*
 * One batch: the next overdue clients, but those this run had to leave,
 * locked unless another session holds them; their managers, locked unless
 * another session holds them; the move of the clients whose manager could
 * be locked.  A moved client leaves the index of running clocks, so each
 * batch starts at the index's head.
 */
static const char *const batch_sql =
"WITH due AS MATERIALIZED ("
"  SELECT c.id, c.manager_id FROM salesalgo.client AS c"
"  WHERE c.deadline_at OPERATOR(pg_catalog.<=) $1"
"    AND c.id OPERATOR(pg_catalog.<>) ALL ($2)"
"  ORDER BY c.deadline_at LIMIT $3"
"  FOR UPDATE OF c SKIP LOCKED),"
" free AS MATERIALIZED ("
"  SELECT m.id FROM salesalgo.manager AS m"
"  WHERE m.id IN (SELECT due.manager_id FROM due)"
"  FOR NO KEY UPDATE OF m SKIP LOCKED),"
" moved AS ("
"  UPDATE salesalgo.client AS c SET state = $4, refusal_reason = $5"
"  FROM due"
"  WHERE c.id OPERATOR(pg_catalog.=) due.id"
"    AND (due.manager_id IS NULL OR due.manager_id IN (SELECT free.id FROM free))"
"  RETURNING c.id)"
" SELECT due.id, moved.id IS NOT NULL"
" FROM due LEFT JOIN moved ON moved.id OPERATOR(pg_catalog.=) due.id";

static SPIPlanPtr batch_plan = NULL;
static Oid	batch_plan_state_type = InvalidOid;

/* The plan names client_state by OID: a new extension is a new plan. */
static SPIPlanPtr
BatchPlan(Oid state_type)
{
	Oid			argtypes[5] = {TIMESTAMPTZOID, INT8ARRAYOID, INT4OID, InvalidOid,
	TEXTOID};

	if (batch_plan != NULL && batch_plan_state_type == state_type)
		return batch_plan;
	if (batch_plan != NULL)
		SPI_freeplan(batch_plan);
	batch_plan = NULL;

	argtypes[3] = state_type;
	batch_plan = PrepareKept(batch_sql, lengthof(argtypes), argtypes);
	batch_plan_state_type = state_type;
	return batch_plan;
}

static Oid
ClientStateTypeOid(void)
{
	Oid			type = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
									   CStringGetDatum("client_state"),
									   ObjectIdGetDatum(get_namespace_oid("salesalgo", false)));

	if (!OidIsValid(type))
		elog(ERROR, "type salesalgo.client_state does not exist");
	return type;
}

PG_FUNCTION_INFO_V1(sales_expire);
Datum
sales_expire(PG_FUNCTION_ARGS)
{
	const SalesRules *rules;
	TimestampTz as_of;
	int			batch_size;
	volatile int64 moved = 0;
	ChangeSource previous;
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	SPIPlanPtr	plan;
	ArrayBuildState *left_behind;

	PreventCommandIfReadOnly("sales_expire()");
	rules = GetSalesRules();
	as_of = PG_ARGISNULL(0) ? SalesNow() : PG_GETARG_TIMESTAMPTZ(0);
	batch_size = PG_ARGISNULL(1) ? rules->expire_batch_size : PG_GETARG_INT32(1);
	if (batch_size <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("batch size must be positive, not %d", batch_size)));

	/* the clients this run locked but could not move: their manager was busy */
	left_behind = initArrayResult(INT8OID, CurrentMemoryContext, false);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plan = BatchPlan(ClientStateTypeOid());

	values[0] = TimestampTzGetDatum(as_of);
	values[2] = Int32GetDatum(batch_size);
	values[3] = ClientStateGetDatum(rules->expire_state);
	if (rules->expire_reason != NULL)
		values[4] = CStringGetTextDatum(rules->expire_reason);
	else
		nulls[4] = 'n';

	previous = SetChangeSource("sales_expire", NULL);
	PG_TRY();
	{
		uint64		due;

		do
		{
			values[1] = makeArrayResult(left_behind, CurrentMemoryContext);
			if (SPI_execute_plan(plan, values, nulls, false, 0) != SPI_OK_SELECT)
				elog(ERROR, "could not expire a batch of clients");
			due = SPI_processed;
			for (uint64 i = 0; i < due; i++)
			{
				bool		isnull;
				HeapTuple	row = SPI_tuptable->vals[i];

				if (DatumGetBool(SPI_getbinval(row, SPI_tuptable->tupdesc, 2, &isnull)))
					moved++;
				else
					accumArrayResult(left_behind,
									 SPI_getbinval(row, SPI_tuptable->tupdesc, 1, &isnull),
									 false, INT8OID, CurrentMemoryContext);
			}
			CHECK_FOR_INTERRUPTS();
		} while (due == (uint64) batch_size);
	}
	PG_FINALLY();
	{
		RestoreChangeSource(previous);
	}
	PG_END_TRY();

	SPI_finish();
	PG_RETURN_INT64(moved);
}
