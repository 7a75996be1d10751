/*
 * expire.c
 *	  salesalgo.sales_expire(): "either you sell within the term, or you
 *	  remove the client and find a new one".
 *
 * Every client whose deadline has passed leaves its worklist for the state
 * and reason of salesalgo.settings, through the same triggers and history
 * as any other change.  It runs unattended (pg_cron), so it never waits
 * unboundedly: clients whose rows another session holds, or whose
 * manager's row another session holds, are first left for the next run.
 * The overdue clients are found through the partial index on deadline_at,
 * in batches, so a run costs time in proportion to the overdue clients, not
 * to the table.
 *
 * Nobody may postpone an expiry, though ("the deadline leaves the manager no
 * choice"): a client overdue by more than settings.expire_grace is waited
 * for, for settings.expire_wait per holding session, and a session of a
 * manager's login that still holds it (its client row or its manager row)
 * is ended, as pg_terminate_backend() would, and waited for again.  Any
 * other session (an application's) is only waited for.  What a run moved,
 * skipped and ended is its NOTICE and a row of salesalgo.expire_runs.  A
 * database still at 1.0 or 1.1 has neither the grace nor the log: there the
 * run only skips, as it did.
 */
#include "postgres.h"

#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/itemptr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "clock.h"
#include "history.h"
#include "owner.h"
#include "plans.h"
#include "row_holders.h"
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
"  FOR NO KEY UPDATE OF c SKIP LOCKED),"
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

/* What a run did, for its NOTICE and its row of expire_runs. */
typedef struct ExpireRun
{
	int64		moved;
	int64		skipped;		/* overdue clients still held at the end */
	int64		past_grace;		/* of those, overdue by more than the grace */
	int			sessions_ended;
	StringInfoData detail;		/* who held what, in sentences */
	/* holders already waited for, sessions and prepared transactions: once each */
	RowHolders	waited;
	/* manager logins' sessions this run ended */
	RowHolders	ended;
	/* waits past the grace so far: at most one more than the holders seen */
	int			waits;
} ExpireRun;

/* settings.expire_grace and expire_wait, where the schema has them */
typedef struct ExpireGrace
{
	TimestampTz cutoff;			/* clients due at or before it are past the grace */
	int			wait_ms;
	char	   *grace_text;
} ExpireGrace;

static Oid
SalesalgoRelation(const char *name)
{
	Oid			namespace = get_namespace_oid("salesalgo", false);

	return get_relname_relid(name, namespace);
}

/* false on a schema older than 1.2 */
static bool
ReadGrace(TimestampTz as_of, ExpireGrace *grace)
{
	Oid			settings = SalesalgoRelation("settings");
	Oid			argtypes[2] = {TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		values[2];
	bool		isnull;

	if (!OidIsValid(settings) ||
		get_attnum(settings, "expire_grace") == InvalidAttrNumber ||
		get_attnum(settings, "expire_wait") == InvalidAttrNumber)
		return false;
	/* the grace runs from the real (or simulated) now, whatever as_of says */
	values[0] = TimestampTzGetDatum(as_of);
	values[1] = TimestampTzGetDatum(SalesNow());
	if (SPI_execute_with_args("SELECT LEAST($1, $2) OPERATOR(pg_catalog.-) s.expire_grace,"
							  " pg_catalog.ceil(pg_catalog.date_part('epoch', s.expire_wait)"
							  "   OPERATOR(pg_catalog.*) 1000)::integer,"
							  " s.expire_grace::text"
							  " FROM salesalgo.settings AS s",
							  2, argtypes, values, NULL, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not read salesalgo.settings");
	grace->cutoff = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[0],
													  SPI_tuptable->tupdesc, 1, &isnull));
	grace->wait_ms = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
												 SPI_tuptable->tupdesc, 2, &isnull));
	grace->grace_text = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
	return true;
}

typedef enum
{
	EXPIRED,					/* moved out of its worklist */
	NOT_DUE,					/* someone else moved it meanwhile */
	HELD						/* still held after the wait */
} Outcome;

/*
 * Locks one client and its manager, waiting at most wait_ms for each, and
 * moves it; a lock not granted in time rolls back the attempt only.
 */
