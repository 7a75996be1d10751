/*
 * internal_write.c
 *	  salesalgo's own writes, made by the executor as the user who made the
 *	  change.
 *
 * A client's history rows and a manager's in_work count are salesalgo's to
 * write whoever moved the client: that user needs no privilege on those
 * tables, and row-level security neither hides nor refuses the write.  They
 * are written the way PostgreSQL's logical replication applies a row
 * (replication/logical/worker.c, executor/execReplication.c): an executor
 * state for the one table, with no permission checks and no policies,
 * because both are added only when a query is planned and started, and with
 * the table's triggers, constraints, defaults and indexes as any INSERT or
 * UPDATE has them.  Nobody's identity is borrowed: a DBA's trigger on these
 * tables runs as current_user, the user who made the change, and can do no
 * more than that user could do.
 *
 * The guards (history_guard, manager_guard) tell salesalgo's write from any
 * other by a claim that lasts exactly as long as the trigger call that fires
 * them: the BEFORE STATEMENT triggers of a history insert, the BEFORE ROW
 * triggers of one manager row.  The first guard call under the claim takes
 * it; whatever a trigger does alongside or afterwards (an AFTER trigger
 * queued by the write runs when the write ends) finds no claim.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/stratnum.h"
#include "access/sysattr.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/nodeModifyTable.h"
#include "nodes/makefuncs.h"
#include "rewrite/rewriteHandler.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"

#include "internal_write.h"

struct SalesWrite
{
	Relation	rel;
	CmdType		command;
	EState	   *estate;
	ResultRelInfo *relinfo;
	TransitionCaptureState *capture;
	TupleTableSlot *slot;		/* the row written */
	TupleTableSlot *oldslot;	/* an update's locked row */
	ExprState **defaults;		/* an insert's defaults, by attribute */
	Relation	key_index;		/* an update's primary key */
	EPQState	epqstate;
};

/* The write that the next guard call may take as salesalgo's own. */
static Oid	claim_relid = InvalidOid;
static ItemPointerData claim_tid;

bool
ClaimSalesWrite(Relation rel, ItemPointer tid)
{
	if (!OidIsValid(claim_relid) || claim_relid != RelationGetRelid(rel))
		return false;
	if (ItemPointerIsValid(&claim_tid) &&
		(tid == NULL || !ItemPointerEquals(tid, &claim_tid)))
		return false;
	claim_relid = InvalidOid;
	return true;
}

/*
 * Fires the BEFORE triggers of a write with the claim on; the claim ends
 * with the call, also on error.  A write of salesalgo's made inside (a
 * DBA's BEFORE trigger that moves a client) has its own claim, and the
 * outer one is back when it ends.
 */
static bool
FireClaimed(SalesWrite *write, ItemPointer tid)
{
	volatile bool keep = true;
	Oid			outer_relid = claim_relid;
	ItemPointerData outer_tid = claim_tid;

	claim_relid = RelationGetRelid(write->rel);
	if (tid != NULL)
		claim_tid = *tid;
	else
		ItemPointerSetInvalid(&claim_tid);
	PG_TRY();
	{
		if (write->command == CMD_INSERT)
			ExecBSInsertTriggers(write->estate, write->relinfo);
		else
#if PG_VERSION_NUM >= 160000
			keep = ExecBRUpdateTriggers(write->estate, &write->epqstate,
										write->relinfo, tid, NULL,
										write->slot, NULL, NULL);
#else
			keep = ExecBRUpdateTriggers(write->estate, &write->epqstate,
										write->relinfo, tid, NULL,
										write->slot, NULL);
#endif
	}
	PG_FINALLY();
	{
		claim_relid = outer_relid;
		claim_tid = outer_tid;
	}
	PG_END_TRY();
	return keep;
}

/*
 * Starts one statement's writes to rel, which the caller has opened with
 * RowExclusiveLock, and fires its BEFORE STATEMENT triggers.
 */
