/*
 * rules.h
 *	  The rule tables a DBA edits (transition_rule, deadline_rule,
 *	  refusal_reason, settings), read through a per-backend cache.
 */
#ifndef SALESALGO_RULES_H
#define SALESALGO_RULES_H

#include "types.h"

typedef struct SalesRules
{
	bool		may_create[CLIENT_STATE_COUNT];
	bool		may_move[CLIENT_STATE_COUNT][CLIENT_STATE_COUNT];
	int			default_worklist_cap;
	ClientState expire_state;
	const char *expire_reason;	/* NULL when none is configured */
	int			expire_batch_size;
	bool		notify_events;
} SalesRules;

extern void InitRulesCache(void);
extern const SalesRules *GetSalesRules(void);
extern int	DeadlineDays(ClientSize size, bool has_category, int64 category_id);
extern bool RefusalReasonIsHard(const char *code);
extern char *DescribeMoves(const SalesRules *rules, bool creation,
						   ClientState from);

#endif							/* SALESALGO_RULES_H */
