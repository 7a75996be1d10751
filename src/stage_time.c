/*
 * stage_time.c
 *	  The time clients spend in each state, from the stays the history keeps.
 *
 * Every history row that changes a client's state or deletes it keeps how
 * long the client was in the state it left (history.c), and a partial
 * index holds those stays by (from_state, stay): in order, per state, the
 * way percentile_cont() would sort them.  One pass over that index, read
 * without the heap where the visibility map allows (as an index-only scan
 * does), gives each state's count, average, median and 90th percentile
 * with PostgreSQL's own interval arithmetic, so that the numbers are those
 * that avg(interval) and percentile_cont(interval) give over the same
 * stays.  Nothing is sorted: the index is the order.
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "access/itup.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/visibilitymap.h"
#include "catalog/namespace.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/predicate.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "types.h"

/* The stays of one state, in the index's (ascending) order. */
typedef struct Stays
{
	Interval   *values;
	int64		count;
	int64		allocated;
	Interval	sum;			/* of every stay, as avg(interval) adds */
} Stays;

static Oid
SalesRelation(const char *name)
{
	Oid			relid = get_relname_relid(name, get_namespace_oid("salesalgo", false));

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("relation \"salesalgo.%s\" does not exist", name),
				 errhint("ALTER EXTENSION salesalgo UPDATE makes it; a dropped one comes back with DROP EXTENSION and CREATE EXTENSION.")));
	return relid;
}

/*
 * The view is the access: whoever may read salesalgo.stage_time gets its
 * numbers, read as the view's owner reads the history.
 */
static void
CheckViewAccess(void)
{
	Oid			view = SalesRelation("stage_time");

	if (pg_class_aclcheck(view, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for view stage_time"),
				 errdetail("salesalgo.stage_time_stays() answers whoever may read salesalgo.stage_time."),
				 errhint("A head of sales or a BI role reads it: salesalgo.grant_access(role, 'bi').")));
}

static void
AddStay(Stays *stays, const Interval *stay)
{
	if (stays->count == stays->allocated)
	{
		stays->allocated = stays->allocated == 0 ? 1024 : stays->allocated * 2;
		stays->values = stays->values == NULL ?
			palloc_extended(sizeof(Interval) * stays->allocated, MCXT_ALLOC_HUGE) :
			repalloc_huge(stays->values, sizeof(Interval) * stays->allocated);
	}
	stays->values[stays->count++] = *stay;
	if (stays->count == 1)
		stays->sum = *stay;
	else
	{
		Interval   *sum = DatumGetIntervalP(DirectFunctionCall2(interval_pl,
																IntervalPGetDatum(&stays->sum),
																IntervalPGetDatum(stay)));

		stays->sum = *sum;
		pfree(sum);
	}
}

/* percentile_cont(fraction) over sorted stays, as orderedsetaggs.c has it */
static Datum
Percentile(const Stays *stays, double fraction)
{
	double		position = fraction * (stays->count - 1);
	int64		first = (int64) floor(position);
	int64		second = (int64) ceil(position);
	Datum		lo = IntervalPGetDatum(&stays->values[first]);
	Datum		hi = IntervalPGetDatum(&stays->values[second]);

	if (first == second)
		return lo;
	return DirectFunctionCall2(interval_pl,
							   DirectFunctionCall2(interval_mul,
												   DirectFunctionCall2(interval_mi, hi, lo),
												   Float8GetDatum(position - first)),
							   lo);
}

static void
PutState(ReturnSetInfo *rsinfo, int state, const Stays *stays)
{
	Datum		values[5];
	bool		nulls[5] = {false};

	values[0] = ClientStateGetDatum((ClientState) state);
	values[1] = Int64GetDatum(stays->count);
	if (stays->count == 0)
		nulls[2] = nulls[3] = nulls[4] = true;
	else
	{
		values[2] = DirectFunctionCall2(interval_div, IntervalPGetDatum(&stays->sum),
										Float8GetDatum((double) stays->count));
		values[3] = Percentile(stays, 0.5);
		values[4] = Percentile(stays, 0.9);
	}
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * stage_time_stays() -> (state, stays, average, median, p90), one row per
 * state in the type's order, for the view salesalgo.stage_time.
 */
PG_FUNCTION_INFO_V1(stage_time_stays);
Datum
stage_time_stays(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Snapshot	snapshot = GetActiveSnapshot();
	Relation	heap;
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	Buffer		vmbuffer = InvalidBuffer;
	ItemPointer tid;
	Stays		stays = {0};
	int			state = 0;		/* the next state to put out */

	CheckViewAccess();
	InitMaterializedSRF(fcinfo, 0);

	heap = table_open(SalesRelation("client_history"), AccessShareLock);
	index = index_open(SalesRelation("client_history_stay_idx"), AccessShareLock);
	/* a serializable reader has read all of it, as a scan would have */
	PredicateLockRelation(heap, snapshot);
	slot = table_slot_create(heap, NULL);
	scan = index_beginscan(heap, index, snapshot, 0, 0);
	scan->xs_want_itup = true;
	index_rescan(scan, NULL, 0, NULL, 0);

	while ((tid = index_getnext_tid(scan, ForwardScanDirection)) != NULL)
	{
		bool		isnull;
		Datum		from_state;
		Datum		stay;

		CHECK_FOR_INTERRUPTS();
		/* as nodeIndexonlyscan.c: the heap only where some rows are not
		 * visible to every transaction */
		if (!VM_ALL_VISIBLE(heap, ItemPointerGetBlockNumber(tid), &vmbuffer))
		{
			if (!index_fetch_heap(scan, slot))
				continue;
			ExecClearTuple(slot);
			if (scan->xs_heap_continue)
				elog(ERROR, "non-MVCC snapshots are not supported here");
		}
		from_state = index_getattr(scan->xs_itup, 1, scan->xs_itupdesc, &isnull);
		if (isnull)
			continue;
		stay = index_getattr(scan->xs_itup, 2, scan->xs_itupdesc, &isnull);
		if (isnull)
			continue;
		if ((int) DatumGetClientState(from_state) >= CLIENT_STATE_COUNT ||
			(int) DatumGetClientState(from_state) < state)
			elog(ERROR, "client_history_stay_idx is not in the order of from_state");
		while ((int) DatumGetClientState(from_state) > state)
		{
			PutState(rsinfo, state++, &stays);
			stays.count = 0;
		}
		AddStay(&stays, DatumGetIntervalP(stay));
	}
	while (state < CLIENT_STATE_COUNT)
	{
		PutState(rsinfo, state++, &stays);
		stays.count = 0;
	}

	if (BufferIsValid(vmbuffer))
		ReleaseBuffer(vmbuffer);
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, AccessShareLock);
	table_close(heap, AccessShareLock);
	return (Datum) 0;
}
