/*
 * worklist.c
 *	  The cap on a manager's worklist (R6), as a count on the manager's row.
 *
 * salesalgo.manager.in_work counts the manager's clients in worklist
 * states.  At the end of each statement on salesalgo.client, every manager
 * whose worklist the statement changed gets one update,
 *
 *	  UPDATE manager SET in_work = in_work + delta WHERE id = $1
 *	  RETURNING active, in_work, cap
 *
 * and the statement fails if the manager is inactive or now past the cap.
 * That costs the same whatever the size of the client table, and is safe
 * under concurrency at every isolation level: the row lock queues a second
 * session behind the first; at READ COMMITTED the second applies its count
 * to the row the first committed and is judged by it, and at REPEATABLE
 * READ or SERIALIZABLE it fails with a serialization error (40001) that the
 * client can retry.  A count of clients under a lock would not do: at
 * REPEATABLE READ its snapshot does not see the client the first session
 * added.
 *
 * The update is written by internal_write.c as the user who moved the
 * clients, locking the row as that UPDATE would (and with the same
 * semantics at each isolation level), with the table's triggers.
 *
 * The managers are updated in the order of their ids, so that two sessions
 * moving clients between the same managers in opposite directions queue
 * instead of deadlocking.  Counting by statement also judges a statement by
 * where it leaves the worklists: a swap between two full worklists is fine.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"

#include "internal_write.h"
#include "rules.h"
#include "worklist.h"

typedef struct ManagerChange
{
	int64		manager_id;		/* hash key */
	int			delta;			/* clients in, less clients out */
	int			entering;		/* clients in */
	int64		last_client_id; /* the last client in, for messages */
} ManagerChange;

struct WorklistChanges
{
	HTAB	   *managers;
};

/* The columns of salesalgo.manager read and written here. */
enum
{
	M_ID,
	M_NAME,
	M_ACTIVE,
	M_IN_WORK,
	M_CAP,
	M_COLUMNS
};

static const char *const column_names[M_COLUMNS] = {
	"id", "name", "active", "in_work", "worklist_cap"
};

/* salesalgo.manager's count of one statement. */
typedef struct ManagerWriter
{
	Relation	rel;
	int			attnums[M_COLUMNS];
	SalesWrite *write;
	Datum	   *values;
	bool	   *isnull;
} ManagerWriter;

WorklistChanges *
BeginWorklistChanges(void)
{
	WorklistChanges *changes = palloc(sizeof(WorklistChanges));
	HASHCTL		ctl = {0};

	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(ManagerChange);
	ctl.hcxt = CurrentMemoryContext;
	changes->managers = hash_create("salesalgo worklist changes", 16, &ctl,
									HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	return changes;
}

static ManagerChange *
ChangeOf(WorklistChanges *changes, int64 manager_id)
{
	bool		found;
	ManagerChange *change = hash_search(changes->managers, &manager_id,
										HASH_ENTER, &found);

	if (!found)
	{
		change->delta = 0;
		change->entering = 0;
		change->last_client_id = 0;
	}
	return change;
}

void
CountEntering(WorklistChanges *changes, int64 manager_id, int64 client_id)
{
	ManagerChange *change = ChangeOf(changes, manager_id);

	change->delta++;
	change->entering++;
	change->last_client_id = client_id;
}

/*
 * The name of a client, for a message: read only when a message needs it,
 * so that a statement on a million clients keeps no million names.  It is
 * read by the primary key with the snapshot of salesalgo's write, which
 * sees the statement's rows, and as salesalgo reads them: whatever
 * privileges or row-level security the user has, the message is the same.
 */
static char *
ClientNameOf(Relation client_rel, Snapshot snapshot, int64 client_id)
{
	Relation	index = index_open(RelationGetPrimaryKeyIndex(client_rel),
								   AccessShareLock);
	TupleTableSlot *slot = table_slot_create(client_rel, NULL);
	int			attnum = SPI_fnumber(RelationGetDescr(client_rel), "name");
	char	   *name = NULL;
	ScanKeyData scankey;
	IndexScanDesc scan;
	bool		isnull;

	ScanKeyInit(&scankey, 1, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum(client_id));
	scan = index_beginscan(client_rel, index, snapshot, 1, 0);
	index_rescan(scan, &scankey, 1, NULL, 0);
	if (attnum > 0 && index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		Datum		value = slot_getattr(slot, attnum, &isnull);

		if (!isnull)
			name = TextDatumGetCString(value);
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, AccessShareLock);
	return name ? name : pstrdup("");
}

void
CountLeaving(WorklistChanges *changes, int64 manager_id)
{
	ChangeOf(changes, manager_id)->delta--;
}

/* Why a manager could not take the statement's clients. */
static void
ReportRefusedEntry(Relation client_rel, Snapshot snapshot,
				   const ManagerChange *change, const char *manager_name,
				   bool active, int in_work, int manager_cap)
{
	char	   *client_name = ClientNameOf(client_rel, snapshot,
										   change->last_client_id);

	if (!active)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("manager " INT64_FORMAT " is not active and cannot take client " INT64_FORMAT,
						change->manager_id, change->last_client_id),
				 errdetail("Client " INT64_FORMAT " \"%s\" was to enter the worklist of manager " INT64_FORMAT " \"%s\", who is inactive.",
						   change->last_client_id, client_name,
						   change->manager_id, manager_name),
				 errhint("Assign the client to an active manager, or set salesalgo.manager.active for manager " INT64_FORMAT ".",
						 change->manager_id),
				 errtableconstraint(client_rel, "manager_active")));

	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("worklist of manager " INT64_FORMAT " is full: client " INT64_FORMAT " cannot enter it",
					change->manager_id, change->last_client_id),
			 change->delta == 1 ?
			 errdetail_plural("Manager " INT64_FORMAT " \"%s\" holds %d client in worklist states; the cap is %d.",
							  "Manager " INT64_FORMAT " \"%s\" holds %d clients in worklist states; the cap is %d.",
							  in_work, change->manager_id, manager_name, in_work, manager_cap) :
			 errdetail("Manager " INT64_FORMAT " \"%s\" holds %d clients in worklist states, and the statement would add %d more, client " INT64_FORMAT " \"%s\" the last of them; the cap is %d.",
					   change->manager_id, manager_name, in_work, change->delta,
					   change->last_client_id, client_name, manager_cap),
			 errhint("Move a client of this manager out of the worklist first, or raise salesalgo.manager.worklist_cap."),
			 errtableconstraint(client_rel, "manager_worklist_cap")));
}

