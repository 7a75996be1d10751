/*
 * events.c
 *	  Live events for dashboards and applications: a doorbell, not a feed.
 *
 * A transaction that wrote history while settings.notify_events is on
 * sends one notification on channel salesalgo_events when it commits,
 *
 *	  {"last_history_id": 1234}
 *
 * the newest history id drawn in the cluster when it commits (not
 * necessarily its own: ids are drawn by every session, and currval() is
 * neither defined in a session that wrote no history nor rolled back with a
 * savepoint).  A listener reads client_history after the last id it has
 * read, under its own privileges: the notification carries
 * no client data and is a hint to read, never a fact (anyone may LISTEN on
 * a channel or NOTIFY it).  One notification per transaction, whatever it
 * changed, so a million-row update does not fill the notify queue.
 *
 * The notification is queued at PRE_COMMIT, after the transaction's last
 * statement, so a transaction that is prepared for two-phase commit queues
 * none and PREPARE TRANSACTION works; its changes are read by the next
 * doorbell's listener.  NOTIFY costs every committing transaction a
 * cluster-wide lock held through its WAL flush, hence the setting, off by
 * default.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/async.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "events.h"

/*
 * The outermost (sub)transaction nesting level that asked for a bell, 0 for
 * none: a savepoint rolled back takes its request with it, one released
 * hands it to its parent.
 */
static int	ring_level = 0;
static bool callback_registered = false;

/*
 * The newest id drawn from the history sequence, by any session; it is read
 * as the sequence's owner, since the writer of the history may hold no
 * privilege on it.  NULL when the sequence is gone (a DBA's doing; the bell
 * rings anyway) or has never been drawn from.
 */
static void
AppendLastHistoryId(StringInfo buf)
{
	Oid			namespace = get_namespace_oid("salesalgo", true);
	Oid			sequence;
	HeapTuple	tuple;
	Oid			owner;
	Oid			saved_userid;
	int			saved_context;
	LOCAL_FCINFO(fcinfo, 1);
	Datum		last;

	sequence = OidIsValid(namespace) ?
		get_relname_relid("client_history_id_seq", namespace) : InvalidOid;
	tuple = OidIsValid(sequence) ?
		SearchSysCache1(RELOID, ObjectIdGetDatum(sequence)) : NULL;
	if (!HeapTupleIsValid(tuple))
	{
		appendStringInfoString(buf, "null");
		return;
	}
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);

	GetUserIdAndSecContext(&saved_userid, &saved_context);
	SetUserIdAndSecContext(owner, saved_context | SECURITY_LOCAL_USERID_CHANGE);
	InitFunctionCallInfoData(*fcinfo, NULL, 1, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = ObjectIdGetDatum(sequence);
	fcinfo->args[0].isnull = false;
	last = pg_sequence_last_value(fcinfo);
	SetUserIdAndSecContext(saved_userid, saved_context);
	if (fcinfo->isnull)
		appendStringInfoString(buf, "null");
	else
		appendStringInfo(buf, INT64_FORMAT, DatumGetInt64(last));
}

static void
RingDoorbell(XactEvent event, void *arg)
{
	StringInfoData payload;

	if (ring_level == 0)
		return;
	if (event != XACT_EVENT_PRE_COMMIT)
	{
		/* aborted, prepared or committed elsewhere: nothing to ring */
		if (event != XACT_EVENT_PARALLEL_PRE_COMMIT &&
			event != XACT_EVENT_PRE_PREPARE)
			ring_level = 0;
		return;
	}
	ring_level = 0;
	initStringInfo(&payload);
	appendStringInfoString(&payload, "{\"last_history_id\": ");
	AppendLastHistoryId(&payload);
	appendStringInfoChar(&payload, '}');
	Async_Notify(EVENTS_CHANNEL, payload.data);
	pfree(payload.data);
}

static void
KeepOrDropBell(SubXactEvent event, SubTransactionId mySubid,
			   SubTransactionId parentSubid, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();

	if (ring_level < level)
		return;
	if (event == SUBXACT_EVENT_ABORT_SUB)
		ring_level = 0;
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
		ring_level = level - 1;
}

/* The current (sub)transaction wrote history with events on. */
void
RingAtCommit(void)
{
	int			level = GetCurrentTransactionNestLevel();

	if (!callback_registered)
	{
		RegisterXactCallback(RingDoorbell, NULL);
		RegisterSubXactCallback(KeepOrDropBell, NULL);
		callback_registered = true;
	}
	if (ring_level == 0 || level < ring_level)
		ring_level = level;
}
