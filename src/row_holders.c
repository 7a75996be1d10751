/*
 * row_holders.c
 *	  Who holds a row: the sessions sales_expire() waits for, and may end,
 *	  when an expiry is overdue by more than its grace.
 *
 * A row lock lives in the row itself (xmax, or a MultiXact of several
 * lockers), not in pg_locks, until someone waits for it; the holders are
 * found the way pgrowlocks finds them, from the tuple header, and mapped to
 * backends by their top-level transaction.  Ending a session is what
 * pg_terminate_backend() does (SIGTERM), with its privilege check: a
 * superuser's session never, another only by a member of
 * pg_signal_backend or of the session's role; the caller, sales_expire(),
 * decides that the session is a manager login's.
 */
#include "postgres.h"

#include <signal.h>

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/multixact.h"
#include "access/subtrans.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "utils/acl.h"
#include "utils/snapmgr.h"

#include "row_holders.h"

void
InitRowHolders(RowHolders *holders)
{
	holders->size = 16;
	holders->n = 0;
	holders->items = palloc(sizeof(RowHolder) * holders->size);
}

void
ResetRowHolders(RowHolders *holders)
{
	holders->n = 0;
}

bool
HasRowHolder(const RowHolders *holders, TransactionId xid)
{
	for (int i = 0; i < holders->n; i++)
		if (TransactionIdEquals(holders->items[i].xid, xid))
			return true;
	return false;
}

void
AddRowHolder(RowHolders *holders, TransactionId xid, int pid)
{
	if (HasRowHolder(holders, xid))
		return;
	if (holders->n == holders->size)
	{
		holders->size *= 2;
		holders->items = repalloc(holders->items, sizeof(RowHolder) * holders->size);
	}
	holders->items[holders->n].xid = xid;
	holders->items[holders->n].pid = pid;
	holders->n++;
}

static void
AddHolder(TransactionId xid, RowHolders *holders)
{
	TransactionId top;
	int			pid;

	if (!TransactionIdIsValid(xid) || TransactionIdIsCurrentTransactionId(xid) ||
		!TransactionIdIsInProgress(xid))
		return;
	top = SubTransGetTopmostTransaction(xid);
	/* 0 for a prepared transaction: it holds the row with no backend */
	pid = BackendXidGetPid(top);
	if (pid == MyProcPid)
		return;
	AddRowHolder(holders, top, pid);
}

void
AddRowHolders(Relation rel, ItemPointer tid, bool for_update, RowHolders *holders)
{
	HeapTupleData tuple;
	Buffer		buffer;
	uint16		infomask;
	TransactionId xmax;

	tuple.t_self = *tid;
	if (!heap_fetch(rel, SnapshotAny, &tuple, &buffer, true))
	{
		if (BufferIsValid(buffer))
			ReleaseBuffer(buffer);
		return;
	}
	LockBuffer(buffer, BUFFER_LOCK_SHARE);
	infomask = tuple.t_data->t_infomask;
	xmax = HeapTupleHeaderGetRawXmax(tuple.t_data);
	LockBuffer(buffer, BUFFER_LOCK_UNLOCK);
	ReleaseBuffer(buffer);

	if (infomask & HEAP_XMAX_INVALID)
		return;
	if (infomask & HEAP_XMAX_IS_MULTI)
	{
		MultiXactMember *members;
		int			nmembers;

		nmembers = GetMultiXactIdMembers(xmax, &members, false,
										 HEAP_XMAX_IS_LOCKED_ONLY(infomask));
		for (int i = 0; i < nmembers; i++)
			/* a key-share lock (a foreign key's check) lets FOR NO KEY UPDATE in */
			if (for_update || members[i].status != MultiXactStatusForKeyShare)
				AddHolder(members[i].xid, holders);
		if (nmembers > 0)
			pfree(members);
		return;
	}
	if (!for_update && HEAP_XMAX_IS_KEYSHR_LOCKED(infomask))
		return;
	AddHolder(xmax, holders);
}

Oid
BackendRole(int pid)
{
	PGPROC	   *proc = BackendPidGetProc(pid);

	return proc == NULL ? InvalidOid : proc->roleId;
}

bool
EndBackend(int pid, Oid role)
{
	PGPROC	   *proc = BackendPidGetProc(pid);

	if (proc == NULL || proc->roleId != role || !OidIsValid(role) ||
		superuser_arg(role))
		return false;
	/* pg_terminate_backend()'s rule: the runner gets no more than it has */
	if (!has_privs_of_role(GetUserId(), role) &&
		!has_privs_of_role(GetUserId(), ROLE_PG_SIGNAL_BACKEND))
		return false;
#ifdef HAVE_SETSID
	if (kill(-pid, SIGTERM) == 0)
		return true;
#endif
	return kill(pid, SIGTERM) == 0;
}