static Outcome
TryExpire(int64 client_id, TimestampTz as_of, int wait_ms, Oid state_type,
		  Datum state, Datum reason, bool reason_null)
{
	MemoryContext context = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	Outcome		outcome = HELD;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(context);
	PG_TRY();
	{
		int			nest = NewGUCNestLevel();
		char		timeout[32];
		Oid			lock_types[2] = {INT8OID, TIMESTAMPTZOID};
		Datum		lock_values[2] = {Int64GetDatum(client_id), TimestampTzGetDatum(as_of)};
		Oid			move_types[3] = {INT8OID, state_type, TEXTOID};
		Datum		move_values[3] = {Int64GetDatum(client_id), state, reason};
		char		move_nulls[3] = {' ', ' ', reason_null ? 'n' : ' '};
		bool		isnull;
		Datum		manager;

		snprintf(timeout, sizeof(timeout), "%d", Max(wait_ms, 1));
		(void) set_config_option("lock_timeout", timeout, PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
		if (SPI_execute_with_args("SELECT c.manager_id FROM salesalgo.client AS c"
								  " WHERE c.id OPERATOR(pg_catalog.=) $1"
								  "   AND c.deadline_at OPERATOR(pg_catalog.<=) $2"
								  " FOR NO KEY UPDATE OF c",
								  2, lock_types, lock_values, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not lock client " INT64_FORMAT, client_id);
		if (SPI_processed == 0)
			outcome = NOT_DUE;
		else
		{
			manager = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
			if (!isnull &&
				SPI_execute_with_args("SELECT FROM salesalgo.manager AS m"
									  " WHERE m.id OPERATOR(pg_catalog.=) $1"
									  " FOR NO KEY UPDATE OF m",
									  1, lock_types, &manager, NULL, false, 0) != SPI_OK_SELECT)
				elog(ERROR, "could not lock the manager of client " INT64_FORMAT, client_id);
			if (SPI_execute_with_args("UPDATE salesalgo.client AS c"
									  " SET state = $2, refusal_reason = $3"
									  " WHERE c.id OPERATOR(pg_catalog.=) $1",
									  3, move_types, move_values, move_nulls, false, 0) != SPI_OK_UPDATE)
				elog(ERROR, "could not expire client " INT64_FORMAT, client_id);
			outcome = EXPIRED;
		}
		AtEOXact_GUC(true, nest);
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
		/* a holder waiting for a row this run moved is a deadlock: held too */
		if (error->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE &&
			error->sqlerrcode != ERRCODE_T_R_DEADLOCK_DETECTED)
			ReThrowError(error);
		FreeErrorData(error);
		outcome = HELD;
	}
	PG_END_TRY();
	return outcome;
}

/*
 * The transactions holding a client's row, or its manager's row.  The
 * expiry changes neither key, so a key-share lock (a foreign key's check,
 * such as a manager's insert into a table referencing the client) is no
 * hold.
 */
static void
HoldersOf(int64 client_id, RowHolders *holders)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(client_id)};
	bool		client_null;
	bool		manager_null;
	ItemPointerData client_tid;
	ItemPointerData manager_tid;
	Datum		tid;
	Relation	rel;

	ResetRowHolders(holders);

	if (SPI_execute_with_args("SELECT c.ctid, m.ctid FROM salesalgo.client AS c"
							  " LEFT JOIN salesalgo.manager AS m"
							  "   ON m.id OPERATOR(pg_catalog.=) c.manager_id"
							  " WHERE c.id OPERATOR(pg_catalog.=) $1",
							  1, argtypes, values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not find client " INT64_FORMAT, client_id);
	if (SPI_processed == 0)
		return;
	tid = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &client_null);
	if (!client_null)
		client_tid = *(ItemPointer) DatumGetPointer(tid);
	tid = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &manager_null);
	if (!manager_null)
		manager_tid = *(ItemPointer) DatumGetPointer(tid);

	if (!client_null)
	{
		rel = table_open(SalesalgoRelation("client"), AccessShareLock);
		AddRowHolders(rel, &client_tid, false, holders);
		table_close(rel, AccessShareLock);
	}
	if (!manager_null)
	{
		rel = table_open(SalesalgoRelation("manager"), AccessShareLock);
		AddRowHolders(rel, &manager_tid, false, holders);
		table_close(rel, AccessShareLock);
	}
}

/* A manager's login (SQL's login_scope() says whose clients it sees), name */
static bool
IsManagerLogin(Oid role, char **name)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(role)};
	bool		isnull;
	Datum		manager;

	*name = "a role that is gone";
	if (SPI_execute_with_args("SELECT r.rolname::text,"
							  " NOT r.rolsuper AND salesalgo.login_scope(r.rolname) IS NOT NULL"
							  " FROM pg_catalog.pg_roles AS r"
							  " WHERE r.oid OPERATOR(pg_catalog.=) $1",
							  1, argtypes, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not look up role %u", role);
	if (SPI_processed == 0)
		return false;
	*name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	manager = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	return !isnull && DatumGetBool(manager);
}

/* The gid of a prepared transaction, or NULL when it is gone */
static char *
PreparedGid(TransactionId xid)
{
	Oid			argtypes[1] = {XIDOID};
	Datum		values[1] = {TransactionIdGetDatum(xid)};

	if (SPI_execute_with_args("SELECT p.gid FROM pg_catalog.pg_prepared_xacts AS p"
							  " WHERE p.transaction OPERATOR(pg_catalog.=) $1",
							  1, argtypes, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not look up prepared transaction %u", xid);
	if (SPI_processed == 0)
		return NULL;
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

/* Says who held client_id past the grace and was waited for */
static void
ReportWaited(ExpireRun *run, const RowHolder *holder, int64 client_id)
{
	const char *sep = run->detail.len > 0 ? " " : "";
	Oid			role;
	char	   *name;

	if (holder->pid == 0)
	{
		char	   *gid = PreparedGid(holder->xid);

		appendStringInfo(&run->detail,
						 "%sPrepared transaction %s%s%s (transaction %u) held client " INT64_FORMAT " past the grace and was waited for; only COMMIT PREPARED or ROLLBACK PREPARED releases it.",
						 sep, gid ? "\"" : "", gid ? gid : "", gid ? "\"" : "",
						 holder->xid, client_id);
		AddRowHolder(&run->waited, holder->xid, holder->pid);
		return;
	}
	role = BackendRole(holder->pid);
	if (!OidIsValid(role))
		return;
	AddRowHolder(&run->waited, holder->xid, holder->pid);
	if (IsManagerLogin(role, &name))
		appendStringInfo(&run->detail,
						 "%sA session of manager login %s (pid %d) held client " INT64_FORMAT " past the grace and was waited for; it was not ended, as the role running sales_expire() may not end it (pg_terminate_backend()'s rule: it needs pg_signal_backend).",
						 sep, name, holder->pid, client_id);
	else
		appendStringInfo(&run->detail,
						 "%sA session of %s (pid %d), no manager's login, held client " INT64_FORMAT " past the grace and was waited for.",
						 sep, name, holder->pid, client_id);
}

/*
 * The clients overdue by more than the grace that the batches had to leave:
 * each is waited for; a manager login's session still holding it is ended
 * (if the runner may) and waited for once more; any other holder, an
 * application's session or a prepared transaction, is waited for once per
 * run, then its clients are left.  So a run waits at most about
 * expire_wait for each distinct holder, however many clients they hold.
 */
static void
ExpirePastGrace(ExpireRun *run, const ExpireGrace *grace, TimestampTz as_of,
				Oid state_type, Datum state, Datum reason, bool reason_null)
{
	Oid			argtypes[2] = {TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		values[2];
	int64	   *clients;
	uint64		nclients;
	RowHolders	holders;

	values[0] = TimestampTzGetDatum(grace->cutoff);
	values[1] = TimestampTzGetDatum(as_of);
	if (SPI_execute_with_args("SELECT c.id FROM salesalgo.client AS c"
							  " WHERE c.deadline_at OPERATOR(pg_catalog.<=) $1"
							  "   AND c.deadline_at OPERATOR(pg_catalog.<=) $2"
							  " ORDER BY c.deadline_at",
							  2, argtypes, values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not find the clients overdue past the grace");
	nclients = SPI_processed;
	clients = palloc(sizeof(int64) * Max(nclients, 1));
	for (uint64 i = 0; i < nclients; i++)
	{
		bool		isnull;

		clients[i] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
												 SPI_tuptable->tupdesc, 1, &isnull));
	}

	InitRowHolders(&holders);
	for (uint64 i = 0; i < nclients; i++)
	{
		bool		waited_all = true;
		bool		ended = false;
		Outcome		outcome;

		CHECK_FOR_INTERRUPTS();
		HoldersOf(clients[i], &holders);
		for (int h = 0; h < holders.n; h++)
			waited_all &= HasRowHolder(&run->waited, holders.items[h].xid);
		/* a hold nobody can be seen to have is waited for once per run */
		if (holders.n == 0)
			waited_all = run->waits > run->waited.n + run->ended.n;
		if (waited_all)
			outcome = HELD;
		else
		{
			run->waits++;
			outcome = TryExpire(clients[i], as_of, grace->wait_ms, state_type,
								state, reason, reason_null);
		}
		if (outcome == HELD && !waited_all)
		{
			HoldersOf(clients[i], &holders);
			for (int h = 0; h < holders.n; h++)
			{
				RowHolder  *holder = &holders.items[h];
				Oid			role = BackendRole(holder->pid);
				char	   *name;

				if (holder->pid == 0 || !OidIsValid(role))
					continue;
				if (HasRowHolder(&run->ended, holder->xid))
				{
					/* still on its way out: wait for it again */
					ended = true;
					continue;
				}
				if (IsManagerLogin(role, &name) && EndBackend(holder->pid, role))
				{
					ended = true;
					run->sessions_ended++;
					AddRowHolder(&run->ended, holder->xid, holder->pid);
					appendStringInfo(&run->detail,
									 "%sEnded the session of manager login %s (pid %d), which held client " INT64_FORMAT " past the grace.",
									 run->detail.len > 0 ? " " : "", name, holder->pid, clients[i]);
				}
			}
			if (ended)
				outcome = TryExpire(clients[i], as_of, grace->wait_ms, state_type,
									state, reason, reason_null);
		}
		if (outcome == EXPIRED)
			run->moved++;
		else if (outcome == HELD)
		{
			HoldersOf(clients[i], &holders);
			for (int h = 0; h < holders.n; h++)
				if (!HasRowHolder(&run->waited, holders.items[h].xid) &&
					!HasRowHolder(&run->ended, holders.items[h].xid))
					ReportWaited(run, &holders.items[h], clients[i]);
		}
	}
	pfree(clients);
}

/* Counts the overdue clients the run leaves: in the grace, and past it. */
static void
CountLeft(ExpireRun *run, TimestampTz as_of, const ExpireGrace *grace, bool have_grace)
{
	Oid			argtypes[2] = {TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		values[2];
	bool		isnull;

	values[0] = TimestampTzGetDatum(as_of);
	values[1] = TimestampTzGetDatum(have_grace ? grace->cutoff : DT_NOBEGIN);
	if (SPI_execute_with_args("SELECT pg_catalog.count(*),"
							  " pg_catalog.count(*) FILTER (WHERE c.deadline_at OPERATOR(pg_catalog.<=) $2)"
							  " FROM salesalgo.client AS c"
							  " WHERE c.deadline_at OPERATOR(pg_catalog.<=) $1",
							  2, argtypes, values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not count the clients sales_expire() left");
	run->skipped = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
											   SPI_tuptable->tupdesc, 1, &isnull));
	run->past_grace = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
												  SPI_tuptable->tupdesc, 2, &isnull));
}

/*
 * One row of expire_runs, written as the table's owner (nobody else may
 * write the log), keeping the last 1,000 runs.
 */
static void
LogRun(const ExpireRun *run, TimestampTz as_of)
{
	Oid			log = SalesalgoRelation("expire_runs");
	Oid			argtypes[7] = {TIMESTAMPTZOID, TIMESTAMPTZOID, INT8OID, INT8OID,
	INT8OID, INT4OID, TEXTOID};
	Datum		values[7];
	char		nulls[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};
	Oid			saved_userid;
	int			saved_context;

	if (!OidIsValid(log))
		return;
	values[0] = TimestampTzGetDatum(SalesNow());
	values[1] = TimestampTzGetDatum(as_of);
	values[2] = Int64GetDatum(run->moved);
	values[3] = Int64GetDatum(run->skipped);
	values[4] = Int64GetDatum(run->past_grace);
	values[5] = Int32GetDatum(run->sessions_ended);
	if (run->detail.len > 0)
		values[6] = CStringGetTextDatum(run->detail.data);
	else
		nulls[6] = 'n';

	GetUserIdAndSecContext(&saved_userid, &saved_context);
	SetUserIdAndSecContext(RelationOwner(log),
						   saved_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	if (SPI_execute_with_args("WITH logged AS ("
							  "  INSERT INTO salesalgo.expire_runs"
							  "   (run_at, as_of, moved, skipped, overdue_past_grace, sessions_ended, detail)"
							  "  VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id)"
							  " DELETE FROM salesalgo.expire_runs AS r"
							  " WHERE r.id OPERATOR(pg_catalog.<=)"
							  "   (SELECT logged.id OPERATOR(pg_catalog.-) 1000 FROM logged)",
							  7, argtypes, values, nulls, false, 0) < 0)
		elog(ERROR, "could not log the run in salesalgo.expire_runs");
	SetUserIdAndSecContext(saved_userid, saved_context);
}

static void
ReportRun(const ExpireRun *run, const ExpireGrace *grace, bool have_grace)
{
	StringInfoData detail;

	if (run->skipped == 0 && run->sessions_ended == 0)
		return;
	initStringInfo(&detail);
	appendStringInfo(&detail, "Moved " INT64_FORMAT ".", run->moved);
	if (run->past_grace > 0)
		appendStringInfo(&detail, " " INT64_FORMAT " of those left are overdue by more than settings.expire_grace (%s).",
						 run->past_grace, grace->grace_text);
	else if (run->skipped > 0 && have_grace)
		appendStringInfo(&detail, " Those left are overdue by less than settings.expire_grace (%s): a later run expires them.",
						 grace->grace_text);
	else if (run->skipped > 0)
		appendStringInfoString(&detail, " A later run expires them.");
	if (run->detail.len > 0)
		appendStringInfo(&detail, " %s", run->detail.data);

	if (run->skipped == 0)
		ereport(NOTICE,
				(errmsg_plural("sales_expire() ended %d session that held clients past the grace",
							   "sales_expire() ended %d sessions that held clients past the grace",
							   run->sessions_ended, run->sessions_ended),
				 errdetail_internal("%s", detail.data)));
	else
		ereport(run->past_grace > 0 ? WARNING : NOTICE,
				(errmsg_plural("sales_expire() left " INT64_FORMAT " overdue client that another session holds",
							   "sales_expire() left " INT64_FORMAT " overdue clients that other sessions hold",
							   run->skipped, run->skipped),
				 errdetail_internal("%s", detail.data),
				 run->past_grace > 0 ?
				 errhint("Only a manager's login's session is ended; look for the others in pg_stat_activity.") : 0));
	pfree(detail.data);
}

PG_FUNCTION_INFO_V1(sales_expire);
Datum
sales_expire(PG_FUNCTION_ARGS)
{
	const SalesRules *rules;
	TimestampTz as_of;
	int			batch_size;
	ExpireRun	run;
	ExpireGrace grace;
	bool		have_grace;
	ChangeSource previous;
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	SPIPlanPtr	plan;
	Oid			state_type;
	ArrayBuildState *left_behind;

	PreventCommandIfReadOnly("sales_expire()");
	rules = GetSalesRules();
	as_of = PG_ARGISNULL(0) ? SalesNow() : PG_GETARG_TIMESTAMPTZ(0);
	batch_size = PG_ARGISNULL(1) ? rules->expire_batch_size : PG_GETARG_INT32(1);
	if (batch_size <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("batch size must be positive, not %d", batch_size)));

	memset(&run, 0, sizeof(run));
	initStringInfo(&run.detail);
	InitRowHolders(&run.waited);
	InitRowHolders(&run.ended);
	/* the clients this run locked but could not move: their manager was busy */
	left_behind = initArrayResult(INT8OID, CurrentMemoryContext, false);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	state_type = ClientStateTypeOid();
	plan = BatchPlan(state_type);
	have_grace = ReadGrace(as_of, &grace);

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
					run.moved++;
				else
					accumArrayResult(left_behind,
									 SPI_getbinval(row, SPI_tuptable->tupdesc, 1, &isnull),
									 false, INT8OID, CurrentMemoryContext);
			}
			CHECK_FOR_INTERRUPTS();
		} while (due == (uint64) batch_size);

		if (have_grace)
			ExpirePastGrace(&run, &grace, as_of, state_type, values[3], values[4],
							nulls[4] == 'n');
	}
	PG_FINALLY();
	{
		RestoreChangeSource(previous);
	}
	PG_END_TRY();

	CountLeft(&run, as_of, &grace, have_grace);
	ReportRun(&run, &grace, have_grace);
	if (have_grace)
		LogRun(&run, as_of);
	SPI_finish();
	PG_RETURN_INT64(run.moved);
}