static int
CompareManagerIds(const void *a, const void *b)
{
	int64		x = (*(ManagerChange *const *) a)->manager_id;
	int64		y = (*(ManagerChange *const *) b)->manager_id;

	return (x > y) - (x < y);
}

static void
BeginManagerWriter(ManagerWriter *writer, Relation client_rel)
{
	Oid			relid = get_relname_relid("manager",
										  RelationGetNamespace(client_rel));
	TupleDesc	tupdesc;

	if (!OidIsValid(relid))
		elog(ERROR, "salesalgo.manager does not exist");
	writer->rel = table_open(relid, RowExclusiveLock);
	tupdesc = RelationGetDescr(writer->rel);
	for (int i = 0; i < M_COLUMNS; i++)
	{
		writer->attnums[i] = SPI_fnumber(tupdesc, column_names[i]);
		if (writer->attnums[i] <= 0)
			elog(ERROR, "salesalgo.manager has no column \"%s\"",
				 column_names[i]);
	}
	writer->values = palloc(sizeof(Datum) * tupdesc->natts);
	writer->isnull = palloc(sizeof(bool) * tupdesc->natts);
	writer->write = BeginSalesWrite(writer->rel, CMD_UPDATE,
									bms_make_singleton(writer->attnums[M_IN_WORK]));
}

static void
EndManagerWriter(ManagerWriter *writer)
{
	EndSalesWrite(writer->write);
	table_close(writer->rel, NoLock);
}

/*
 * Adds delta to the manager's in_work (or sets it, if absolute) and returns
 * the row as written.
 */
static TupleTableSlot *
CountManager(ManagerWriter *writer, int64 manager_id, int delta, bool absolute)
{
	TupleTableSlot *old = SalesLockRow(writer->write, manager_id);
	int			natts = RelationGetDescr(writer->rel)->natts;
	int			in_work = writer->attnums[M_IN_WORK] - 1;
	TupleTableSlot *row;

	if (old == NULL)
		elog(ERROR, "could not count the worklist of manager " INT64_FORMAT,
			 manager_id);
	memcpy(writer->values, old->tts_values, sizeof(Datum) * natts);
	memcpy(writer->isnull, old->tts_isnull, sizeof(bool) * natts);
	writer->values[in_work] =
		Int32GetDatum((absolute || old->tts_isnull[in_work] ? 0 :
					   DatumGetInt32(old->tts_values[in_work])) + delta);
	writer->isnull[in_work] = false;
	row = SalesUpdate(writer->write, writer->values, writer->isnull);
	if (row == NULL)
		elog(ERROR, "a trigger on salesalgo.manager skipped the count of manager " INT64_FORMAT,
			 manager_id);
	slot_getallattrs(row);
	return row;
}

