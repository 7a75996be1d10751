/*
 * worklist.h
 *	  The cap on a manager's worklist (R6).
 */
#ifndef SALESALGO_WORKLIST_H
#define SALESALGO_WORKLIST_H

#include "utils/rel.h"

/*
 * A client leaves one manager's worklist, enters another's, or both; 0 for
 * none (manager ids are positive).  Caller is connected to SPI.
 */
extern void MoveInWorklists(Relation client_rel, int64 client_id,
							const char *client_name,
							int64 leaves_manager, int64 enters_manager);

#endif							/* SALESALGO_WORKLIST_H */
