/*
 * row_holders.h
 *	  The sessions that hold a row lock, and ending one (expiry's grace).
 */
#ifndef SALESALGO_ROW_HOLDERS_H
#define SALESALGO_ROW_HOLDERS_H

#include "storage/itemptr.h"
#include "utils/rel.h"

#define MAX_ROW_HOLDERS 16

/*
 * Adds to pids the backends whose transactions hold the row at tid of rel
 * in a mode that conflicts with FOR UPDATE (for_update) or FOR NO KEY
 * UPDATE; returns the new count.  The current transaction is not counted.
 */
extern int	AddRowHolders(Relation rel, ItemPointer tid, bool for_update,
						  int *pids, int npids);

/* The role a backend logged in as; InvalidOid when it is gone. */
extern Oid	BackendRole(int pid);

/*
 * Ends a backend as pg_terminate_backend() does, if it is still logged in
 * as role and role is no superuser; false if it was not ended.
 */
extern bool EndBackend(int pid, Oid role);

#endif							/* SALESALGO_ROW_HOLDERS_H */