void
ApplyWorklistChanges(Relation client_rel, WorklistChanges *changes)
{
	long		count = hash_get_num_entries(changes->managers);
	ManagerChange **sorted;
	HASH_SEQ_STATUS scan;
	ManagerChange *change;
	ManagerWriter writer;
	int			n = 0;

	if (count == 0)
		return;

	sorted = palloc(sizeof(ManagerChange *) * count);
	hash_seq_init(&scan, changes->managers);
	while ((change = hash_seq_search(&scan)) != NULL)
		if (change->delta != 0 || change->entering > 0)
			sorted[n++] = change;
	if (n == 0)
		return;
	qsort(sorted, n, sizeof(ManagerChange *), CompareManagerIds);

	BeginManagerWriter(&writer, client_rel);
	for (int i = 0; i < n; i++)
	{
		TupleTableSlot *row;
		int			in_work;
		int			manager_cap;
		bool		active;
		bool		isnull;

		change = sorted[i];

		/*
		 * Count first, judge after: the update waits for a session that
		 * holds the row and then applies to the newest version, so a slot
		 * freed by a commit is seen and a full worklist is never overfilled.
		 */
		row = CountManager(&writer, change->manager_id, change->delta, false);
		active = DatumGetBool(slot_getattr(row, writer.attnums[M_ACTIVE], &isnull));
		in_work = DatumGetInt32(slot_getattr(row, writer.attnums[M_IN_WORK], &isnull));
		manager_cap = DatumGetInt32(slot_getattr(row, writer.attnums[M_CAP], &isnull));
		/*
		 * The cap is judged as of the manager row the count went to, which
		 * is the newest committed one: the update may have waited for a
		 * change of the cap.  A NULL cap there means the default committed
		 * with it, not the statement's pinned one, so that no session can
		 * overfill a worklist whose cap another has just lowered.
		 */
		if (isnull)
		{
			const SalesRules *latest = PinSalesRules();

			manager_cap = latest->default_worklist_cap;
			UnpinSalesRules(latest);
		}

		if (change->entering > 0 &&
			(!active || (change->delta > 0 && in_work > manager_cap)))
			ReportRefusedEntry(client_rel, SalesWriteSnapshot(writer.write),
							   change,
							   TextDatumGetCString(slot_getattr(row, writer.attnums[M_NAME],
																&isnull)),
							   active, in_work - change->delta, manager_cap);
	}
	EndManagerWriter(&writer);
}

static int
CompareIds(const ListCell *a, const ListCell *b)
{
	int64		x = *(int64 *) lfirst(a);
	int64		y = *(int64 *) lfirst(b);

	return (x > y) - (x < y);
}

/*
 * After TRUNCATE of salesalgo.client: every worklist is empty.  Only the
 * managers with a count are updated, in the order of their ids.
 */
void
EmptyWorklists(Relation client_rel)
{
	ManagerWriter writer;
	Snapshot	snapshot;
	TableScanDesc scan;
	TupleTableSlot *slot;
	List	   *ids = NIL;
	ListCell   *lc;

	BeginManagerWriter(&writer, client_rel);
	slot = table_slot_create(writer.rel, NULL);
	/* the counts of the clients TRUNCATE removes, committed or not seen yet */
	snapshot = RegisterSnapshot(GetLatestSnapshot());
	scan = table_beginscan(writer.rel, snapshot, 0, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		int32		in_work = DatumGetInt32(slot_getattr(slot, writer.attnums[M_IN_WORK],
														 &isnull));

		if (!isnull && in_work != 0)
		{
			int64	   *id = palloc(sizeof(int64));

			*id = DatumGetInt64(slot_getattr(slot, writer.attnums[M_ID], &isnull));
			ids = lappend(ids, id);
		}
	}
	table_endscan(scan);
	UnregisterSnapshot(snapshot);
	ExecDropSingleTupleTableSlot(slot);
	list_sort(ids, CompareIds);
	foreach(lc, ids)
		CountManager(&writer, *(int64 *) lfirst(lc), 0, true);
	EndManagerWriter(&writer);
}
