/*
 * guard.h
 *	  Who may write what salesalgo keeps: its own code, a dump being
 *	  restored, nobody else; and where salesalgo's trigger functions run:
 *	  on their own tables only.
 */
#ifndef SALESALGO_GUARD_H
#define SALESALGO_GUARD_H

#include "commands/trigger.h"
#include "utils/rel.h"

#include "restore.h"

extern TriggerData *TriggerCallOf(FunctionCallInfo fcinfo, const char *name);
extern TriggerData *OwnTriggerCallOf(FunctionCallInfo fcinfo, const char *function,
									 const char *table);
extern int	ColumnOfType(Relation rel, const char *column, Oid type);

#endif							/* SALESALGO_GUARD_H */