SalesWrite *
BeginSalesWrite(Relation rel, CmdType command, Bitmapset *columns)
{
	SalesWrite *write = palloc0(sizeof(SalesWrite));
	RangeTblEntry *rte = makeNode(RangeTblEntry);
	TupleDesc	tupdesc = RelationGetDescr(rel);
	Bitmapset  *rte_columns = NULL;
	EState	   *estate;
	int			attnum = -1;

	Assert(command == CMD_INSERT || command == CMD_UPDATE);
	write->rel = rel;
	write->command = command;

	/* a statement of its own, as SPI would run it: it sees what came before */
	CommandCounterIncrement();
	PushActiveSnapshot(GetTransactionSnapshot());
	UpdateActiveSnapshotCommandId();

	while ((attnum = bms_next_member(columns, attnum)) >= 0)
		rte_columns = bms_add_member(rte_columns,
									 attnum - FirstLowInvalidHeapAttributeNumber);
	rte->rtekind = RTE_RELATION;
	rte->relid = RelationGetRelid(rel);
	rte->relkind = rel->rd_rel->relkind;
	rte->rellockmode = RowExclusiveLock;
	estate = write->estate = CreateExecutorState();

	/*
	 * The columns serve the triggers (UPDATE OF, the lock an update takes);
	 * no privilege is asked for, as no plan is started to check one.
	 */
#if PG_VERSION_NUM >= 160000
	{
		RTEPermissionInfo *perminfo = makeNode(RTEPermissionInfo);

		perminfo->relid = rte->relid;
		if (command == CMD_INSERT)
			perminfo->insertedCols = rte_columns;
		else
			perminfo->updatedCols = rte_columns;
		rte->perminfoindex = 1;
		ExecInitRangeTable(estate, list_make1(rte), list_make1(perminfo));
	}
#else
	if (command == CMD_INSERT)
		rte->insertedCols = rte_columns;
	else
		rte->updatedCols = rte_columns;
	ExecInitRangeTable(estate, list_make1(rte));
#endif
	estate->es_snapshot = GetActiveSnapshot();
	estate->es_output_cid = GetCurrentCommandId(true);

	write->relinfo = makeNode(ResultRelInfo);
	InitResultRelInfo(write->relinfo, rel, 1, NULL, 0);
	/* where the trigger manager looks for the relation of a queued event */
	estate->es_opened_result_relations =
		lappend(estate->es_opened_result_relations, write->relinfo);
	ExecOpenIndices(write->relinfo, false);
	write->slot = table_slot_create(rel, &estate->es_tupleTable);

	AfterTriggerBeginQuery();
	write->capture = MakeTransitionCaptureState(write->relinfo->ri_TrigDesc,
												RelationGetRelid(rel), command);
	if (command == CMD_INSERT)
	{
		/* a column a DBA added gets its default, as in any INSERT */
		write->defaults = palloc0(sizeof(ExprState *) * tupdesc->natts);
		for (int i = 0; i < tupdesc->natts; i++)
		{
			Form_pg_attribute attr = TupleDescAttr(tupdesc, i);
			Node	   *expr;

			if (attr->attisdropped || attr->attgenerated ||
				bms_is_member(i + 1, columns))
				continue;
			expr = build_column_default(rel, i + 1);
			if (expr != NULL)
				write->defaults[i] = ExecPrepareExpr((Expr *) expr, estate);
		}
		FireClaimed(write, NULL);
	}
	else
	{
		write->oldslot = table_slot_create(rel, &estate->es_tupleTable);
		write->key_index = index_open(RelationGetPrimaryKeyIndex(rel),
									  AccessShareLock);
#if PG_VERSION_NUM >= 160000
		EvalPlanQualInit(&write->epqstate, estate, NULL, NIL, -1, NIL);
#else
		EvalPlanQualInit(&write->epqstate, estate, NULL, NIL, -1);
#endif
		ExecBSUpdateTriggers(estate, write->relinfo);
	}
	return write;
}

