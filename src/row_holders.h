/*
 * row_holders.h
 *	  The sessions that hold a row lock, and ending one (expiry's grace).
 */
#ifndef SALESALGO_ROW_HOLDERS_H
#define SALESALGO_ROW_HOLDERS_H

#include "storage/itemptr.h"
#include "utils/rel.h"

/*
 * A transaction holding a row: its top-level xid, and its backend, 0 for a
 * prepared transaction, which has none.
 */
typedef struct RowHolder
{
	TransactionId xid;
	int			pid;
} RowHolder;

/* A growable set of holders, in the order found */
typedef struct RowHolders
{
	RowHolder  *items;
	int			n;
	int			size;
} RowHolders;

extern void InitRowHolders(RowHolders *holders);
extern void ResetRowHolders(RowHolders *holders);
extern bool HasRowHolder(const RowHolders *holders, TransactionId xid);
extern void AddRowHolder(RowHolders *holders, TransactionId xid, int pid);

/*
 * Adds the transactions that hold the row at tid of rel in a mode that
 * conflicts with FOR UPDATE (for_update) or FOR NO KEY UPDATE.  The
 * current transaction is not counted.
 */
extern void AddRowHolders(Relation rel, ItemPointer tid, bool for_update,
						  RowHolders *holders);

/* The role a backend logged in as; InvalidOid when it is gone. */
extern Oid	BackendRole(int pid);

/*
 * Ends a backend as pg_terminate_backend() does, if it is still logged in
 * as role, role is no superuser, and the current user may signal it as
 * pg_terminate_backend() would let it; false if it was not ended.
 */
extern bool EndBackend(int pid, Oid role);

#endif							/* SALESALGO_ROW_HOLDERS_H */
