/*
 * recall.c
 *	  salesalgo.sales_recall(): the recall pool ("обзвон").
 *
 * A soft refusal ("no money", "crisis") is a refusal with further work: once
 * its reason's recall_after has passed since the client entered refusal
 * (state_since), the client moves to recall, through the same triggers and
 * history as any other change, and keeps its manager.  It runs unattended
 * (pg_cron, with sales_expire()), so a client whose row another session
 * holds is left for the next run: nothing is lost by waiting, the client
 * simply stays in refusal a little longer.
 *
 * The due clients are found per reason through the partial index of the
 * refused clients by (refusal_reason, state_since, id), in batches that
 * each resume after the last client of the one before: a run costs time in
 * proportion to the clients due, not to the table, and never walks again
 * over the entries its own moves left behind in the index.
 *
 * Each reason's cut-off (as_of minus its recall_after) is computed on its
 * own: one that falls outside timestamptz skips that reason with a WARNING,
 * and the other reasons' clients are still recalled.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "clock.h"
#include "history.h"
#include "plans.h"
#include "rules.h"

/*
 * One batch of one reason: the next due clients after ($4, $5), locked
 * unless another session holds them, moved to recall.  Neither refusal nor
 * recall is a worklist state: no manager's count changes, so no manager's
 * row is locked.
 */
static const char *const batch_sql =
"WITH due AS MATERIALIZED ("
"  SELECT c.id, c.state_since FROM salesalgo.client AS c"
"  WHERE c.state OPERATOR(pg_catalog.=) 'refusal'::salesalgo.client_state"
"    AND c.refusal_reason OPERATOR(pg_catalog.=) $1"
"    AND c.state_since OPERATOR(pg_catalog.<=) $2"
"    AND ROW(c.state_since, c.id) OPERATOR(pg_catalog.>) ROW($4, $5)"
"  ORDER BY c.state_since, c.id LIMIT $3"
"  FOR NO KEY UPDATE OF c SKIP LOCKED),"
" moved AS ("
"  UPDATE salesalgo.client AS c SET state = 'recall'::salesalgo.client_state"
"  FROM due"
"  WHERE c.id OPERATOR(pg_catalog.=) due.id"
"  RETURNING c.id)"
" SELECT due.state_since, due.id, moved.id IS NOT NULL"
" FROM due LEFT JOIN moved ON moved.id OPERATOR(pg_catalog.=) due.id"
" ORDER BY due.state_since, due.id";

/* The due clients of one reason that the run left: other sessions hold them */
static const char *const left_sql =
"SELECT pg_catalog.count(*) FROM salesalgo.client AS c"
" WHERE c.state OPERATOR(pg_catalog.=) 'refusal'::salesalgo.client_state"
"   AND c.refusal_reason OPERATOR(pg_catalog.=) $1"
"   AND c.state_since OPERATOR(pg_catalog.<=) $2";

static SPIPlanPtr batch_plan = NULL;
static SPIPlanPtr left_plan = NULL;

/* A reason that recalls, and the latest entry into refusal now due */
typedef struct RecallReason
{
	char	   *code;
	TimestampTz due_since;
} RecallReason;

/*
 * as_of minus one reason's wait, in a subtransaction of its own: a cut-off
 * outside timestamptz (a recall_after from before its bound, or an as_of
 * at the start of time) must not stop the other reasons of an unattended
 * run.  Only a data exception is caught; anything else (a cancel) goes on.
 * Not inlined, so that its longjmp target stays out of the caller's frame.
 */
static pg_noinline bool
CutOff(TimestampTz as_of, Datum recall_after, const char *code,
	   TimestampTz *due_since)
{
	MemoryContext context = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile bool computed = false;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(context);
	PG_TRY();
	{
		*due_since = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_mi_interval,
															 TimestampTzGetDatum(as_of),
															 recall_after));
		computed = true;
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(context);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *error;

		MemoryContextSwitchTo(context);
		error = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(context);
		CurrentResourceOwner = owner;
		if (ERRCODE_TO_CATEGORY(error->sqlerrcode) != ERRCODE_DATA_EXCEPTION)
			ReThrowError(error);
		ereport(WARNING,
				(errcode(error->sqlerrcode),
				 errmsg("sales_recall() recalls nobody refused for reason \"%s\": its recall_after cannot be subtracted from as_of",
						code),
				 errdetail("Subtracting recall_after %s from as_of %s fails: %s.",
						   DatumGetCString(DirectFunctionCall1(interval_out, recall_after)),
						   timestamptz_to_str(as_of), error->message),
				 errhint("A recall_after within the constraint refusal_reason_recall_after_at_most_10_years and an as_of within the range of timestamp with time zone give a cut-off in range.")));
		FreeErrorData(error);
	}
	PG_END_TRY();
	return computed;
}

