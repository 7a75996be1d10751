/*
 * events.c
 *	  Live events for dashboards and applications: a doorbell, not a feed.
 *
 * A transaction that wrote history while settings.notify_events is on
 * sends one notification on channel salesalgo_events when it commits,
 *
 *	  {"last_history_id": 1234}
 *
 * the last history id it wrote.  A listener reads client_history after the
 * last id it has read, under its own privileges: the notification carries
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

static bool ring_at_commit = false;
static bool callback_registered = false;

/*
 * The history ids come from the sequence this session drew them from; it is
 * read as its owner, since the writer of the history may hold no privilege
 * on it.  NULL when the sequence is gone (a DBA's doing; the bell rings
 * anyway).
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
	int64		last;

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
	last = DatumGetInt64(DirectFunctionCall1(currval_oid, ObjectIdGetDatum(sequence)));
	SetUserIdAndSecContext(saved_userid, saved_context);
	appendStringInfo(buf, INT64_FORMAT, last);
}

static void
RingDoorbell(XactEvent event, void *arg)
{
	StringInfoData payload;

	if (!ring_at_commit)
		return;
	if (event != XACT_EVENT_PRE_COMMIT)
	{
		/* aborted, prepared or committed elsewhere: nothing to ring */
		if (event != XACT_EVENT_PARALLEL_PRE_COMMIT &&
			event != XACT_EVENT_PRE_PREPARE)
			ring_at_commit = false;
		return;
	}
	ring_at_commit = false;
	initStringInfo(&payload);
	appendStringInfoString(&payload, "{\"last_history_id\": ");
	AppendLastHistoryId(&payload);
	appendStringInfoChar(&payload, '}');
	Async_Notify(EVENTS_CHANNEL, payload.data);
	pfree(payload.data);
}

/* The current transaction wrote history with events on. */
void
RingAtCommit(void)
{
	if (!callback_registered)
	{
		RegisterXactCallback(RingDoorbell, NULL);
		callback_registered = true;
	}
	ring_at_commit = true;
}
