/*
 * kept_views.c
 *	  The funnel and the time in each state, from what the triggers keep.
 *
 * The client row keeps the set of main-path states the client ever
 * entered, a deletion keeps the deleted client's set, and every history row
 * that changes a state or deletes a client keeps how long the client was in
 * the state it left (client_trigger.c, history.c).  The views read those,
 * not the whole history:
 *
 * - funnel_sets(): the clients per set of states, a client id deleted and
 *   created again counted once with its lives' sets together, as its
 *   history groups them.  One pass over the client table, and the
 *   deletions from their partial index.
 * - stage_time_stays(): the stays are in a partial index by (from_state,
 *   stay): in order, per state, the way percentile_cont() would sort them.
 *   One pass over that index gives each state's count, average, median and
 *   90th percentile with PostgreSQL's own interval arithmetic, so that the
 *   numbers are those avg(interval) and percentile_cont(interval) give over
 *   the same stays.  Nothing is sorted: the index is the order.
 *
 * Both read an index without the heap where the visibility map allows, as
 * an index-only scan does, and answer whoever may read their view, reading
 * the tables as the view's owner does.
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
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "storage/predicate.h"
#include "utils/acl.h"
#include "utils/hsearch.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "guard.h"
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
 * The indexes the views read, and the statement that makes each: a DBA who
 * dropped one makes it again with that, not by dropping the extension (its
 * tables with it).
 */
static const struct
{
	const char *name;
	const char *definition;
}			KeptIndexes[] =
{
	{
		"client_history_stay_idx",
		"CREATE INDEX client_history_stay_idx ON salesalgo.client_history (from_state, stay) WHERE stay IS NOT NULL;"
	},
	{
		"client_history_deletion_idx",
		"CREATE INDEX client_history_deletion_idx ON salesalgo.client_history (client_id) INCLUDE (funnel_steps) WHERE to_state IS NULL;"
	},
};

/*
 * An index a view reads.  An invalid one (a failed CREATE INDEX
 * CONCURRENTLY, a failed REINDEX) would give wrong numbers if it were read,
 * so it is refused as a missing one is.
 */
static Oid
SalesIndex(const char *name)
{
	Oid			relid = get_relname_relid(name, get_namespace_oid("salesalgo", false));
	const char *definition = NULL;

	for (size_t i = 0; i < lengthof(KeptIndexes); i++)
		if (strcmp(KeptIndexes[i].name, name) == 0)
			definition = KeptIndexes[i].definition;
	if (definition == NULL)
		elog(ERROR, "salesalgo.%s is not an index salesalgo reads", name);
	/* locked before it is judged, so that it stays as judged */
	if (OidIsValid(relid))
		LockRelationOid(relid, AccessShareLock);
	if (!OidIsValid(relid) || get_rel_relkind(relid) == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("index \"salesalgo.%s\" does not exist", name),
				 errdetail("The views funnel and stage_time read it."),
				 errhint("Make it again, as a superuser: %s", definition)));
	if (get_rel_relkind(relid) != RELKIND_INDEX || !get_index_isvalid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("index \"salesalgo.%s\" is not valid", name),
				 errdetail("The views funnel and stage_time read it."),
				 errhint("Make it again, as a superuser: DROP INDEX salesalgo.%s; %s", name, definition)));
	return relid;
}

/*
 * The view is the access: whoever may read it, or any of its columns (as
 * has_any_column_privilege() says), gets its numbers, read as the view's
 * owner reads the tables.  A DBA's view over this one is not seen here: its
 * readers need that privilege on the salesalgo view themselves.
 */
static void
CheckViewAccess(const char *view, const char *function)
{
	Oid			relid = SalesRelation(view);

	if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK &&
		pg_attribute_aclcheck_all(relid, GetUserId(), ACL_SELECT, ACLMASK_ANY) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for view %s", view),
				 errdetail("salesalgo.%s() answers whoever may read salesalgo.%s or any of its columns.", function, view),
				 errhint("A head of sales or a BI role reads it: salesalgo.grant_access(role, 'bi').")));
}

/* An index of client_history read without the heap where it can be. */
typedef struct IndexOnly
{
	Relation	heap;
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	Buffer		vmbuffer;
} IndexOnly;

static void
BeginIndexOnly(IndexOnly *reader, const char *index)
{
	Snapshot	snapshot = GetActiveSnapshot();

	reader->heap = table_open(SalesRelation("client_history"), AccessShareLock);
	reader->index = index_open(SalesIndex(index), AccessShareLock);
	/* a serializable reader has read all of it, as a scan would have */
	PredicateLockRelation(reader->heap, snapshot);
	reader->slot = table_slot_create(reader->heap, NULL);
	reader->vmbuffer = InvalidBuffer;
	reader->scan = index_beginscan(reader->heap, reader->index, snapshot, 0, 0);
	reader->scan->xs_want_itup = true;
	index_rescan(reader->scan, NULL, 0, NULL, 0);
}

