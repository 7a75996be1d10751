/*
 * internal_write.h
 *	  The mark on salesalgo's own writes of what it keeps (a manager's
 *	  in_work, the client history), which nobody else may write.
 */
#ifndef SALESALGO_INTERNAL_WRITE_H
#define SALESALGO_INTERNAL_WRITE_H

#include "utils/rel.h"

extern void BeginInternalWrite(Relation rel, Oid *saved_userid, int *saved_context);
extern void EndInternalWrite(Oid saved_userid, int saved_context);
extern bool InternalWrite(void);

#endif							/* SALESALGO_INTERNAL_WRITE_H */
