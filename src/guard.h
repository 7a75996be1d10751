/*
 * guard.h
 *	  Who may write what salesalgo keeps: its own code, a dump being
 *	  restored, nobody else.
 */
#ifndef SALESALGO_GUARD_H
#define SALESALGO_GUARD_H

#include "commands/trigger.h"
#include "utils/rel.h"

#include "restore.h"

extern void BecomeOwner(Oid owner, Oid *saved_userid, int *saved_context);
extern void InitGuards(void);
extern TriggerData *TriggerCallOf(FunctionCallInfo fcinfo, const char *name);
extern void SanctionDeadlineChange(int64 client_id);
extern void EndDeadlineChange(void);
extern bool DeadlineChangeSanctioned(int64 client_id);

#endif							/* SALESALGO_GUARD_H */
