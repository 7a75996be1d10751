/*
 * row_holders.c
 *	  Who holds a row: the sessions sales_expire() waits for, and may end,
 *	  when an expiry is overdue by more than its grace.
 *
 * A row lock lives in the row itself (xmax, or a MultiXact of several
 * lockers), not in pg_locks, until someone waits for it; the holders are
 * found the way pgrowlocks finds them, from the tuple header, and mapped to
 * backends by their top-level transaction.  Ending a session is what
 * pg_terminate_backend() does (SIGTERM), without its privilege check: the
 * caller, sales_expire(), decides that the session is a manager login's and
 * never ends a superuser's.
 */
#include "postgres.h"

#include <signal.h>

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/multixact.h"
#include "access/subtrans.h"
#include "access/transam.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "utils/snapmgr.h"

#include "row_holders.h"

static int
AddHolder(TransactionId xid, int *pids, int npids)
{
	int			pid;

	if (!TransactionIdIsValid(xid) || TransactionIdIsCurrentTransactionId(xid) ||
		!TransactionIdIsInProgress(xid))
		return npids;
	pid = BackendXidGetPid(SubTransGetTopmostTransaction(xid));
	if (pid == 0 || pid == MyProcPid)
		return npids;
	for (int i = 0; i < npids; i++)
		if (pids[i] == pid)
			return npids;
	if (npids < MAX_ROW_HOLDERS)
		pids[npids++] = pid;
	return npids;
}

int
AddRowHolders(Relation rel, ItemPointer tid, bool for_update, int *pids, int npids)
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
		return npids;
	}
	LockBuffer(buffer, BUFFER_LOCK_SHARE);
	infomask = tuple.t_data->t_infomask;
	xmax = HeapTupleHeaderGetRawXmax(tuple.t_data);
	LockBuffer(buffer, BUFFER_LOCK_UNLOCK);
	ReleaseBuffer(buffer);

	if (infomask & HEAP_XMAX_INVALID)
		return npids;
	if (infomask & HEAP_XMAX_IS_MULTI)
	{
		MultiXactMember *members;
		int			nmembers;

		nmembers = GetMultiXactIdMembers(xmax, &members, false,
										 HEAP_XMAX_IS_LOCKED_ONLY(infomask));
		for (int i = 0; i < nmembers; i++)
			/* a key-share lock (a foreign key's check) lets FOR NO KEY UPDATE in */
			if (for_update || members[i].status != MultiXactStatusForKeyShare)
				npids = AddHolder(members[i].xid, pids, npids);
		if (nmembers > 0)
			pfree(members);
		return npids;
	}
	if (!for_update && HEAP_XMAX_IS_KEYSHR_LOCKED(infomask))
		return npids;
	return AddHolder(xmax, pids, npids);
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
#ifdef HAVE_SETSID
	if (kill(-pid, SIGTERM) == 0)
		return true;
#endif
	return kill(pid, SIGTERM) == 0;
}