static void
StoreRow(SalesWrite *write, Datum *values, bool *isnull)
{
	TupleTableSlot *slot = write->slot;
	int			natts = slot->tts_tupleDescriptor->natts;

	ExecClearTuple(slot);
	for (int i = 0; i < natts; i++)
	{
		if (write->defaults != NULL && write->defaults[i] != NULL)
			slot->tts_values[i] =
				ExecEvalExprSwitchContext(write->defaults[i],
										  GetPerTupleExprContext(write->estate),
										  &slot->tts_isnull[i]);
		else
		{
			slot->tts_values[i] = values[i];
			slot->tts_isnull[i] = isnull[i];
		}
	}
	ExecStoreVirtualTuple(slot);
}

static void
CheckRow(SalesWrite *write)
{
	TupleConstr *constr = RelationGetDescr(write->rel)->constr;

	if (constr == NULL)
		return;
	if (constr->has_generated_stored)
		ExecComputeStoredGenerated(write->relinfo, write->estate, write->slot,
								   write->command);
	ExecConstraints(write->relinfo, write->slot, write->estate);
}

static List *
InsertIndexEntries(SalesWrite *write, bool update, bool only_summarizing)
{
	if (write->relinfo->ri_NumIndices == 0)
		return NIL;
#if PG_VERSION_NUM >= 160000
	return ExecInsertIndexTuples(write->relinfo, write->slot, write->estate,
								 update, false, NULL, NIL, only_summarizing);
#else
	return ExecInsertIndexTuples(write->relinfo, write->slot, write->estate,
								 update, false, NULL, NIL);
#endif
}

/*
 * Inserts a row (values and isnull by attribute); false when a BEFORE ROW
 * trigger skipped it.
 */
bool
SalesInsert(SalesWrite *write, Datum *values, bool *isnull)
{
	EState	   *estate = write->estate;
	ResultRelInfo *relinfo = write->relinfo;
	MemoryContext oldcontext;
	List	   *recheck;

	Assert(write->command == CMD_INSERT);
	/* in the query's memory, as a trigger function keeps its cache there */
	ResetPerTupleExprContext(estate);
	oldcontext = MemoryContextSwitchTo(estate->es_query_cxt);
	StoreRow(write, values, isnull);
	if (relinfo->ri_TrigDesc && relinfo->ri_TrigDesc->trig_insert_before_row &&
		!ExecBRInsertTriggers(estate, relinfo, write->slot))
	{
		MemoryContextSwitchTo(oldcontext);
		return false;
	}
	CheckRow(write);
	simple_table_tuple_insert(write->rel, write->slot);
	recheck = InsertIndexEntries(write, false, false);
	ExecARInsertTriggers(estate, relinfo, write->slot, recheck, write->capture);
	MemoryContextSwitchTo(oldcontext);
	return true;
}

/*
 * Finds the row whose int8 primary key is key and locks it as an UPDATE
 * would: after waiting for a session that holds it, READ COMMITTED takes the
 * newest committed version, REPEATABLE READ and SERIALIZABLE fail with a
 * serialization error if it changed.  NULL if there is no such row.
 */