/* The reasons that recall, with their cut-offs; not inlined, as CutOff() */
static pg_noinline int
ReadReasons(TimestampTz as_of, RecallReason **reasons)
{
	int			n;
	int			kept = 0;
	SPITupleTable *table;

	if (SPI_execute("SELECT r.code, r.recall_after FROM salesalgo.refusal_reason AS r"
					" WHERE r.recall_after IS NOT NULL AND NOT r.hard"
					" ORDER BY r.code",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read salesalgo.refusal_reason");
	n = (int) SPI_processed;
	/* SPI_tuptable is a global: the rows are read from this query's table */
	table = SPI_tuptable;
	*reasons = palloc(sizeof(RecallReason) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		HeapTuple	row = table->vals[i];
		bool		isnull;
		char	   *code = SPI_getvalue(row, table->tupdesc, 1);
		Datum		recall_after = SPI_getbinval(row, table->tupdesc, 2, &isnull);

		/* an infinite as_of minus an interval stays infinite: all are due */
		if (CutOff(as_of, recall_after, code, &(*reasons)[kept].due_since))
			(*reasons)[kept++].code = code;
	}
	return kept;
}

/* What a run did */
typedef struct RecallRun
{
	int64		moved;
	int64		left;			/* due, but held by other sessions */
} RecallRun;

/* Moves the due clients of one reason; counts what it moved and left. */
static void
RecallReasonClients(const RecallReason *reason, int batch_size, RecallRun *run)
{
	Datum		values[5];
	bool		isnull;
	uint64		due;

	values[0] = CStringGetTextDatum(reason->code);
	values[1] = TimestampTzGetDatum(reason->due_since);
	values[2] = Int32GetDatum(batch_size);
	values[3] = TimestampTzGetDatum(DT_NOBEGIN);
	values[4] = Int64GetDatum(PG_INT64_MIN);
	do
	{
		if (SPI_execute_plan(batch_plan, values, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not recall a batch of clients");
		due = SPI_processed;
		for (uint64 i = 0; i < due; i++)
		{
			if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i],
										   SPI_tuptable->tupdesc, 3, &isnull)))
				run->moved++;
		}
		/* the next batch resumes after this one's last client */
		if (due > 0)
		{
			HeapTuple	last = SPI_tuptable->vals[due - 1];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			TimestampTz last_since;
			int64		last_id;

			last_since = DatumGetTimestampTz(SPI_getbinval(last, desc, 1, &isnull));
			last_id = DatumGetInt64(SPI_getbinval(last, desc, 2, &isnull));
			values[3] = TimestampTzGetDatum(last_since);
			values[4] = Int64GetDatum(last_id);
		}
		/* a run of many batches keeps one batch's rows at a time */
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	} while (due == (uint64) batch_size);

	/* not read-only: it must see this run's own moves */
	if (SPI_execute_plan(left_plan, values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not count the clients sales_recall() left");
	run->left += DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
										 SPI_tuptable->tupdesc, 1, &isnull));
}

PG_FUNCTION_INFO_V1(sales_recall);
Datum
sales_recall(PG_FUNCTION_ARGS)
{
	const SalesRules *rules;
	TimestampTz as_of;
	RecallReason *reasons;
	int			nreasons;
	RecallRun	run;
	ChangeSource previous;

	PreventCommandIfReadOnly("sales_recall()");
	rules = GetSalesRules();
	as_of = PG_ARGISNULL(0) ? SalesNow() : PG_GETARG_TIMESTAMPTZ(0);

	/*
	 * A department that closed the pool removed the move: an unattended run
	 * says so instead of failing on the first client.
	 */
	if (!rules->may_move[CLIENT_STATE_REFUSAL][CLIENT_STATE_RECALL])
	{
		ereport(WARNING,
				(errmsg("sales_recall() recalls nobody: salesalgo.transition_rule has no move from refusal to recall"),
				 errhint("To open the recall pool: INSERT INTO salesalgo.transition_rule (from_state, to_state) VALUES ('refusal', 'recall');")));
		PG_RETURN_INT64(0);
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (batch_plan == NULL)
	{
		Oid			batch_types[5] = {TEXTOID, TIMESTAMPTZOID, INT4OID,
		TIMESTAMPTZOID, INT8OID};

		batch_plan = PrepareKept(batch_sql, lengthof(batch_types), batch_types);
	}
	if (left_plan == NULL)
	{
		Oid			left_types[2] = {TEXTOID, TIMESTAMPTZOID};

		left_plan = PrepareKept(left_sql, lengthof(left_types), left_types);
	}
	nreasons = ReadReasons(as_of, &reasons);
	memset(&run, 0, sizeof(run));

	previous = SetChangeSource("sales_recall", NULL);
	PG_TRY();
	{
		for (int i = 0; i < nreasons; i++)
			RecallReasonClients(&reasons[i], rules->expire_batch_size, &run);
	}
	PG_FINALLY();
	{
		RestoreChangeSource(previous);
	}
	PG_END_TRY();

	if (run.left > 0)
		ereport(NOTICE,
				(errmsg_plural("sales_recall() left " INT64_FORMAT " client due for recall that another session holds",
							   "sales_recall() left " INT64_FORMAT " clients due for recall that other sessions hold",
							   run.left, run.left),
				 errdetail("Moved " INT64_FORMAT " to recall. A later run recalls those left.",
						   run.moved)));
	SPI_finish();
	PG_RETURN_INT64(run.moved);
}
