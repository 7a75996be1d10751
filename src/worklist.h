/*
 * worklist.h
 *	  The cap on a manager's worklist (R6).
 */
#ifndef SALESALGO_WORKLIST_H
#define SALESALGO_WORKLIST_H

#include "utils/rel.h"

/* What one statement does to the worklists, manager by manager. */
typedef struct WorklistChanges WorklistChanges;

extern WorklistChanges *BeginWorklistChanges(void);
extern void CountEntering(WorklistChanges *changes, int64 manager_id,
						  int64 client_id);
extern void CountLeaving(WorklistChanges *changes, int64 manager_id);

extern void ApplyWorklistChanges(Relation client_rel, WorklistChanges *changes);
extern void EmptyWorklists(Relation client_rel);

#endif							/* SALESALGO_WORKLIST_H */