TupleTableSlot *
SalesLockRow(SalesWrite *write, int64 key)
{
	EState	   *estate = write->estate;
	TupleTableSlot *slot = write->oldslot;
	AttrNumber	key_attnum = write->key_index->rd_index->indkey.values[0];
	ScanKeyData scankey;
	IndexScanDesc scan;
	ItemPointerData tid;
	TM_FailureData tmfd;
	TM_Result	result;
	bool		found;
	bool		isnull;

	Assert(write->command == CMD_UPDATE);
	ScanKeyInit(&scankey, 1, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum(key));
	scan = index_beginscan(write->rel, write->key_index, estate->es_snapshot,
						   1, 0);
	index_rescan(scan, &scankey, 1, NULL, 0);
	found = index_getnext_slot(scan, ForwardScanDirection, slot);
	index_endscan(scan);
	if (!found)
		return NULL;

	tid = slot->tts_tid;
	result = table_tuple_lock(write->rel, &tid, estate->es_snapshot, slot,
							  estate->es_output_cid, LockTupleNoKeyExclusive,
							  LockWaitBlock,
							  IsolationUsesXactSnapshot() ? 0 :
							  TUPLE_LOCK_FLAG_FIND_LAST_VERSION,
							  &tmfd);
	switch (result)
	{
		case TM_Ok:
			break;
		case TM_SelfModified:
			ereport(ERROR,
					(errcode(ERRCODE_TRIGGERED_DATA_CHANGE_VIOLATION),
					 errmsg("tuple to be updated was already modified by an operation triggered by the current command"),
					 errhint("Consider using an AFTER trigger instead of a BEFORE trigger to propagate changes to other rows.")));
			break;
		case TM_Updated:
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("could not serialize access due to concurrent update")));
			break;
		case TM_Deleted:
			if (IsolationUsesXactSnapshot())
				ereport(ERROR,
						(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
						 errmsg("could not serialize access due to concurrent delete")));
			return NULL;
		default:
			elog(ERROR, "unexpected table_tuple_lock status: %u", result);
	}

	/* the newest version is judged again, as an UPDATE's WHERE would be */
	if (tmfd.traversed &&
		DatumGetInt64(slot_getattr(slot, key_attnum, &isnull)) != key)
		return NULL;
	slot_getallattrs(slot);
	return slot;
}

/*
 * Updates the row SalesLockRow() locked to values and isnull (by attribute)
 * and returns it as written, after the BEFORE ROW triggers; NULL when one of
 * them skipped it.
 */
TupleTableSlot *
SalesUpdate(SalesWrite *write, Datum *values, bool *isnull)
{
	EState	   *estate = write->estate;
	ResultRelInfo *relinfo = write->relinfo;
	ItemPointerData tid = write->oldslot->tts_tid;
	MemoryContext oldcontext;
	List	   *recheck = NIL;

#if PG_VERSION_NUM >= 160000
	TU_UpdateIndexes update_indexes;
#else
	bool		update_indexes;
#endif

	Assert(write->command == CMD_UPDATE);
	/* in the query's memory, as a trigger function keeps its cache there */
	ResetPerTupleExprContext(estate);
	oldcontext = MemoryContextSwitchTo(estate->es_query_cxt);
	StoreRow(write, values, isnull);
	if (relinfo->ri_TrigDesc && relinfo->ri_TrigDesc->trig_update_before_row &&
		!FireClaimed(write, &tid))
	{
		MemoryContextSwitchTo(oldcontext);
		return NULL;
	}
	CheckRow(write);
	simple_table_tuple_update(write->rel, &tid, write->slot,
							  estate->es_snapshot, &update_indexes);
#if PG_VERSION_NUM >= 160000
	if (update_indexes != TU_None)
		recheck = InsertIndexEntries(write, true,
									 update_indexes == TU_Summarizing);
#else
	if (update_indexes)
		recheck = InsertIndexEntries(write, true, false);
#endif
	ExecARUpdateTriggers(estate, relinfo, NULL, NULL, &tid, NULL, write->slot,
						 recheck, write->capture, false);
	MemoryContextSwitchTo(oldcontext);
	return write->slot;
}

Snapshot
SalesWriteSnapshot(SalesWrite *write)
{
	return write->estate->es_snapshot;
}

/*
 * Fires the AFTER STATEMENT triggers and every AFTER trigger the writes
 * queued, and ends the statement.
 */
void
EndSalesWrite(SalesWrite *write)
{
	EState	   *estate = write->estate;

	if (write->command == CMD_INSERT)
		ExecASInsertTriggers(estate, write->relinfo, write->capture);
	else
		ExecASUpdateTriggers(estate, write->relinfo, write->capture);
	AfterTriggerEndQuery(estate);

	if (write->command == CMD_UPDATE)
	{
		EvalPlanQualEnd(&write->epqstate);
		index_close(write->key_index, AccessShareLock);
	}
	ExecCloseResultRelations(estate);
	ExecResetTupleTable(estate->es_tupleTable, false);
	FreeExecutorState(estate);
	PopActiveSnapshot();
	pfree(write);
}
