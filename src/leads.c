/*
 * leads.c
 *	  salesalgo.distribute_leads(): "remove the client and find a new one";
 *	  this is the find.
 *
 * Unassigned clients in state new (leads) go to active managers with free
 * slots, the least loaded (by share of the cap in use) first, never past a
 * cap.  The managers it fills
 * and the leads it hands out are locked with SKIP LOCKED, so several
 * sessions can distribute at once without waiting for each other or giving
 * the same lead twice; the assignment itself is one UPDATE, through the
 * same triggers and history as any other change.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/binaryheap.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/syscache.h"

#include "history.h"
#include "rules.h"

typedef struct Slot
{
	int64		manager_id;
	int			in_work;
	int			cap;
} Slot;

/*
 * Load is the share of the cap in use, so that managers with different caps
 * fill alike.  binaryheap keeps the largest first: here the largest is the
 * least loaded, then the lowest id.
 */
static int
LessLoadedFirst(Datum a, Datum b, void *arg)
{
	const Slot *x = (const Slot *) DatumGetPointer(a);
	const Slot *y = (const Slot *) DatumGetPointer(b);
	int64		x_load = (int64) x->in_work * y->cap;
	int64		y_load = (int64) y->in_work * x->cap;

	if (x_load != y_load)
		return (x_load < y_load) ? 1 : -1;
	return (x->manager_id < y->manager_id) ? 1 : (x->manager_id > y->manager_id) ? -1 : 0;
}

/*
 * Where the comparisons of states and sizes live: pg_catalog from 1.2 on,
 * salesalgo in a database not yet updated from 1.0 or 1.1.  The leads query
 * must use the very operator of client_lead_idx's predicate to use it.
 */
static const char *
ComparisonSchema(void)
{
	Oid			type = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
									   CStringGetDatum("client_state"),
									   ObjectIdGetDatum(get_namespace_oid("salesalgo", false)));
	List	   *name = list_make2(makeString("pg_catalog"), makeString("="));

	return OidIsValid(OpernameGetOprid(name, type, type)) ? "pg_catalog" : "salesalgo";
}

/* One UPDATE: client i goes to manager i.  Caller is connected to SPI. */
static void
AssignLeads(ArrayType *clients, ArrayType *managers)
{
	Oid			argtypes[2] = {INT8ARRAYOID, INT8ARRAYOID};
	Datum		values[2] = {PointerGetDatum(clients), PointerGetDatum(managers)};
	ChangeSource previous = SetChangeSource("distribute_leads", NULL);

	PG_TRY();
	{
		if (SPI_execute_with_args("UPDATE salesalgo.client AS c SET manager_id = a.manager"
								  " FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2))"
								  "  AS a(client, manager)"
								  " WHERE c.id OPERATOR(pg_catalog.=) a.client",
								  2, argtypes, values, NULL, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "could not assign the leads");
	}
	PG_FINALLY();
	{
		RestoreChangeSource(previous);
	}
	PG_END_TRY();
}

PG_FUNCTION_INFO_V1(distribute_leads);
Datum
distribute_leads(PG_FUNCTION_ARGS)
{
	int64		limit = PG_ARGISNULL(0) ? PG_INT64_MAX : PG_GETARG_INT32(0);
	Oid			argtypes[1] = {INT4OID};
	Datum		values[1];
	Slot	   *slots;
	int			nslots;
	int64		free_slots = 0;
	binaryheap *heap;
	Datum	   *clients;
	Datum	   *managers;
	int			nleads;
	const char *schema;

	PreventCommandIfReadOnly("distribute_leads()");
	if (limit < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_clients must not be negative, not " INT64_FORMAT, limit)));
	if (limit == 0)
		PG_RETURN_INT64(0);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/* the managers with room that no other session is filling */
	values[0] = Int32GetDatum(GetSalesRules()->default_worklist_cap);
	if (SPI_execute_with_args("SELECT id, in_work, COALESCE(worklist_cap, $1)"
							  " FROM salesalgo.manager"
							  " WHERE active AND in_work OPERATOR(pg_catalog.<)"
							  "  COALESCE(worklist_cap, $1)"
							  " ORDER BY id FOR NO KEY UPDATE SKIP LOCKED",
							  1, argtypes, values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the managers");
	nslots = SPI_processed;
	slots = palloc(sizeof(Slot) * Max(nslots, 1));
	heap = binaryheap_allocate(Max(nslots, 1), LessLoadedFirst, NULL);
	for (int i = 0; i < nslots; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		bool		isnull;

		slots[i].manager_id = DatumGetInt64(SPI_getbinval(row, SPI_tuptable->tupdesc, 1, &isnull));
		slots[i].in_work = DatumGetInt32(SPI_getbinval(row, SPI_tuptable->tupdesc, 2, &isnull));
		slots[i].cap = DatumGetInt32(SPI_getbinval(row, SPI_tuptable->tupdesc, 3, &isnull));
		free_slots += slots[i].cap - slots[i].in_work;
		binaryheap_add(heap, PointerGetDatum(&slots[i]));
	}
	limit = Min(limit, free_slots);
	if (limit == 0)
	{
		SPI_finish();
		PG_RETURN_INT64(0);
	}

	/* the oldest leads that no other session is handing out */
	values[0] = Int64GetDatum(limit);
	argtypes[0] = INT8OID;
	schema = ComparisonSchema();
	if (SPI_execute_with_args(psprintf("SELECT id FROM salesalgo.client"
									   " WHERE state OPERATOR(%s.=) 'new'"
									   "  AND manager_id IS NULL"
									   "  AND size OPERATOR(%s.<>) 'nonprofile'"
									   " ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
									   schema, schema),
							  1, argtypes, values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the leads");
	nleads = SPI_processed;
	clients = palloc(sizeof(Datum) * Max(nleads, 1));
	managers = palloc(sizeof(Datum) * Max(nleads, 1));
	for (int i = 0; i < nleads; i++)
	{
		bool		isnull;
		Slot	   *slot = (Slot *) DatumGetPointer(binaryheap_first(heap));

		clients[i] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
		managers[i] = Int64GetDatum(slot->manager_id);
		slot->in_work++;
		if (slot->in_work >= slot->cap)
			(void) binaryheap_remove_first(heap);
		else
			binaryheap_replace_first(heap, PointerGetDatum(slot));
	}

	if (nleads > 0)
		AssignLeads(construct_array(clients, nleads, INT8OID, sizeof(int64),
									FLOAT8PASSBYVAL, TYPALIGN_DOUBLE),
					construct_array(managers, nleads, INT8OID, sizeof(int64),
									FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));

	SPI_finish();
	PG_RETURN_INT64(nleads);
}
