/*
 * internal_write.h
 *	  salesalgo's own writes (history rows, in_work counts), made by the
 *	  executor as the user who made the change.
 */
#ifndef SALESALGO_INTERNAL_WRITE_H
#define SALESALGO_INTERNAL_WRITE_H

#include "executor/tuptable.h"
#include "nodes/bitmapset.h"
#include "nodes/nodes.h"
#include "utils/rel.h"

/* One statement's writes to one of salesalgo's tables. */
typedef struct SalesWrite SalesWrite;

/*
 * columns: the attribute numbers the caller sets (an INSERT's other columns
 * get their defaults) or changes (an UPDATE's, for the triggers' UPDATE OF).
 */
extern SalesWrite *BeginSalesWrite(Relation rel, CmdType command,
								   Bitmapset *columns);
extern bool SalesInsert(SalesWrite *write, Datum *values, bool *isnull);
extern TupleTableSlot *SalesLockRow(SalesWrite *write, int64 key);
extern TupleTableSlot *SalesUpdate(SalesWrite *write, Datum *values,
								   bool *isnull);
extern Snapshot SalesWriteSnapshot(SalesWrite *write);
extern void EndSalesWrite(SalesWrite *write);

/* For the guards: is this salesalgo's own write of rel (and of row tid)? */
extern bool ClaimSalesWrite(Relation rel, ItemPointer tid);

#endif							/* SALESALGO_INTERNAL_WRITE_H */
