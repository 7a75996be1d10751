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
 * The managers are updated in the order of their ids, so that two sessions
 * moving clients between the same managers in opposite directions queue
 * instead of deadlocking.  Counting by statement also judges a statement by
 * where it leaves the worklists: a swap between two full worklists is fine.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"

#include "internal_write.h"
#include "plans.h"
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

static SPIPlanPtr apply_plan = NULL;

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
 * so that a statement on a million clients keeps no million names.  Caller
 * is connected to SPI, as the owner.
 */
static char *
ClientNameOf(int64 client_id)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(client_id)};
	char	   *name = NULL;

	if (SPI_execute_with_args("SELECT name FROM salesalgo.client"
							  " WHERE id OPERATOR(pg_catalog.=) $1",
							  1, argtypes, values, NULL, false, 1) == SPI_OK_SELECT &&
		SPI_processed == 1)
		name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	return name ? name : pstrdup("");
}

void
CountLeaving(WorklistChanges *changes, int64 manager_id)
{
	ChangeOf(changes, manager_id)->delta--;
}

/* Why a manager could not take the statement's clients. */
static void
ReportRefusedEntry(Relation client_rel, const ManagerChange *change,
				   const char *manager_name, bool active, int in_work,
				   int manager_cap)
{
	char	   *client_name = ClientNameOf(change->last_client_id);

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

void
ApplyWorklistChanges(Relation client_rel, WorklistChanges *changes)
{
	long		count = hash_get_num_entries(changes->managers);
	ManagerChange **sorted;
	HASH_SEQ_STATUS scan;
	ManagerChange *change;
	int			n = 0;
	Oid			argtypes[2] = {INT8OID, INT4OID};
	Oid			saved_userid;
	int			saved_context;

	if (count == 0)
		return;

	sorted = palloc(sizeof(ManagerChange *) * count);
	hash_seq_init(&scan, changes->managers);
	while ((change = hash_seq_search(&scan)) != NULL)
		if (change->delta != 0 || change->entering > 0)
			sorted[n++] = change;
	qsort(sorted, n, sizeof(ManagerChange *), CompareManagerIds);

	BeginInternalWrite(client_rel, &saved_userid, &saved_context);
	for (int i = 0; i < n; i++)
	{
		Datum		values[2];
		HeapTuple	row;
		TupleDesc	tupdesc;
		bool		isnull;
		int			in_work;
		int			manager_cap;
		bool		active;

		change = sorted[i];
		values[0] = Int64GetDatum(change->manager_id);
		values[1] = Int32GetDatum(change->delta);

		/*
		 * Count first, judge after: the update waits for a session that
		 * holds the row and then applies to the newest version, so a slot
		 * freed by a commit is seen and a full worklist is never overfilled.
		 */
		if (apply_plan == NULL)
			apply_plan = PrepareKept("UPDATE salesalgo.manager"
									 " SET in_work = in_work OPERATOR(pg_catalog.+) $2"
									 " WHERE id OPERATOR(pg_catalog.=) $1"
									 " RETURNING name, active, in_work, worklist_cap",
									 2, argtypes);
		if (SPI_execute_plan(apply_plan, values, NULL, false, 0) != SPI_OK_UPDATE_RETURNING ||
			SPI_processed != 1)
			elog(ERROR, "could not count the worklist of manager " INT64_FORMAT,
				 change->manager_id);
		row = SPI_tuptable->vals[0];
		tupdesc = SPI_tuptable->tupdesc;
		active = DatumGetBool(SPI_getbinval(row, tupdesc, 2, &isnull));
		in_work = DatumGetInt32(SPI_getbinval(row, tupdesc, 3, &isnull));
		manager_cap = DatumGetInt32(SPI_getbinval(row, tupdesc, 4, &isnull));
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
			ReportRefusedEntry(client_rel, change, SPI_getvalue(row, tupdesc, 1),
							   active, in_work - change->delta, manager_cap);
	}
	EndInternalWrite(saved_userid, saved_context);
}