/* The next visible entry, in the index's order; NULL at the end. */
static IndexTuple
NextIndexOnly(IndexOnly *reader)
{
	IndexScanDesc scan = reader->scan;
	ItemPointer tid;

	while ((tid = index_getnext_tid(scan, ForwardScanDirection)) != NULL)
	{
		CHECK_FOR_INTERRUPTS();
		/* as nodeIndexonlyscan.c: the heap only where some rows are not
		 * visible to every transaction */
		if (!VM_ALL_VISIBLE(reader->heap, ItemPointerGetBlockNumber(tid),
							&reader->vmbuffer))
		{
			if (!index_fetch_heap(scan, reader->slot))
				continue;
			ExecClearTuple(reader->slot);
			if (scan->xs_heap_continue)
				elog(ERROR, "non-MVCC snapshots are not supported here");
		}
		return scan->xs_itup;
	}
	return NULL;
}

static void
EndIndexOnly(IndexOnly *reader)
{
	if (BufferIsValid(reader->vmbuffer))
		ReleaseBuffer(reader->vmbuffer);
	index_endscan(reader->scan);
	ExecDropSingleTupleTableSlot(reader->slot);
	index_close(reader->index, AccessShareLock);
	table_close(reader->heap, AccessShareLock);
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
	IndexOnly	reader;
	IndexTuple	entry;
	Stays		stays = {0};
	int			state = 0;		/* the state whose stays are being read */

	CheckViewAccess("stage_time", "stage_time_stays");
	InitMaterializedSRF(fcinfo, 0);

	BeginIndexOnly(&reader, "client_history_stay_idx");
	while ((entry = NextIndexOnly(&reader)) != NULL)
	{
		TupleDesc	desc = reader.scan->xs_itupdesc;
		bool		isnull;
		Datum		from_state = index_getattr(entry, 1, desc, &isnull);
		Datum		stay;

		if (isnull)
			continue;
		stay = index_getattr(entry, 2, desc, &isnull);
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
	EndIndexOnly(&reader);
	while (state < CLIENT_STATE_COUNT)
	{
		PutState(rsinfo, state++, &stays);
		stays.count = 0;
	}
	return (Datum) 0;
}

/* A deleted client id, and the sets of its lives together. */
typedef struct DeletedClient
{
	int64		client_id;
	int16		steps;
	bool		has_steps;
} DeletedClient;

/* The deletions' sets, by client id, from client_history_deletion_idx. */
static HTAB *
ReadDeletions(void)
{
	HASHCTL		ctl;
	HTAB	   *deleted;
	IndexOnly	reader;
	IndexTuple	entry;

	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(DeletedClient);
	ctl.hcxt = CurrentMemoryContext;
	deleted = hash_create("salesalgo deleted clients", 1024, &ctl,
						  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	BeginIndexOnly(&reader, "client_history_deletion_idx");
	while ((entry = NextIndexOnly(&reader)) != NULL)
	{
		TupleDesc	desc = reader.scan->xs_itupdesc;
		bool		isnull;
		int64		client_id = DatumGetInt64(index_getattr(entry, 1, desc, &isnull));
		Datum		steps;
		DeletedClient *client;
		bool		found;

		if (isnull)
			continue;
		steps = index_getattr(entry, 2, desc, &isnull);
		client = hash_search(deleted, &client_id, HASH_ENTER, &found);
		if (!found)
			client->has_steps = false;
		if (!isnull)
		{
			client->steps = (client->has_steps ? client->steps : 0) | DatumGetInt16(steps);
			client->has_steps = true;
		}
	}
	EndIndexOnly(&reader);
	return deleted;
}

/*
 * funnel_sets() -> (steps, clients): how many clients entered each set of
 * main-path states, for the view salesalgo.funnel.  A client whose set is
 * NULL (not known) is not counted, as bit_or() would leave it out.
 */
PG_FUNCTION_INFO_V1(funnel_sets);
Datum
funnel_sets(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64	   *clients = palloc0(sizeof(int64) * (1 << 16));	/* by set */
	HTAB	   *deleted;
	HASH_SEQ_STATUS status;
	DeletedClient *client;
	Relation	rel;
	TableScanDesc scan;
	TupleTableSlot *slot;
	int			id_column;
	int			steps_column;

	CheckViewAccess("funnel", "funnel_sets");
	InitMaterializedSRF(fcinfo, 0);

	deleted = ReadDeletions();
	rel = table_open(SalesRelation("client"), AccessShareLock);
	id_column = ColumnOfType(rel, "id", INT8OID);
	steps_column = ColumnOfType(rel, "funnel_steps", INT2OID);
	slot = table_slot_create(rel, NULL);
	scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		int64		id;
		int16		steps;

		CHECK_FOR_INTERRUPTS();
		steps = DatumGetInt16(slot_getattr(slot, steps_column, &isnull));
		if (isnull)
			continue;
		id = DatumGetInt64(slot_getattr(slot, id_column, &isnull));
		/* an id deleted before: one client with its earlier lives */
		client = hash_search(deleted, &id, HASH_FIND, NULL);
		if (client == NULL)
			clients[(uint16) steps]++;
		else
		{
			client->steps = (client->has_steps ? client->steps : 0) | steps;
			client->has_steps = true;
		}
	}
	table_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	table_close(rel, AccessShareLock);

	hash_seq_init(&status, deleted);
	while ((client = hash_seq_search(&status)) != NULL)
		if (client->has_steps)
			clients[(uint16) client->steps]++;

	for (int steps = 0; steps < (1 << 16); steps++)
	{
		Datum		values[2];
		bool		nulls[2] = {false};

		if (clients[steps] == 0)
			continue;
		values[0] = Int16GetDatum((int16) steps);
		values[1] = Int64GetDatum(clients[steps]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
